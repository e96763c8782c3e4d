import { createDb } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadEnv } from '../../services/shared/env-files.js';

/** Migrates once before any test file runs (npm test brought the stack up). */
export default async function setup(): Promise<void> {
  const url = loadEnv().DATABASE_URL;
  if (url === undefined || url === '') throw new Error('DATABASE_URL unset: run the tests with npm test, which brings the stack up');
  const db = createDb({ connectionString: url, poolMax: 1, acquireTimeoutMs: 10_000, statementTimeoutMs: 60_000, applicationName: 'test-setup' });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}
