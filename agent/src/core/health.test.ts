import { describe, expect, it } from 'vitest';
import type { Health, HealthStatus, KubeObject } from '@gitfleet/proto/domain';
import * as batch from './__fixtures__/batch.ts';
import * as cluster from './__fixtures__/cluster.ts';
import * as cr from './__fixtures__/custom-resources.ts';
import * as net from './__fixtures__/networking.ts';
import * as pods from './__fixtures__/pods.ts';
import * as wl from './__fixtures__/workloads.ts';
import { HEALTH_ORDER, assessHealth, compareHealth, missingHealth, worstHealth } from './health.ts';
import { isErrorWaitingReason } from './health/pod.ts';

type Case = [name: string, obj: KubeObject, status: HealthStatus, message: string | RegExp];

function expectHealth(obj: KubeObject, status: HealthStatus, message: string | RegExp): void {
  const h = assessHealth(obj);
  expect(h.status).toBe(status);
  if (typeof message === 'string') expect(h.message).toBe(message);
  else expect(h.message).toMatch(message);
}

describe('assessHealth: workloads', () => {
  it.each<Case>([
    ['Deployment healthy', wl.deploymentHealthy, 'Healthy', ''],
    [
      'Deployment mid-rollout',
      wl.deploymentMidRollout,
      'Progressing',
      'Waiting for rollout to finish: 2 out of 3 new replicas have been updated...',
    ],
    [
      'Deployment with old replicas terminating',
      wl.deploymentOldReplicasTerminating,
      'Progressing',
      'Waiting for rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      'Deployment with updated replicas not available',
      wl.deploymentUpdatedNotAvailable,
      'Progressing',
      'Waiting for rollout to finish: 1 of 3 updated replicas are available...',
    ],
    [
      'Deployment generation not observed',
      wl.deploymentNotObserved,
      'Progressing',
      'Waiting for rollout to be observed: generation 6, observed 5',
    ],
    [
      'Deployment past its progress deadline',
      wl.deploymentDeadlineExceeded,
      'Degraded',
      'Deployment "web" exceeded its progress deadline: ReplicaSet "web-6b7c8d9f5" has timed out progressing.',
    ],
    ['Deployment paused mid-rollout', wl.deploymentPaused, 'Suspended', 'Deployment is paused'],
    ['Deployment scaled to zero', wl.deploymentScaledToZero, 'Healthy', ''],
    [
      'StatefulSet healthy',
      wl.statefulSetHealthy,
      'Healthy',
      'statefulset rolling update complete 3 pods at revision db-6d4b8c7f9d...',
    ],
    [
      'StatefulSet rolling update',
      wl.statefulSetRollingUpdate,
      'Progressing',
      'waiting for statefulset rolling update to complete 1 pods at revision db-7f5c9d8b6c...',
    ],
    [
      'StatefulSet partition in progress',
      wl.statefulSetPartitionInProgress,
      'Progressing',
      'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
    ],
    [
      'StatefulSet partition complete (pods below the partition stay old)',
      wl.statefulSetPartitionComplete,
      'Healthy',
      'partitioned roll out complete: 2 new pods have been updated...',
    ],
    [
      'StatefulSet OnDelete with old pods',
      wl.statefulSetOnDelete,
      'Healthy',
      'statefulset has 3 ready pods',
    ],
    [
      'StatefulSet pods not ready',
      wl.statefulSetPodsNotReady,
      'Progressing',
      'Waiting for 2 pods to be ready...',
    ],
    ['DaemonSet healthy', wl.daemonSetHealthy, 'Healthy', ''],
    [
      'DaemonSet rolling update',
      wl.daemonSetRollingUpdate,
      'Progressing',
      'Waiting for daemon set "node-exporter" rollout to finish: 1 out of 3 new pods have been updated...',
    ],
    [
      'DaemonSet with an unavailable pod',
      wl.daemonSetUnavailable,
      'Progressing',
      'Waiting for daemon set "node-exporter" rollout to finish: 2 of 3 updated pods are available...',
    ],
    [
      'DaemonSet OnDelete',
      wl.daemonSetOnDelete,
      'Healthy',
      'daemon set 0 out of 3 new pods have been updated',
    ],
    ['ReplicaSet healthy', wl.replicaSetHealthy, 'Healthy', ''],
    ['ReplicaSet over quota', wl.replicaSetQuotaExceeded, 'Degraded', /exceeded quota: compute/],
    [
      'ReplicaSet scaling up',
      wl.replicaSetScalingUp,
      'Progressing',
      'Waiting for rollout to finish: 2 out of 3 new replicas are available...',
    ],
  ])('%s', (_name, obj, status, message) => expectHealth(obj, status, message));
});

