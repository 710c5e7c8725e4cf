/**
 * Defensive readers for plain-JSON Kubernetes objects. Live objects come from the API server and
 * rendered ones from Git, so any field may be absent or of an unexpected type; these readers
 * return `undefined` (or an empty value) instead of throwing, and the decision code treats a
 * malformed field like an absent one.
 */
import { metadataOf } from '@gitfleet/proto/domain';
import type { JsonObject, JsonValue, KubeObject } from '@gitfleet/proto/domain';

/** `v` if it is a JSON object (not an array, not null). */
export function asObject(v: JsonValue | undefined): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** `v` if it is an array, else `[]`. */
export function asArray(v: JsonValue | undefined): readonly JsonValue[] {
  return Array.isArray(v) ? (v as readonly JsonValue[]) : [];
}

/** `v` if it is a string. */
export function asString(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `v` if it is a finite number. */
export function asNumber(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The value at `keys` below `obj` (`undefined` as soon as a step is not an object). */
export function at(obj: JsonValue | undefined, ...keys: readonly string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const key of keys) {
    const o = asObject(cur);
    if (o === undefined) return undefined;
    cur = o[key];
  }
  return cur;
}

function stringMap(v: JsonValue | undefined): Readonly<Record<string, string>> {
  const o = asObject(v);
  if (o === undefined) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** `metadata.labels` (string values only). */
export function labelsOf(obj: KubeObject): Readonly<Record<string, string>> {
  return stringMap(metadataOf(obj)['labels']);
}

/** `metadata.annotations` (string values only). */
export function annotationsOf(obj: KubeObject): Readonly<Record<string, string>> {
  return stringMap(metadataOf(obj)['annotations']);
}

/** `metadata.generation`, 0 when absent (objects that have never been written by a server). */
export function generationOf(obj: KubeObject): number {
  return asNumber(metadataOf(obj)['generation']) ?? 0;
}

/** A status condition (metav1.Condition and the older per-type condition structs). */
export interface Condition {
  readonly type: string;
  /** 'True' | 'False' | 'Unknown' (kept as a string: some controllers write other values). */
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

/** `status.conditions` of an object, skipping entries without a string `type`. */
export function conditionsOf(obj: KubeObject): readonly Condition[] {
  const out: Condition[] = [];
  for (const item of asArray(at(obj, 'status', 'conditions'))) {
    const c = parseCondition(item);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/** Parses one condition object; undefined when it has no string `type`. */
export function parseCondition(item: JsonValue | undefined): Condition | undefined {
  const c = asObject(item);
  const type = asString(c?.['type']);
  if (c === undefined || type === undefined) return undefined;
  const observedGeneration = asNumber(c['observedGeneration']);
  return {
    type,
    status: asString(c['status']) ?? '',
    reason: asString(c['reason']) ?? '',
    message: asString(c['message']) ?? '',
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
  };
}

/** The first condition of `type`. */
export function findCondition(
  conditions: readonly Condition[],
  type: string,
): Condition | undefined {
  return conditions.find((c) => c.type === type);
}
