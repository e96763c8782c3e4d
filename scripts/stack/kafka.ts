import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { kafkaRoundTrip } from './kafka-health.js';
import { KAFKA_VERSION, ensureKafkaJars, kafkaDir, libsDir } from './kafka-install.js';
import { isOurs, lastLogLine, runLogged, spawnDetached, stopProcess, whenExited } from './processes.js';
import { findJava } from './prerequisites.js';
import { saveState, writeIfChanged, type ServiceLine, type StackState } from './state.js';

export const kafkaDataDir = join(kafkaDir, 'data');
export const kafkaLogsDir = join(kafkaDir, 'logs');
const serverProperties = join(kafkaDir, 'server.properties');
const log4jConfig = join(kafkaDir, 'log4j2.properties');
/** The JVM's command line names the main class and our config file: that is how we recognise ours. */
const NEEDLES = ['kafka.Kafka', serverProperties];

export function kafkaAddress(state: StackState): string {
  return `127.0.0.1:${state.ports.kafka?.chosen ?? 0}`;
}

/**
 * The second listener, for `npm run faults`: the broker listens on
 * `kafka-faults` and advertises `toxiproxy-kafka`, the port toxiproxy's Kafka
 * proxy listens on (forwarding to `kafka-faults`). A client that bootstraps
 * through the proxy is told, in every metadata answer, to reach the broker at
 * the proxy again, so all its traffic crosses the toxics. Clients of the
 * PLAINTEXT listener see nothing of it.
 */
export function kafkaFaultsListener(state: StackState): { upstream: string; proxied: string } | undefined {
  const upstream = state.ports['kafka-faults']?.chosen;
  const proxied = state.ports['toxiproxy-kafka']?.chosen;
  if (upstream === undefined || proxied === undefined) return undefined;
  return { upstream: `127.0.0.1:${upstream}`, proxied: `127.0.0.1:${proxied}` };
}

export const isKafkaRunning = (state: StackState): boolean => isOurs(state.pids.kafka, NEEDLES);

function properties(port: number, controllerPort: number, faults: { upstream: number; proxied: number }): string {
  return [
    '# Written by scripts/stack/kafka.ts on each start; edits are overwritten.',
    '# One combined broker+controller in KRaft mode, on loopback only.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    '# FAULTS: the same broker behind toxiproxy (see kafkaFaultsListener), for `npm run faults`.',
    `listeners=PLAINTEXT://127.0.0.1:${port},FAULTS://127.0.0.1:${faults.upstream},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},FAULTS://127.0.0.1:${faults.proxied}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,FAULTS:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${kafkaDataDir}`,
    '# A single node cannot replicate: every internal topic gets one replica.',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    '# Consumers join at once instead of waiting 3 s for more members that never come.',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

function log4j(): string {
  const file = join(kafkaLogsDir, 'server.log');
  return [
    '# Written by scripts/stack/kafka.ts. Rolling file: 3 x 50 MB bounds disk use on long benchmarks.',
    'status = warn',
    'appender.server.type = RollingFile',
    'appender.server.name = server',
    `appender.server.fileName = ${file}`,
    `appender.server.filePattern = ${file}.%i`,
    'appender.server.layout.type = PatternLayout',
    'appender.server.layout.pattern = [%d] %p %m (%c)%n',
    'appender.server.policies.type = Policies',
    'appender.server.policies.size.type = SizeBasedTriggeringPolicy',
    'appender.server.policies.size.size = 50MB',
    'appender.server.strategy.type = DefaultRolloverStrategy',
    'appender.server.strategy.max = 3',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.server.ref = server',
    '',
  ].join('\n');
}

/** JVM options shared by the storage tool and the broker. */
function jvmOptions(minHeap: string, maxHeap: string): string[] {
  return [
    `-Xms${minHeap}`,
    `-Xmx${maxHeap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20', // what Kafka's own start script uses: short pauses, steady latency
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${kafkaLogsDir}`,
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    '-cp',
    `${libsDir}/*`,
  ];
}

/** Formats the KRaft storage once (meta.properties marks it done). */
async function formatStorage(java: string, clusterId: string): Promise<void> {
  if (existsSync(join(kafkaDataDir, 'meta.properties'))) return;
  const logFile = join(kafkaLogsDir, 'format.log');
  // 256m: the storage tool only writes a few small files.
  const args = [...jvmOptions('64m', '256m'), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', serverProperties, '--ignore-formatted'];
  if ((await runLogged(java, args, { logFile, cwd: kafkaDir })) !== 0) {
    throw new StackError(`kafka storage format failed: ${lastLogLine(logFile)} (log ${logFile})`);
  }
}

export async function ensureKafka(state: StackState): Promise<ServiceLine> {
  const address = kafkaAddress(state);
  const line = { name: 'kafka', address };
  const outLog = join(kafkaLogsDir, 'kafka.out');
  // 90 s: a cold JVM on 2 busy cores takes ~10-20 s, plus log recovery after an unclean stop.
  const readyTimeoutMs = 90_000;
  if (isKafkaRunning(state)) {
    const pid = state.pids.kafka;
    await kafkaRoundTrip([address], readyTimeoutMs, () => (isOurs(pid, NEEDLES) ? undefined : `stopped; see ${outLog}`));
    return { ...line, how: 'already running' };
  }
  const java = await findJava();
  await ensureKafkaJars();
  const port = state.ports.kafka?.chosen;
  const controllerPort = state.ports['kafka-controller']?.chosen;
  const faultsPort = state.ports['kafka-faults']?.chosen;
  const proxiedPort = state.ports['toxiproxy-kafka']?.chosen;
  if (port === undefined || controllerPort === undefined || faultsPort === undefined || proxiedPort === undefined) {
    throw new StackError('internal: no port chosen for kafka');
  }
  mkdirSync(kafkaDataDir, { recursive: true });
  mkdirSync(kafkaLogsDir, { recursive: true });
  writeIfChanged(serverProperties, properties(port, controllerPort, { upstream: faultsPort, proxied: proxiedPort }));
  writeIfChanged(log4jConfig, log4j());
  await formatStorage(java, state.kafkaClusterId);
  // 512m-1g heap: enough for one broker under a k6 run; the box also hosts PG, Redis, the API and k6.
  const pid = spawnDetached(java, [...jvmOptions('512m', '1g'), 'kafka.Kafka', serverProperties], { logFile: outLog, cwd: kafkaDir });
  state.pids.kafka = pid;
  saveState(state); // at once: a Ctrl-C during the wait must not orphan the process
  const serverLog = join(kafkaLogsDir, 'server.log');
  await kafkaRoundTrip([address], readyTimeoutMs, whenExited(pid, () => `Kafka ${KAFKA_VERSION} exited: ${lastLogLine(outLog)} (logs ${serverLog}, ${outLog})`));
  return { ...line, how: 'started' };
}

/** SIGTERM runs a controlled shutdown; SIGKILL after 30 s. */
export async function stopKafka(state: StackState): Promise<boolean> {
  const pid = state.pids.kafka;
  delete state.pids.kafka;
  // 30 s: a single node's controlled shutdown takes a few seconds; this bounds a stuck one.
  return stopProcess(pid, NEEDLES, 30_000);
}
