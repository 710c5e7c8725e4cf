/**
 * Lists of objects: which desired element is which live element. Elements match by merge key
 * (the known key of a built-in list, else `name` when every element has a unique one, else
 * `containerPort` or `port` plus protocol), else by position.
 */
import { formatPointer, parsePointer } from '@gitfleet/proto/domain';
import type { JsonObject, JsonValue, KubeObject } from '@gitfleet/proto/domain';
import { isList, isObject } from './json.ts';

/** Lists of scalars that server-side apply merges as sets (x-kubernetes-list-type: set). */
const SET_LISTS: ReadonlySet<string> = new Set(['finalizers']);

/** Merge keys of built-in lists whose elements' `name` is not a unique key. */
const KNOWN_LIST_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['volumeMounts', ['mountPath']],
  ['volumeDevices', ['devicePath']],
  ['hostAliases', ['ip']],
  ['topologySpreadConstraints', ['topologyKey', 'whenUnsatisfiable']],
  ['ownerReferences', ['uid']],
  ['conditions', ['type']],
]);

/** Generic merge-key candidates, tried in order: the first one every element has wins. */
const GENERIC_LIST_KEYS: readonly (readonly string[])[] = [
  ['name'],
  ['containerPort', 'protocol'],
  ['port', 'protocol'],
];

/** True when the list of scalars in `field` is a set (ours must be contained, order is free). */
export function isSetList(field: string): boolean {
  return SET_LISTS.has(field);
}

export interface ElementMatch {
  /** For each desired element, the index of its live counterpart (undefined: missing). */
  readonly liveIndex: readonly (number | undefined)[];
  readonly usedLive: ReadonlySet<number>;
}

/** Matches the desired elements of the list in `field` with live ones. */
export function matchElements(
  d: readonly JsonObject[],
  live: readonly JsonObject[],
  field: string,
): ElementMatch {
  const keyFields = listKeyFields(d, field);
  const liveIndex: (number | undefined)[] = [];
  const usedLive = new Set<number>();
  if (keyFields === undefined) {
    for (let i = 0; i < d.length; i++) {
      const li = i < live.length ? i : undefined;
      liveIndex.push(li);
      if (li !== undefined) usedLive.add(li);
    }
    return { liveIndex, usedLive };
  }
  const byKey = new Map<string, number>();
  live.forEach((el, li) => {
    const k = elementKey(el, keyFields);
    if (k !== undefined && !byKey.has(k)) byKey.set(k, li);
  });
  for (const el of d) {
    const k = elementKey(el, keyFields);
    const li = k === undefined ? undefined : byKey.get(k);
    liveIndex.push(li);
    if (li !== undefined) usedLive.add(li);
  }
  return { liveIndex, usedLive };
}

/** The merge key fields of a list of objects, or undefined to match by position. */
function listKeyFields(d: readonly JsonObject[], field: string): readonly string[] | undefined {
  const known = KNOWN_LIST_KEYS.get(field);
  const candidates = known === undefined ? GENERIC_LIST_KEYS : [known, ...GENERIC_LIST_KEYS];
  for (const fields of candidates) {
    const keys = new Set<string>();
    let usable = true;
    for (const el of d) {
      const k = elementKey(el, fields);
      if (k === undefined || keys.has(k)) {
        usable = false;
        break;
      }
      keys.add(k);
    }
    if (usable) return fields;
  }
  return undefined;
}

/** Key of one element: its key fields' values (protocol defaults to TCP); undefined if missing. */
function elementKey(el: JsonObject, fields: readonly string[]): string | undefined {
  const first = fields[0];
  if (first === undefined) return undefined;
  const head = el[first];
  if (head === undefined || head === null || typeof head === 'object') return undefined;
  const values: JsonValue[] = [head];
  for (const f of fields.slice(1)) {
    const v = el[f];
    values.push(v === undefined || v === null ? (f === 'protocol' ? 'TCP' : null) : v);
  }
  return JSON.stringify(values);
}

/** Live path segments for desired path segments (list indices mapped through merge keys). */
export function liveSegments(
  desired: JsonValue | undefined,
  live: JsonValue | undefined,
  segments: readonly string[],
): string[] | undefined {
  const out: string[] = [];
  let d = desired;
  let l = live;
  let field = '';
  for (const seg of segments) {
    if (isList(d) && isList(l)) {
      const i = Number(seg);
      if (!Number.isInteger(i)) return undefined;
      let li: number | undefined = i;
      if (d.every(isObject) && l.every(isObject)) li = matchElements(d, l, field).liveIndex[i];
      if (li === undefined) return undefined;
      out.push(String(li));
      d = d[i];
      l = l[li];
    } else {
      out.push(seg);
      d = isObject(d) ? d[seg] : undefined;
      l = isObject(l) ? l[seg] : undefined;
      field = seg;
    }
  }
  return out;
}

/**
 * Translates a pointer into `desired` (as `compareDesiredLive` reports them) into a pointer into
 * `live`, matching list elements by the same merge keys. Undefined when the element is not in
 * live or `path` is not a pointer.
 */
export function livePathOf(
  desired: KubeObject,
  live: KubeObject,
  path: string,
): string | undefined {
  const segments = parsePointer(path);
  if (segments === undefined) return undefined;
  const out = liveSegments(desired, live, segments);
  return out === undefined ? undefined : formatPointer(out);
}
