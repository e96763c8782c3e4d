import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigSchema, parseConfig } from '../../services/shared/config.js';
import { repoRoot } from '../../services/shared/env-files.js';

const required = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  REDIS_URLS: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  ETCD_ENDPOINTS: 'http://127.0.0.1:2379',
  ADMIN_TOKEN: 'a-long-enough-token',
};

describe('parseConfig', () => {
  it('fills defaults and converts numbers', () => {
    const config = parseConfig({ ...required, PORT: '4000' });
    expect(config.PORT).toBe(4000);
    expect(config.HOST).toBe('127.0.0.1');
    // Unset: the registry's default applies (strategies plugin).
    expect(config.DEFAULT_STRATEGY).toBeUndefined();
    expect(config.MAX_QUANTITY).toBe(10);
  });

  it('names every missing or bad variable', () => {
    try {
      parseConfig({ PORT: 'eighty', ADMIN_TOKEN: 'short' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      for (const name of ['DATABASE_URL', 'REDIS_URLS', 'KAFKA_BROKERS', 'ADMIN_TOKEN', 'PORT']) expect(message).toContain(name);
    }
  });

  it('refuses a retired per-wait budget, naming what replaced it', () => {
    expect(() => parseConfig({ ...required, LOCK_WAIT_MS: '800' })).toThrow(/LOCK_WAIT_MS: no longer read; PURCHASE_WAIT_MS/);
  });

  it('treats an empty value as unset, so .env.example can be copied as is', () => {
    expect(parseConfig({ ...required, PORT: '' }).PORT).toBe(3000);
  });
});

describe('.env.example', () => {
  it('lists every variable the config reads', () => {
    const text = readFileSync(join(repoRoot, '.env.example'), 'utf8');
    // `# NAME=value`: documented, unset by default (the service then decides).
    const listed = new Set([...text.matchAll(/^(?:# )?([A-Z0-9_]+)=/gm)].map((match) => match[1]));
    for (const name of Object.keys(ConfigSchema.properties)) expect(listed, name).toContain(name);
  });
});
