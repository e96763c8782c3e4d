// A buyer's way through a SKU's waiting room in a fault run (scenarios with
// `line`): join, poll until admitted, retrying what decides nothing (503, a
// network error) like a browser. What it met is counted for the report.
import { setTimeout as sleep } from 'node:timers/promises';

export type LineOutcome = { kind: 'admitted'; token: string; idempotencyKey: string } | { kind: 'sold_out'; at: number } | { kind: 'gave_up' };

export interface LineTally {
  requests: number;
  /** Answered 503, or not at all (a connection error, the client's timeout). */
  unavailable: number;
  /** Any other answer but 200/201 and a 404 of a lost ticket. */
  unexpected: number;
}

interface Visit {
  status: number;
  body: Record<string, unknown>;
}

async function visit(url: string, init: RequestInit, timeoutMs: number): Promise<Visit> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  } catch {
    return { status: 0, body: {} };
  }
}

/** Until admitted, told sold out, or `deadline` (epoch ms). `api(n)` picks the API of the n-th request. */
export async function throughTheLine(api: (n: number) => string, sku: string, userId: string, deadline: number, tally: LineTally, timeoutMs: number): Promise<LineOutcome> {
  let ticket: string | undefined;
  for (let n = 0; Date.now() < deadline; n++) {
    const base = api(n);
    const answer =
      ticket === undefined
        ? await visit(`${base}/v1/skus/${sku}/line`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) }, timeoutMs)
        : await visit(`${base}/v1/skus/${sku}/line/${ticket}`, {}, timeoutMs);
    tally.requests += 1;
    if (answer.status === 200 || answer.status === 201) {
      ticket = String(answer.body.ticket);
      const state = answer.body.state;
      if (state === 'admitted') {
        const admission = answer.body.admission as { token: string; idempotencyKey: string };
        return { kind: 'admitted', token: admission.token, idempotencyKey: admission.idempotencyKey };
      }
      if (state === 'sold_out') return { kind: 'sold_out', at: Date.now() };
      // An admission that lapsed unused: join again (the line gives a new place once it may).
      if (state === 'expired') ticket = undefined;
      await sleep(50);
      continue;
    }
    // The line lost the ticket with Redis's data: join again.
    if (answer.status === 404) ticket = undefined;
    else if (answer.status === 503 || answer.status === 0) tally.unavailable += 1;
    else tally.unexpected += 1;
    await sleep(250 + Math.random() * 250);
  }
  return { kind: 'gave_up' };
}
