/**
 * Inputs for the YAML readers (the fleet parser, the manifest reader): arbitrary bytes and text,
 * soups of YAML's own punctuation, and structured mutations of valid files — values of the wrong
 * type, deleted and renamed keys, duplicate keys, anchors and aliases (alias bombs too), deep
 * nesting, bytes that are not UTF-8, truncation. A mutation is a plan of numbers and values, so
 * fast-check can shrink it; applying it to a text is deterministic and never throws.
 */
import fc from 'fast-check';
import type { JsonValue } from '@gitfleet/proto';
import { isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';

/** Text as the Git adapter makes it from bytes: invalid UTF-8 becomes U+FFFD. */
export const bytesAsText: fc.Arbitrary<string> = fc
  .uint8Array({ maxLength: 400 })
  .map((bytes) => new TextDecoder().decode(bytes));

/** Any code points, lone surrogates included. */
export const anyText: fc.Arbitrary<string> = fc.string({ unit: 'binary', maxLength: 300 });

// prettier-ignore
const YAML_TOKENS = [
  '{', '}', '[', ']', ':', ': ', ', ', '- ', '? ', '\n', '\n  ', '\n    ', '  ', '\t', '#',
  ' # c', '---\n', '...\n', '%YAML 1.2\n', '%TAG ! tag:x,2000:\n', '&a ', '*a', '&b ', '*b',
  '<<: ', '!!str ', '!!binary ', '!!int ', '!!map ', '!x ', '!<tag:yaml.org,2002:str> ', '|',
  '|-\n', '>', '"', "'", '\\', '"\\u', '\\x', 'a', 'key', '1', '-1', '1e9', '0x1F', '.nan',
  '.inf', '12345678901234567890', 'null', '~', 'true', 'yes', '\uFEFF', '\u0000', '\u0085',
  '\u2028', '\uFFFD', '\uD800', 'apiVersion: gitfleet.dev/v1alpha1\n', 'apiVersion: v1\n',
  'kind: Target\n', 'kind: ConfigMap\n', 'metadata: {name: x}\n', 'spec:\n', 'items: ',
  '__proto__', '${target.name}', '${',
];

/** Strings made of YAML punctuation and keywords: mostly invalid, often surprising. */
export const yamlSoup: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...YAML_TOKENS), { maxLength: 120 })
  .map((tokens) => tokens.join(''));

// prettier-ignore
const FIELD_NAMES = [
  'apiVersion', 'kind', 'metadata', 'name', 'namespace', 'labels', 'annotations', 'spec', 'data',
  'items', 'source', 'repoURL', 'path', 'targetRevision', 'placement', 'selector', 'matchLabels',
  'matchExpressions', 'key', 'operator', 'values', 'policies', 'prune', 'drift', 'overlays',
  'patches', 'target', 'merge', 'jsonPatch', 'op', 'value', 'from', 'environment', 'rollout',
  'waves', 'soak', 'maxUnavailable', 'pins', 'targetPins', 'frozen', 'syncWindows', 'schedule',
  '<<', '__proto__', 'constructor', 'toString',
];

// prettier-ignore
const HOSTILE_CONSTANTS: readonly JsonValue[] = [
  null, true, false, 0, -1, 1.5, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', '~', 'null',
  'yes', '0x1F', '1.20', '${target.name}', '${', '${target.labels.}', '${environment.name}',
  '../../etc', '/abs', 'file:///etc', 'http://user:pw@h/x', '-', '*', '[', '{', 'a'.repeat(300),
  'gitfleet.dev/v1alpha1', 'Target', 'Application', '__proto__', '\u0000', '\uFFFD', '\u202E',
  'DNS-label-NOT', 'release/1.x', 'v1..2', '@{u}', 'a:b', '/spec/replicas', '~2', '100%', '0%',
];

/**
 * JSON values that are wrong somewhere: other types, odd strings, edge numbers, small
 * structures. All a fleet's patch can hold (a parsed fleet has no other values).
 */
export const hostileJson: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom(...HOSTILE_CONSTANTS),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>,
);

/** Values to write into YAML: hostile JSON, and what only YAML can say (NaN, big integers). */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileJson,
  fc.double(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
);

const key: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...FIELD_NAMES),
  fc.string({ maxLength: 12 }),
);
const pick = fc.nat({ max: 1_000_000 });

export type Mutation =
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicateLine' | 'truncate'; readonly at: number }
  | { readonly op: 'swapLines'; readonly at: number; readonly other: number }
  | { readonly op: 'badBytes'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'setValue'; readonly at: number; readonly value: unknown }
  | { readonly op: 'deleteKey'; readonly at: number }
  | {
      readonly op: 'renameKey' | 'addKey';
      readonly at: number;
      readonly key: string;
      readonly value: unknown;
    }
  | { readonly op: 'alias'; readonly at: number; readonly other: number }
  | { readonly op: 'nest'; readonly at: number; readonly depth: number; readonly flow: boolean }
  | { readonly op: 'bomb'; readonly at: number; readonly levels: number; readonly width: number }
  | {
      readonly op: 'deepText';
      readonly at: number;
      readonly depth: number;
      readonly flow: boolean;
    };

