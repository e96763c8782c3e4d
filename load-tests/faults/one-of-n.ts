// One of N processes dies and is not brought back while the burst goes on:
// the others must carry the sale. `api-kill-one` routes buyers round robin
// over three API processes (a load balancer's view: a retry goes to the next
// one) and kills one with SIGKILL; `worker-kill-one` kills, of two workers in
// one consumer group, the one applying the SKU's partition, so the other has
// to take the partition over mid-drain.
import { AssignerProtocol, Partitioners } from 'kafkajs';
import { pino } from 'pino';
import { kafkaBrokers, loadConfig } from '../../services/shared/config.js';
import { createKafka } from '../../services/shared/kafka.js';
import { purchaseApplierGroup } from '../../services/worker/consumers.js';
import type { PickApi } from './burst.js';
import type { RunContext } from './context.js';
import { mark } from './injectors.js';
import type { ServiceProcess } from './processes.js';

/** Round robin over the API processes still alive; a retry goes to the next one. */
export function aliveRoundRobin(ctx: RunContext): PickApi {
  return (index, attempt) => {
    const alive = ctx.services.apis.filter((api) => api.pid !== undefined);
    const pool = alive.length > 0 ? alive : ctx.services.apis;
    const api = pool[(index + attempt) % pool.length] as ServiceProcess;
    return ctx.services.urlOf(api);
  };
}

/** kill -9 of the first of the APIs; it stays down for the rest of the run (each run has services of its own). */
export async function killOneApi(ctx: RunContext): Promise<void> {
  const api = ctx.services.apis[0];
  if (api === undefined || ctx.services.apis.length < 2) throw new Error('api-kill-one needs several APIs');
  mark(ctx, 'start');
  ctx.say(`  fault: kill -9 API pid ${api.pid ?? '?'} (1 of ${ctx.services.apis.length}; the others carry on)`);
  await api.kill9();
  ctx.facts.apisLeft = ctx.services.apis.filter((a) => a.pid !== undefined).length;
  mark(ctx, 'end');
}

/** The worker whose consumer holds the SKU's partition of the purchase topic; undefined when the group cannot say. */
async function ownerOfSku(ctx: RunContext): Promise<ServiceProcess | undefined> {
  const config = loadConfig();
  const kafka = createKafka(kafkaBrokers(config), 'flash-sale-faults', pino({ level: 'silent' }));
  const admin = kafka.admin();
  try {
    await admin.connect();
    const partitions = (await admin.fetchTopicMetadata({ topics: [config.PURCHASE_TOPIC] })).topics[0]?.partitions ?? [];
    const partition = Partitioners.DefaultPartitioner()({ topic: config.PURCHASE_TOPIC, partitionMetadata: partitions, message: { key: ctx.sku, value: '' } });
    const { groups } = await admin.describeGroups([purchaseApplierGroup]);
    for (const member of groups[0]?.members ?? []) {
      const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[config.PURCHASE_TOPIC] ?? [];
      if (!assignment.includes(partition)) continue;
      // Workers name their client flash-sale-worker-<pid> (worker.ts).
      const pid = Number(member.clientId.split('-').at(-1));
      return ctx.services.workers.find((w) => w.pid === pid);
    }
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** kill -9 of one of the workers (the SKU's partition owner when the strategy queues), down for the rest of the run. */
export async function killOneWorker(ctx: RunContext): Promise<void> {
  if (ctx.services.workers.length < 2) throw new Error('worker-kill-one needs several workers');
  const owner = ctx.strategy.async ? await ownerOfSku(ctx).catch(() => undefined) : undefined;
  if (ctx.strategy.async && owner === undefined) ctx.notes.push("the SKU's partition owner could not be found; killed the first worker");
  const victim = owner ?? (ctx.services.workers[0] as ServiceProcess);
  mark(ctx, 'start');
  ctx.say(`  fault: kill -9 worker pid ${victim.pid ?? '?'} (1 of ${ctx.services.workers.length}${owner === undefined ? '' : ", the SKU's partition owner"})`);
  await victim.kill9();
  ctx.facts.killedPartitionOwner = owner !== undefined;
  mark(ctx, 'end');
}
