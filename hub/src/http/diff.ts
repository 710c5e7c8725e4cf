/**
 * What a revision would change on a target, as a pure function of two sets of rendered objects:
 * per object added, removed or changed (matched by group, kind, namespace and name, never by
 * version), each with a unified diff of its YAML. Used by `GET /api/v1/diff` (./preview.ts) and
 * printed by `gitfleet diff`.
 *
 * The YAML is written in one stable form (apiVersion, kind, metadata first; name and namespace
 * first in metadata; every other key sorted) so that two renders of the same object never differ
 * by key order, and "changed" means the canonical JSON differs.
 */
import { canonicalJson, type JsonValue, type KubeObject, type ObjectRef } from '@gitfleet/proto';
import { stringify } from 'yaml';
import { compareIdentity, identityKey, identityOf, type Identity } from '../core/render/index.ts';

export const ObjectChange = { Added: 'added', Removed: 'removed', Changed: 'changed' } as const;
export type ObjectChange = (typeof ObjectChange)[keyof typeof ObjectChange];

export interface ObjectDiff {
  readonly ref: ObjectRef;
  readonly change: ObjectChange;
  /** Unified diff of the object's YAML (`---`/`+++` headers, `@@` hunks, 3 lines of context). */
  readonly diff: string;
}

export interface DiffSummary {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly unchanged: number;
}

export interface ObjectsDiff {
  /** Only objects that differ, in canonical order (group, kind, namespace, name). */
  readonly objects: readonly ObjectDiff[];
  readonly summary: DiffSummary;
}

/** Labels of the two sides in the diff headers (`--- <from>/Kind/ns/name`). */
export interface DiffLabels {
  readonly from: string;
  readonly to: string;
}

/** Lines of context around each change in a hunk. */
export const DIFF_CONTEXT = 3;
/** Above this many line pairs (after trimming common ends) a block is shown as replaced whole. */
const MAX_LCS_CELLS = 4_000_000;

const TOP_ORDER = ['apiVersion', 'kind', 'metadata'];
const METADATA_ORDER = ['name', 'namespace'];

function ordered(keys: readonly string[], first: readonly string[]): string[] {
  const head = first.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !first.includes(k)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...head, ...rest];
}

function stable(value: JsonValue, path: readonly string[]): JsonValue {
  if (Array.isArray(value)) return value.map((v: JsonValue) => stable(v, [...path, '[]']));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Readonly<Record<string, JsonValue>>;
  const first =
    path.length === 0
      ? TOP_ORDER
      : path.length === 1 && path[0] === 'metadata'
        ? METADATA_ORDER
        : [];
  const out: Record<string, JsonValue> = {};
  for (const k of ordered(Object.keys(obj), first)) {
    const v = obj[k];
    if (v !== undefined) out[k] = stable(v, [...path, k]);
  }
  return out;
}

/** The object as YAML in the stable form (see the module comment); ends with a newline. */
export function objectYaml(object: KubeObject): string {
  return stringify(stable(object, []), { lineWidth: 0, aliasDuplicateObjects: false });
}

type Op = { readonly tag: ' ' | '-' | '+'; readonly line: string };

/** The edit script from `a` to `b` (longest common subsequence of lines). */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = a.slice(0, start).map((line) => ({ tag: ' ', line }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > MAX_LCS_CELLS) {
    ops.push(...midA.map((line): Op => ({ tag: '-', line })));
    ops.push(...midB.map((line): Op => ({ tag: '+', line })));
  } else {
    // lcs[i][j]: length of the LCS of midA[i..] and midB[j..]
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] =
          midA[i] === midB[j]
            ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
            : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      const x = midA[i];
      const y = midB[j];
      if (i < n && j < m && x === y && x !== undefined) {
        ops.push({ tag: ' ', line: x });
        i++;
        j++;
      } else if (
        i < n &&
        x !== undefined &&
        (j >= m || (lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0))
      ) {
        ops.push({ tag: '-', line: x });
        i++;
      } else if (y !== undefined) {
        ops.push({ tag: '+', line: y });
        j++;
      } else {
        break;
      }
    }
    // removals before additions within a run of changes, as diff(1) prints them
    for (let k = start; k < ops.length;) {
      if (ops[k]?.tag === ' ') {
        k++;
        continue;
      }
      let end = k;
      while (end < ops.length && ops[end]?.tag !== ' ') end++;
      const run = ops.slice(k, end);
      ops.splice(
        k,
        run.length,
        ...run.filter((o) => o.tag === '-'),
        ...run.filter((o) => o.tag === '+'),
      );
      k = end;
    }
  }
  ops.push(...a.slice(endA).map((line): Op => ({ tag: ' ', line })));
  return ops;
}

