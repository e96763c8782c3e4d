import { existsSync, rmSync } from 'node:fs';
import { loadEnv } from '../../services/shared/env-files.js';
import { checkChromiumPrerequisites, ensureChromium } from './chromium.js';
import { messageOf, StackError } from './errors.js';
import { checkK6Prerequisites, ensureK6, findK6 } from './k6.js';
import { kafkaJarsPresent } from './kafka-install.js';
import { ensureKafka, isKafkaRunning, kafkaAddress, kafkaDataDir, stopKafka } from './kafka.js';
import { ensurePostgres, pgDir, postgresUrl, runningPostgresPid, stopPostgres } from './postgres.js';
import { ensureServerPackages, findJava, requireTool } from './prerequisites.js';
import { REDIS_NAMES, ensureRedis, isRedisRunning, redisDir, redisUrl, stopRedis } from './redis.js';
import { CLUSTER_NAMES, clusterEnabled, clusterUrls, ensureRedisCluster, isClusterNodeRunning } from './redis-cluster.js';
import { ETCD_NAMES, ensureEtcd, etcdDir, etcdEndpoints, etcdPeerName, isEtcdRunning, stopEtcd } from './etcd.js';
import { assignPorts, checkExternalEtcd, checkExternalKafka, checkExternalPostgres, checkExternalRedis, externals } from './services.js';
import { checkToxiproxyPrerequisites, ensureToxiproxy, isToxiproxyRunning, stopToxiproxy, toxiproxyBin, toxiproxyUrl } from './toxiproxy.js';
import { formatLine, loadState, maskUrl, saveState, writeStackEnv, type ServiceLine, type StackState } from './state.js';

const redisUrls = (state: StackState): string[] => REDIS_NAMES.map((name) => redisUrl(state.ports[name]?.chosen ?? 0));

export interface UpOptions {
  /** k6, toxiproxy and Chromium are test tools, not servers: `npm start` skips building/installing them. */
  k6: boolean;
}

/** Starts what is missing, waits until everything answers, writes .stack/stack.env. */
export async function up(options: UpOptions = { k6: true }): Promise<void> {
  const env = loadEnv({ includeStack: false });
  const ext = externals(env);
  const state = loadState();
  // Every prerequisite is checked before any server starts, so a failure leaves nothing half-up.
  if (ext.kafka === undefined && !isKafkaRunning(state)) {
    await findJava();
    if (!kafkaJarsPresent()) requireTool('mvn', 'install maven (Kafka jars come from Maven Central)');
  }
  if (options.k6) {
    checkK6Prerequisites(env);
    checkToxiproxyPrerequisites();
    checkChromiumPrerequisites();
  }
  const needPostgres = ext.postgres === undefined && runningPostgresPid(state) === undefined;
  const needRedis = ext.redis === undefined && !REDIS_NAMES.every((name) => isRedisRunning(state, name));
  const needEtcd = ext.etcd === undefined && !ETCD_NAMES.every((name) => isEtcdRunning(state, name));
  await ensureServerPackages({ postgres: needPostgres, redis: needRedis, etcd: needEtcd });
  // etcd's members must find each other where they were (etcd.ts): remember before ports move.
  const etcdPeers = Object.fromEntries(ETCD_NAMES.map((name) => [etcdPeerName(name), state.ports[etcdPeerName(name)]?.chosen]));
  await assignPorts(state, env, ext);
  saveState(state);

  // The kinds start side by side: Kafka's JVM boot dominates, the others wait on disk.
  const results = await Promise.allSettled([
    ext.postgres === undefined ? ensurePostgres(state).then((line) => [line]) : checkExternalPostgres(ext.postgres),
    ext.redis === undefined ? ensureRedis(state) : checkExternalRedis(ext.redis),
    ext.kafka === undefined ? ensureKafka(state).then((line) => [line]) : checkExternalKafka(ext.kafka),
    ext.etcd === undefined ? ensureEtcd(state, etcdPeers) : checkExternalEtcd(ext.etcd),
    clusterEnabled(env) ? ensureRedisCluster(state) : Promise.resolve([]),
  ]);
  saveState(state);
  const errors: string[] = [];
  for (const result of results) {
    if (result.status === 'rejected') errors.push(messageOf(result.reason));
    else for (const line of result.value) console.log(formatLine(line));
  }
  if (errors.length > 0) throw new StackError(errors.join('; '));

  let k6Path = findK6(env)?.path;
  if (options.k6) {
    const k6 = await ensureK6(env);
    console.log(formatLine(k6));
    k6Path = k6.address;
    // After the servers: its build (~1 min the first time) must not delay their start.
    const toxiproxy = await ensureToxiproxy(state).finally(() => saveState(state));
    console.log(formatLine(toxiproxy));
    // The HTML report test drives it; a system package, so 'external' like a k6 on PATH.
    console.log(formatLine({ name: 'chromium', address: await ensureChromium(), how: 'external' }));
  }
  writeStackEnv({
    DATABASE_URL: ext.postgres ?? postgresUrl(state),
    REDIS_URLS: (ext.redis ?? redisUrls(state)).join(','),
    KAFKA_BROKERS: (ext.kafka ?? [kafkaAddress(state)]).join(','),
    ETCD_ENDPOINTS: (ext.etcd ?? etcdEndpoints(state)).join(','),
    ...(clusterEnabled(env) ? { REDIS_CLUSTER_URLS: clusterUrls(state).join(',') } : {}),
    ...(k6Path === undefined ? {} : { K6_BIN: k6Path }),
  });
}

