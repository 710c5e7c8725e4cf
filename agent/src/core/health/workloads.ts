/**
 * Health of the apps/v1 workload controllers. The rules follow kubectl `rollout status`, as Argo
 * CD's gitops-engine does (pkg/health/health_{deployment,statefulset,daemonset,replicaset}.go):
 * a workload is Progressing until its controller has observed the latest generation and every
 * replica runs the new template and is available.
 */
import { metadataOf } from '@gitfleet/proto/domain';
import type { Health, KubeObject } from '@gitfleet/proto/domain';
import {
  asNumber,
  asObject,
  asString,
  at,
  conditionsOf,
  findCondition,
  generationOf,
} from '../kube-object.ts';
import { health } from './result.ts';

function count(obj: KubeObject, ...path: readonly string[]): number {
  return asNumber(at(obj, ...path)) ?? 0;
}

/** `spec.replicas`; the API server defaults it to 1. */
function desiredReplicas(obj: KubeObject): number {
  return asNumber(at(obj, 'spec', 'replicas')) ?? 1;
}

function nameOf(obj: KubeObject): string {
  return asString(metadataOf(obj)['name']) ?? '';
}

/**
 * Deployment: paused → Suspended; generation not yet observed → Progressing; Progressing
 * condition with reason ProgressDeadlineExceeded → Degraded; replicas not all updated, old
 * replicas still terminating, or updated replicas not all available → Progressing; else Healthy.
 */
export function deploymentHealth(obj: KubeObject): Health {
  if (at(obj, 'spec', 'paused') === true) return health('Suspended', 'Deployment is paused');
  const generation = generationOf(obj);
  const observed = count(obj, 'status', 'observedGeneration');
  if (generation > observed) {
    return health(
      'Progressing',
      `Waiting for rollout to be observed: generation ${String(generation)}, observed ${String(observed)}`,
    );
  }
  const progressing = findCondition(conditionsOf(obj), 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const detail = progressing.message === '' ? '' : `: ${progressing.message}`;
    return health(
      'Degraded',
      `Deployment "${nameOf(obj)}" exceeded its progress deadline${detail}`,
    );
  }
  const replicas = desiredReplicas(obj);
  const updated = count(obj, 'status', 'updatedReplicas');
  const total = count(obj, 'status', 'replicas');
  const available = count(obj, 'status', 'availableReplicas');
  if (updated < replicas) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${String(updated)} out of ${String(replicas)} new replicas have been updated...`,
    );
  }
  if (total > updated) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${String(total - updated)} old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${String(available)} of ${String(updated)} updated replicas are available...`,
    );
  }
  return health('Healthy');
}

/**
 * StatefulSet: generation not yet observed → Progressing; fewer ready than desired replicas →
 * Progressing; OnDelete strategy → Healthy once ready (pods are replaced only when someone deletes
 * them, so "not updated" is the expected state); RollingUpdate: the pods at or above the partition
 * (`replicas - partition` of them) must be updated, and without a partition the update revision
 * must have become the current one.
 */
export function statefulSetHealth(obj: KubeObject): Health {
  const generation = generationOf(obj);
  const observed = count(obj, 'status', 'observedGeneration');
  if (observed === 0 || generation > observed) {
    return health('Progressing', 'Waiting for statefulset spec update to be observed...');
  }
  const replicas = desiredReplicas(obj);
  const ready = count(obj, 'status', 'readyReplicas');
  if (ready < replicas) {
    return health('Progressing', `Waiting for ${String(replicas - ready)} pods to be ready...`);
  }
  const strategy = asObject(at(obj, 'spec', 'updateStrategy'));
  if (asString(strategy?.['type']) === 'OnDelete') {
    return health('Healthy', `statefulset has ${String(ready)} ready pods`);
  }
  const partition = asNumber(at(strategy, 'rollingUpdate', 'partition')) ?? 0;
  const updated = count(obj, 'status', 'updatedReplicas');
  const target = Math.max(0, replicas - partition);
  if (partition > 0) {
    if (updated < target) {
      return health(
        'Progressing',
        `Waiting for partitioned roll out to finish: ${String(updated)} out of ${String(target)} new pods have been updated...`,
      );
    }
    return health(
      'Healthy',
      `partitioned roll out complete: ${String(updated)} new pods have been updated...`,
    );
  }
  const updateRevision = asString(at(obj, 'status', 'updateRevision')) ?? '';
  const currentRevision = asString(at(obj, 'status', 'currentRevision')) ?? '';
  if (updated < target || updateRevision !== currentRevision) {
    return health(
      'Progressing',
      `waiting for statefulset rolling update to complete ${String(updated)} pods at revision ${updateRevision}...`,
    );
  }
  return health(
    'Healthy',
    `statefulset rolling update complete ${String(count(obj, 'status', 'currentReplicas'))} pods at revision ${currentRevision}...`,
  );
}

/**
 * DaemonSet: generation not yet observed → Progressing; OnDelete strategy → Healthy (see
 * StatefulSet); fewer updated than desired scheduled pods, or unavailable pods → Progressing.
 */
export function daemonSetHealth(obj: KubeObject): Health {
  const generation = generationOf(obj);
  const observed = count(obj, 'status', 'observedGeneration');
  if (generation > observed) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    );
  }
  const name = nameOf(obj);
  const desired = count(obj, 'status', 'desiredNumberScheduled');
  const updated = count(obj, 'status', 'updatedNumberScheduled');
  if (asString(at(obj, 'spec', 'updateStrategy', 'type')) === 'OnDelete') {
    return health(
      'Healthy',
      `daemon set ${String(updated)} out of ${String(desired)} new pods have been updated`,
    );
  }
  if (updated < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set "${name}" rollout to finish: ${String(updated)} out of ${String(desired)} new pods have been updated...`,
    );
  }
  const available = count(obj, 'status', 'numberAvailable');
  const unavailable = count(obj, 'status', 'numberUnavailable');
  if (available < desired || unavailable > 0) {
    return health(
      'Progressing',
      `Waiting for daemon set "${name}" rollout to finish: ${String(available)} of ${String(desired)} updated pods are available...`,
    );
  }
  return health('Healthy');
}

/**
 * ReplicaSet: generation not yet observed → Progressing; ReplicaFailure condition True (quota
 * exceeded, pod security rejection...) → Degraded; fewer available than desired → Progressing.
 */
export function replicaSetHealth(obj: KubeObject): Health {
  const generation = generationOf(obj);
  const observed = count(obj, 'status', 'observedGeneration');
  if (generation > observed) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed replica set generation less than desired generation',
    );
  }
  const failure = findCondition(conditionsOf(obj), 'ReplicaFailure');
  if (failure?.status === 'True') return health('Degraded', failure.message);
  const replicas = desiredReplicas(obj);
  const available = count(obj, 'status', 'availableReplicas');
  if (available < replicas) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${String(available)} out of ${String(replicas)} new replicas are available...`,
    );
  }
  return health('Healthy');
}
