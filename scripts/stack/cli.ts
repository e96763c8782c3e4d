/**
 * The native local stack: real PostgreSQL, three Redis servers, one Kafka broker
 * and a k6 binary, all under .stack/ on 127.0.0.1.
 * Usage: tsx scripts/stack/cli.ts <up|down|status|reset> [--no-k6]
 * --no-k6 (with up): start the servers only, without k6 and Chromium; `npm start` needs no test tool.
 */
import { StackError } from './errors.js';
import { acquireLock } from './lock.js';
import { down, reset, status, up } from './stack.js';

const withK6 = !process.argv.includes('--no-k6');
const commands = { up: () => up({ k6: withK6 }), down, reset } as const;
type Command = keyof typeof commands | 'status';

function isCommand(value: string | undefined): value is Command {
  return value === 'up' || value === 'down' || value === 'reset' || value === 'status';
}

async function main(): Promise<void> {
  const command = process.argv[2];
  if (!isCommand(command)) throw new StackError('usage: tsx scripts/stack/cli.ts <up|down|status|reset> [--no-k6]');
  if (command === 'status') {
    status();
    return;
  }
  const release = await acquireLock();
  // Ctrl-C or a killed test run must not leave the lock behind (the servers keep running).
  const onSignal = (signal: NodeJS.Signals): void => {
    release();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await commands[command]();
  } finally {
    release();
  }
}

main().then(
  // Explicit exit: client libraries may keep timers alive; the servers are detached and stay up.
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof StackError) console.error(`stack: ${error.message}`);
    else console.error(`stack: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
