import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  directoryGraph,
  findCycles,
  importGraph,
  importSpecifiers,
  sourceFiles,
  workspaceExports,
} from './import-graph.ts';
import type { ImportGraph } from './import-graph.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PACKAGES = ['proto', 'hub', 'agent'].map((p) => path.join(ROOT, p));

function graphOf(edges: Record<string, string[]>): ImportGraph {
  return new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));
}

describe('directoryGraph', () => {
  it('links directories that import each other, a directory and its subdirectories being one', () => {
    const graph = graphOf({
      '/s/fleet/read.ts': ['/s/rollout/cron.ts', '/s/fleet/types.ts'],
      '/s/fleet/types.ts': [],
      '/s/rollout/cron.ts': ['/s/fleet/types.ts'],
      '/s/http/server.ts': ['/s/http/routes/diff.ts'],
      '/s/http/routes/diff.ts': ['/s/http/server.ts', '/s/fleet/types.ts'],
    });
    expect(
      Object.fromEntries([...directoryGraph(graph)].map(([dir, to]) => [dir, [...to].sort()])),
    ).toEqual({
      '/s/fleet': ['/s/rollout'],
      '/s/rollout': ['/s/fleet'],
      '/s/http': [],
      '/s/http/routes': ['/s/fleet'],
    });
    expect(findCycles(directoryGraph(graph))).toEqual([['/s/fleet', '/s/rollout', '/s/fleet']]);
  });
});

describe('findCycles', () => {
  it.each<[string, Record<string, string[]>, string[][]]>([
    ['no edges', { a: [], b: [] }, []],
    ['a chain', { a: ['b'], b: ['c'], c: [] }, []],
    ['a diamond', { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, []],
    ['a self-import', { a: ['a'] }, [['a', 'a']]],
    ['two modules', { a: ['b'], b: ['a'] }, [['a', 'b', 'a']]],
    ['a rotated triangle', { c: ['a'], a: ['b'], b: ['c'] }, [['a', 'b', 'c', 'a']]],
    [
      'two separate cycles',
      { a: ['b'], b: ['a'], c: ['d'], d: ['c'], e: ['a', 'c'] },
      [
        ['a', 'b', 'a'],
        ['c', 'd', 'c'],
      ],
    ],
    [
      'two cycles through one module',
      { a: ['b', 'c'], b: ['a'], c: ['a'] },
      [
        ['a', 'b', 'a'],
        ['a', 'c', 'a'],
      ],
    ],
  ])('%s', (_name, edges, cycles) => {
    expect(findCycles(graphOf(edges))).toEqual(cycles);
  });
});

describe('importSpecifiers', () => {
  it('reads imports, type imports, re-exports and import() with the TypeScript scanner', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "export * from '@gitfleet/proto/domain';",
      "const d = await import('./d.ts');",
      "// import { e } from './e.ts';",
      'const s = "import { f } from \'./f.ts\'";',
    ].join('\n');
    expect(importSpecifiers(text)).toEqual([
      './a.ts',
      '../b.ts',
      './c.ts',
      '@gitfleet/proto/domain',
      './d.ts',
    ]);
  });
});

describe('import graph of proto, hub and agent', () => {
  it('resolves workspace packages through their exports', () => {
    const exports = workspaceExports(PACKAGES);
    expect(exports.get('@gitfleet/proto/domain')).toBe(
      path.join(ROOT, 'proto/src/domain/index.ts'),
    );
    expect(exports.get('@gitfleet/hub')).toBe(path.join(ROOT, 'hub/src/index.ts'));
  });

  const files = PACKAGES.flatMap((dir) => sourceFiles(path.join(dir, 'src')));
  const graph = importGraph(files, workspaceExports(PACKAGES));
  const named = (cycles: string[][]): string[] =>
    cycles.map((cycle) => cycle.map((file) => path.relative(ROOT, file)).join(' → '));

  it('is read from the sources', () => {
    const edges = [...graph.values()].reduce((n, to) => n + to.size, 0);
    expect(edges).toBeGreaterThan(files.length / 2);
  });

  it('has no import cycles between modules', () => {
    const cycles = named(findCycles(graph));
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('has no import cycles between sibling directories', () => {
    const cycles = named(findCycles(directoryGraph(graph)));
    expect(cycles, `directory import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });
});
