// `npm start` with API_PROCESSES=3 and WORKER_PROCESSES=2: three API
// processes share one port (SO_REUSEPORT), every one of them takes
// connections, a strategy of each kind sells through the shared port, and
// stopping one API process leaves the others serving while it is replaced.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers200, type Child, freePort, spawnTs, waitFor } from '../../harness/processes.js';
import { adminToken, createSku, patient, payHolds, purchase, settledAudit, uniqueSku } from '../helpers/api.js';
import { everyStrategy, safeStrategies } from '../helpers/strategies.js';

let start: Child;
let port: number;
let url: string;

/** Live processes whose parent is `ppid`, with their command lines. */
function childrenOf(ppid: number): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== ppid || fields[0] === 'Z') continue;
      found.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const apiPids = (): number[] => childrenOf(start.process.pid ?? -1).filter((c) => c.cmdline.includes('services/api/server.ts')).map((c) => c.pid);
const workerPids = (): number[] => childrenOf(start.process.pid ?? -1).filter((c) => c.cmdline.includes('services/worker/main.ts')).map((c) => c.pid);

/** TCP sockets a process holds whose local port is `localPort`, in a state of /proc/net/tcp ('01' established: its accepted clients; '0A' listening). */
function socketsOn(pid: number, localPort: number, state: '01' | '0A'): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const hexPort = localPort.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hexPort}`) === true && f[3] === state && inodes.has(f[9] ?? ''))
    .length;
}

/** Three API processes, each with its own listening socket on the port. */
function allListen(): boolean {
  const pids = apiPids();
  return pids.length === 3 && pids.every((pid) => socketsOn(pid, port, '0A') === 1);
}

beforeAll(async () => {
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  start = spawnTs('start', 'scripts/start.ts', { ...patient, ADMIN_TOKEN: adminToken, PORT: String(port), API_PROCESSES: '3', WORKER_PROCESSES: '2', WORKER_METRICS_PORT: '0', LOG_LEVEL: 'warn' });
  // All three listening (a health answer comes from whichever listens first), both workers started.
  await waitFor(start, async () => allListen() && workerPids().length === 2 && (await answers200(`${url}/health/ready`)), 90_000);
}, 120_000);

afterAll(async () => {
  const pids = [...apiPids(), ...workerPids()];
  await start.stop();
  // Whatever start.ts left behind (it should leave nothing), by PID.
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
}, 60_000);

describe('npm start with API_PROCESSES=3 and WORKER_PROCESSES=2', () => {
  it('spreads connections over all three API processes on one port', async () => {
    // The kernel hashes each connection to one process: 60 of them miss one of three with odds of 3·(2/3)^60, about 10^-10.
    const sockets: Socket[] = await Promise.all(
      Array.from({ length: 60 }, () => new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      })),
    );
    try {
      // An accepted connection shows in its process once the event loop took it: ask until all 60 are placed.
      const pids = apiPids();
      let placed: number[] = [];
      for (let tries = 0; tries < 50; tries++) {
        placed = pids.map((pid) => socketsOn(pid, port, '01'));
        if (placed.reduce((a, b) => a + b, 0) >= 60) break;
        await sleep(100);
      }
      expect(placed.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(60);
      for (const count of placed) expect(count, `connections per API process: ${placed.join(", ")}`).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it.each(everyStrategy)('sells with %s through the shared port', async (strategy) => {
    const target = { url };
    const sku = uniqueSku(`start-${strategy}`);
    expect((await createSku(target, sku, 10)).status).toBe(201);
    const answers = await Promise.all(Array.from({ length: 20 }, () => purchase(target, { sku, strategy })));
    // 503 is an answer too: three processes each batch and line up on their own, so near the
    // sell-out a strategy may shed (pg-batched's batch retried 3 times, once in CI after the fault
    // run: 9 of 20). Anything else would be a fault of the shared port.
    const unexpected = answers.filter((a) => ![201, 202, 409, 503].includes(a.status));
    expect(unexpected.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    await payHolds(target, answers);
    const audit = await settledAudit(target, sku);
    expect(audit).toMatchObject({ pendingUnits: 0 });
    expect(Number(audit.confirmedUnits)).toBeGreaterThan(0);
    // The unsafe baseline oversells by design; every other strategy stays within the stock.
    if (safeStrategies.includes(strategy)) expect(Number(audit.confirmedUnits)).toBeLessThanOrEqual(10);
  });

  it('keeps serving while one API process stops, and starts it again', async () => {
    const [first, ...others] = apiPids();
    expect(others).toHaveLength(2);
    const sku = uniqueSku('start-stop-one');
    expect((await createSku({ url }, sku, 1000)).status).toBe(201);
    process.kill(first ?? -1, 'SIGTERM');
    // One request after another, each on its own connection, while it stops and until its replacement listens.
    const whileStopping: Array<number | string> = [];
    const afterExit: Array<number | string> = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const alive = isAlive(first ?? -1);
      const status = await purchaseOnNewConnection(port, sku).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      (alive ? whileStopping : afterExit).push(status);
      if (!alive && allListen() && afterExit.length >= 50) break;
    }
    expect(apiPids()).not.toContain(first);
    // Its replacement listens beside the other two.
    expect(allListen()).toBe(true);
    // Once it is gone the other two (and its replacement) answer every request.
    expect(afterExit.filter((s) => s !== 201)).toEqual([]);
    // While it closes, what it accepted is answered (201, or 503 closing: retryable). A connection the
    // kernel had queued on its listening socket as it closed is reset, unless net.ipv4.tcp_migrate_req=1
    // hands it to another process (see docs/scale-out.md): the one failure allowed, and only then.
    expect(whileStopping.filter((s) => s !== 201 && s !== 503 && !String(s).includes('ECONNRESET'))).toEqual([]);
  }, 90_000);
});

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** POST /v1/purchases on a connection of its own (no keep-alive pool: a pooled socket could be the one the stopping process closes). */
function purchaseOnNewConnection(port: number, sku: string): Promise<number> {
  const body = JSON.stringify({ sku, userId: `u-${randomUUID().slice(0, 8)}`, quantity: 1 });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/purchases', method: 'POST', agent: false, timeout: 15_000, headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), 'x-strategy': 'pg-atomic', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code ?? error.message)));
    req.end(body);
  });
}
