/**
 * The validation gate's verdicts on single objects of a set, as the errors it reports: schema
 * problems, a kind nothing serves or defines, a namespaced object without a namespace, a server
 * dry run's rejection; and which objects a dry run can judge at all.
 */
import { ErrorCode, describeObject, formatApiVersion, objectRef } from '@gitfleet/proto/domain';
import type { ErrorDetail, KubeObject, ObjectRef } from '@gitfleet/proto/domain';
import type { KindVersion } from './schema-augment.ts';

/** Schema problems named in an error, at most this many. */
export const MAX_LISTED_PROBLEMS = 5;

/** A schema problem: an RFC 6901 pointer ("" = the whole object) and what is wrong there. */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

export function schemaProblemsError(
  ref: ObjectRef,
  problems: readonly SchemaProblem[],
): ErrorDetail {
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((p) => `${p.path === '' ? '/' : p.path}: ${p.message}`)
    .join('; ');
  return { code: ErrorCode.ManifestInvalid, message: `${describeObject(ref)}: ${listed}` };
}

export function unservedKindError(ref: ObjectRef, kind: KindVersion): ErrorDetail {
  return {
    code: ErrorCode.ManifestInvalid,
    message: `${describeObject(ref)}: the cluster does not serve ${formatApiVersion(kind)} ${kind.kind} and no CustomResourceDefinition in this application defines it`,
  };
}

export function missingNamespaceError(ref: ObjectRef): ErrorDetail {
  return {
    code: ErrorCode.ManifestInvalid,
    message: `${describeObject(ref)}: ${ref.kind} is namespaced: set metadata.namespace, the Application's spec.destination.namespace or a namespace overlay for the target`,
  };
}

/** A dry run's rejection as the object's problem: only APPLY_FAILED (invalid) counts; anything
 * else (unreachable, forbidden, a namespace being deleted) is the apply's to report. */
export function dryRunProblem(error: ErrorDetail): ErrorDetail | undefined {
  return error.code === ErrorCode.ApplyFailed
    ? { code: ErrorCode.ManifestInvalid, message: error.message }
    : undefined;
}

/** Names of the Namespaces the set declares. */
export function namespacesInSet(desired: readonly KubeObject[]): Set<string> {
  return new Set(desired.filter((o) => o['kind'] === 'Namespace').map((o) => objectRef(o).name));
}

/**
 * Whether a server dry run can judge an object in `namespace`: cluster-scoped, in a namespace the
 * set does not create, or in one that exists already (a dry run into a namespace the set creates
 * fails for that alone).
 */
export function mayDryRun(
  namespace: string,
  inSet: ReadonlySet<string>,
  namespaceExists: boolean,
): boolean {
  return namespace === '' || !inSet.has(namespace) || namespaceExists;
}
