/**
 * Deployments, StatefulSets, DaemonSets and ReplicaSets as the API server returns them (status
 * fields and condition texts copied from real clusters; managedFields and most spec left out).
 */
import type { KubeObject } from '@gitfleet/proto/domain';

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.4.2' }] },
};

const deploymentSpec = {
  replicas: 3,
  selector: { matchLabels: { app: 'web' } },
  strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
  progressDeadlineSeconds: 600,
  template,
};

const deploymentHealthyStatus = {
  observedGeneration: 4,
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: 3,
  availableReplicas: 3,
  conditions: [
    {
      type: 'Available',
      status: 'True',
      lastUpdateTime: '2026-11-20T09:12:44Z',
      lastTransitionTime: '2026-11-20T09:12:44Z',
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
    },
    {
      type: 'Progressing',
      status: 'True',
      lastUpdateTime: '2026-11-25T14:03:10Z',
      lastTransitionTime: '2026-11-20T09:12:30Z',
      reason: 'NewReplicaSetAvailable',
      message: 'ReplicaSet "web-7d9c5b7f4" has successfully progressed.',
    },
  ],
};

export const deploymentHealthy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    generation: 4,
    uid: '6f1f0f7e-2f43-4c1e-9d6b-1b1f6c1e2a10',
    annotations: { 'deployment.kubernetes.io/revision': '4' },
  },
  spec: deploymentSpec,
  status: deploymentHealthyStatus,
};

/** Rolling update half-way: 2 of 3 pods run the new template, one old pod is still serving. */
export const deploymentMidRollout: KubeObject = {
  ...deploymentHealthy,
  metadata: { name: 'web', namespace: 'shop', generation: 5 },
  status: {
    observedGeneration: 5,
    replicas: 4,
    updatedReplicas: 2,
    readyReplicas: 3,
    availableReplicas: 3,
    unavailableReplicas: 1,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        lastUpdateTime: '2026-11-20T09:12:44Z',
        lastTransitionTime: '2026-11-20T09:12:44Z',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      },
      {
        type: 'Progressing',
        status: 'True',
        lastUpdateTime: '2026-11-26T10:01:02Z',
        lastTransitionTime: '2026-11-20T09:12:30Z',
        reason: 'ReplicaSetUpdated',
        message: 'ReplicaSet "web-5f8d6c9b7" is progressing.',
      },
    ],
  },
};

/** All 3 new pods exist, one old pod is still terminating. */
export const deploymentOldReplicasTerminating: KubeObject = {
  ...deploymentMidRollout,
  status: {
    observedGeneration: 5,
    replicas: 4,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    unavailableReplicas: 1,
  },
};

/** All pods updated, but only one of them is available yet (readiness probes still failing). */
export const deploymentUpdatedNotAvailable: KubeObject = {
  ...deploymentMidRollout,
  status: {
    observedGeneration: 5,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 1,
    availableReplicas: 1,
    unavailableReplicas: 2,
  },
};

/** Just applied: the deployment controller has not seen generation 6 yet. */
export const deploymentNotObserved: KubeObject = {
  ...deploymentHealthy,
  metadata: { name: 'web', namespace: 'shop', generation: 6 },
  status: { ...deploymentHealthyStatus, observedGeneration: 5 },
};

export const deploymentDeadlineExceeded: KubeObject = {
  ...deploymentHealthy,
  metadata: { name: 'web', namespace: 'shop', generation: 7 },
  status: {
    observedGeneration: 7,
    replicas: 4,
    updatedReplicas: 1,
    readyReplicas: 3,
    availableReplicas: 3,
    unavailableReplicas: 1,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        lastUpdateTime: '2026-11-20T09:12:44Z',
        lastTransitionTime: '2026-11-20T09:12:44Z',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      },
      {
        type: 'Progressing',
        status: 'False',
        lastUpdateTime: '2026-11-26T10:11:02Z',
        lastTransitionTime: '2026-11-26T10:11:02Z',
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "web-6b7c8d9f5" has timed out progressing.',
      },
    ],
  },
};

export const deploymentPaused: KubeObject = {
  ...deploymentMidRollout,
  spec: { ...deploymentSpec, paused: true },
};

/** Scaled to zero: nothing to wait for. */
export const deploymentScaledToZero: KubeObject = {
  ...deploymentHealthy,
  spec: { ...deploymentSpec, replicas: 0 },
  status: { observedGeneration: 4 },
};

const statefulSetSpec = {
  replicas: 3,
  serviceName: 'db',
  podManagementPolicy: 'OrderedReady',
  updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
  selector: { matchLabels: { app: 'db' } },
  template,
};

export const statefulSetHealthy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'shop', generation: 3 },
  spec: statefulSetSpec,
  status: {
    observedGeneration: 3,
    replicas: 3,
    readyReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    availableReplicas: 3,
    currentRevision: 'db-6d4b8c7f9d',
    updateRevision: 'db-6d4b8c7f9d',
    collisionCount: 0,
  },
};

/** Rolling update going on: pod db-2 already updated, db-1 and db-0 not yet. */
export const statefulSetRollingUpdate: KubeObject = {
  ...statefulSetHealthy,
  metadata: { name: 'db', namespace: 'shop', generation: 4 },
  status: {
    observedGeneration: 4,
    replicas: 3,
    readyReplicas: 3,
    currentReplicas: 2,
    updatedReplicas: 1,
    availableReplicas: 3,
    currentRevision: 'db-6d4b8c7f9d',
    updateRevision: 'db-7f5c9d8b6c',
    collisionCount: 0,
  },
};