/** Around the nesting limit (100), far beyond it, and deep enough to overflow a recursion. */
const deepTextDepth = fc.constantFrom(99, 100, 101, 1_000, 20_000);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('insert' as const),
    at: pick,
    text: fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ maxLength: 8 })),
  }),
  fc.record({ op: fc.constant('delete' as const), at: pick, length: fc.nat({ max: 40 }) }),
  fc.record({ op: fc.constantFrom('duplicateLine' as const, 'truncate' as const), at: pick }),
  fc.record({ op: fc.constant('swapLines' as const), at: pick, other: pick }),
  fc.record({
    op: fc.constant('badBytes' as const),
    at: pick,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => b.map((x) => x | 0x80)),
  }),
  fc.record({ op: fc.constant('setValue' as const), at: pick, value: hostileValue }),
  fc.record({ op: fc.constant('deleteKey' as const), at: pick }),
  fc.record({
    op: fc.constantFrom('renameKey' as const, 'addKey' as const),
    at: pick,
    key,
    value: hostileValue,
  }),
  fc.record({ op: fc.constant('alias' as const), at: pick, other: pick }),
  fc.record({
    op: fc.constant('nest' as const),
    at: pick,
    depth: fc.integer({ min: 1, max: 130 }),
    flow: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('bomb' as const),
    at: pick,
    levels: fc.integer({ min: 2, max: 7 }),
    width: fc.integer({ min: 2, max: 12 }),
  }),
  fc.record({
    op: fc.constant('deepText' as const),
    at: pick,
    depth: deepTextDepth,
    flow: fc.boolean(),
  }),
);

/** 1 to 4 mutations. */
export const mutations: fc.Arbitrary<readonly Mutation[]> = fc.array(mutation, {
  minLength: 1,
  maxLength: 4,
});

/** Applies `plan` to `text`; a step that does not apply (no such node, alias order) is skipped. */
export function applyMutations(text: string, plan: readonly Mutation[]): string {
  let out = text;
  for (const m of plan) {
    try {
      out = applyOne(out, m);
    } catch {
      // The mutation did not apply to this text (e.g. an alias before its anchor): skip it.
    }
  }
  return out;
}

function applyOne(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  const lines = text.split('\n');
  const line = lines.length === 0 ? 0 : m.at % lines.length;
  switch (m.op) {
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'truncate':
      return text.slice(0, at);
    case 'duplicateLine':
      return [...lines.slice(0, line + 1), ...lines.slice(line)].join('\n');
    case 'swapLines': {
      const other = m.other % lines.length;
      const swapped = [...lines];
      [swapped[line], swapped[other]] = [lines[other] ?? '', lines[line] ?? ''];
      return swapped.join('\n');
    }
    case 'badBytes':
      return text.slice(0, at) + new TextDecoder().decode(m.bytes) + text.slice(at);
    case 'bomb': {
      const levels = [`l0: &l0 [${Array(m.width).fill('lol').join(', ')}]`];
      for (let i = 1; i < m.levels; i++) {
        levels.push(
          `l${String(i)}: &l${String(i)} [${Array(m.width)
            .fill(`*l${String(i - 1)}`)
            .join(', ')}]`,
        );
      }
      const block = `zz_bomb: {${levels.join(', ')}}`;
      return [...lines.slice(0, line), block, ...lines.slice(line)].join('\n');
    }
    case 'deepText': {
      if (m.flow) {
        return `${text.slice(0, at)}${'['.repeat(m.depth)}x${']'.repeat(m.depth)}${text.slice(at)}`;
      }
      // Block mappings, one more space per level (at most 300 levels: 45 KB).
      const levels = Array.from({ length: Math.min(m.depth, 300) }, (_, i) => `${' '.repeat(i)}d:`);
      return [...lines.slice(0, line), ...levels, ...lines.slice(line)].join('\n');
    }
    default:
      return structural(text, m);
  }
}

type Path = (string | number)[];

/** Mutations through the `yaml` document model: one document of the stream changes. */
function structural(text: string, m: Mutation): string {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.length === 0) return text;
  const index = m.at % docs.length;
  const doc = docs[index];
  if (doc === undefined || doc.errors.length > 0) return text;
  const paths = nodePaths(doc);
  if (paths.length === 0) return text;
  const path = paths[Math.floor(m.at / docs.length) % paths.length] ?? [];
  switch (m.op) {
    case 'setValue':
      doc.setIn(path, doc.createNode(m.value));
      break;
    case 'deleteKey':
      doc.deleteIn(path);
      break;
    case 'renameKey': {
      const value: unknown = doc.getIn(path, true);
      doc.deleteIn(path);
      doc.setIn([...path.slice(0, -1), m.key], value);
      break;
    }
    case 'addKey': {
      const parent: unknown = doc.getIn(path.slice(0, -1), true);
      if (!isMap(parent)) return text;
      doc.setIn([...path.slice(0, -1), m.key], doc.createNode(m.value));
      break;
    }
    case 'alias': {
      const source: unknown = doc.getIn(path, true);
      const to = paths[m.other % paths.length] ?? [];
      if (!(isMap(source) || isSeq(source) || isScalar(source))) return text;
      doc.setIn(to, doc.createAlias(source, `a${String(m.other % 10)}`));
      break;
    }
    case 'nest': {
      let value: unknown = doc.getIn(path);
      for (let i = 0; i < m.depth; i++) value = m.flow ? [value] : { n: value };
      doc.setIn(path, doc.createNode(value));
      break;
    }
    default:
      return text;
  }
  return docs.map((d) => String(d)).join('---\n');
}

/** Paths of every node under a document's root (map keys that are scalars, list indexes). */
function nodePaths(doc: Document.Parsed): Path[] {
  const out: Path[] = [];
  const stack: [unknown, Path][] = [[doc.contents, []]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, path] = next;
    if (path.length > 0) out.push(path);
    if (path.length > 40) continue;
    if (isMap(node)) {
      for (const pair of node.items) {
        const k: unknown = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof k === 'string' || typeof k === 'number') stack.push([pair.value, [...path, k]]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item: unknown, i) => stack.push([item, [...path, i]]));
    }
  }
  return out;
}