describe('assessHealth: pods', () => {
  it.each<Case>([
    ['running and ready', pods.podRunningReady, 'Healthy', ''],
    [
      'CrashLoopBackOff',
      pods.podCrashLoopBackOff,
      'Degraded',
      /^container "web" CrashLoopBackOff: back-off 5m0s restarting failed container=web/,
    ],
    [
      'ImagePullBackOff',
      pods.podImagePullBackOff,
      'Degraded',
      'container "web" ImagePullBackOff: Back-off pulling image "ghcr.io/acme/web:1.4.99"',
    ],
    ['ErrImagePull', pods.podErrImagePull, 'Degraded', /^container "web" ErrImagePull: rpc error/],
    [
      'CreateContainerConfigError',
      pods.podCreateContainerConfigError,
      'Degraded',
      'container "web" CreateContainerConfigError: configmap "web-config" not found',
    ],
    [
      'init container crash-looping',
      pods.podInitCrashLoop,
      'Degraded',
      /^container "migrate" CrashLoopBackOff/,
    ],
    ['running, not ready yet', pods.podRunningNotReady, 'Progressing', ''],
    [
      'running, not ready after an OOM kill',
      pods.podRunningNotReadyAfterRestart,
      'Degraded',
      'container "web" was OOMKilled',
    ],
    [
      'unschedulable',
      pods.podUnschedulable,
      'Progressing',
      /^Unschedulable: 0\/3 nodes are available: 3 Insufficient memory/,
    ],
    ['succeeded', pods.podSucceeded, 'Healthy', ''],
    ['failed, OOMKilled', pods.podFailedOomKilled, 'Degraded', 'container "report" was OOMKilled'],
    ['evicted', pods.podEvicted, 'Degraded', /^The node was low on resource: ephemeral-storage/],
    ['Job pod (Never) with ImagePullBackOff', pods.jobPodImagePullBackOff, 'Progressing', ''],
    ['Job pod (OnFailure) running', pods.jobPodRunning, 'Progressing', ''],
  ])('%s', (_name, obj, status, message) => expectHealth(obj, status, message));

  it.each<[string, boolean]>([
    ['CrashLoopBackOff', true],
    ['ImagePullBackOff', true],
    ['ErrImagePull', true],
    ['ErrImageNeverPull', true],
    ['CreateContainerConfigError', true],
    ['CreateContainerError', true],
    ['RunContainerError', true],
    ['InvalidImageName', true],
    ['ContainerCreating', false],
    ['PodInitializing', false],
    ['', false],
  ])('waiting reason %s is an error: %s', (reason, expected) => {
    expect(isErrorWaitingReason(reason)).toBe(expected);
  });
});

