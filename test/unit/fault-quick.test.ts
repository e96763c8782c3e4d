import { describe, expect, it } from 'vitest';
import { scenarios } from '../../load-tests/faults/scenarios.js';
import { strategyFacts } from '../../services/strategies/registry.js';

// The quick fault subset picks strategies by their facts. With today's
// registry it must pick what CI ran when it listed them by name (and
// connection-flood and the one-of-N kills, added since: the plainest one, the queue;
// redis-failover: the one deciding in Redis).
const pickedBefore: Record<string, string[]> = {
  'api-kill': ['pg-atomic', 'kafka-queue'],
  'api-kill-one': ['pg-atomic'],
  'worker-kill': ['kafka-queue'],
  'worker-kill-one': ['kafka-queue'],
  'kafka-pause': ['kafka-queue'],
  'line-redis-pause': ['pg-atomic'],
  'redis-pause': ['redis-lua'],
  'redis-failover': ['redis-lua'],
  'redis-flush': ['redis-lua'],
  'redlock-one-down': ['redlock'],
  'redis-rollback': ['redis-lua'],
  'pg-pause-5s': ['pg-atomic'],
  'lock-holder-pause': ['redis-lock'],
  'slow-postgres': ['pg-atomic'],
  'slow-redis': ['redis-lua'],
  'slow-kafka': ['kafka-queue'],
  'connection-flood': ['pg-atomic'],
  'overload': ['pg-atomic'],
};

describe('the quick fault subset', () => {
  it('picks, by facts, the strategies it used to name', () => {
    const picked = Object.fromEntries(
      scenarios
        .map((scenario) => {
          const applicable = strategyFacts.filter((facts) => scenario.appliesTo(facts));
          const names = scenario.quick.flatMap((pick) => applicable.find(pick)?.name ?? []);
          return [scenario.name, names] as const;
        })
        .filter(([, names]) => names.length > 0),
    );
    expect(picked).toEqual(pickedBefore);
  });

  it('applies the lock and quorum scenarios to the strategies that lock there', () => {
    const appliesTo = (name: string) => strategyFacts.filter((facts) => scenarios.find((s) => s.name === name)?.appliesTo(facts)).map((facts) => facts.name);
    expect(appliesTo('lock-holder-pause')).toEqual(['redis-lock', 'redlock', 'etcd-lock']);
    expect(appliesTo('redlock-two-down')).toEqual(['redlock']);
    expect(appliesTo('etcd-two-down')).toEqual(['etcd-lock']);
    expect(appliesTo('redis-rollback')).toEqual(['redis-lua', 'redis-lease', 'redis-buckets', 'kafka-queue']);
  });
});
