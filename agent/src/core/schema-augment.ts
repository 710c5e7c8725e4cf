/**
 * Schemas of custom resources whose CustomResourceDefinition is in the same set: a kind the
 * cluster does not serve yet is validated against the openAPIV3Schema its CRD in the set declares,
 * completed with what the API server adds to every CRD schema implicitly (apiVersion, kind and an
 * open metadata).
 */
import type { JsonObject, JsonValue, KubeObject } from '@gitfleet/proto/domain';

/** A kind with its group and version. */
export interface KindVersion {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(obj: JsonObject | undefined, key: string): JsonValue | undefined {
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function objectField(obj: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = field(obj, key);
  return isObject(value) ? value : undefined;
}

/** True for a CustomResourceDefinition (of the apiextensions.k8s.io group). */
export function isCrd(obj: KubeObject): boolean {
  const apiVersion = obj['apiVersion'];
  return (
    obj['kind'] === 'CustomResourceDefinition' &&
    typeof apiVersion === 'string' &&
    apiVersion.startsWith('apiextensions.k8s.io/')
  );
}

/**
 * The openAPIV3Schema the first CRD of `crds` that defines the group and kind declares for the
 * version: null when no CRD defines the kind or that CRD does not serve the version (the object
 * cannot be applied); undefined when the version declares no schema (nothing to validate).
 */
export function crdSchemaFor(
  crds: readonly KubeObject[],
  kind: KindVersion,
): JsonObject | undefined | null {
  for (const crd of crds) {
    const spec = objectField(crd, 'spec');
    if (field(spec, 'group') !== kind.group) continue;
    if (field(objectField(spec, 'names'), 'kind') !== kind.kind) continue;
    const versions = field(spec, 'versions');
    const version = (Array.isArray(versions) ? (versions as readonly JsonValue[]) : []).find(
      (v) => isObject(v) && v['name'] === kind.version,
    );
    if (!isObject(version)) return null;
    return objectField(objectField(version, 'schema'), 'openAPIV3Schema');
  }
  return null;
}

/** `schema` with the root fields the API server adds to every CRD schema. */
export function augmentCrdSchema(schema: JsonObject): JsonObject {
  return {
    ...schema,
    properties: {
      ...objectField(schema, 'properties'),
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
}
