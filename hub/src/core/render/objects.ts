/**
 * Scope and validation of rendered Kubernetes objects. Never throws: the readers treat a
 * malformed field like an absent one, and validation returns its findings as values. An object's
 * identity, key, order and name in messages come from the shared vocabulary
 * (`@gitfleet/proto/domain`).
 */
import { identityOf } from '@gitfleet/proto/domain';
import type { JsonObject, JsonValue, KubeObject, ObjectIdentity } from '@gitfleet/proto/domain';
import { getOwn, isRecord } from './json.ts';

/** API group of gitfleet's own objects (fleet, targets, environments): never manifests. */
export const FLEET_GROUP = 'gitfleet.dev';

function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

// ---------------------------------------------------------------------------------------------
// Scope

/** Built-in cluster-scoped kinds, as `<group>/<kind>` ("" group = core). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'scheduling.k8s.io/PriorityClass',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'certificates.k8s.io/CertificateSigningRequest',
  'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'resource.k8s.io/DeviceClass',
  'policy/PodSecurityPolicy',
  'authentication.k8s.io/TokenReview',
  'authentication.k8s.io/SelfSubjectReview',
  'authorization.k8s.io/SubjectAccessReview',
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/SelfSubjectRulesReview',
  'storagemigration.k8s.io/StorageVersionMigration',
  'internal.apiserver.k8s.io/StorageVersion',
]);

/**
 * `<group>/<kind>` of every custom resource that a CustomResourceDefinition in `objects`
 * declares with `scope: Cluster`.
 */
export function clusterScopedCustomKinds(objects: readonly JsonObject[]): ReadonlySet<string> {
  const kinds = new Set<string>();
  for (const obj of objects) {
    const id = identityOf(obj);
    if (id.group !== 'apiextensions.k8s.io' || id.kind !== 'CustomResourceDefinition') continue;
    const spec = getOwn(obj, 'spec');
    if (!isRecord(spec) || getOwn(spec, 'scope') !== 'Cluster') continue;
    const names = getOwn(spec, 'names');
    const group = str(getOwn(spec, 'group'));
    const kind = isRecord(names) ? str(getOwn(names, 'kind')) : '';
    if (group !== '' && kind !== '') kinds.add(`${group}/${kind}`);
  }
  return kinds;
}

/**
 * True when objects of this group and kind live in a namespace: everything but the built-in
 * cluster-scoped kinds and the custom kinds in `clusterCustomKinds`. A custom resource whose
 * CRD is not in the same render is assumed namespaced (as kustomize does).
 */
export function isNamespaced(id: ObjectIdentity, clusterCustomKinds: ReadonlySet<string>): boolean {
  const key = `${id.group}/${id.kind}`;
  return !CLUSTER_SCOPED_KINDS.has(key) && !clusterCustomKinds.has(key);
}

// ---------------------------------------------------------------------------------------------
// Validation

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** `<version>` or `<group>/<version>`: a DNS subdomain group and a DNS-1035 label version. */
const API_VERSION =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** True for an RFC 1123 DNS label (≤ 63): what namespace names must be. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

/** True for an RFC 1123 DNS subdomain (≤ 253): what most object names must be. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/** RBAC objects may use any path segment as their name (`system:aggregate-to-view`). */
const RBAC_KINDS: ReadonlySet<string> = new Set([
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
]);

/** What is wrong with one object's identity fields: the field's path and what to do. */
export interface ObjectIssue {
  readonly path: readonly string[];
  readonly message: string;
}

/** Checks a name the way the API server would for this kind; undefined when it is valid. */
function nameIssue(id: ObjectIdentity, name: string): string | undefined {
  const key = `${id.group}/${id.kind}`;
  if (RBAC_KINDS.has(key)) {
    return name === '.' || name === '..' || /[/%]/.test(name)
      ? `metadata.name "${name}" is not a valid RBAC name (no "/", "%", "." or ".."); rename it`
      : undefined;
  }
  if (key === '/Namespace') {
    return isDnsLabel(name)
      ? undefined
      : `metadata.name "${name}" is not a DNS-1123 label (lowercase alphanumerics and "-", at most 63); rename the namespace`;
  }
  if (key === '/Service') {
    return name.length <= 63 && DNS_1035_LABEL.test(name)
      ? undefined
      : `metadata.name "${name}" is not a DNS-1035 label (a lowercase letter, then lowercase alphanumerics and "-", at most 63); rename the Service`;
  }
  return isDnsSubdomain(name)
    ? undefined
    : `metadata.name "${name}" is not a DNS-1123 subdomain (lowercase alphanumerics, "-" and ".", at most 253); rename the object`;
}

/**
 * Checks what every manifest needs: a well-formed `apiVersion`, a `kind`, a valid
 * `metadata.name` and, when present, a valid `metadata.namespace`. Returns the issues found
 * (empty when the object is fine). Everything else is left to the API server's dry-run.
 */
export function validateObject(obj: KubeObject): ObjectIssue[] {
  const issues: ObjectIssue[] = [];
  const apiVersion = getOwn(obj, 'apiVersion');
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    issues.push({
      path: [],
      message: 'apiVersion is missing; add it (for example "v1" or "apps/v1")',
    });
  } else if (!API_VERSION.test(apiVersion)) {
    issues.push({
      path: ['apiVersion'],
      message: `apiVersion "${apiVersion}" is not "<version>" or "<group>/<version>"; correct it`,
    });
  }
  const kind = getOwn(obj, 'kind');
  if (typeof kind !== 'string' || kind === '') {
    issues.push({ path: [], message: 'kind is missing; add it (for example "Deployment")' });
  }
  const metadata = getOwn(obj, 'metadata');
  if (!isRecord(metadata)) {
    issues.push({ path: [], message: 'metadata is missing; add metadata.name' });
    return issues;
  }
  const name = getOwn(metadata, 'name');
  if (typeof name !== 'string' || name === '') {
    issues.push({
      path: ['metadata'],
      message:
        getOwn(metadata, 'generateName') === undefined
          ? 'metadata.name is missing; add it'
          : 'metadata.generateName is not supported (objects are applied by name); set metadata.name instead',
    });
  } else {
    const issue = nameIssue(identityOf(obj), name);
    if (issue !== undefined) issues.push({ path: ['metadata', 'name'], message: issue });
  }
  const namespace = getOwn(metadata, 'namespace');
  if (namespace !== undefined && (typeof namespace !== 'string' || !isDnsLabel(namespace))) {
    issues.push({
      path: ['metadata', 'namespace'],
      message: `metadata.namespace ${JSON.stringify(namespace)} is not a DNS-1123 label (lowercase alphanumerics and "-", at most 63); correct it`,
    });
  }
  return issues;
}
