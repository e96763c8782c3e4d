import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { loadEnv } from './env-files.js';

/**
 * Every variable the service reads. `.env.example` lists the same names and
 * test/unit/config.test.ts keeps the two (and docker-compose.yml) in step.
 */
export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  // API processes `npm start` runs on PORT. Past 1, each listens with
  // SO_REUSEPORT and the kernel spreads connections over them (node:cluster
  // where the platform has no reusePort); at 1 a second process on the port
  // fails with EADDRINUSE instead of silently taking half the traffic.
  API_PROCESSES: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  // Workers `npm start` runs, in one Kafka consumer group.
  WORKER_PROCESSES: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  // The worker's own /metrics (Prometheus), on HOST: its queue, relay and
  // repair counters live in its process. 0 picks a free port (logged); with
  // WORKER_PROCESSES past 1, worker i listens on this port + i.
  WORKER_METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  DATABASE_URL: Type.String({ minLength: 1 }),
  // Main Redis first; all of them (three in the stack) form the Redlock quorum.
  REDIS_URLS: Type.String({ minLength: 1 }),
  // Where the main Redis (counters, markers, flags, locks, queue records) is:
  // 'server', the first of REDIS_URLS; or 'cluster', the Redis Cluster whose
  // seeds REDIS_CLUSTER_URLS lists (stack:up writes them). Redlock keeps REDIS_URLS either way.
  REDIS_MAIN: Type.Union([Type.Literal('server'), Type.Literal('cluster')], { default: 'server' }),
  REDIS_CLUSTER_URLS: Type.Optional(Type.String()),
  KAFKA_BROKERS: Type.String({ minLength: 1 }),
  // Comma-separated client URLs of one etcd cluster (three members in the stack): etcd-lock's lock service.
  ETCD_ENDPOINTS: Type.String({ minLength: 1 }),
  ADMIN_TOKEN: Type.String({ minLength: 16 }),
  // kafka-queue's order ids are a keyed hash of the Idempotency-Key with this
  // secret (the same in every process); unset, one derived from ADMIN_TOKEN.
  ORDER_ID_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  // The strategy of a purchase that names none; unset: the registry's default (defaultStrategyName).
  DEFAULT_STRATEGY: Type.Optional(Type.String({ minLength: 1 })),
  // The bot guard beside a SKU's maxPerUser (which caps what a buyer holds):
  // purchases per buyer (userId) and per client address in each window, kept
  // in the main Redis so every API process counts together. 0 turns a limit
  // off, the default, so compare and the load tests measure the strategies
  // unthrottled; a sale would set e.g. 5 per buyer and 50 per address per second.
  RATE_LIMIT_PER_BUYER: Type.Integer({ minimum: 0, default: 0 }),
  RATE_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 0, default: 0 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 100, default: 1000 }),
  // A flash sale caps units per order; 10 keeps one buyer from emptying a small stock.
  MAX_QUANTITY: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  // Purchase bodies are ~100 bytes; 16 KiB leaves room without inviting abuse.
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 16384 }),
  // Time to receive a whole request (headers and body) from a client; one that
  // has not arrived whole by then is answered 400 request_incomplete and closed.
  // A purchase is ~300 bytes: 10 s is slow mobile, and bounds what a client that
  // sends its body byte by byte (slowloris) can hold.
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10000 }),
  // Time to receive a request's headers, at most REQUEST_TIMEOUT_MS: a client
  // that opened a connection and sends nothing useful holds a socket 5 s, not 60
  // (Node's default), the part of a connection flood that costs the most fds.
  HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5000 }),
  // A socket that carries nothing (no request in progress, before its first
  // or while a request is read) is closed after this long; once a response is
  // sent, KEEP_ALIVE_TIMEOUT_MS applies instead. Headers must arrive within
  // HEADERS_TIMEOUT_MS anyway, so this bounds only the rarer stalls.
  CONNECTION_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30000 }),
  // How long an idle kept-alive connection stays open between requests. Above
  // the 60 s idle timeout of a typical load balancer in front (AWS ALB's
  // default): a server that closes first races the balancer's next request on
  // that socket, which then fails (502) instead of being answered. Idle
  // sockets cost no more than a file each: past MAX_CONNECTIONS the oldest
  // idle one is closed for a new client, so a keep-alive flood cannot hold
  // buyers out for these 72 s.
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 72000 }),
  // Connections the kernel may hold for the API before it accepts them (listen
  // backlog; Linux caps it at net.core.somaxconn). Node's default, 511, overflowed
  // when a flash sale opened ~2,000 connections at once: the dropped SYNs were
  // resent after 1 s, 3 s, 7 s, so buyers waited seconds before the API saw them.
  LISTEN_BACKLOG: Type.Integer({ minimum: 1, default: 4096 }),
  // Open client connections an API process keeps. 0: its open-file limit less
  // 1,000 (the pools, logs and files the process itself needs): at the limit
  // itself every new connection, /health/live included, was reset for 23 s.
  // Past the cap the oldest idle connection is closed for the new one, so a
  // flood of idle sockets cannot lock out buyers (connection-guard.ts).
  MAX_CONNECTIONS: Type.Integer({ minimum: 0, default: 0 }),
  // Connections accepted past MAX_CONNECTIONS when none is idle to close, for
  // /health/* only (anything else answers 503 and closes): an orchestrator can
  // still ask a saturated process whether it lives.
  HEALTH_CONNECTION_MARGIN: Type.Integer({ minimum: 1, default: 32 }),
  // 20 per process: two API processes stay well under PostgreSQL's 200 connections.
  PG_POOL_MAX: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
  // The longest a caller with no purchase deadline (an admin route, the worker's
  // loops) waits for a pooled connection (or a new one), then fails. Apart from
  // PURCHASE_WAIT_MS because those callers have no deadline of their own; a
  // purchase's wait for a connection ends with its deadline. 800 ms: the same
  // bound, so an admin answer also comes within a second. (5 s before: a slow
  // PostgreSQL queued buyers for the pool until it, and their 503s came at p95
  // 4.5-5 s.) A PostgreSQL that stopped answering makes no one wait this long:
  // the breaker in db/guarded-pool.ts refuses the queue once a query goes unanswered.
  PG_ACQUIRE_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 800 }),
  // No statement of ours should run longer (a buyer's waits are 800 ms; the audit
  // and the batched writers' statements take longer); a stuck one becomes a 503. The client gives up 0.5 s
  // after this when the server sends nothing back at all (db/client.ts).
  PG_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 2500 }),
  // Redis answers in well under a millisecond, ~10 ms under full load here;
  // 300 ms without an answer means it is gone or paused, not slow. (At 500 ms,
  // redis-lua's 503s in a 5 s Redis pause came at p50 792 ms, p95 1,001 ms.)
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 300 }),
  // Readiness probes must answer fast, so each dependency gets at most this.
  HEALTH_CHECK_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 1500 }),

  // --- Strategies ---
  // Lock lease: long enough for one read-check-write (~5 ms) with a wide margin;
  // short enough that a crashed holder blocks the SKU for 2 s at most.
  LOCK_TTL_MS: Type.Integer({ minimum: 100, default: 2000 }),
  // Every wait a purchase meets (a pooled connection, its turn in line, a lock,
  // a row lock, optimistic retries) ends this long after it arrived, then 503 +
  // Retry-After: so the answer, 503 included, comes within the 1 s that npm run
  // faults and the compare spike hold it to, 200 ms left for the rest (at 1,000 ms
  // the 503s came at 1,003 ms). One deadline, because per-wait budgets add up
  // (lib/deadline.ts); a buyer whose turn is predicted past it is answered at
  // once (sku-gate.ts). (10 s before: at 10x capacity, lock strategies answered
  // 503s after 10 s and left ~1,000 keys without a final answer after 10 tries.)
  PURCHASE_WAIT_MS: Type.Integer({ minimum: 10, default: 800 }),
  // Buyers of one SKU waiting in line for its lock (or pg-optimistic's turn), per
  // process, before the next is refused at once (503).
  LOCK_MAX_WAITERS: Type.Integer({ minimum: 1, default: 512 }),
  // Redlock per-node answer bound: loopback answers in ~0.1 ms; a node slower
  // than 50 ms is treated as down so the others can still form a quorum.
  REDLOCK_NODE_TIMEOUT_MS: Type.Integer({ minimum: 5, default: 50 }),
  // etcd-lock: one etcd call's bound. A member that does not answer in 250 ms is
  // skipped for the next (the client retries on another member), so a stopped
  // member of three costs a buyer one such wait, inside its 800 ms.
  ETCD_CALL_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 250 }),
  // redis-lua: a deduction without an order this long after it was taken is
  // given back. Longer than any request's own try to write its order (pool
  // wait 1 s, statement 3 s, a look for the order after a failure 3 s) with a
  // wide margin; the units are out of sale only this long after a crash.
  REDIS_DEDUCTION_GRACE_MS: Type.Integer({ minimum: 100, default: 15000 }),
  // pg-optimistic tries per purchase before a 503 (see docs/strategies/pg-optimistic.md for the trade-off).
  OPTIMISTIC_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  // pg-optimistic and pg-pessimistic buyers of one SKU writing at once, per process;
  // the others wait in line (sku-gate.ts). More only lose more version races (each
  // loser costs a transaction) or wait on the row lock holding a pooled connection.
  HOT_SKU_WRITERS: Type.Integer({ minimum: 1, default: 4 }),
  // Kafka topics: purchase requests (kafka-queue) and order events (outbox).
  PURCHASE_TOPIC: Type.String({ minLength: 1, default: 'purchase-requests' }),
  ORDER_EVENTS_TOPIC: Type.String({ minLength: 1, default: 'order-events' }),
  // Partitions per topic: keyed by SKU, so this bounds how many SKUs apply in parallel.
  TOPIC_PARTITIONS: Type.Integer({ minimum: 1, maximum: 100, default: 6 }),
  // The smoothing itself: at most this many queued purchases applied per second,
  // whatever the spike at the front door. Applied in batches (a tenth of a
  // second's worth per transaction and SKU), 5,000/s is ~10 transactions a
  // second per SKU for PostgreSQL: a steady load it takes far below its ceiling.
  // Per worker process: a SKU's partition has one owner, so this is also the
  // most a hot SKU gets; N workers apply up to N× this across SKUs.
  QUEUE_APPLY_MAX_PER_SECOND: Type.Integer({ minimum: 1, default: 5000 }),
  // kafka-queue: the longest a caller waits for Kafka's acknowledgement of a
  // send, connecting included. A healthy local broker acknowledges in a few
  // ms (tens under the compare's load), so 1 s means down or stalled; it is
  // the bound on kafka-queue's 503 with the broker down, where kafkajs' own
  // connect and retries took 7-23 s.
  KAFKA_SEND_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 1000 }),
  // After a failed or timed-out send, sends are refused at once for this long,
  // then one request probes the broker. 1 s is the Retry-After of the 503, and
  // keeps a down broker to one waiting request a second per process.
  KAFKA_BREAKER_COOLDOWN_MS: Type.Integer({ minimum: 10, default: 1000 }),
  // kafka-queue: a purchase recorded but never acknowledged by Kafka to its
  // front door (the API died in between, or the send's outcome is unknown) is
  // re-sent by the worker's sweeper once it is this old, and again at most
  // once per this period. Five send deadlines: an acknowledged send has been
  // unlisted long before, so only stranded purchases are re-sent.
  QUEUE_SWEEP_AFTER_MS: Type.Integer({ minimum: 100, default: 5000 }),
  // reserve: how often the worker asks PostgreSQL for lapsed holds. A lapsed
  // hold is back on sale within this period plus its own SKU's release
  // statement (docs/strategies/reserve.md); an idle sweep reads an empty partial index,
  // so 200 ms costs PostgreSQL five cheap reads a second.
  HOLD_SWEEP_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 200 }),
  // Outbox relay: rows claimed per round, and the pause when nothing is waiting.
  OUTBOX_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
  OUTBOX_POLL_MS: Type.Integer({ minimum: 5, default: 100 }),
  // pg-batched: how long the first purchase of a SKU waits for others to join
  // its transaction. One commit (an fsync) takes ~1-2 ms here, so a longer wait
  // adds more latency than the commits it saves.
  PG_BATCH_WINDOW_MS: Type.Number({ minimum: 0, maximum: 50, default: 2 }),
  // pg-batched: purchases decided in one transaction at most. Bounds how long the
  // row lock is held and the size of one multi-row INSERT; 64 matches the load
  // generator's VUs, so a full closed loop fits in one batch.
  PG_BATCH_MAX_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 64 }),
  // redis-lease (strategies/redis-lease/): a lease is about this many ms of the
  // SKU's recent sales in the process (the central counter then sees one call
  // per lease, not per sale), at most LEASE_MAX_UNITS units. 200, not 100: a
  // lease costs ~12 Redis commands (its two scripts' own calls counted), and at
  // 100 ms that was 0.053 commands a sale net of the background, 0.029 at 200.
  // The price is a larger share held per process (undersold while it lives).
  // Near the end a lease takes at most the counter / the SKU's live leases (about
  // one per process selling it; at least LEASE_SPREAD), so stock below processes
  // x K still spreads over the processes, down to single units.
  LEASE_TARGET_MS: Type.Integer({ minimum: 1, maximum: 600000, default: 200 }),
  LEASE_MAX_UNITS: Type.Integer({ minimum: 1, maximum: 100000, default: 1000 }),
  LEASE_SPREAD: Type.Integer({ minimum: 1, maximum: 1024, default: 1 }),
  // A lease with no buyer for LEASE_IDLE_MS, or older than LEASE_MAX_AGE_MS, gives its
  // unsold units back: they are off sale at most this long while a process is alive.
  LEASE_IDLE_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 200 }),
  LEASE_MAX_AGE_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 1000 }),
  // A lease still held this long after it was taken (its process died or stopped)
  // is ended by the reconciler of any process: closed in PostgreSQL (its holder can
  // write no more orders of it), its unsold units given back. Longer than
  // LEASE_MAX_AGE_MS plus an order write's own bounds; correctness does not depend
  // on it (the close fences the holder), only how long a dead holder's units wait.
  LEASE_LIFETIME_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 5000 }),
  // redis-buckets (strategies/redis-buckets/): a SKU's stock is sold from
  // BUCKET_COUNT Redis keys on different cluster slots, each filled with a lease
  // of at most BUCKET_FILL_UNITS units off the SKU's counter (near the end, the
  // counter / BUCKET_COUNT, but at least BUCKET_LEAST_FILL while the counter has
  // them: a fill costs two scripts and two PostgreSQL statements, and at 1-unit
  // fills the sell-out paid them per sale; the buckets left empty are probed).
  // A fill lapses after BUCKET_LIFETIME_MS: any process's
  // reconciler ends it and its unsold units go back to the counter, to be spread
  // again (so an idle bucket gives its units back within about a second).
  BUCKET_COUNT: Type.Integer({ minimum: 1, maximum: 16, default: 4 }),
  BUCKET_FILL_UNITS: Type.Integer({ minimum: 1, maximum: 100000, default: 500 }),
  BUCKET_LEAST_FILL: Type.Integer({ minimum: 1, maximum: 100000, default: 32 }),
  BUCKET_LIFETIME_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 1000 }),
  // Sold out, known in memory (api/purchases/sold-out-memory.ts): after a store
  // said a SKU is sold out, each API process refuses its next buyers from memory
  // for at most this long, then asks again. Units back on sale end it at once in
  // every process that hears the news; this bounds a missed one (the 1-2 s flag
  // flash-sale systems use). 0 turns it off: every refusal asks the store.
  SOLD_OUT_MEMORY_TTL_MS: Type.Integer({ minimum: 0, maximum: 60000, default: 1000 }),
  // The keys that may have bought a sold-out SKU are held in memory (a retry of a
  // buyer must get its order, not a 409): past this many orders of one SKU it is
  // not remembered (~100 bytes a key: 100,000 is ~10 MB per remembered SKU).
  SOLD_OUT_MEMORY_MAX_KEYS: Type.Integer({ minimum: 0, default: 100000 }),

  // --- Waiting rooms (services/waiting-room/, docs/waiting-room.md) ---
  // Admission tokens are signed with this (HMAC-SHA256), the same in every
  // process; unset, one derived from ADMIN_TOKEN.
  ADMISSION_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  // An auto room admits more while its admitted purchases answer within this
  // at p95 (and shed under 1%), fewer otherwise.
  WAITING_ROOM_P95_MS: Type.Integer({ minimum: 1, maximum: 60000, default: 250 }),
  // An auto room's rate: where it starts, and its floor and ceiling (admissions a second).
  WAITING_ROOM_AUTO_START: Type.Integer({ minimum: 1, maximum: 100000, default: 50 }),
  WAITING_ROOM_AUTO_LEAST: Type.Integer({ minimum: 1, maximum: 100000, default: 5 }),
  WAITING_ROOM_AUTO_MOST: Type.Integer({ minimum: 1, maximum: 100000, default: 5000 }),

  // --- Fault injection (tests only) ---
  // 'lock-held': the first lock holder of the process to draw its fencing token
  // stops the process (SIGSTOP) right before its fenced write, so `npm run
  // faults` can pause a holder past its lease at exactly that point and prove
  // PostgreSQL refuses its late write (strategies/common/locks/locked-purchase.ts). Never set it
  // outside a fault run: the API would stop itself on its first locked sale.
  FAULT_HOLD_POINT: Type.Union([Type.Literal('off'), Type.Literal('lock-held')], { default: 'off' }),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates a raw environment; throws ConfigError naming every bad variable. */
