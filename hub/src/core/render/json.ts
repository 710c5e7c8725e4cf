/**
 * Plain-JSON helpers for the render pipeline. Rendering works on private, mutable deep copies
 * (`Json`) of the readonly input values, so a patch can never change what the caller passed in.
 *
 * Every key access goes through `getOwn`/`setOwn`: a manifest may legally contain a key named
 * `__proto__`, which must stay an ordinary own property and never reach an object's prototype.
 * JSON equality and JSON pointers come from the shared vocabulary (`@gitfleet/proto/domain`).
 */
import type { JsonObject, JsonValue } from '@gitfleet/proto/domain';

/** A mutable JSON value (the working copy of a rendered object). */
export type Json = null | boolean | number | string | Json[] | JsonRecord;
/** A mutable JSON object. */
export interface JsonRecord {
  [key: string]: Json;
}

/** True for a JSON object (not an array, not null). */
export function isRecord(value: Json | undefined): value is JsonRecord;
export function isRecord(value: JsonValue | undefined): value is JsonObject;
export function isRecord(value: JsonValue | undefined): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The own property `key` of `obj` (never an inherited one). */
export function getOwn(obj: JsonRecord, key: string): Json | undefined;
export function getOwn(obj: JsonObject, key: string): JsonValue | undefined;
export function getOwn(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets the own property `key` of `obj`, also when the key is `__proto__`. */
export function setOwn(obj: JsonRecord, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}

/** A deep, mutable copy of a JSON value. */
export function cloneJson(value: JsonValue): Json {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map(cloneJson);
  const record = value as JsonObject;
  const out: JsonRecord = {};
  for (const key of Object.keys(record)) {
    const member = record[key];
    if (member !== undefined) setOwn(out, key, cloneJson(member));
  }
  return out;
}

/** A deep, mutable copy of a JSON object. */
export function cloneRecord(value: JsonObject): JsonRecord {
  return cloneJson(value) as JsonRecord;
}
