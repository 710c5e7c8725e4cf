/**
 * The module graph of the workspace's sources and the import cycles in it. Specifiers are read
 * with the TypeScript scanner (`ts.preProcessFile`: `import`, `import type`, `export … from`,
 * `import()`), relative ones are resolved against the importing file and `@gitfleet/*` ones
 * through each package's `exports`; everything else (npm packages, Node built-ins) is outside
 * the graph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Module → the modules it imports (absolute paths, only modules inside the graph). */
export type ImportGraph = ReadonlyMap<string, ReadonlySet<string>>;

/** The `.ts` files under `dir`, tests (`*.test.ts`) and `node_modules` left out. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => !file.split(path.sep).includes('node_modules'))
    .sort();
}

/** `@gitfleet/<pkg>[/<subpath>]` → file, from the `exports` of each package directory. */
export function workspaceExports(packageDirs: readonly string[]): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const dir of packageDirs) {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name: string;
      exports?: Record<string, string>;
    };
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      out.set(specifier, path.resolve(dir, target));
    }
  }
  return out;
}

/** The specifiers a module's text imports or re-exports. */
export function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The graph of `files`: each file's imports that resolve to another file of the set. */
export function importGraph(
  files: readonly string[],
  packages: ReadonlyMap<string, string>,
  read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): ImportGraph {
  const known = new Set(files);
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const edges = new Set<string>();
    for (const specifier of importSpecifiers(read(file))) {
      const target = specifier.startsWith('.')
        ? path.resolve(path.dirname(file), specifier)
        : packages.get(specifier);
      if (target !== undefined && known.has(target)) edges.add(target);
    }
    graph.set(file, edges);
  }
  return graph;
}

/**
 * The graph of the directories of a module graph: directory A imports directory B when a module in
 * A imports one in B, and neither directory contains the other (a directory and its own
 * subdirectories are one unit, like `http/` and `http/routes/`). A cycle here is two sibling
 * areas that depend on each other, such as `core/fleet/` ↔ `core/rollout/`.
 */
export function directoryGraph(graph: ImportGraph): ImportGraph {
  const inside = (dir: string, parent: string): boolean =>
    dir === parent || dir.startsWith(`${parent}${path.sep}`);
  const out = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    const from = path.dirname(file);
    const edges = out.get(from) ?? new Set<string>();
    out.set(from, edges);
    for (const target of imports) {
      const to = path.dirname(target);
      if (!inside(from, to) && !inside(to, from)) edges.add(to);
    }
  }
  return out;
}

/** Strongly connected components (Tarjan), iteratively so that deep graphs cannot overflow. */
function components(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edges: Iterator<string> }[] = [];
    const enter = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter);
      counter += 1;
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: (graph.get(node) ?? new Set<string>()).values() });
    };
    enter(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const next = frame.edges.next();
      if (!next.done) {
        const to = next.value;
        if (!index.has(to)) enter(to);
        else if (onStack.has(to))
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) {
        low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        out.push(component);
      }
    }
  }
  return out;
}

/** A shortest path from `from` back to itself inside `members`, first node repeated at the end. */
function shortestCycle(graph: ImportGraph, from: string, members: ReadonlySet<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === from) {
        const cycle = [from];
        for (let at = node; at !== from; at = previous.get(at) ?? from) cycle.unshift(at);
        cycle.unshift(from);
        return cycle;
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [];
}

/**
 * The import cycles of a graph: for every module on a cycle, a shortest cycle through it
 * (`[a, b, a]`), each distinct cycle once, rotated to start at its smallest module, in order.
 * Empty when the graph has none.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const seen = new Map<string, string[]>();
  for (const component of components(graph)) {
    const self = component.length === 1 && graph.get(component[0]!)?.has(component[0]!) === true;
    if (component.length === 1 && !self) continue;
    const members = new Set(component);
    for (const node of component) {
      const cycle = shortestCycle(graph, node, members).slice(0, -1);
      if (cycle.length === 0) continue;
      const first = cycle.indexOf([...cycle].sort()[0]!);
      const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
      seen.set(rotated.join('\n'), [...rotated, rotated[0]!]);
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}