// Settings that were each one wait's budget, now all the purchase's one deadline:
// set, they would be ignored without a word, so starting says what replaced them.
const retired = ['LOCK_WAIT_MS', 'OPTIMISTIC_MAX_WAIT_MS', 'PG_LOCK_TIMEOUT_MS'];

export function parseConfig(env: Record<string, string | undefined>): Config {
  const stale = retired.filter((key) => env[key] !== undefined && env[key] !== '');
  if (stale.length > 0) throw new ConfigError(`${stale.join(', ')}: no longer read; PURCHASE_WAIT_MS ends every wait of a purchase (see .env.example)`);
  const known: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') known[key] = value;
  }
  const withDefaults = Value.Default(ConfigSchema, known);
  const converted = Value.Convert(ConfigSchema, withDefaults);
  if (!Value.Check(ConfigSchema, converted)) {
    const problems = Value.Errors(ConfigSchema, converted).map((error) => {
      const missing = 'requiredProperties' in error.params ? String(error.params.requiredProperties) : '';
      const name = error.instancePath.replace(/^\//, '') || missing;
      return `${name}: ${error.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = converted as Config;
  if (!(config.WAITING_ROOM_AUTO_LEAST <= config.WAITING_ROOM_AUTO_START && config.WAITING_ROOM_AUTO_START <= config.WAITING_ROOM_AUTO_MOST)) {
    throw new ConfigError('WAITING_ROOM_AUTO_LEAST <= WAITING_ROOM_AUTO_START <= WAITING_ROOM_AUTO_MOST must hold: an auto room starts between its floor and ceiling');
  }
  return config;
}

export function loadConfig(): Config {
  return parseConfig(loadEnv());
}

export function redisUrls(config: Config): string[] {
  return config.REDIS_URLS.split(',').map((url) => url.trim()).filter((url) => url.length > 0);
}

/** Seeds of the Redis Cluster the main Redis runs on; empty when it is one server (REDIS_MAIN=server). */
export function redisClusterUrls(config: Config): string[] {
  if (config.REDIS_MAIN !== 'cluster') return [];
  const seeds = (config.REDIS_CLUSTER_URLS ?? '').split(',').map((url) => url.trim()).filter((url) => url.length > 0);
  if (seeds.length === 0) throw new ConfigError('REDIS_MAIN=cluster needs REDIS_CLUSTER_URLS (npm run stack:up writes the local cluster\'s)');
  return seeds;
}

export function etcdEndpoints(config: Config): string[] {
  return config.ETCD_ENDPOINTS.split(',').map((url) => url.trim()).filter((url) => url.length > 0);
}

export function kafkaBrokers(config: Config): string[] {
  return config.KAFKA_BROKERS.split(',').map((broker) => broker.trim()).filter((broker) => broker.length > 0);
}
