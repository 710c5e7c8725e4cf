/**
 * Health of cluster-level and storage kinds: CustomResourceDefinition, APIService, Namespace,
 * PersistentVolumeClaim and HorizontalPodAutoscaler.
 */
import type { Health, JsonValue, KubeObject } from '@gitfleet/proto/domain';
import type { Condition } from '../kube-object.ts';
import {
  annotationsOf,
  asString,
  at,
  conditionsOf,
  findCondition,
  parseCondition,
} from '../kube-object.ts';
import { describeCondition, health } from './result.ts';

/**
 * CustomResourceDefinition: no conditions yet → Progressing; Terminating True → Progressing;
 * NamesAccepted False (kind or plural clashes with another CRD) → Degraded; NonStructuralSchema
 * True → Degraded; Established True → Healthy; else Progressing (the API server has not started
 * serving the new type yet, which takes a moment after creation).
 */
export function customResourceDefinitionHealth(obj: KubeObject): Health {
  const conditions = conditionsOf(obj);
  if (conditions.length === 0) return health('Progressing', 'Waiting for the CRD to be processed');
  const terminating = findCondition(conditions, 'Terminating');
  if (terminating?.status === 'True') {
    return health('Progressing', `CRD is being terminated: ${describeCondition(terminating)}`);
  }
  const names = findCondition(conditions, 'NamesAccepted');
  if (names?.status === 'False') {
    return health('Degraded', `CRD names have not been accepted: ${describeCondition(names)}`);
  }
  const nonStructural = findCondition(conditions, 'NonStructuralSchema');
  if (nonStructural?.status === 'True') {
    return health('Degraded', `CRD schema is not structural: ${describeCondition(nonStructural)}`);
  }
  const established = findCondition(conditions, 'Established');
  if (established?.status === 'True') return health('Healthy');
  const detail = established === undefined ? '' : `: ${describeCondition(established)}`;
  return health('Progressing', `CRD is not established yet${detail}`);
}

/**
 * APIService: Available True → Healthy; Available False → Degraded with the reason (e.g.
 * FailedDiscoveryCheck, MissingEndpoints); no Available condition yet → Progressing.
 */
export function apiServiceHealth(obj: KubeObject): Health {
  const available = findCondition(conditionsOf(obj), 'Available');
  if (available === undefined) return health('Progressing', 'Waiting to be processed');
  if (available.status === 'True') return health('Healthy', describeCondition(available));
  if (available.status === 'False') return health('Degraded', describeCondition(available));
  return health('Progressing', describeCondition(available));
}

/** Namespace: phase Terminating → Progressing (finalizers still running); else Healthy. */
export function namespaceHealth(obj: KubeObject): Health {
  return asString(at(obj, 'status', 'phase')) === 'Terminating'
    ? health('Progressing', 'Namespace is terminating')
    : health('Healthy');
}

/**
 * PersistentVolumeClaim: Bound → Healthy; Pending → Progressing (no volume yet, or a
 * WaitForFirstConsumer storage class waiting for a pod); Lost → Degraded; other → Unknown.
 */
export function persistentVolumeClaimHealth(obj: KubeObject): Health {
  const phase = asString(at(obj, 'status', 'phase')) ?? '';
  switch (phase) {
    case 'Bound':
      return health('Healthy');
    case 'Pending':
      return health('Progressing', 'Waiting for the claim to be bound');
    case 'Lost':
      return health('Degraded', 'The claim lost its underlying persistent volume');
    default:
      return health('Unknown', phase === '' ? 'No phase reported' : `Unknown phase ${phase}`);
  }
}

/** autoscaling/v1 keeps the v2 conditions in this annotation (JSON array). */
const HPA_V1_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';

function hpaConditions(obj: KubeObject): readonly Condition[] {
  const fromStatus = conditionsOf(obj);
  if (fromStatus.length > 0) return fromStatus;
  const raw = annotationsOf(obj)[HPA_V1_CONDITIONS_ANNOTATION];
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  const out: Condition[] = [];
  const items: readonly JsonValue[] = Array.isArray(parsed) ? (parsed as JsonValue[]) : [];
  for (const item of items) {
    const c = parseCondition(item);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/**
 * HorizontalPodAutoscaler (v2 `status.conditions`, or the v1 conditions annotation):
 * AbleToScale False (FailedGetScale, FailedUpdateScale) → Degraded; ScalingActive False →
 * Degraded (FailedGetResourceMetric, InvalidSelector...), except reason ScalingDisabled (the
 * target is scaled to zero on purpose) → Suspended; else Healthy, also when the HPA reports no
 * conditions at all (autoscaling/v1 without the annotation).
 */
export function horizontalPodAutoscalerHealth(obj: KubeObject): Health {
  const conditions = hpaConditions(obj);
  const ableToScale = findCondition(conditions, 'AbleToScale');
  if (ableToScale?.status === 'False') return health('Degraded', describeCondition(ableToScale));
  const active = findCondition(conditions, 'ScalingActive');
  if (active?.status === 'False') {
    return active.reason === 'ScalingDisabled'
      ? health('Suspended', describeCondition(active))
      : health('Degraded', describeCondition(active));
  }
  const limited = findCondition(conditions, 'ScalingLimited');
  return health('Healthy', limited?.status === 'True' ? describeCondition(limited) : '');
}