describe('assessHealth: batch, networking, cluster kinds', () => {
  it.each<Case>([
    [
      'Job running',
      batch.jobRunning,
      'Progressing',
      'Job running: 1 active, 0 succeeded, 0 failed',
    ],
    ['Job complete', batch.jobComplete, 'Healthy', 'Reached expected number of succeeded pods'],
    [
      'Job failed with BackoffLimitExceeded',
      batch.jobFailedBackoffLimit,
      'Degraded',
      'BackoffLimitExceeded: Job has reached the specified backoff limit',
    ],
    [
      'Job with FailureTarget only',
      batch.jobFailureTarget,
      'Degraded',
      'DeadlineExceeded: Job was active longer than specified deadline',
    ],
    ['Job suspended', batch.jobSuspended, 'Suspended', 'Job is suspended'],
    ['CronJob active', batch.cronJobActive, 'Healthy', ''],
    ['CronJob suspended', batch.cronJobSuspended, 'Suspended', 'CronJob is suspended'],
    ['Service ClusterIP', net.serviceClusterIp, 'Healthy', ''],
    [
      'Service LoadBalancer without ingress',
      net.serviceLoadBalancerPending,
      'Progressing',
      'Waiting for the load balancer to assign an address',
    ],
    ['Service LoadBalancer with an IP', net.serviceLoadBalancerReady, 'Healthy', ''],
    [
      'Ingress without address',
      net.ingressPending,
      'Progressing',
      'Waiting for the ingress controller to assign an address',
    ],
    ['Ingress with addresses', net.ingressReady, 'Healthy', ''],
    ['CRD established', cluster.crdEstablished, 'Healthy', ''],
    [
      'CRD not yet established',
      cluster.crdNotEstablished,
      'Progressing',
      'CRD is not established yet: Installing: the initial names have been accepted',
    ],
    [
      'CRD without conditions',
      cluster.crdNoConditions,
      'Progressing',
      'Waiting for the CRD to be processed',
    ],
    [
      'CRD with conflicting names',
      cluster.crdNamesConflict,
      'Degraded',
      'CRD names have not been accepted: KindConflict: "Widget" is already in use',
    ],
    ['CRD terminating', cluster.crdTerminating, 'Progressing', /^CRD is being terminated/],
    ['APIService available', cluster.apiServiceAvailable, 'Healthy', 'Passed: all checks passed'],
    [
      'APIService failing discovery',
      cluster.apiServiceUnavailable,
      'Degraded',
      /^FailedDiscoveryCheck: failing or missing response from https:\/\/10\.43\.38\.5/,
    ],
    [
      'APIService not processed yet',
      cluster.apiServiceNoStatus,
      'Progressing',
      'Waiting to be processed',
    ],
    ['Namespace active', cluster.namespaceActive, 'Healthy', ''],
    // deletionTimestamp is set on a terminating namespace, so the generic rule answers first
    ['Namespace terminating', cluster.namespaceTerminating, 'Progressing', 'Pending deletion'],
    [
      'Namespace phase Terminating',
      { ...cluster.namespaceActive, status: { phase: 'Terminating' } },
      'Progressing',
      'Namespace is terminating',
    ],
    ['PVC bound', cluster.pvcBound, 'Healthy', ''],
    ['PVC pending', cluster.pvcPending, 'Progressing', 'Waiting for the claim to be bound'],
    ['PVC lost', cluster.pvcLost, 'Degraded', 'The claim lost its underlying persistent volume'],
    ['HPA healthy', cluster.hpaHealthy, 'Healthy', ''],
    [
      'HPA unable to compute metrics',
      cluster.hpaUnableToComputeMetrics,
      'Degraded',
      /^FailedGetResourceMetric: the HPA was unable to compute the replica count/,
    ],
    [
      'HPA unable to scale',
      cluster.hpaUnableToScale,
      'Degraded',
      /^FailedGetScale: the HPA controller was unable to get the target's current scale/,
    ],
    [
      'HPA target scaled to zero',
      cluster.hpaScaledToZero,
      'Suspended',
      'ScalingDisabled: scaling is disabled since the replica count of the target is zero',
    ],
    [
      'HPA at its maximum',
      cluster.hpaAtMaximum,
      'Healthy',
      'TooManyReplicas: the desired replica count is more than the maximum replica count',
    ],
    ['HPA autoscaling/v1 without conditions', cluster.hpaV1NoConditions, 'Healthy', ''],
    [
      'HPA autoscaling/v1 with the conditions annotation',
      cluster.hpaV1ConditionsAnnotation,
      'Degraded',
      'FailedGetResourceMetric: the HPA was unable to compute the replica count: missing request for cpu',
    ],
  ])('%s', (_name, obj, status, message) => expectHealth(obj, status, message));
});

describe('assessHealth: generic rule (custom resources, kinds without health)', () => {
  it.each<Case>([
    [
      'Flux Kustomization ready',
      cr.kustomizationReady,
      'Healthy',
      /^ReconciliationSucceeded: Applied revision: main@sha1:/,
    ],
    [
      'Flux Kustomization reconciling',
      cr.kustomizationReconciling,
      'Progressing',
      'Progressing: Reconciliation in progress',
    ],
    [
      'generation not observed yet',
      cr.kustomizationStaleGeneration,
      'Progressing',
      'Waiting for the controller to observe generation 3 (observed 2)',
    ],
    [
      'Ready condition for an older generation',
      cr.customResourceStaleReadyCondition,
      'Progressing',
      'Condition Ready is for generation 4, waiting for 5',
    ],
    [
      'HelmRelease stalled',
      cr.helmReleaseStalled,
      'Degraded',
      'RetriesExceeded: Failed to install after 1 attempt(s)',
    ],
    [
      'Certificate failed',
      cr.certificateNotReady,
      'Degraded',
      /^Failed: The certificate request has failed/,
    ],
    [
      'Ready False with a progressing reason',
      cr.customResourceReadyFalseProgressing,
      'Progressing',
      'ProgressingWithRetry: waiting for 2 replicas',
    ],
    [
      'only an Available condition',
      cr.customResourceAvailable,
      'Healthy',
      'MinimumReplicasAvailable',
    ],
    ['custom resource without status', cr.customResourceNoStatus, 'Healthy', ''],
    [
      'Knative Service is not a core Service',
      cr.knativeServiceFailed,
      'Degraded',
      /^RevisionFailed: Revision "hello-00002" failed/,
    ],
    ['ConfigMap', cr.configMap, 'Healthy', ''],
    ['ServiceAccount', cr.serviceAccount, 'Healthy', ''],
    ['ClusterRole', cr.clusterRole, 'Healthy', ''],
    [
      'Ready Unknown',
      {
        ...cr.customResourceNoStatus,
        status: {
          conditions: [{ type: 'Ready', status: 'Unknown', reason: 'Pending', message: '' }],
        },
      },
      'Progressing',
      'Pending',
    ],
    [
      'malformed conditions are ignored',
      { ...cr.customResourceNoStatus, status: { conditions: [42, { status: 'False' }, null] } },
      'Healthy',
      '',
    ],
  ])('%s', (_name, obj, status, message) => expectHealth(obj, status, message));
});