/** Stops exactly the processes the state says we started (each verified by its command line). */
export async function down(): Promise<void> {
  const ext = externals(loadEnv({ includeStack: false }));
  const state = loadState();
  const describe = (name: string, stopped: boolean, external: boolean): string =>
    `${name.padEnd(9)} ${stopped ? 'stopped' : external ? 'external (left alone)' : 'not running'}`;
  const lines = await Promise.all([
    stopPostgres(state).then((stopped) => describe('postgres', stopped, ext.postgres !== undefined)),
    ...REDIS_NAMES.map((name) => stopRedis(state, name).then((stopped) => describe(name, stopped, ext.redis !== undefined))),
    stopKafka(state).then((stopped) => describe('kafka', stopped, ext.kafka !== undefined)),
    ...ETCD_NAMES.map((name) => stopEtcd(state, name).then((stopped) => describe(name, stopped, ext.etcd !== undefined))),
    // Whatever the setting now: a cluster started earlier is stopped too.
    ...CLUSTER_NAMES.filter((name) => state.pids[name] !== undefined).map((name) => stopRedis(state, name).then((stopped) => describe(name, stopped, false))),
    stopToxiproxy(state).then((stopped) => describe('toxiproxy', stopped, false)),
  ]).finally(() => saveState(state));
  for (const line of lines) console.log(line);
}

/** One line per service: running, stopped or external, and its address. */
export function status(): void {
  const env = loadEnv({ includeStack: false });
  const ext = externals(env);
  const state = loadState();
  const show = (line: Omit<ServiceLine, 'how'>, word: string): void => {
    console.log(`${line.name.padEnd(9)} ${word.padEnd(8)} ${line.address}`);
  };
  const managed = (running: boolean): string => (running ? 'running' : 'stopped');
  if (ext.postgres !== undefined) show({ name: 'postgres', address: maskUrl(ext.postgres) }, 'external');
  else show({ name: 'postgres', address: maskUrl(postgresUrl(state)) }, managed(runningPostgresPid(state) !== undefined));
  if (ext.redis !== undefined) ext.redis.forEach((url, index) => show({ name: `redis-${index + 1}`, address: maskUrl(url) }, 'external'));
  else REDIS_NAMES.forEach((name, index) => show({ name, address: redisUrls(state)[index] ?? '' }, managed(isRedisRunning(state, name))));
  if (ext.kafka !== undefined) show({ name: 'kafka', address: ext.kafka.join(',') }, 'external');
  else show({ name: 'kafka', address: kafkaAddress(state) }, managed(isKafkaRunning(state)));
  if (ext.etcd !== undefined) ext.etcd.forEach((url, index) => show({ name: `etcd-${index + 1}`, address: url }, 'external'));
  else ETCD_NAMES.forEach((name, index) => show({ name, address: etcdEndpoints(state)[index] ?? '' }, managed(isEtcdRunning(state, name))));
  if (clusterEnabled(env)) CLUSTER_NAMES.forEach((name, index) => show({ name, address: clusterUrls(state)[index] ?? '' }, managed(isClusterNodeRunning(state, name))));
  const toxiproxy = isToxiproxyRunning(state) ? 'running' : existsSync(toxiproxyBin) ? 'stopped' : 'missing';
  show({ name: 'toxiproxy', address: toxiproxyUrl(state) }, toxiproxy);
  let k6: ReturnType<typeof findK6>;
  try {
    k6 = findK6(env);
  } catch {
    k6 = undefined; // a bad K6_BIN is reported by `up`; status just says missing
  }
  show({ name: 'k6', address: k6?.path ?? '(not built yet: run stack:up)' }, k6 === undefined ? 'missing' : k6.how === 'external' ? 'external' : 'built');
}

/** down, then delete the data (keeping jars, the k6 binary, ports and password), then up. */
export async function reset(): Promise<void> {
  await down();
  for (const dir of [pgDir, redisDir, kafkaDataDir, etcdDir]) rmSync(dir, { recursive: true, force: true });
  process.stderr.write('stack: deleted PostgreSQL, Redis, Kafka and etcd data\n');
  await up();
}
