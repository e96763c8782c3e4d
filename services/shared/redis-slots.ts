// Redis Cluster's key-to-slot rule, computed here so keys can be placed
// before they are sent: CRC16 (XMODEM) of the hash tag (the part between the
// first '{' and the next '}', when not empty) or of the whole key, mod 16,384.
// Checked against the server's own CLUSTER KEYSLOT in cluster-keys.test.ts.

export const clusterSlots = 16_384;

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const encoder = new TextEncoder();

/** The slot Redis Cluster puts a key in. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(encoder.encode(hashed)) % clusterSlots;
}
