import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { strategyFacts } from '../../services/strategies/registry.js';

// A strategy is one folder plus one registry line: no other code names it.
// The routes, the worker, the reconciler, config, the fault scenarios, compare
// and k6 select strategies by their facts. Checked on every string literal of
// the code outside comment lines (tests and docs name the strategy they test
// or describe, and a comment may name one to explain).
const root = resolve(import.meta.dirname, '../..');
const codeDirs = ['services', 'lib', 'db', 'harness', 'load-tests', 'scripts'];
const registry = 'services/strategies/registry.ts';

function codeFiles(): string[] {
  return codeDirs.flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && /\.(ts|lua|sh|js|mjs)$/.test(entry.name) && !entry.parentPath.includes('node_modules') && !entry.parentPath.includes('results'))
      .map((entry) => relative(root, join(entry.parentPath, entry.name))),
  );
}

/** The tables of db/schema.ts's Database: in db/, a table that shares a strategy's name (outbox) is the table. */
function tableNames(): Set<string> {
  const schema = readFileSync(join(root, 'db/schema.ts'), 'utf8');
  const body = /export interface Database \{([^}]*)\}/.exec(schema)?.[1] ?? '';
  return new Set([...body.matchAll(/^\s*(\w+):/gm)].map((match) => match[1] ?? ''));
}

/** Files outside the strategy's folder and the registry whose code holds `name` as a whole string literal. */
function namedOutside(name: string, files: readonly string[], tables: ReadonlySet<string>): string[] {
  const literal = new RegExp(`(['"\`])${name.replace(/[-]/g, '\\-')}\\1`);
  return files.filter((file) => {
    if (file === registry || file.startsWith(`services/strategies/${name}/`)) return false;
    if (file.startsWith('db/') && tables.has(name)) return false;
    // Comment lines may name a strategy to explain; code may not.
    const code = readFileSync(join(root, file), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\*|\/\*|--)/.test(line));
    return code.some((line) => literal.test(line));
  });
}

describe('strategy names', () => {
  const files = codeFiles();
  const tables = tableNames();

  it.each(strategyFacts.map((facts) => facts.name))('%s is named only in its folder and the registry', (name) => {
    expect(namedOutside(name, files, tables)).toEqual([]);
  });

  it('the check finds a name where it is written: each strategy names itself in its folder', () => {
    for (const { name } of strategyFacts) {
      const own = files.filter((file) => file.startsWith(`services/strategies/${name}/`));
      expect(own.length, name).toBeGreaterThan(0);
      expect(own.some((file) => readFileSync(join(root, file), 'utf8').includes(`'${name}'`)), name).toBe(true);
    }
  });
});
