/**
 * The Kubernetes vocabulary shared by hub and agent: an apiVersion's group and version, an
 * object's identity and the one way messages name it, RFC 6901 JSON pointers, and JSON equality.
 * Pure functions; every other module uses these instead of splitting strings itself.
 */
import type { JsonObject, JsonValue, KubeObject } from './messages.ts';

// ---------------------------------------------------------------------------------------------
// apiVersion

/** The group and version of an apiVersion ("" group for the core group's `v1`). */
export interface GroupVersion {
  readonly group: string;
  readonly version: string;
}

/**
 * Splits an apiVersion at its first '/': `apps/v1` → group `apps`, version `v1`; `v1` → group "",
 * version `v1`. Never throws ("" → group "", version "").
 */
export function parseApiVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf('/');
  return slash === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The apiVersion of a group and version (`v1` for the core group). */
export function formatApiVersion(gv: GroupVersion): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
}

/** The API group of an apiVersion ("" for the core group). */
export function groupOf(apiVersion: string): string {
  return parseApiVersion(apiVersion).group;
}

// ---------------------------------------------------------------------------------------------
// Object identity

/**
 * What identifies an object within one cluster, whatever its version: group, kind, namespace and
 * name ("" where absent; "" namespace = cluster-scoped).
 */
export interface ObjectIdentity {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(obj: JsonObject, key: string): string {
  const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
  return typeof value === 'string' ? value : '';
}

/** `metadata` of an object ({} when absent or not an object). */
export function metadataOf(obj: KubeObject): JsonObject {
  const meta = Object.hasOwn(obj, 'metadata') ? obj['metadata'] : undefined;
  return isJsonObject(meta) ? meta : {};
}

/** {@link ObjectIdentity} of an object; never throws (missing fields are ""). */
export function identityOf(obj: KubeObject): ObjectIdentity {
  const meta = metadataOf(obj);
  return {
    group: groupOf(stringField(obj, 'apiVersion')),
    kind: stringField(obj, 'kind'),
    namespace: stringField(meta, 'namespace'),
    name: stringField(meta, 'name'),
  };
}

/** A unique key of an identity (for maps and sets): `group/kind/namespace/name`. */
export function identityKey(id: ObjectIdentity): string {
  return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}

/** True when two identities name the same object. */
export function sameIdentity(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return (
    a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name
  );
}

/** Canonical object order: by group, kind, namespace, name (UTF-16 code units, not locale). */
export function compareIdentity(a: ObjectIdentity, b: ObjectIdentity): number {
  for (const field of ['group', 'kind', 'namespace', 'name'] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
  }
  return 0;
}

/**
 * How every message, log line and report names an object: `Kind/namespace/name`, or `Kind/name`
 * when it is cluster-scoped.
 */
export function describeObject(id: Pick<ObjectIdentity, 'kind' | 'namespace' | 'name'>): string {
  return id.namespace === '' ? `${id.kind}/${id.name}` : `${id.kind}/${id.namespace}/${id.name}`;
}

// ---------------------------------------------------------------------------------------------
// JSON pointers (RFC 6901)

/** Escapes one reference token (`~` → `~0`, `/` → `~1`). */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The pointer of a path of keys and array indexes (`[]` → "", the whole document). */
export function formatPointer(path: readonly (string | number)[]): string {
  return path.map((token) => `/${escapePointerToken(String(token))}`).join('');
}

/**
 * The unescaped reference tokens of a pointer; undefined when it is not one (it must be "" or
 * start with '/', and '~' may appear only as `~0` or `~1`).
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  if (tokens.some((t) => /~(?![01])/.test(t))) return undefined;
  return tokens.map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

// ---------------------------------------------------------------------------------------------
// JSON equality

/** Deep JSON equality: same structure and values, object key order ignored. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    const left = a as readonly JsonValue[];
    const right = b as readonly JsonValue[];
    return left.length === right.length && left.every((item, i) => jsonEqual(item, right[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}
