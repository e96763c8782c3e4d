import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Layers point down: services/ may use db/ and lib/, db/ may use lib/, and
// lib/ knows nothing of the service. Read from the import statements
// themselves, so a new file cannot slip past.
const root = resolve(import.meta.dirname, '../..');

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every relative import of a file, as a path from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((match) => match[1] ?? '');
  return specifiers.map((specifier) => relative(root, resolve(file, '..', specifier)));
}

function crossings(dir: string, forbidden: readonly string[]): string[] {
  return tsFiles(dir).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.some((top) => target === top || target.startsWith(`${top}/`)))
      .map((target) => `${relative(root, file)} -> ${target}`),
  );
}

describe('layers', () => {
  it('db/ imports nothing from services/', () => {
    expect(crossings('db', ['services'])).toEqual([]);
  });

  it('lib/ imports nothing from services/ or db/', () => {
    expect(crossings('lib', ['services', 'db'])).toEqual([]);
  });

  it('no module imports itself through others (no import cycles)', () => {
    const graph = new Map<string, string[]>();
    for (const dir of ['services', 'lib', 'db', 'harness', 'load-tests', 'scripts', 'test/helpers']) {
      for (const file of tsFiles(dir)) graph.set(relative(root, file), importsOf(file).map((target) => target.replace(/\.js$/, '.ts')));
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('the check sees an import that crosses', () => {
    // Guards the check itself: a test file here imports from services/.
    expect(importsOf(join(root, 'test/unit/answers.test.ts')).some((target) => target.startsWith('services/'))).toBe(true);
  });
});
