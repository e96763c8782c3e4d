import { createDb } from '../db/client.js';
import { migrateToLatest } from '../db/migrate.js';
import { loadEnv } from '../services/shared/env-files.js';

// `npm run db:migrate`: brings the schema of DATABASE_URL (or the local stack's) up to date.
const url = loadEnv().DATABASE_URL;
if (url === undefined || url === '') {
  console.error('db: DATABASE_URL is not set and the local stack has not written one: run npm run stack:up');
  process.exit(1);
}
// Migrations may lock tables for a while: a minute is generous, not infinite.
const db = createDb({ connectionString: url, poolMax: 2, acquireTimeoutMs: 10_000, statementTimeoutMs: 60_000, applicationName: 'migrate' });
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length === 0 ? 'db: schema up to date' : `db: applied ${applied.join(', ')}`);
} catch (error: unknown) {
  console.error(`db: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
