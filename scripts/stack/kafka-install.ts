import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { lastLogLine, runLogged } from './processes.js';
import { requireTool } from './prerequisites.js';
import { stackDir, writeIfChanged } from './state.js';

/**
 * Kafka 4.3.1: the newest 4.x whose artifacts Maven Central serves completely
 * (4.4.0's kafka_2.13 pom is there but its kafka-tools-api jar was not), and
 * kafkajs 2.2.4 passes admin createTopics + produce + consumer-group fetch
 * against it. Kafka 4 dropped only protocol versions older than kafkajs uses.
 */
export const KAFKA_VERSION = '4.3.1';
/** Kafka 4's own logging: slf4j 1.7 API, bound to Log4j 2 (the version its pom brings). */
const LOG4J_VERSION = '2.25.4';
/** Pinned so the download does not depend on Maven's default plugin version. */
const DEPENDENCY_PLUGIN_VERSION = '3.8.1';

export const kafkaDir = join(stackDir, 'kafka');
export const libsDir = join(kafkaDir, 'libs');
const marker = join(libsDir, '.complete');

function pom(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/stack/kafka-install.ts: only used to download the Kafka broker jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.flash-sale-inventory</groupId>
  <artifactId>stack-kafka</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>${LOG4J_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>${LOG4J_VERSION}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>${DEPENDENCY_PLUGIN_VERSION}</version>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

export const kafkaJarsPresent = (): boolean => existsSync(marker) && readFileSync(marker, 'utf8').trim() === KAFKA_VERSION;

/** Downloads the broker's runtime jars into .stack/kafka/libs once per Kafka version. */
export async function ensureKafkaJars(): Promise<void> {
  if (kafkaJarsPresent()) return;
  const mvn = requireTool('mvn', 'install maven (Kafka jars come from Maven Central)');
  const pomPath = join(kafkaDir, 'pom.xml');
  writeIfChanged(pomPath, pom());
  rmSync(libsDir, { recursive: true, force: true }); // jars of another version would mix on the classpath
  const logFile = join(kafkaDir, 'logs', 'mvn.log');
  process.stderr.write(`stack: downloading Kafka ${KAFKA_VERSION} jars with mvn (one time; log ${logFile})\n`);
  const args = ['-B', '-q', '-f', pomPath, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libsDir}`];
  // 10 min: ~45 MB of jars download in well under a minute; this only stops a hung transfer.
  if ((await runLogged(mvn, args, { logFile, cwd: kafkaDir, timeoutMs: 10 * 60_000 })) !== 0) {
    throw new StackError(`mvn could not download Kafka ${KAFKA_VERSION}: ${lastLogLine(logFile)} (log ${logFile})`);
  }
  writeFileSync(marker, `${KAFKA_VERSION}\n`);
}
