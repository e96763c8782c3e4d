import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * An admission token: who was let in (buyer, SKU, the one Idempotency-Key
 * its purchase must carry) and until when, signed with HMAC-SHA256. Any API
 * process checks it with the shared secret alone, no store round trip.
 * It admits one order: the key it names is the order's unique key, so a
 * second purchase with it replays the first, and one with another key is
 * refused.
 */
export interface Admission {
  sku: string;
  userId: string;
  /** The purchase's Idempotency-Key: the ticket's id. */
  idempotencyKey: string;
  /** Epoch ms. */
  expiresAt: number;
}

const version = 'v1';

const mac = (secret: Buffer, payload: string): Buffer => createHmac('sha256', secret).update(`${version}.${payload}`).digest();

export function signAdmission(secret: Buffer, admission: Admission): string {
  const payload = Buffer.from(JSON.stringify([admission.sku, admission.userId, admission.idempotencyKey, admission.expiresAt])).toString('base64url');
  return `${version}.${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** Refused: why; `lapsed` when the token is ours and for this very purchase, only past its end (a retry of a sale made in time finds its order). */
export type AdmissionCheck = { ok: true; admission: Admission } | { ok: false; reason: string; lapsed?: true };

/** The token's admission if it is ours, unexpired, and for this buyer, SKU and key. */
export function checkAdmission(secret: Buffer, token: string, want: { sku: string; userId: string; idempotencyKey: string }, now: number): AdmissionCheck {
  const [tokenVersion, payload, signature, ...rest] = token.split('.');
  if (tokenVersion !== version || payload === undefined || signature === undefined || rest.length > 0) return { ok: false, reason: 'it is not an admission token' };
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'its signature does not match' };
  const fields: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (!Array.isArray(fields) || fields.length !== 4) return { ok: false, reason: 'it is not an admission token' };
  const [sku, userId, idempotencyKey, expiresAt] = fields as unknown[];
  if (typeof sku !== 'string' || typeof userId !== 'string' || typeof idempotencyKey !== 'string' || typeof expiresAt !== 'number') return { ok: false, reason: 'it is not an admission token' };
  if (sku !== want.sku) return { ok: false, reason: `it admits to ${sku}, not ${want.sku}` };
  if (userId !== want.userId) return { ok: false, reason: 'it admits another buyer' };
  if (idempotencyKey !== want.idempotencyKey) return { ok: false, reason: `it admits one purchase, whose Idempotency-Key is ${idempotencyKey}` };
  if (now >= expiresAt) return { ok: false, reason: `it expired at ${new Date(expiresAt).toISOString()}; join the line again`, lapsed: true };
  return { ok: true, admission: { sku, userId, idempotencyKey, expiresAt } };
}

/** ADMISSION_SECRET, or one derived from ADMIN_TOKEN (every process of a deployment shares it). */
export function admissionSecret(config: { ADMISSION_SECRET?: string | undefined; ADMIN_TOKEN: string }): Buffer {
  return config.ADMISSION_SECRET !== undefined ? Buffer.from(config.ADMISSION_SECRET) : createHmac('sha256', config.ADMIN_TOKEN).update('admission tokens').digest();
}
