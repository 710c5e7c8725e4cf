/**
 * In which order the objects of an app are applied, and deleted.
 *
 * Apply order (ascending in every key; `planApplyStages` returns one stage per non-empty
 * (wave, phase) pair, in this order):
 *
 * 1. **Sync wave**: the integer in annotation `gitfleet.dev/sync-wave` (default 0), lowest first,
 *    as Argo CD sync waves. A wave is finished before the next starts.
 * 2. **Phase** within a wave:
 *    - `definitions`: CustomResourceDefinitions, then Namespaces. Everything else may need them.
 *    - `resources`: all other objects.
 *    - `admission`: Mutating/ValidatingWebhookConfigurations and (Mutating/Validating)
 *      AdmissionPolicies and their bindings, last: an admission webhook applied before the
 *      service behind it is running would reject the rest of the apply.
 * 3. **Kind priority** within a phase, Helm's install order (pkg/release/util/kind_sorter.go):
 *    CRD, Namespace | PriorityClass, NetworkPolicy, ResourceQuota, LimitRange,
 *    PodDisruptionBudget, ServiceAccount, Secret, ConfigMap, StorageClass, PersistentVolume,
 *    PersistentVolumeClaim, ClusterRole, ClusterRoleBinding, Role, RoleBinding, Service,
 *    DaemonSet, Pod, ReplicationController, ReplicaSet, Deployment, HorizontalPodAutoscaler,
 *    StatefulSet, Job, CronJob, IngressClass, Ingress, APIService, then every other kind (custom
 *    resources and built-ins not listed) | MutatingWebhookConfiguration,
 *    ValidatingWebhookConfiguration, ... Kinds are matched by API group and kind, so a custom
 *    resource called `Service` in another group is a custom resource.
 * 4. Ties: API group, kind, namespace, name (by UTF-16 code units, not locale), then input order.
 *
 * Waves come before phases, as in Argo CD: a custom resource in wave -1 whose CRD is in wave 0
 * is applied before its CRD, which fails. Put CRDs in the lowest wave of their resources.
 *
 * Deletion order (`planDeletionOrder`) is the exact reverse: highest wave first, webhooks before
 * resources, CRDs and Namespaces last, reverse kind priority within a phase.
 */
import {
  ErrorCode,
  GitfleetError,
  compareIdentity,
  describeObject,
  identityOf,
} from '@gitfleet/proto/domain';
import type { KubeObject, ObjectIdentity } from '@gitfleet/proto/domain';
import { annotationsOf } from './kube-object.ts';
import { ANNOTATION_SYNC_WAVE } from './labels.ts';

export const ApplyPhase = {
  Definitions: 'definitions',
  Resources: 'resources',
  Admission: 'admission',
} as const;
export type ApplyPhase = (typeof ApplyPhase)[keyof typeof ApplyPhase];

const PHASE_ORDER: readonly ApplyPhase[] = [
  ApplyPhase.Definitions,
  ApplyPhase.Resources,
  ApplyPhase.Admission,
];

/** `<group>/<kind>` in apply order; the phase of each is given by the lists below. */
const DEFINITION_KINDS = ['apiextensions.k8s.io/CustomResourceDefinition', '/Namespace'];

const RESOURCE_KINDS = [
  'scheduling.k8s.io/PriorityClass',
  'networking.k8s.io/NetworkPolicy',
  '/ResourceQuota',
  '/LimitRange',
  'policy/PodDisruptionBudget',
  '/ServiceAccount',
  '/Secret',
  '/ConfigMap',
  'storage.k8s.io/StorageClass',
  '/PersistentVolume',
  '/PersistentVolumeClaim',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  '/Service',
  'apps/DaemonSet',
  '/Pod',
  '/ReplicationController',
  'apps/ReplicaSet',
  'apps/Deployment',
  'autoscaling/HorizontalPodAutoscaler',
  'apps/StatefulSet',
  'batch/Job',
  'batch/CronJob',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/Ingress',
  'apiregistration.k8s.io/APIService',
];

const ADMISSION_KINDS = [
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
];

export interface KindOrder {
  readonly phase: ApplyPhase;
  readonly rank: number;
}

function ranks(kinds: readonly string[], phase: ApplyPhase): [string, KindOrder][] {
  return kinds.map((k, rank) => [k, { phase, rank }]);
}

