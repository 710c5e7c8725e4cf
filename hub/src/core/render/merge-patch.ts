/**
 * "Strategic merge lite": RFC 7386 JSON merge patch, plus the part of Kubernetes' strategic
 * merge patch that overlays need in practice: lists of objects merge element by element.
 *
 * Supported:
 * - maps merge recursively; `null` deletes a field; scalars and unkeyed lists replace (RFC 7386);
 * - keyed lists merge element-wise: an element of the patch updates (recursively, `null`
 *   deletes a field of it) the element of the target with the same key value, or is appended
 *   when there is none. Matched elements keep their position. Keys, by field name:
 *   `containers`, `initContainers`, `ephemeralContainers`, `env`, `volumes`,
 *   `imagePullSecrets`, `resourceClaims` → `name`; `volumeMounts` → `mountPath`;
 *   `volumeDevices` → `devicePath`; `hostAliases` → `ip`; `ports` → `containerPort` when all
 *   the patch's elements carry one (container ports), else `port` when they all carry that
 *   (Service ports).
 *   Any other list whose elements (in the patch and in the target) are all objects with a
 *   string `name` merges by `name` as well;
 * - `$patch: delete` on a list element deletes the element with that key (a no-op if absent);
 *   on a map value it deletes the field;
 * - `$patch: replace` on a map replaces the map with the rest of the patch map; a list element
 *   `{ $patch: replace }` replaces the list with the patch's other elements.
 *
 * Differences from real strategic merge (kubectl / API server):
 * - merge keys come from the table above and the `name` heuristic, for every kind, not from the
 *   Go types or OpenAPI `x-kubernetes-patch-merge-key`: a custom resource's list of named objects
 *   merges here, where real strategic merge (no schema) would replace it;
 * - a keyed list in the table with an empty patch list (`env: []`) is a no-op (as in strategic
 *   merge); use `[{ $patch: replace }]` to empty it. An unkeyed empty list replaces;
 * - single merge keys only (real strategic merge keys Service ports by port and protocol);
 * - lists of scalars always replace (strategic merge unions some, e.g. `finalizers`);
 * - `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…` and any other `$`
 *   directive are rejected with a problem, never ignored.
 */
import { ErrorCode, GitfleetError, formatPointer, jsonEqual } from '@gitfleet/proto/domain';
import type { JsonObject, JsonValue } from '@gitfleet/proto/domain';
import { cloneJson, getOwn, isRecord, setOwn } from './json.ts';
import type { Json, JsonRecord } from './json.ts';

/** Merge keys of the lists that strategic merge patches element-wise, by field name. */
export const LIST_MERGE_KEYS: Readonly<Record<string, string>> = Object.freeze({
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
});

/** The strategic-merge directive key. */
const PATCH_DIRECTIVE = '$patch';

/** Marks "delete this field" (a map value `{ $patch: delete }`). */
const DELETE = Symbol('delete');

type Path = (string | number)[];

function failure(path: Path, message: string): GitfleetError {
  const pointer = formatPointer(path);
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `at ${pointer === '' ? '/' : pointer}: ${message}`,
    {
      details: { pointer },
    },
  );
}

/** The `$patch` directive of a patch map, checked; undefined when there is none. */
function directiveOf(patch: JsonObject, path: Path): 'delete' | 'replace' | undefined {
  const directive = getOwn(patch, PATCH_DIRECTIVE);
  if (directive === undefined) return undefined;
  if (directive === 'delete' || directive === 'replace') return directive;
  throw failure(
    path,
    `$patch ${JSON.stringify(directive)} is not supported; use "delete" or "replace"`,
  );
}

function rejectOtherDirectives(patch: JsonObject, path: Path): void {
  for (const key of Object.keys(patch)) {
    if (key.startsWith('$') && key !== PATCH_DIRECTIVE) {
      throw failure(
        path,
        `directive "${key}" is not supported by gitfleet's merge (only $patch: delete/replace); use a jsonPatch instead`,
      );
    }
  }
}

/** A copy of a patch map without its `$patch` directive, with `null` fields dropped. */
function withoutDirective(patch: JsonObject, path: Path): JsonRecord {
  return mergeMap({}, patch, path, true);
}

function mergeValue(target: Json | undefined, patch: JsonValue, path: Path): Json | typeof DELETE {
  if (!isRecord(patch)) return cloneJson(patch);
  rejectOtherDirectives(patch, path);
  const directive = directiveOf(patch, path);
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return withoutDirective(patch, path);
  return mergeMap(isRecord(target) ? target : {}, patch, path, false);
}

