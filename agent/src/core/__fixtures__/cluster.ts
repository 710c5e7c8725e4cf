/** CRDs, APIServices, Namespaces, PVCs and HPAs with the status their controllers write. */
import type { KubeObject } from '@gitfleet/proto/domain';

const crdSpec = {
  group: 'acme.dev',
  scope: 'Namespaced',
  names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
  versions: [
    {
      name: 'v1',
      served: true,
      storage: true,
      schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    },
  ],
};

export const crdEstablished: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.acme.dev', generation: 1 },
  spec: crdSpec,
  status: {
    acceptedNames: crdSpec.names,
    storedVersions: ['v1'],
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'NoConflicts',
        message: 'no conflicts found',
      },
      {
        type: 'Established',
        status: 'True',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
    ],
  },
};

/** A moment after creation: names accepted, the API server not serving the type yet. */
export const crdNotEstablished: KubeObject = {
  ...crdEstablished,
  status: {
    acceptedNames: crdSpec.names,
    storedVersions: ['v1'],
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'NoConflicts',
        message: 'no conflicts found',
      },
      {
        type: 'Established',
        status: 'False',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'Installing',
        message: 'the initial names have been accepted',
      },
    ],
  },
};

/** Just created, before the CRD controllers wrote anything. */
export const crdNoConditions: KubeObject = {
  ...crdEstablished,
  status: { acceptedNames: { kind: '', plural: '' }, storedVersions: ['v1'] },
};

/** Another CRD already serves kind Widget in this group. */
export const crdNamesConflict: KubeObject = {
  ...crdEstablished,
  metadata: { name: 'widgetz.acme.dev', generation: 1 },
  status: {
    acceptedNames: { kind: '', plural: '' },
    storedVersions: ['v1'],
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'False',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'KindConflict',
        message: '"Widget" is already in use',
      },
      {
        type: 'Established',
        status: 'False',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'NotAccepted',
        message: 'not all names are accepted',
      },
    ],
  },
};

export const crdTerminating: KubeObject = {
  ...crdEstablished,
  status: {
    acceptedNames: crdSpec.names,
    storedVersions: ['v1'],
    conditions: [
      {
        type: 'Established',
        status: 'True',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
      {
        type: 'Terminating',
        status: 'True',
        lastTransitionTime: '2026-11-26T11:00:00Z',
        reason: 'InstanceDeletionInProgress',
        message: 'CustomResource deletion is in progress',
      },
    ],
  },
};

export const apiServiceAvailable: KubeObject = {
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: 'v1beta1.metrics.k8s.io' },
  spec: {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    groupPriorityMinimum: 100,
    versionPriority: 100,
    insecureSkipTLSVerify: true,
    service: { name: 'metrics-server', namespace: 'kube-system', port: 443 },
  },
  status: {
    conditions: [
      {
        type: 'Available',
        status: 'True',
        lastTransitionTime: '2026-11-26T09:00:00Z',
        reason: 'Passed',
        message: 'all checks passed',
      },
    ],
  },
};

export const apiServiceUnavailable: KubeObject = {
  ...apiServiceAvailable,
  status: {
    conditions: [
      {
        type: 'Available',
        status: 'False',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'FailedDiscoveryCheck',
        message:
          'failing or missing response from https://10.43.38.5:10250/apis/metrics.k8s.io/v1beta1: Get "https://10.43.38.5:10250/apis/metrics.k8s.io/v1beta1": dial tcp 10.43.38.5:10250: connect: connection refused',
      },
    ],
  },
};

export const apiServiceNoStatus: KubeObject = { ...apiServiceAvailable, status: {} };

export const namespaceActive: KubeObject = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Active' },
};

export const namespaceTerminating: KubeObject = {
  ...namespaceActive,
  metadata: {
    name: 'shop',
    deletionTimestamp: '2026-11-26T10:00:00Z',
    labels: { 'kubernetes.io/metadata.name': 'shop' },
  },
  status: {
    phase: 'Terminating',
    conditions: [
      {
        type: 'NamespaceContentRemaining',
        status: 'True',
        lastTransitionTime: '2026-11-26T10:00:05Z',
        reason: 'SomeResourcesRemain',
        message: 'Some resources are remaining: pods. has 2 resource instances',
      },
    ],
  },
};

export const pvcBound: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data-db-0', namespace: 'shop' },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '10Gi' } },
    storageClassName: 'local-path',
    volumeMode: 'Filesystem',
    volumeName: 'pvc-3f6c1a2b-7d8e-4f90-a1b2-c3d4e5f60718',
  },
  status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
};

/** WaitForFirstConsumer storage class: pending until a pod uses it. */
export const pvcPending: KubeObject = {
  ...pvcBound,
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '10Gi' } },
    storageClassName: 'local-path',
    volumeMode: 'Filesystem',
  },
  status: { phase: 'Pending' },
};

