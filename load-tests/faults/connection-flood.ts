// The connection flood: more idle TCP connections to the API than its cap,
// held for a while, each one the API closes opened again, as a hostile
// client would. Meanwhile the burst's buyers and a health probe must keep
// getting answers within 1 s at p95; after the flood, the API's open files
// must come back down. 127.0.0.1 only; every socket is destroyed at the end.
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext } from './context.js';

// The cap the scenario starts its API with (MAX_CONNECTIONS): small enough
// that a flood past it is a few hundred sockets, not twenty thousand.
export const floodCap = 300;
// Twice the cap: half of it must be closed by the API for anything to get through.
const floodSize = floodCap * 2;
// Long enough to cover most of the burst (at 100/s) after its trigger.
const holdMs = 4_000;
// A health probe every 100 ms: 40 of them over the hold.
const probeEveryMs = 100;
// Open files the flood may leave behind once over (the burst's keep-alive pool, a log file).
const fdSlack = 50;

const p95 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
};

function openFiles(pid: number | undefined): number | undefined {
  try {
    return pid === undefined ? undefined : readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** Keeps `size` idle connections open to host:port until `stop` is aborted, re-opening each one the server closes. */
function holdFlood(port: number, size: number, stop: AbortSignal): { sockets: Set<Socket>; opened: () => number } {
  const sockets = new Set<Socket>();
  let opened = 0;
  const open = (): void => {
    if (stop.aborted) return;
    opened += 1;
    const socket = connect(port, '127.0.0.1');
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      // 10 ms: a flood, not a spin loop that would take the core the API needs.
      if (!stop.aborted) setTimeout(open, 10);
    });
  };
  for (let i = 0; i < size; i += 1) open();
  return { sockets, opened: () => opened };
}

export async function connectionFlood(ctx: RunContext): Promise<void> {
  const api = ctx.services.apis[0];
  if (api === undefined) throw new Error('no API to flood');
  const url = ctx.services.urlOf(api);
  const port = Number(new URL(url).port);
  const fdsBefore = openFiles(api.pid);
  const stop = new AbortController();
  const flood = holdFlood(port, floodSize, stop.signal);
  ctx.cleanups.add('close the flood sockets', () => {
    stop.abort();
    for (const socket of flood.sockets) socket.destroy();
    return Promise.resolve();
  });
  ctx.window.start = ctx.ledger.now();
  ctx.say(`  fault: ${floodSize} idle connections to the API (cap ${floodCap}), held ${holdMs / 1000} s`);
  const probes: Array<{ ms: number; status: number }> = [];
  const until = Date.now() + holdMs;
  while (Date.now() < until) {
    const started = performance.now();
    const status = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(5_000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
      () => 0,
    );
    probes.push({ ms: performance.now() - started, status });
    await sleep(probeEveryMs);
  }
  const held = flood.sockets.size;
  stop.abort();
  for (const socket of flood.sockets) socket.destroy();
  ctx.window.end = ctx.ledger.now();
  const windowStart = ctx.window.start;
  const windowEnd = ctx.window.end;

  const probeP95 = p95(probes.map((probe) => probe.ms));
  const failedProbes = probes.filter((probe) => probe.status !== 200).length;
  ctx.checks.push({
    name: 'health answered through the flood (200, p95 <= 1 s)',
    ok: failedProbes === 0 && probeP95 <= 1_000,
    detail: `${probes.length} probes, ${failedProbes} not 200, p95 ${Math.round(probeP95)} ms`,
  });
  const during = ctx.ledger.records.flatMap((record) => record.attempts).filter((attempt) => attempt.at >= windowStart && attempt.at <= windowEnd);
  const buyerP95 = p95(during.map((attempt) => attempt.ms));
  const unanswered = during.filter((attempt) => attempt.status === 0).length;
  ctx.checks.push({
    name: 'buyers answered through the flood (p95 <= 1 s, no connection refused)',
    ok: during.length > 0 && unanswered === 0 && buyerP95 <= 1_000,
    detail: `${during.length} attempts during the flood, ${unanswered} without an answer, p95 ${Math.round(buyerP95)} ms`,
  });

  // The API closes what the flood left (the client side is destroyed above): its open files come back down.
  let fdsAfter = openFiles(api.pid);
  const deadline = Date.now() + 10_000;
  while (fdsBefore !== undefined && fdsAfter !== undefined && fdsAfter > fdsBefore + fdSlack && Date.now() < deadline) {
    await sleep(100);
    fdsAfter = openFiles(api.pid);
  }
  ctx.checks.push({
    name: 'open files back down after the flood',
    ok: fdsBefore !== undefined && fdsAfter !== undefined && fdsAfter <= fdsBefore + fdSlack,
    detail: `API open files ${fdsBefore ?? '?'} before, ${fdsAfter ?? '?'} after; ${flood.opened()} flood connections opened, ${held} held at the end`,
  });
}