/** Canary by partition: replicas 5, partition 3 → pods db-3 and db-4 get the new revision. */
export const statefulSetPartitionInProgress: KubeObject = {
  ...statefulSetHealthy,
  metadata: { name: 'db', namespace: 'shop', generation: 5 },
  spec: {
    ...statefulSetSpec,
    replicas: 5,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 3 } },
  },
  status: {
    observedGeneration: 5,
    replicas: 5,
    readyReplicas: 5,
    currentReplicas: 4,
    updatedReplicas: 1,
    availableReplicas: 5,
    currentRevision: 'db-6d4b8c7f9d',
    updateRevision: 'db-7f5c9d8b6c',
  },
};

/** The partition is done: the two pods above it run the new revision, the rest wait on purpose. */
export const statefulSetPartitionComplete: KubeObject = {
  ...statefulSetPartitionInProgress,
  status: {
    observedGeneration: 5,
    replicas: 5,
    readyReplicas: 5,
    currentReplicas: 3,
    updatedReplicas: 2,
    availableReplicas: 5,
    currentRevision: 'db-6d4b8c7f9d',
    updateRevision: 'db-7f5c9d8b6c',
  },
};

/** OnDelete: the new revision waits until someone deletes the pods; that is not unhealthy. */
export const statefulSetOnDelete: KubeObject = {
  ...statefulSetHealthy,
  metadata: { name: 'db', namespace: 'shop', generation: 4 },
  spec: { ...statefulSetSpec, updateStrategy: { type: 'OnDelete' } },
  status: {
    observedGeneration: 4,
    replicas: 3,
    readyReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 0,
    availableReplicas: 3,
    currentRevision: 'db-6d4b8c7f9d',
    updateRevision: 'db-7f5c9d8b6c',
  },
};

export const statefulSetPodsNotReady: KubeObject = {
  ...statefulSetHealthy,
  status: {
    observedGeneration: 3,
    replicas: 3,
    readyReplicas: 1,
    currentReplicas: 3,
    updatedReplicas: 3,
    availableReplicas: 1,
    currentRevision: 'db-6d4b8c7f9d',
    updateRevision: 'db-6d4b8c7f9d',
  },
};

const daemonSetSpec = {
  selector: { matchLabels: { app: 'node-exporter' } },
  updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
  template,
};

export const daemonSetHealthy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'node-exporter', namespace: 'monitoring', generation: 2 },
  spec: daemonSetSpec,
  status: {
    observedGeneration: 2,
    currentNumberScheduled: 3,
    desiredNumberScheduled: 3,
    numberMisscheduled: 0,
    numberReady: 3,
    numberAvailable: 3,
    updatedNumberScheduled: 3,
  },
};

const daemonSetRollingStatus = {
  observedGeneration: 3,
  currentNumberScheduled: 3,
  desiredNumberScheduled: 3,
  numberMisscheduled: 0,
  numberReady: 2,
  numberAvailable: 2,
  numberUnavailable: 1,
  updatedNumberScheduled: 1,
};

export const daemonSetRollingUpdate: KubeObject = {
  ...daemonSetHealthy,
  metadata: { name: 'node-exporter', namespace: 'monitoring', generation: 3 },
  status: daemonSetRollingStatus,
};

/** Every node runs the new template but one pod is not available (probe failing). */
export const daemonSetUnavailable: KubeObject = {
  ...daemonSetHealthy,
  status: {
    observedGeneration: 2,
    currentNumberScheduled: 3,
    desiredNumberScheduled: 3,
    numberMisscheduled: 0,
    numberReady: 2,
    numberAvailable: 2,
    numberUnavailable: 1,
    updatedNumberScheduled: 3,
  },
};

export const daemonSetOnDelete: KubeObject = {
  ...daemonSetHealthy,
  metadata: { name: 'node-exporter', namespace: 'monitoring', generation: 3 },
  spec: { ...daemonSetSpec, updateStrategy: { type: 'OnDelete' } },
  status: { ...daemonSetRollingStatus, updatedNumberScheduled: 0 },
};

export const replicaSetHealthy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web-7d9c5b7f4', namespace: 'shop', generation: 1 },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
  status: {
    observedGeneration: 1,
    replicas: 3,
    fullyLabeledReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
  },
};

/** Namespace quota exhausted: the controller cannot create the pods. */
export const replicaSetQuotaExceeded: KubeObject = {
  ...replicaSetHealthy,
  status: {
    observedGeneration: 1,
    replicas: 1,
    fullyLabeledReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    conditions: [
      {
        type: 'ReplicaFailure',
        status: 'True',
        lastTransitionTime: '2026-11-26T09:40:11Z',
        reason: 'FailedCreate',
        message:
          'pods "web-7d9c5b7f4-8k2lp" is forbidden: exceeded quota: compute, requested: limits.memory=512Mi, used: limits.memory=1536Mi, limited: limits.memory=2Gi',
      },
    ],
  },
};

export const replicaSetScalingUp: KubeObject = {
  ...replicaSetHealthy,
  status: {
    observedGeneration: 1,
    replicas: 3,
    fullyLabeledReplicas: 3,
    readyReplicas: 2,
    availableReplicas: 2,
  },
};
