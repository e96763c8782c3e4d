import type { Log } from './log.js';
import { isCluster, type MainRedis } from './redis.js';
import { keyPrefix } from './redis-keys.js';

/**
 * The channel every script that puts units back on sale publishes to, with
 * the SKU's stock key as the message: restore-stock-4 (redis-lua gives a
 * deduction back), copy-added-4 (a released hold, a restock),
 * copy-decided-3 in 'exact' mode and uncopy-decided-2 (the mirror repair or
 * the queue worker give units back), rebuild-counter-5 (a lost counter set
 * again). Published inside the script that raises the counter, so no path
 * can raise it without the news; the Lua files spell the name out
 * (redis-scripts.test.ts checks they agree with this one).
 *
 * Plain PUBLISH, not sharded: a Redis Cluster carries it to every node, so
 * a subscriber on any node hears it.
 */
export const stockBackChannel = `${keyPrefix}:stock-back`;

/** The SKU named by a stock key (`fsi:{<tag>}:<sku>:stock`, redis-keys.ts), or undefined for anything else. */
export function skuOfStockKey(key: string): string | undefined {
  const start = key.indexOf('}:');
  if (!key.startsWith(`${keyPrefix}:{`) || start < 0 || !key.endsWith(':stock')) return undefined;
  const sku = key.slice(start + 2, -':stock'.length);
  return sku === '' ? undefined : sku;
}

export interface StockNewsListener {
  /** Units of this SKU went back on sale somewhere. */
  stockBack(sku: string): void;
  /** Subscribed (true), or the connection went (false): news may have been missed from then until the next true. */
  listening(on: boolean): void;
}

export interface StockNews {
  stop(): Promise<void>;
}

/**
 * Listens on its own connection (a subscribed connection takes no other
 * commands). It subscribes again on every `ready`, and says it is deaf on
 * every `close`, so the listener knows the stretch in which news was lost.
 */
export function listenForStockNews(redis: MainRedis, listener: StockNewsListener, log: Log): StockNews {
  const subscriber = isCluster(redis) ? redis.duplicate() : redis.duplicate({ autoResubscribe: false, commandTimeout: undefined });
  let stopped = false;
  const subscribe = (): void => {
    subscriber.subscribe(stockBackChannel).then(
      () => listener.listening(!stopped),
      (error: unknown) => log.warn({ err: error }, 'stock news: subscribe failed; sold out is not remembered until it succeeds'),
    );
  };
  subscriber.on('ready', subscribe);
  subscriber.on('close', () => listener.listening(false));
  // Without a listener ioredis prints every reconnect failure; the close above is what matters.
  subscriber.on('error', (error: Error) => log.debug({ err: error }, 'stock news connection error'));
  subscriber.on('message', (channel: string, message: string) => {
    if (channel !== stockBackChannel) return;
    const sku = skuOfStockKey(message);
    if (sku !== undefined) listener.stockBack(sku);
  });
  return {
    async stop() {
      stopped = true;
      listener.listening(false);
      // Not quit(): it waits for the server's answer, and a stalled server never sends it.
      subscriber.disconnect();
    },
  };
}
