// Redis Cluster's key-to-slot rule, computed here so keys can be placed
// before they are sent: CRC16 (XMODEM) of the hash tag (the part between the
// first '{' and the next '}', when not empty) or of the whole key, mod 16,384.
// Checked against the server's own CLUSTER KEYSLOT in redis-cluster.test.ts.

export const clusterSlots = 16_384;

function crc16(length: number, byteAt: (index: number) => number): number {
  let crc = 0;
  for (let i = 0; i < length; i += 1) {
    crc ^= byteAt(i) << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const encoder = new TextEncoder();
const isAscii = (text: string): boolean => !/[^\x00-\x7f]/.test(text);

/** The slot Redis Cluster puts a key in. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  // Keys are built on every purchase: an ASCII text (every SKU code, schemas/purchase.ts) is its own UTF-8, read without encoding a copy.
  if (isAscii(hashed)) return crc16(hashed.length, (i) => hashed.charCodeAt(i)) % clusterSlots;
  const bytes = encoder.encode(hashed);
  return crc16(bytes.length, (i) => bytes[i] ?? 0) % clusterSlots;
}
