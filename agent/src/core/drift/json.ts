/** JSON helpers of the drift decision: type guards, empty values and the FieldChange shape. */
import type { FieldChange, JsonObject, JsonValue } from '@gitfleet/proto/domain';

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isList(v: JsonValue | undefined): v is readonly JsonValue[] {
  return Array.isArray(v);
}

/** `{}`, `[]`, or an object/list of only such values and nulls. */
export function isEmptyValue(v: JsonValue | undefined): boolean {
  if (v === null || v === undefined) return true;
  if (isList(v)) return v.length === 0;
  if (isObject(v)) return Object.values(v).every(isEmptyValue);
  return false;
}

/** The zero values the server drops from non-pointer fields: `""`, `false` and `0`. */
export function isZeroScalar(v: JsonValue): boolean {
  return v === '' || v === false || v === 0;
}

/** Parses JSON text; undefined when it is not JSON. */
export function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** A FieldChange without the `desired`/`live` members that are undefined. */
export function change(
  path: string,
  desired: JsonValue | undefined,
  live: JsonValue | undefined,
): FieldChange {
  if (desired === undefined) return live === undefined ? { path } : { path, live };
  return live === undefined ? { path, desired } : { path, desired, live };
}
