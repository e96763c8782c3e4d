import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Log } from '../../shared/log.js';
import { claimKey, completeKey, findKey, releaseKey, takeOverStaleKey } from '../../../db/queries/idempotency.js';
import { findOrderByIdempotencyKey } from '../../../db/queries/orders.js';
import type { Database, IdempotencyRecord } from '../../../db/schema.js';
import { classifyDependencyFailure } from '../../shared/dependency-errors.js';
import type { Strategy } from '../../strategies/strategy.js';
import { problemBody } from '../problem.js';
import { answerFor, answerFromOrder, contendedAnswer, type HttpAnswer, type PurchaseFacts, unavailableAnswer } from './answers.js';

export interface PurchaseFlowDeps {
  db: Kysely<Database>;
  log: Log;
  idempotencyStaleMs: number;
}

export interface PurchaseCommand extends PurchaseFacts {
  idempotencyKey: string;
}

export interface PurchaseResult {
  answer: HttpAnswer;
  /** Metrics label: the strategy's outcome, or what the idempotency guard did. */
  outcome: string;
}

/** Same key with a different body must be told apart; the strategy is a processing choice, not part of the body. */
export function requestHash(command: PurchaseCommand): string {
  return createHash('sha256').update(JSON.stringify([command.sku, command.userId, command.quantity])).digest('base64url');
}

type Claim = { kind: 'claimed'; takenOver: boolean } | { kind: 'answered'; result: PurchaseResult };

function replay(record: IdempotencyRecord): PurchaseResult {
  const headers: Record<string, string> = { 'idempotent-replayed': 'true' };
  const body = record.response_body;
  if (record.response_status === 202 && typeof body === 'object' && body !== null && 'orderId' in body) {
    headers.location = `/v1/orders/${String(body.orderId)}`;
  }
  return { answer: { status: record.response_status ?? 500, body, headers, final: true }, outcome: 'replayed' };
}

async function claim(deps: PurchaseFlowDeps, command: PurchaseCommand, hash: string): Promise<Claim> {
  // Two tries: the key may be released (after a 503) between our insert and our read.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (await claimKey(deps.db, command.idempotencyKey, hash)) return { kind: 'claimed', takenOver: false };
    const record = await findKey(deps.db, command.idempotencyKey);
    if (record === undefined) continue;
    if (record.request_hash !== hash) {
      const answer = { status: 422, body: problemBody('idempotency_key_reused', 'This Idempotency-Key was first used with another sku, userId or quantity.'), headers: {}, final: false };
      return { kind: 'answered', result: { answer, outcome: 'key_reused' } };
    }
    if (record.state === 'completed') return { kind: 'answered', result: replay(record) };
    if (await takeOverStaleKey(deps.db, command.idempotencyKey, deps.idempotencyStaleMs)) return { kind: 'claimed', takenOver: true };
    break;
  }
  const answer = { status: 409, body: problemBody('idempotency_key_in_flight', 'Another request with this Idempotency-Key is still being processed; retry later.'), headers: { 'retry-after': '1' }, final: false };
  return { kind: 'answered', result: { answer, outcome: 'in_flight' } };
}

/** Stores a final answer for replay, or frees the key so a retry can run again. */
async function settle(deps: PurchaseFlowDeps, key: string, answer: HttpAnswer): Promise<void> {
  try {
    if (answer.final) await completeKey(deps.db, key, answer.status, answer.body);
    else await releaseKey(deps.db, key);
  } catch (error: unknown) {
    // The answer stands; the key stays in flight until stale, then a retry finds the order.
    deps.log.warn({ err: error, key }, 'could not record the answer for an Idempotency-Key');
  }
}

async function decide(deps: PurchaseFlowDeps, strategy: Strategy, command: PurchaseCommand, takenOver: boolean, orderId: string): Promise<PurchaseResult> {
  if (takenOver) {
    // The holder died; if it got as far as the order, that order is the answer.
    const existing = await findOrderByIdempotencyKey(deps.db, command.idempotencyKey);
    if (existing !== undefined) return { answer: answerFromOrder(existing), outcome: 'replayed' };
  }
  const outcome = await strategy.purchase({ ...command, orderId });
  if (outcome.kind !== 'duplicate') return { answer: answerFor(outcome, command), outcome: outcome.kind };
  const existing = await findOrderByIdempotencyKey(deps.db, command.idempotencyKey);
  if (existing === undefined) return { answer: contendedAnswer('an earlier attempt with this key is being settled'), outcome: 'contended' };
  return { answer: answerFromOrder(existing), outcome: 'replayed' };
}

/**
 * Runs one purchase behind its Idempotency-Key: the first request with a key
 * runs the strategy and its final answer is stored; every later request with
 * the same key and body gets that answer, never a second order.
 */
export async function runPurchase(deps: PurchaseFlowDeps, strategy: Strategy, command: PurchaseCommand, orderId: string): Promise<PurchaseResult> {
  const claimed = await claim(deps, command, requestHash(command));
  if (claimed.kind === 'answered') return claimed.result;
  try {
    const result = await decide(deps, strategy, command, claimed.takenOver, orderId);
    await settle(deps, command.idempotencyKey, result.answer);
    return result;
  } catch (error: unknown) {
    await releaseKey(deps.db, command.idempotencyKey).catch(() => undefined);
    const failure = classifyDependencyFailure(error);
    if (failure?.kind === 'timeout') return { answer: contendedAnswer(`${failure.dependency} did not answer in time`), outcome: 'contended' };
    if (failure?.kind === 'unavailable') return { answer: unavailableAnswer(failure.dependency, 'did not answer'), outcome: 'unavailable' };
    throw error;
  }
}
