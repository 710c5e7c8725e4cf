/**
 * Health of Kubernetes objects and of apps, with Argo CD's vocabulary and ordering
 * (docs/operator-manual/health.md; built-in rules after gitops-engine pkg/health). Pure: the
 * verdict depends only on the object passed in.
 *
 * An app's health is the worst health of its objects (`worstHealth`), in the order
 * `Healthy < Suspended < Progressing < Missing < Degraded < Unknown`. A desired object that does
 * not exist on the cluster counts as `missingHealth()`.
 */
import { groupOf, metadataOf } from '@gitfleet/proto/domain';
import type { Health, HealthStatus, KubeObject, ObjectRef } from '@gitfleet/proto/domain';
import { annotationsOf, asString } from './kube-object.ts';
import { ANNOTATION_IGNORE_HEALTH } from './labels.ts';
import { cronJobHealth, jobHealth } from './health/batch.ts';
import {
  apiServiceHealth,
  customResourceDefinitionHealth,
  horizontalPodAutoscalerHealth,
  namespaceHealth,
  persistentVolumeClaimHealth,
} from './health/cluster.ts';
import { genericHealth } from './health/generic.ts';
import { ingressHealth, serviceHealth } from './health/networking.ts';
import { podHealth } from './health/pod.ts';
import { health } from './health/result.ts';
import {
  daemonSetHealth,
  deploymentHealth,
  replicaSetHealth,
  statefulSetHealth,
} from './health/workloads.ts';

/** Health statuses from best to worst (Argo CD's order). */
export const HEALTH_ORDER: readonly HealthStatus[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

/** Position of `status` in {@link HEALTH_ORDER} (0 = Healthy ... 5 = Unknown). */
export function healthRank(status: HealthStatus): number {
  return HEALTH_ORDER.indexOf(status);
}

/** Negative when `a` is healthier than `b`, positive when worse, 0 when equal. */
export function compareHealth(a: Health, b: Health): number {
  return healthRank(a.status) - healthRank(b.status);
}

/**
 * The worst of `healths` (the first one among equally bad ones, so its message is kept);
 * Healthy with no message when the list is empty: an app with no objects is healthy.
 */
export function worstHealth(healths: Iterable<Health>): Health {
  let worst: Health | undefined;
  for (const h of healths) if (worst === undefined || compareHealth(h, worst) > 0) worst = h;
  return worst ?? health('Healthy');
}

/** Health of an object that should exist but does not (not created yet, or deleted by someone). */
export function missingHealth(ref?: ObjectRef): Health {
  if (ref === undefined) return health('Missing', 'Object does not exist');
  const where = ref.namespace === '' ? ref.name : `${ref.namespace}/${ref.name}`;
  return health('Missing', `${ref.kind} ${where} does not exist`);
}

type HealthRule = (obj: KubeObject) => Health;

/** Built-in rules by `<group>/<kind>` ("" group = core). Anything else gets `genericHealth`. */
const BUILT_IN_RULES: ReadonlyMap<string, HealthRule> = new Map<string, HealthRule>([
  ['apps/Deployment', deploymentHealth],
  ['extensions/Deployment', deploymentHealth],
  ['apps/StatefulSet', statefulSetHealth],
  ['apps/DaemonSet', daemonSetHealth],
  ['extensions/DaemonSet', daemonSetHealth],
  ['apps/ReplicaSet', replicaSetHealth],
  ['extensions/ReplicaSet', replicaSetHealth],
  ['/Pod', podHealth],
  ['batch/Job', jobHealth],
  ['batch/CronJob', cronJobHealth],
  ['/PersistentVolumeClaim', persistentVolumeClaimHealth],
  ['/Service', serviceHealth],
  ['/Namespace', namespaceHealth],
  ['networking.k8s.io/Ingress', ingressHealth],
  ['extensions/Ingress', ingressHealth],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinitionHealth],
  ['apiregistration.k8s.io/APIService', apiServiceHealth],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerHealth],
]);

/**
 * Health of one live object.
 *
 * 1. Annotation `gitfleet.dev/ignore-health: "true"` → Healthy ("health check ignored").
 * 2. `metadata.deletionTimestamp` set → Progressing ("Pending deletion"), as Argo CD.
 * 3. The built-in rule of its group and kind (see the `health/` folder), else the generic rule
 *    (`health/generic.ts`: observedGeneration, Stalled/Reconciling, Ready/Available; no status
 *    at all → Healthy).
 *
 * @param obj - the object as read from the cluster (status included)
 */
export function assessHealth(obj: KubeObject): Health {
  if (annotationsOf(obj)[ANNOTATION_IGNORE_HEALTH] === 'true') {
    return health('Healthy', `health check ignored (${ANNOTATION_IGNORE_HEALTH}: "true")`);
  }
  if (metadataOf(obj)['deletionTimestamp'] != null)
    return health('Progressing', 'Pending deletion');
  const group = groupOf(asString(obj['apiVersion']) ?? '');
  const kind = asString(obj['kind']) ?? '';
  const rule = BUILT_IN_RULES.get(`${group}/${kind}`) ?? genericHealth;
  return rule(obj);
}
