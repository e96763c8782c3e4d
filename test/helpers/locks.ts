import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './processes.js';
import type { PurchaseRequest } from '../../services/strategies/strategy.js';

export interface RedisServer {
  url: string;
  process: ChildProcess;
  /** SIGKILL: a crash, not a clean shutdown. Idempotent. */
  stop: () => Promise<void>;
}

/** A throw-away redis-server (no persistence) on its own port, answering PING. */
export async function spawnRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  // 5 s: redis-server starts in milliseconds; more means it will not.
  const deadline = Date.now() + 5000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${child.exitCode}`);
      const up = await probe.connect().then(() => probe.ping(), () => undefined).catch(() => undefined);
      if (up === 'PONG') break;
      probe.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer within 5 s`);
      await sleep(50);
    }
  } catch (error: unknown) {
    await stop();
    throw error;
  } finally {
    probe.disconnect();
  }
  return { url, process: child, stop };
}

/** A purchase as the API hands it to a strategy. */
export function purchaseRequest(sku: string, quantity = 1): PurchaseRequest {
  return { orderId: randomUUID(), sku, userId: `user-${randomUUID().slice(0, 8)}`, quantity, idempotencyKey: randomUUID() };
}