export const pvcLost: KubeObject = { ...pvcBound, status: { phase: 'Lost' } };

const hpaSpec = {
  scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
  minReplicas: 2,
  maxReplicas: 10,
  metrics: [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
    },
  ],
};

export const hpaHealthy: KubeObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'shop' },
  spec: hpaSpec,
  status: {
    currentReplicas: 3,
    desiredReplicas: 3,
    currentMetrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: 41, averageValue: '205m' } },
      },
    ],
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        lastTransitionTime: '2026-11-26T09:00:00Z',
        reason: 'ReadyForNewScale',
        message: 'recommended size matches current size',
      },
      {
        type: 'ScalingActive',
        status: 'True',
        lastTransitionTime: '2026-11-26T09:00:30Z',
        reason: 'ValidMetricFound',
        message:
          'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      },
      {
        type: 'ScalingLimited',
        status: 'False',
        lastTransitionTime: '2026-11-26T09:00:30Z',
        reason: 'DesiredWithinRange',
        message: 'the desired count is within the acceptable range',
      },
    ],
  },
};

/** metrics-server missing or pods without CPU requests: the HPA cannot compute a replica count. */
export const hpaUnableToComputeMetrics: KubeObject = {
  ...hpaHealthy,
  status: {
    currentReplicas: 2,
    desiredReplicas: 0,
    currentMetrics: null,
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        lastTransitionTime: '2026-11-26T09:00:00Z',
        reason: 'SucceededGetScale',
        message: "the HPA controller was able to get the target's current scale",
      },
      {
        type: 'ScalingActive',
        status: 'False',
        lastTransitionTime: '2026-11-26T09:00:30Z',
        reason: 'FailedGetResourceMetric',
        message:
          'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)',
      },
    ],
  },
};

/** The scale target does not exist (typo in scaleTargetRef). */
export const hpaUnableToScale: KubeObject = {
  ...hpaHealthy,
  status: {
    currentReplicas: 0,
    desiredReplicas: 0,
    conditions: [
      {
        type: 'AbleToScale',
        status: 'False',
        lastTransitionTime: '2026-11-26T09:00:00Z',
        reason: 'FailedGetScale',
        message:
          'the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "wbe" not found',
      },
    ],
  },
};

export const hpaScaledToZero: KubeObject = {
  ...hpaHealthy,
  status: {
    currentReplicas: 0,
    desiredReplicas: 0,
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        lastTransitionTime: '2026-11-26T09:00:00Z',
        reason: 'SucceededGetScale',
        message: "the HPA controller was able to get the target's current scale",
      },
      {
        type: 'ScalingActive',
        status: 'False',
        lastTransitionTime: '2026-11-26T09:10:00Z',
        reason: 'ScalingDisabled',
        message: 'scaling is disabled since the replica count of the target is zero',
      },
    ],
  },
};

export const hpaAtMaximum: KubeObject = {
  ...hpaHealthy,
  status: {
    currentReplicas: 10,
    desiredReplicas: 10,
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        lastTransitionTime: '2026-11-26T09:00:00Z',
        reason: 'ReadyForNewScale',
        message: 'recommended size matches current size',
      },
      {
        type: 'ScalingActive',
        status: 'True',
        lastTransitionTime: '2026-11-26T09:00:30Z',
        reason: 'ValidMetricFound',
        message:
          'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      },
      {
        type: 'ScalingLimited',
        status: 'True',
        lastTransitionTime: '2026-11-26T10:00:30Z',
        reason: 'TooManyReplicas',
        message: 'the desired replica count is more than the maximum replica count',
      },
    ],
  },
};

/** autoscaling/v1 has no status.conditions. */
export const hpaV1NoConditions: KubeObject = {
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 10,
    targetCPUUtilizationPercentage: 70,
  },
  status: { currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 41 },
};

/** autoscaling/v1 as older API servers return it: v2 conditions in an annotation. */
export const hpaV1ConditionsAnnotation: KubeObject = {
  ...hpaV1NoConditions,
  metadata: {
    name: 'web',
    namespace: 'shop',
    annotations: {
      'autoscaling.alpha.kubernetes.io/conditions':
        '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-11-26T09:00:00Z","reason":"SucceededGetScale","message":"the HPA controller was able to get the target\'s current scale"},{"type":"ScalingActive","status":"False","lastTransitionTime":"2026-11-26T09:00:30Z","reason":"FailedGetResourceMetric","message":"the HPA was unable to compute the replica count: missing request for cpu"}]',
    },
  },
  status: { currentReplicas: 2, desiredReplicas: 0 },
};