describe('assessHealth: overrides', () => {
  it.each<Case>([
    [
      'ignore-health annotation on a crash-looping pod',
      {
        ...pods.podCrashLoopBackOff,
        metadata: {
          name: 'web-1',
          namespace: 'shop',
          annotations: { 'gitfleet.dev/ignore-health': 'true' },
        },
      },
      'Healthy',
      'health check ignored (gitfleet.dev/ignore-health: "true")',
    ],
    [
      'ignore-health other than "true" is not an opt-out',
      {
        ...pods.podCrashLoopBackOff,
        metadata: {
          name: 'web-1',
          namespace: 'shop',
          annotations: { 'gitfleet.dev/ignore-health': 'yes' },
        },
      },
      'Degraded',
      /CrashLoopBackOff/,
    ],
    [
      'object being deleted',
      {
        ...wl.deploymentHealthy,
        metadata: {
          name: 'web',
          namespace: 'shop',
          generation: 4,
          deletionTimestamp: '2026-11-26T10:00:00Z',
        },
      },
      'Progressing',
      'Pending deletion',
    ],
  ])('%s', (_name, obj, status, message) => expectHealth(obj, status, message));
});

describe('worstHealth', () => {
  const h = (status: HealthStatus, message = ''): Health => ({ status, message });

  it('orders statuses as Argo CD does', () => {
    expect(HEALTH_ORDER).toEqual([
      'Healthy',
      'Suspended',
      'Progressing',
      'Missing',
      'Degraded',
      'Unknown',
    ]);
  });

  it.each<[string, Health[], Health]>([
    ['empty app is healthy', [], h('Healthy')],
    ['all healthy', [h('Healthy', 'a'), h('Healthy', 'b')], h('Healthy', 'a')],
    ['suspended beats healthy', [h('Healthy'), h('Suspended', 'paused')], h('Suspended', 'paused')],
    [
      'progressing beats suspended',
      [h('Suspended'), h('Progressing', 'rolling')],
      h('Progressing', 'rolling'),
    ],
    ['missing beats progressing', [h('Progressing'), missingHealth()], missingHealth()],
    ['degraded beats missing', [missingHealth(), h('Degraded', 'crash')], h('Degraded', 'crash')],
    ['unknown is worst', [h('Degraded'), h('Unknown', '?'), h('Healthy')], h('Unknown', '?')],
    [
      'first of equals keeps its message',
      [h('Degraded', 'first'), h('Degraded', 'second')],
      h('Degraded', 'first'),
    ],
  ])('%s', (_name, healths, expected) => {
    expect(worstHealth(healths)).toEqual(expected);
  });

  it('compareHealth is consistent with HEALTH_ORDER', () => {
    for (const [i, a] of HEALTH_ORDER.entries()) {
      for (const [j, b] of HEALTH_ORDER.entries()) {
        expect(Math.sign(compareHealth(h(a), h(b)))).toBe(Math.sign(i - j));
      }
    }
  });
});

describe('missingHealth', () => {
  it.each<[string, Parameters<typeof missingHealth>[0], string]>([
    ['without a ref', undefined, 'Object does not exist'],
    [
      'namespaced',
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      'Deployment shop/web does not exist',
    ],
    [
      'cluster-scoped',
      {
        group: 'rbac.authorization.k8s.io',
        version: 'v1',
        kind: 'ClusterRole',
        namespace: '',
        name: 'reader',
      },
      'ClusterRole reader does not exist',
    ],
  ])('%s', (_name, ref, message) => {
    expect(missingHealth(ref)).toEqual({ status: 'Missing', message });
  });
});
