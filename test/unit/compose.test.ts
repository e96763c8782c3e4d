import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema, parseConfig } from '../../services/shared/config.js';
import { repoRoot } from '../../services/shared/env-files.js';

// No Docker engine runs here, so docker-compose.yml is kept in step by reading it.
interface Service {
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  profiles?: string[];
}
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

describe('docker-compose.yml', () => {
  it('has the topology of the local stack', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'etcd-1', 'etcd-2', 'etcd-3', 'k6', 'kafka', 'postgres', 'redis-1', 'redis-2', 'redis-3', 'worker']);
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  it.each(['api', 'worker'])('gives %s only variables the config knows, and a config that validates', (name) => {
    const environment = compose.services[name]?.environment ?? {};
    const known = Object.keys(ConfigSchema.properties);
    for (const key of Object.keys(environment)) expect(known, key).toContain(key);
    const config = parseConfig(environment);
    expect(config.REDIS_URLS.split(',')).toHaveLength(3);
    for (const url of config.REDIS_URLS.split(',')) expect(Object.keys(compose.services)).toContain(new URL(url).hostname);
    expect(Object.keys(compose.services)).toContain(new URL(config.DATABASE_URL).hostname);
    expect(Object.keys(compose.services)).toContain(config.KAFKA_BROKERS.split(':')[0]);
    expect(config.ETCD_ENDPOINTS.split(',')).toHaveLength(3);
    for (const url of config.ETCD_ENDPOINTS.split(',')) expect(Object.keys(compose.services)).toContain(new URL(url).hostname);
  });

  it('publishes ports on loopback only', () => {
    for (const service of Object.values(compose.services)) {
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
  });
});