const KIND_RANK: ReadonlyMap<string, KindOrder> = new Map([
  ...ranks(DEFINITION_KINDS, ApplyPhase.Definitions),
  ...ranks(RESOURCE_KINDS, ApplyPhase.Resources),
  ...ranks(ADMISSION_KINDS, ApplyPhase.Admission),
]);

/** Rank of kinds not listed: after every listed kind of the resources phase. */
const UNLISTED_RANK = RESOURCE_KINDS.length;

/** Phase and rank within the phase of a group and kind. */
export function kindOrder(group: string, kind: string): KindOrder {
  return KIND_RANK.get(`${group}/${kind}`) ?? { phase: ApplyPhase.Resources, rank: UNLISTED_RANK };
}

const INTEGER = /^[+-]?\d+$/;

/**
 * The sync wave of an object: annotation `gitfleet.dev/sync-wave` as an integer, 0 when absent.
 *
 * @throws GitfleetError MANIFEST_INVALID (terminal) when the annotation is not a safe integer: a
 *   typo must not silently move an object to wave 0.
 */
export function syncWave(obj: KubeObject): number {
  const raw = annotationsOf(obj)[ANNOTATION_SYNC_WAVE];
  if (raw === undefined) return 0;
  const text = raw.trim();
  const wave = INTEGER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(wave)) {
    const subject = describeObject(identityOf(obj));
    throw new GitfleetError(
      ErrorCode.ManifestInvalid,
      `${subject}: annotation ${ANNOTATION_SYNC_WAVE} "${raw}" is not an integer; use e.g. "-1", "0" or "5"`,
      { terminal: true, details: { object: subject, annotation: ANNOTATION_SYNC_WAVE } },
    );
  }
  return wave === 0 ? 0 : wave; // -0 → 0
}

/** One group of objects applied together: all of one wave and phase, in apply order. */
export interface ApplyStage {
  readonly wave: number;
  readonly phase: ApplyPhase;
  readonly objects: readonly KubeObject[];
}

interface SortKey {
  readonly wave: number;
  readonly phase: number;
  readonly rank: number;
  readonly id: ObjectIdentity;
  readonly index: number;
}

function compareKeys(a: SortKey, b: SortKey): number {
  return (
    a.wave - b.wave ||
    a.phase - b.phase ||
    a.rank - b.rank ||
    compareIdentity(a.id, b.id) ||
    a.index - b.index
  );
}

/**
 * The apply stages of `objects` with their wave and phase (see the module comment for the
 * order). Empty stages are left out. `objects` is not modified.
 *
 * @throws GitfleetError MANIFEST_INVALID when a sync-wave annotation is not an integer
 */
export function planStages(objects: readonly KubeObject[]): ApplyStage[] {
  const keyed = objects.map((obj, index) => {
    const id = identityOf(obj);
    const { phase, rank } = kindOrder(id.group, id.kind);
    const key: SortKey = {
      wave: syncWave(obj),
      phase: PHASE_ORDER.indexOf(phase),
      rank,
      id,
      index,
    };
    return { obj, key, phaseName: phase };
  });
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  const stages: { wave: number; phase: ApplyPhase; objects: KubeObject[] }[] = [];
  for (const { obj, key, phaseName } of keyed) {
    const last = stages.at(-1);
    if (last !== undefined && last.wave === key.wave && last.phase === phaseName) {
      last.objects.push(obj);
    } else {
      stages.push({ wave: key.wave, phase: phaseName, objects: [obj] });
    }
  }
  return stages;
}

/**
 * The objects of an app in apply stages: each inner array is applied (in its order) and must
 * succeed before the next stage starts.
 *
 * @example planApplyStages([deployment, namespace, crd]) → [[crd, namespace], [deployment]]
 * @throws GitfleetError MANIFEST_INVALID when a sync-wave annotation is not an integer
 */
export function planApplyStages(objects: readonly KubeObject[]): KubeObject[][] {
  return planStages(objects).map((s) => [...s.objects]);
}

/**
 * The deletion stages for `objects` (prune, app removal): the exact reverse of
 * {@link planApplyStages}, so dependents go before what they depend on.
 *
 * @throws GitfleetError MANIFEST_INVALID when a sync-wave annotation is not an integer
 */
export function planDeletionOrder(objects: readonly KubeObject[]): KubeObject[][] {
  return planStages(objects)
    .reverse()
    .map((s) => [...s.objects].reverse());
}
