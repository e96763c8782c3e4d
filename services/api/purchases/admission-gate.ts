import { checkAdmission } from '../../waiting-room/admission-token.js';
import { type HttpAnswer, problemAnswer } from './answers.js';

/** A purchase its token does not admit: the answer, and whether a retry of a sale made in time may still get its order (the token only lapsed). */
export interface AdmissionRefusal {
  answer: HttpAnswer;
  lapsed: boolean;
}

/**
 * The refusal of a purchase of a SKU with a waiting room that its token does
 * not admit, or undefined when it does. Checked with the secret alone: no
 * store is asked, so a line whose Redis is down still lets its admitted
 * buyers buy.
 */
export function admissionRefusal(secret: Buffer, purchase: { sku: string; userId: string; idempotencyKey: string }, token: string | undefined, now: number): AdmissionRefusal | undefined {
  const line = `/v1/skus/${purchase.sku}/line`;
  if (token === undefined) {
    return { answer: problemAnswer({ code: 'admission_required', detail: `${purchase.sku} sells through its waiting room: POST ${line}, poll the ticket, and buy with the Admission-Token it gives.`, extensions: { line } }), lapsed: false };
  }
  const checked = checkAdmission(secret, token, purchase, now);
  if (checked.ok) return undefined;
  return { answer: problemAnswer({ code: 'admission_invalid', detail: `The Admission-Token does not admit this purchase: ${checked.reason}.`, extensions: { line } }), lapsed: checked.lapsed === true };
}
