import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Log } from './log.js';

const pinoLevel: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through pino, at warn and above (kafkajs is chatty at info). */
export function createKafka(brokers: string[], clientId: string, log: Log): Kafka {
  return new Kafka({
    clientId,
    brokers,
    // Local brokers answer in milliseconds; these bound the wait when one is down.
    connectionTimeout: 2000,
    requestTimeout: 10000,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      log[pinoLevel[entry.level] ?? 'info']({ component: 'kafka', namespace: entry.namespace, ...rest }, message);
    },
  });
}