function range(start: number, length: number): string {
  // `-0,0` for an empty side; the count is left out when it is 1, as git does
  const first = length === 0 ? start : start + 1;
  return length === 1 ? String(first) : `${String(first)},${String(length)}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A unified diff of two texts (`fromName`/`toName` in the headers), with `context` lines around
 * each change; '' when they are equal.
 */
export function unifiedDiff(
  before: string,
  after: string,
  fromName: string,
  toName: string,
  context = DIFF_CONTEXT,
): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  // positions (in ops) of changed lines, grouped into hunks whose context overlaps
  const changed = ops.flatMap((o, k) => (o.tag === ' ' ? [] : [k]));
  let h = 0;
  while (h < changed.length) {
    let last = changed[h] ?? 0;
    let end = h;
    while (end + 1 < changed.length && (changed[end + 1] ?? 0) - last <= 2 * context + 1) {
      end++;
      last = changed[end] ?? 0;
    }
    const from = Math.max(0, (changed[h] ?? 0) - context);
    const to = Math.min(ops.length, last + context + 1);
    let oldBefore = 0;
    let newBefore = 0;
    for (const o of ops.slice(0, from)) {
      if (o.tag !== '+') oldBefore++;
      if (o.tag !== '-') newBefore++;
    }
    const hunk = ops.slice(from, to);
    const oldLen = hunk.filter((o) => o.tag !== '+').length;
    const newLen = hunk.filter((o) => o.tag !== '-').length;
    out.push(`@@ -${range(oldBefore, oldLen)} +${range(newBefore, newLen)} @@`);
    for (const o of hunk) out.push(`${o.tag}${o.line}`);
    h = end + 1;
  }
  return `${out.join('\n')}\n`;
}

function refOf(object: KubeObject, id: Identity): ObjectRef {
  const apiVersion = typeof object['apiVersion'] === 'string' ? object['apiVersion'] : '';
  const slash = apiVersion.indexOf('/');
  return {
    group: id.group,
    version: slash === -1 ? apiVersion : apiVersion.slice(slash + 1),
    kind: id.kind,
    namespace: id.namespace,
    name: id.name,
  };
}

function pathOf(id: Identity): string {
  return id.namespace === '' ? `${id.kind}/${id.name}` : `${id.kind}/${id.namespace}/${id.name}`;
}

/**
 * What changes when `next` replaces `current` (undefined: nothing is desired yet, so every object
 * is added). Objects match by identity (group, kind, namespace, name); an object whose canonical
 * JSON differs is changed. Unchanged objects are only counted.
 */
export function diffObjects(
  current: readonly KubeObject[] | undefined,
  next: readonly KubeObject[],
  labels: DiffLabels,
): ObjectsDiff {
  const index = (
    objects: readonly KubeObject[],
  ): Map<string, { object: KubeObject; id: Identity }> =>
    new Map(
      objects.map((object) => {
        const id = identityOf(object);
        return [identityKey(id), { object, id }];
      }),
    );
  const before = index(current ?? []);
  const after = index(next);
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const entries = keys
    .map((k) => ({ k, id: (after.get(k) ?? before.get(k))?.id }))
    .filter((e): e is { k: string; id: Identity } => e.id !== undefined)
    .sort((x, y) => compareIdentity(x.id, y.id));
  const objects: ObjectDiff[] = [];
  let unchanged = 0;
  for (const { k, id } of entries) {
    const a = before.get(k)?.object;
    const b = after.get(k)?.object;
    const name = pathOf(id);
    if (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b)) {
      unchanged++;
      continue;
    }
    const change: ObjectChange =
      a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    const subject = b ?? a;
    if (subject === undefined) continue;
    objects.push({
      ref: refOf(subject, id),
      change,
      diff: unifiedDiff(
        a === undefined ? '' : objectYaml(a),
        b === undefined ? '' : objectYaml(b),
        a === undefined ? '/dev/null' : `${labels.from}/${name}`,
        b === undefined ? '/dev/null' : `${labels.to}/${name}`,
      ),
    });
  }
  const count = (c: ObjectChange): number => objects.filter((o) => o.change === c).length;
  return {
    objects,
    summary: {
      added: count('added'),
      removed: count('removed'),
      changed: count('changed'),
      unchanged,
    },
  };
}
