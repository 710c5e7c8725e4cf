/**
 * Who owns a field of a live object, from its `metadata.managedFields` (fieldsV1: `f:<field>`,
 * `k:<json key>`, `v:<json value>`, `i:<index>`, `.`).
 */
import { jsonEqual, parsePointer } from '@gitfleet/proto/domain';
import type { JsonObject, JsonValue, KubeObject } from '@gitfleet/proto/domain';
import { isList, isObject, parseJson } from './json.ts';

/** What `managerOfPath` answers when no field manager owns a path. */
export const UNKNOWN_MANAGER = 'unknown';

/** One field manager's set of owned fields. */
export interface ManagedEntry {
  readonly manager: string;
  readonly fields: JsonObject;
}

/** managedFields entries of live with FieldsV1, the most recently written first. */
export function managedEntries(live: KubeObject): ManagedEntry[] {
  const meta = live['metadata'];
  const list = isObject(meta) ? meta['managedFields'] : undefined;
  if (!isList(list)) return [];
  const entries: { manager: string; fields: JsonObject; time: number; order: number }[] = [];
  list.forEach((raw, order) => {
    if (!isObject(raw)) return;
    const manager = raw['manager'];
    const fields = raw['fieldsV1'];
    if (typeof manager !== 'string' || !isObject(fields)) return;
    const time = typeof raw['time'] === 'string' ? Date.parse(raw['time']) : Number.NaN;
    entries.push({ manager, fields, time: Number.isNaN(time) ? 0 : time, order });
  });
  entries.sort((a, b) => b.time - a.time || a.order - b.order);
  return entries.map(({ manager, fields }) => ({ manager, fields }));
}

/** Managers (deduplicated, most recent first) whose field set covers the live path. */
export function ownersAt(
  entries: readonly ManagedEntry[],
  live: KubeObject,
  segments: readonly string[],
): string[] {
  const owners: string[] = [];
  for (const e of entries) {
    if (!owners.includes(e.manager) && ownsPath(e.fields, live, segments)) owners.push(e.manager);
  }
  return owners;
}

/**
 * The field manager that owns `path` in live (from metadata.managedFields), preferring a manager
 * other than `ourManager` (the most recent one when several do); `ourManager` when only we own
 * it; `UNKNOWN_MANAGER` when nobody does (a removed field belongs to no one) or `path` is not a
 * pointer. `path` is a pointer into LIVE (list indices are live's; see `livePathOf` to translate
 * a desired-object pointer).
 */
export function managerOfPath(live: KubeObject, path: string, ourManager: string): string {
  const segments = parsePointer(path);
  if (segments === undefined) return UNKNOWN_MANAGER;
  const owners = ownersAt(managedEntries(live), live, segments);
  return owners.find((m) => m !== ourManager) ?? owners[0] ?? UNKNOWN_MANAGER;
}

/**
 * True when a field set covers the path: the path exists in the set, or the set owns an ancestor
 * as a leaf (`{}`: an atomic value such as a list of scalars).
 */
function ownsPath(fields: JsonObject, live: KubeObject, segments: readonly string[]): boolean {
  let node: JsonObject = fields;
  let value: JsonValue | undefined = live;
  for (const seg of segments) {
    if (Object.keys(node).length === 0) return true;
    let next: JsonValue | undefined;
    if (isList(value)) {
      const el: JsonValue | undefined = value[Number(seg)];
      next = el === undefined ? undefined : node[listMemberKey(node, el, seg)];
      value = el;
    } else {
      next = node[`f:${seg}`];
      value = isObject(value) ? value[seg] : undefined;
    }
    if (!isObject(next)) return false;
    node = next;
  }
  return true;
}

/** The field-set key (`k:`, `v:` or `i:`) under which a list element appears in `node`. */
function listMemberKey(node: JsonObject, el: JsonValue, index: string): string {
  for (const k of Object.keys(node)) {
    if (k.startsWith('k:')) {
      const key = parseJson(k.slice(2));
      if (
        isObject(key) &&
        isObject(el) &&
        Object.entries(key).every(([f, v]) => jsonEqual(el[f], v))
      ) {
        return k;
      }
    } else if (k.startsWith('v:')) {
      const v = parseJson(k.slice(2));
      if (v !== undefined && jsonEqual(v, el)) return k;
    }
  }
  return `i:${index}`;
}
