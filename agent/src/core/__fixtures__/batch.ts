/** Jobs and CronJobs as batch/v1 reports them (k8s 1.31+: SuccessCriteriaMet/FailureTarget). */
import type { KubeObject } from '@gitfleet/proto/domain';

const jobSpec = {
  backoffLimit: 3,
  completions: 1,
  parallelism: 1,
  suspend: false,
  template: {
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'migrate', image: 'ghcr.io/acme/web:1.4.2', args: ['migrate'] }],
    },
  },
};

export const jobRunning: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'db-migrate', namespace: 'shop', generation: 1 },
  spec: jobSpec,
  status: {
    startTime: '2026-11-26T10:00:01Z',
    active: 1,
    ready: 1,
    terminating: 0,
    uncountedTerminatedPods: {},
  },
};

export const jobComplete: KubeObject = {
  ...jobRunning,
  status: {
    startTime: '2026-11-26T10:00:01Z',
    completionTime: '2026-11-26T10:00:24Z',
    succeeded: 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
    conditions: [
      {
        type: 'SuccessCriteriaMet',
        status: 'True',
        lastProbeTime: '2026-11-26T10:00:24Z',
        lastTransitionTime: '2026-11-26T10:00:24Z',
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
      },
      {
        type: 'Complete',
        status: 'True',
        lastProbeTime: '2026-11-26T10:00:24Z',
        lastTransitionTime: '2026-11-26T10:00:24Z',
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
      },
    ],
  },
};

export const jobFailedBackoffLimit: KubeObject = {
  ...jobRunning,
  status: {
    startTime: '2026-11-26T10:00:01Z',
    failed: 4,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
    conditions: [
      {
        type: 'FailureTarget',
        status: 'True',
        lastProbeTime: '2026-11-26T10:03:12Z',
        lastTransitionTime: '2026-11-26T10:03:12Z',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
      {
        type: 'Failed',
        status: 'True',
        lastProbeTime: '2026-11-26T10:03:12Z',
        lastTransitionTime: '2026-11-26T10:03:12Z',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
    ],
  },
};

/** Failure decided, pods still terminating: Failed comes once they are gone. */
export const jobFailureTarget: KubeObject = {
  ...jobRunning,
  status: {
    startTime: '2026-11-26T10:00:01Z',
    failed: 1,
    terminating: 1,
    conditions: [
      {
        type: 'FailureTarget',
        status: 'True',
        lastProbeTime: '2026-11-26T10:00:31Z',
        lastTransitionTime: '2026-11-26T10:00:31Z',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
      },
    ],
  },
};

export const jobSuspended: KubeObject = {
  ...jobRunning,
  spec: { ...jobSpec, suspend: true },
  status: {
    conditions: [
      {
        type: 'Suspended',
        status: 'True',
        lastProbeTime: '2026-11-26T10:00:01Z',
        lastTransitionTime: '2026-11-26T10:00:01Z',
        reason: 'JobSuspended',
        message: 'Job suspended',
      },
    ],
  },
};

export const cronJobActive: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly-report', namespace: 'shop', generation: 2 },
  spec: {
    schedule: '0 2 * * *',
    suspend: false,
    concurrencyPolicy: 'Forbid',
    jobTemplate: { spec: jobSpec },
  },
  status: {
    lastScheduleTime: '2026-11-26T02:00:00Z',
    lastSuccessfulTime: '2026-11-26T02:01:13Z',
  },
};

export const cronJobSuspended: KubeObject = {
  ...cronJobActive,
  spec: { schedule: '0 2 * * *', suspend: true, jobTemplate: { spec: jobSpec } },
};
