// Runs one k6 script as a child process: its output goes to a log file, a
// one-line progress (percent of the scenario, iterations done) to the
// terminal, its JSON digest to summaryPath, and its web dashboard to an HTML
// export beside the report.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { repoRoot } from '../../services/shared/env-files.js';

export interface K6Job {
  /** Shown before the progress, e.g. "[3/9] redlock". */
  label: string;
  script: string;
  env: Record<string, string>;
  summaryPath: string;
  /** Where the web dashboard export goes; none when undefined. */
  dashboardPath?: string;
  logFile: string;
  /** Hard stop: k6 is killed past this (its own timeouts should end it well before). */
  timeoutMs: number;
  /** Called once when k6 reports its scenario at 100% (teardown then starts), or when k6 ends. */
  onScenarioEnd?: (() => void) | undefined;
}

// k6 prints, about once a second when not on a terminal:
//   running (01.9s), 064/600 VUs, 6858 complete and 0 interrupted iterations
//   flash_sale   [  37% ] 064/600 VUs  1.9s/5s
const runningLine = /^running \(([^)]+)\), (\d+)\/(\d+) VUs, (\d+) complete/;
const scenarioLine = /\[\s*(\d+)%\s*\]/;

function progressWriter(label: string, onScenarioEnd: () => void): { update(line: string): void; done(text: string): void } {
  const tty = process.stdout.isTTY;
  let lastPrinted = 0;
  let vus = '';
  let complete = '';
  let elapsed = '';
  return {
    update(line: string) {
      const running = runningLine.exec(line);
      if (running !== null) {
        [, elapsed = '', vus = '', , complete = ''] = running;
        return;
      }
      const scenario = scenarioLine.exec(line);
      if (scenario === null) return;
      if (scenario[1] === '100') onScenarioEnd();
      const text = `  ${label}  ${scenario[1]?.padStart(3)}%  ${elapsed}  ${complete} requests  ${vus} VUs busy`;
      // A terminal gets one line rewritten in place; a log (CI) a line every 5 s.
      if (tty) process.stdout.write(`\r\x1b[K${text}`);
      else if (Date.now() - lastPrinted >= 5000) {
        process.stdout.write(`${text}\n`);
        lastPrinted = Date.now();
      }
    },
    done(text: string) {
      process.stdout.write(`${tty ? '\r\x1b[K' : ''}  ${label}  ${text}\n`);
    },
  };
}

/** The k6 processes running now, so that a SIGTERM to the compare run can stop them too. */
const running = new Set<ChildProcess>();

/** Kills every k6 this process started that is still running (the compare run is being stopped). */
export function killRunningK6(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** What runK6 returns when k6 was killed (its time ran out): not one of k6's own codes. */
export const killedExitCode = -1;

/** k6's exit code: 0 all thresholds held, 99 a threshold failed, 107 setup() threw, other: k6 itself failed; -1 killed. */
export function runK6(k6Bin: string, job: K6Job): Promise<number> {
  const env: Record<string, string> = {
    ...job.env,
    K6_NO_USAGE_REPORT: 'true',
    SUMMARY_PATH: job.summaryPath,
  };
  if (job.dashboardPath !== undefined) {
    // No dashboard server (port -1): only the self-contained HTML export at the end;
    // 1 s periods so that a run of a few seconds still has enough points to export.
    Object.assign(env, {
      K6_WEB_DASHBOARD: 'true',
      K6_WEB_DASHBOARD_PORT: '-1',
      K6_WEB_DASHBOARD_PERIOD: '1s',
      K6_WEB_DASHBOARD_EXPORT: job.dashboardPath,
    });
  }
  let ended = false;
  const scenarioEnded = (): void => {
    if (!ended) job.onScenarioEnd?.();
    ended = true;
  };
  const progress = progressWriter(job.label, scenarioEnded);
  const log = createWriteStream(job.logFile, { flags: 'a' });
  // A log that cannot be written must not end the compare run (and leave the API running).
  log.on('error', () => undefined);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(k6Bin, ['run', job.script], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let pending = '';
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) progress.update(line.trim());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), job.timeoutMs);
    child.once('error', (error) => {
      scenarioEnded();
      running.delete(child);
      clearTimeout(timer);
      log.end();
      reject(new Error(`could not run ${k6Bin}: ${error.message}`));
    });
    // 'close', not 'exit': output may still arrive after 'exit', and the log must not be ended before it.
    child.once('close', (code, signal) => {
      scenarioEnded();
      running.delete(child);
      clearTimeout(timer);
      log.end();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      progress.done(signal !== null ? `killed after ${seconds} s (${signal})` : `done in ${seconds} s (k6 exit ${code ?? '?'})`);
      resolve(signal !== null ? killedExitCode : (code ?? 1));
    });
  });
}
