/**
 * Custom resources and kinds without built-in health: Flux objects (kstatus conventions),
 * cert-manager Certificates, a Knative Service (kind "Service" in another group), ConfigMaps.
 */
import type { KubeObject } from '@gitfleet/proto/domain';

export const kustomizationReady: KubeObject = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'apps', namespace: 'flux-system', generation: 2 },
  spec: {
    interval: '10m',
    path: './apps',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'fleet' },
  },
  status: {
    observedGeneration: 2,
    lastAppliedRevision: 'main@sha1:4f9c2b7e1d3a5c6b8e0f2a4c6e8b0d2f4a6c8e0b',
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        observedGeneration: 2,
        lastTransitionTime: '2026-11-26T10:00:10Z',
        reason: 'ReconciliationSucceeded',
        message: 'Applied revision: main@sha1:4f9c2b7e1d3a5c6b8e0f2a4c6e8b0d2f4a6c8e0b',
      },
    ],
  },
};

export const kustomizationReconciling: KubeObject = {
  ...kustomizationReady,
  status: {
    observedGeneration: 2,
    conditions: [
      {
        type: 'Reconciling',
        status: 'True',
        observedGeneration: 2,
        lastTransitionTime: '2026-11-26T10:05:00Z',
        reason: 'Progressing',
        message: 'Reconciliation in progress',
      },
      {
        type: 'Ready',
        status: 'Unknown',
        observedGeneration: 2,
        lastTransitionTime: '2026-11-26T10:05:00Z',
        reason: 'Progressing',
        message: 'Reconciliation in progress',
      },
    ],
  },
};

/** Generation 3 applied, controller still reports generation 2. */
export const kustomizationStaleGeneration: KubeObject = {
  ...kustomizationReady,
  metadata: { name: 'apps', namespace: 'flux-system', generation: 3 },
};

/** Ready condition written for an older generation, without status.observedGeneration. */
export const customResourceStaleReadyCondition: KubeObject = {
  apiVersion: 'acme.dev/v1',
  kind: 'Widget',
  metadata: { name: 'blue', namespace: 'shop', generation: 5 },
  spec: { size: 3 },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        observedGeneration: 4,
        lastTransitionTime: '2026-11-26T09:00:00Z',
        reason: 'Succeeded',
        message: 'widget is ready',
      },
    ],
  },
};

export const helmReleaseStalled: KubeObject = {
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'redis', namespace: 'shop', generation: 1 },
  spec: { interval: '10m', chart: { spec: { chart: 'redis', version: '20.x' } } },
  status: {
    observedGeneration: 1,
    conditions: [
      {
        type: 'Stalled',
        status: 'True',
        observedGeneration: 1,
        lastTransitionTime: '2026-11-26T10:01:00Z',
        reason: 'RetriesExceeded',
        message: 'Failed to install after 1 attempt(s)',
      },
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 1,
        lastTransitionTime: '2026-11-26T10:01:00Z',
        reason: 'InstallFailed',
        message:
          'Helm install failed for release shop/redis with chart redis@20.6.1: context deadline exceeded',
      },
    ],
  },
};

export const certificateNotReady: KubeObject = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'shop-tls', namespace: 'shop', generation: 1 },
  spec: {
    secretName: 'shop-tls',
    dnsNames: ['shop.example.com'],
    issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' },
  },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 1,
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'Failed',
        message:
          'The certificate request has failed to complete and will be retried: Failed to wait for order resource "shop-tls-1-3190581542" to become ready: order is in "invalid" state',
      },
    ],
  },
};

/** A False Ready whose reason says the controller is still working. */
export const customResourceReadyFalseProgressing: KubeObject = {
  apiVersion: 'acme.dev/v1',
  kind: 'Widget',
  metadata: { name: 'green', namespace: 'shop', generation: 1 },
  spec: { size: 1 },
  status: {
    observedGeneration: 1,
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'ProgressingWithRetry',
        message: 'waiting for 2 replicas',
      },
    ],
  },
};

/** Only an Available condition (operator-sdk style). */
export const customResourceAvailable: KubeObject = {
  apiVersion: 'acme.dev/v1',
  kind: 'Widget',
  metadata: { name: 'red', namespace: 'shop', generation: 1 },
  spec: { size: 1 },
  status: {
    conditions: [
      {
        type: 'Available',
        status: 'True',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'MinimumReplicasAvailable',
        message: '',
      },
    ],
  },
};

export const customResourceNoStatus: KubeObject = {
  apiVersion: 'acme.dev/v1',
  kind: 'Widget',
  metadata: { name: 'plain', namespace: 'shop', generation: 1 },
  spec: { size: 1 },
};

/** Knative Service: kind "Service" but not core/v1, so the generic rule applies. */
export const knativeServiceFailed: KubeObject = {
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'hello', namespace: 'shop', generation: 2 },
  spec: { template: { spec: { containers: [{ image: 'ghcr.io/acme/hello:0.0.1' }] } } },
  status: {
    observedGeneration: 2,
    conditions: [
      {
        type: 'ConfigurationsReady',
        status: 'False',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'RevisionFailed',
        message: 'Revision "hello-00002" failed with message: Unable to fetch image.',
      },
      {
        type: 'Ready',
        status: 'False',
        lastTransitionTime: '2026-11-26T10:00:00Z',
        reason: 'RevisionFailed',
        message: 'Revision "hello-00002" failed with message: Unable to fetch image.',
      },
    ],
  },
};

export const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: 'shop' },
  data: { 'app.yaml': 'port: 8080\n' },
};

export const serviceAccount: KubeObject = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: 'web', namespace: 'shop' },
};

export const clusterRole: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'widget-reader' },
  rules: [{ apiGroups: ['acme.dev'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }],
};
