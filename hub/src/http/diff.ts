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
import {
  canonicalJson,
  compareIdentity,
  describeObject,
  identityKey,
  identityOf,
  parseApiVersion,
  type JsonValue,
  type KubeObject,
  type ObjectIdentity,
  type ObjectRef,
} from '@gitfleet/proto';
import {
  diffArrays,
  FILE_HEADERS_ONLY,
  formatPatch,
  structuredPatch,
  type StructuredPatch,
} from 'diff';
import { stringify } from 'yaml';
import type { DiffSummary, ObjectChange, ObjectDiff } from './api/diff.ts';

/** The diff of two sets of objects; its parts are the API's (./api/diff.ts). */
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
/**
 * Above this many changed lines (removed plus added) the texts are shown as replaced whole, which
 * bounds the time one diff takes (the line diff costs about the square of this).
 */
export const MAX_EDIT_LINES = 1_000;

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

/**
 * The edit script from `a` to `b` (a shortest one, removals before additions within a run of
 * changes); above MAX_EDIT_LINES changed lines, all of `a` removed and all of `b` added.
 */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  const changes = diffArrays([...a], [...b], { maxEditLength: MAX_EDIT_LINES });
  if (changes === undefined) {
    return [
      ...a.map((line): Op => ({ tag: '-', line })),
      ...b.map((line): Op => ({ tag: '+', line })),
    ];
  }
  return changes.flatMap((c) => {
    const tag = c.added ? '+' : c.removed ? '-' : ' ';
    return c.value.map((line): Op => ({ tag, line }));
  });
}

/** One hunk that removes all of `before` and adds all of `after`. */
function replacedWhole(
  before: string,
  after: string,
  fromName: string,
  toName: string,
): StructuredPatch {
  // each side against an empty text is a single hunk of only removals or only additions
  const removed = structuredPatch(fromName, toName, before, '').hunks[0];
  const added = structuredPatch(fromName, toName, '', after).hunks[0];
  return {
    oldFileName: fromName,
    newFileName: toName,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: [
      {
        oldStart: 1,
        oldLines: removed?.oldLines ?? 0,
        newStart: 1,
        newLines: added?.newLines ?? 0,
        lines: [...(removed?.lines ?? []), ...(added?.lines ?? [])],
      },
    ],
  };
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
  const patch =
    structuredPatch(fromName, toName, before, after, undefined, undefined, {
      context,
      maxEditLength: MAX_EDIT_LINES,
    }) ?? replacedWhole(before, after, fromName, toName);
  return formatPatch(patch, FILE_HEADERS_ONLY);
}

function refOf(object: KubeObject, id: ObjectIdentity): ObjectRef {
  const apiVersion = typeof object['apiVersion'] === 'string' ? object['apiVersion'] : '';
  const { version } = parseApiVersion(apiVersion);
  return { group: id.group, version, kind: id.kind, namespace: id.namespace, name: id.name };
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
  ): Map<string, { object: KubeObject; id: ObjectIdentity }> =>
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
    .filter((e): e is { k: string; id: ObjectIdentity } => e.id !== undefined)
    .sort((x, y) => compareIdentity(x.id, y.id));
  const objects: ObjectDiff[] = [];
  let unchanged = 0;
  for (const { k, id } of entries) {
    const a = before.get(k)?.object;
    const b = after.get(k)?.object;
    const name = describeObject(id);
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
