// What a process supervisor (systemd, Kubernetes) would do for the services
// of a run: an API or worker that exits on its own (a crash, not a kill of
// the scenario) is recorded as a failed check and started again, so the
// ledger can still finish and the data checks still say what a crash cost.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext } from './context.js';
import type { ServiceProcess } from './processes.js';

// 500 ms: a crash is seen well within a second; the restart itself takes seconds.
const watchEveryMs = 500;

export function superviseServices(ctx: RunContext): () => void {
  const services: ServiceProcess[] = [...ctx.services.apis, ...ctx.services.workers];
  const crashes: string[] = [];
  let watching = true;
  const loop = async (): Promise<void> => {
    while (watching) {
      for (const service of services) {
        const tail = service.crashed();
        if (tail === undefined) continue;
        crashes.push(`${service.spec.name} exited at ${(ctx.ledger.now() / 1000).toFixed(1)} s: ${tail}`);
        ctx.say(`  crash: ${service.spec.name} exited on its own; restarting it`);
        await service.start().catch((error: unknown) => crashes.push(`${service.spec.name} did not restart: ${String(error).slice(0, 200)}`));
      }
      await sleep(watchEveryMs);
    }
  };
  const done = loop();
  return () => {
    if (!watching) return;
    watching = false;
    void done;
    ctx.checks.push({ name: 'no-service-crash', ok: crashes.length === 0, detail: crashes.length === 0 ? 'no API or worker exited on its own' : crashes.join('; ') });
  };
}
