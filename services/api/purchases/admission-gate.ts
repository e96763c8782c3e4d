import { checkAdmission } from '../../waiting-room/admission-token.js';
import { type HttpAnswer, problemAnswer } from './answers.js';

/**
 * The answer to a purchase of a SKU with a waiting room that its token does
 * not admit, or undefined when it does. Checked with the secret alone: no
 * store is asked, so a line whose Redis is down still lets its admitted
 * buyers buy.
 */
export function admissionRefusal(secret: Buffer, purchase: { sku: string; userId: string; idempotencyKey: string }, token: string | undefined, now: number): HttpAnswer | undefined {
  const line = `/v1/skus/${purchase.sku}/line`;
  if (token === undefined) {
    return problemAnswer({ code: 'admission_required', detail: `${purchase.sku} sells through its waiting room: POST ${line}, poll the ticket, and buy with the Admission-Token it gives.`, extensions: { line } });
  }
  const checked = checkAdmission(secret, token, purchase, now);
  if (checked.ok) return undefined;
  return problemAnswer({ code: 'admission_invalid', detail: `The Admission-Token does not admit this purchase: ${checked.reason}.`, extensions: { line } });
}