function mergeMap(
  target: JsonRecord,
  patch: JsonObject,
  path: Path,
  skipDirective: boolean,
): JsonRecord {
  const out: JsonRecord = {};
  for (const key of Object.keys(target)) {
    const value = getOwn(target, key);
    if (value !== undefined) setOwn(out, key, value);
  }
  for (const key of Object.keys(patch)) {
    if (skipDirective && key === PATCH_DIRECTIVE) continue;
    const value = getOwn(patch, key);
    if (value === undefined) continue;
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = getOwn(out, key);
    const merged = Array.isArray(value)
      ? mergeList(key, current, value as readonly JsonValue[], [...path, key])
      : mergeValue(current, value, [...path, key]);
    if (merged === DELETE) delete out[key];
    else setOwn(out, key, merged);
  }
  return out;
}

function isReplaceMarker(item: JsonValue): boolean {
  return (
    isRecord(item) && getOwn(item, PATCH_DIRECTIVE) === 'replace' && Object.keys(item).length === 1
  );
}

/** The merge key of list `field`, or undefined when the list is replaced as a whole. */
function mergeKeyOf(
  field: string,
  target: readonly Json[],
  patch: readonly JsonValue[],
): string | undefined {
  if (field === 'ports') {
    const keyedBy = (key: string): boolean =>
      patch.length > 0 && patch.every((item) => isRecord(item) && getOwn(item, key) !== undefined);
    if (keyedBy('containerPort')) return 'containerPort';
    if (keyedBy('port')) return 'port';
  }
  const known = Object.hasOwn(LIST_MERGE_KEYS, field) ? LIST_MERGE_KEYS[field] : undefined;
  if (known !== undefined) return known;
  const named = (item: JsonValue): boolean =>
    isRecord(item) && typeof getOwn(item, 'name') === 'string';
  return patch.length > 0 && patch.every(named) && target.every(named) ? 'name' : undefined;
}

function mergeList(
  field: string,
  current: Json | undefined,
  patch: readonly JsonValue[],
  path: Path,
): Json {
  const target = Array.isArray(current) ? current : [];
  if (patch.some(isReplaceMarker)) {
    return patch
      .filter((item) => !isReplaceMarker(item))
      .map((item, i) => {
        const merged = mergeValue(undefined, item, [...path, i]);
        if (merged === DELETE) throw failure([...path, i], '$patch: delete inside a replaced list');
        return merged;
      });
  }
  const key = mergeKeyOf(field, target, patch);
  if (key === undefined) {
    for (const [i, item] of patch.entries()) {
      if (isRecord(item) && getOwn(item, PATCH_DIRECTIVE) !== undefined) {
        throw failure(
          [...path, i],
          `$patch in list "${field}", whose elements have no merge key; use a jsonPatch instead`,
        );
      }
    }
    return patch.map(cloneJson);
  }
  const out: Json[] = [...target];
  for (const [i, item] of patch.entries()) {
    const at = [...path, i];
    const id = isRecord(item) ? getOwn(item, key) : undefined;
    if (!isRecord(item) || id === undefined || id === null) {
      throw failure(
        at,
        `element of "${field}" has no "${key}"; strategic merge finds list elements by ${key}`,
      );
    }
    rejectOtherDirectives(item, at);
    const directive = directiveOf(item, at);
    const index = out.findIndex((e) => isRecord(e) && jsonEqual(getOwn(e, key), id));
    if (directive === 'delete') {
      if (index !== -1) out.splice(index, 1);
      continue;
    }
    if (directive === 'replace') {
      const replacement = withoutDirective(item, at);
      if (index === -1) out.push(replacement);
      else out[index] = replacement;
      continue;
    }
    const existing = index === -1 ? undefined : out[index];
    const merged = mergeMap(isRecord(existing) ? existing : {}, item, at, false);
    if (index === -1) out.push(merged);
    else out[index] = merged;
  }
  return out;
}

/**
 * Merges `patch` into a copy of `target` (see the module comment for the semantics). The
 * target is not modified.
 *
 * @throws GitfleetError MANIFEST_INVALID for an unsupported directive or a list element
 *   without its merge key, with `details.pointer` saying where in the patch
 */
export function applyMergePatch(target: JsonRecord, patch: JsonObject): JsonRecord {
  const merged = mergeValue(target, patch, []);
  if (merged === DELETE) throw failure([], '$patch: delete on the whole object is not supported');
  if (!isRecord(merged)) throw failure([], 'the merge patch must be an object');
  return merged;
}
