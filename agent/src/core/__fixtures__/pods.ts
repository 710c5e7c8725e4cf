/** Pods in the states that matter for health, shaped as `kubectl get pod -o json` shows them. */
import type { JsonObject, KubeObject } from '@gitfleet/proto/domain';

const meta = (name: string) => ({
  name,
  namespace: 'shop',
  uid: `0b4c6f1e-${name.length}-4f00-9d7e-3a2b1c0d9e8f`,
  ownerReferences: [
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web-7d9c5b7f4',
      uid: '9a1d0c2e-5b6f-4e3d-8c7b-6a5f4e3d2c1b',
      controller: true,
      blockOwnerDeletion: true,
    },
  ],
});

const spec = {
  restartPolicy: 'Always',
  nodeName: 'worker-2',
  containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.4.2' }],
};

const conditions = (ready: boolean): JsonObject[] => [
  {
    type: 'PodReadyToStartContainers',
    status: 'True',
    lastTransitionTime: '2026-11-26T09:58:02Z',
  },
  { type: 'Initialized', status: 'True', lastTransitionTime: '2026-11-26T09:58:01Z' },
  ready
    ? { type: 'Ready', status: 'True', lastTransitionTime: '2026-11-26T09:58:09Z' }
    : {
        type: 'Ready',
        status: 'False',
        lastTransitionTime: '2026-11-26T09:58:01Z',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [web]',
      },
  ready
    ? { type: 'ContainersReady', status: 'True', lastTransitionTime: '2026-11-26T09:58:09Z' }
    : {
        type: 'ContainersReady',
        status: 'False',
        lastTransitionTime: '2026-11-26T09:58:01Z',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [web]',
      },
  { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-11-26T09:58:01Z' },
];

const runningReadyStatus = {
  phase: 'Running',
  conditions: conditions(true),
  hostIP: '10.0.0.12',
  podIP: '10.42.1.17',
  startTime: '2026-11-26T09:58:01Z',
  qosClass: 'Burstable',
  containerStatuses: [
    {
      name: 'web',
      ready: true,
      started: true,
      restartCount: 0,
      image: 'ghcr.io/acme/web:1.4.2',
      imageID:
        'ghcr.io/acme/web@sha256:4b1f7c0e9d2a8b3c6e5f4a1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b',
      containerID: 'containerd://5e1c3f2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e',
      state: { running: { startedAt: '2026-11-26T09:58:03Z' } },
      lastState: {},
    },
  ],
};

export const podRunningReady: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('web-7d9c5b7f4-x2x9q'),
  spec,
  status: runningReadyStatus,
};

export const podCrashLoopBackOff: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('web-7d9c5b7f4-8k2lp'),
  spec,
  status: {
    phase: 'Running',
    conditions: conditions(false),
    hostIP: '10.0.0.12',
    podIP: '10.42.1.18',
    startTime: '2026-11-26T09:58:01Z',
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        started: false,
        restartCount: 7,
        image: 'ghcr.io/acme/web:1.4.3',
        imageID:
          'ghcr.io/acme/web@sha256:9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b',
        containerID:
          'containerd://1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b',
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message:
              'back-off 5m0s restarting failed container=web pod=web-7d9c5b7f4-8k2lp_shop(0b4c6f1e-19-4f00-9d7e-3a2b1c0d9e8f)',
          },
        },
        lastState: {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            startedAt: '2026-11-26T10:09:40Z',
            finishedAt: '2026-11-26T10:09:41Z',
            containerID:
              'containerd://1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b',
          },
        },
      },
    ],
  },
};

export const podImagePullBackOff: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('web-5f8d6c9b7-q7wz4'),
  spec: { ...spec, containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.4.99' }] },
  status: {
    phase: 'Pending',
    conditions: conditions(false),
    hostIP: '10.0.0.13',
    podIP: '10.42.2.9',
    startTime: '2026-11-26T10:00:12Z',
    qosClass: 'Burstable',
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        started: false,
        restartCount: 0,
        image: 'ghcr.io/acme/web:1.4.99',
        imageID: '',
        state: {
          waiting: {
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "ghcr.io/acme/web:1.4.99"',
          },
        },
        lastState: {},
      },
    ],
  },
};

export const podErrImagePull: KubeObject = {
  ...podImagePullBackOff,
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        restartCount: 0,
        image: 'ghcr.io/acme/web:1.4.99',
        imageID: '',
        state: {
          waiting: {
            reason: 'ErrImagePull',
            message:
              'rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/web:1.4.99": not found',
          },
        },
        lastState: {},
      },
    ],
  },
};

export const podCreateContainerConfigError: KubeObject = {
  ...podImagePullBackOff,
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        restartCount: 0,
        image: 'ghcr.io/acme/web:1.4.2',
        imageID: '',
        state: {
          waiting: {
            reason: 'CreateContainerConfigError',
            message: 'configmap "web-config" not found',
          },
        },
        lastState: {},
      },
    ],
  },
};

/** An init container (schema migration) crash-looping keeps the pod in Pending. */
export const podInitCrashLoop: KubeObject = {
  ...podRunningReady,
  spec: {
    ...spec,
    initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/web:1.4.3' }],
  },
  status: {
    phase: 'Pending',
    initContainerStatuses: [
      {
        name: 'migrate',
        ready: false,
        restartCount: 4,
        image: 'ghcr.io/acme/web:1.4.3',
        imageID: 'ghcr.io/acme/web@sha256:9c8b',
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: 'back-off 1m20s restarting failed container=migrate',
          },
        },
        lastState: { terminated: { exitCode: 2, reason: 'Error' } },
      },
    ],
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        restartCount: 0,
        image: 'ghcr.io/acme/web:1.4.3',
        imageID: '',
        state: { waiting: { reason: 'PodInitializing' } },
        lastState: {},
      },
    ],
  },
};

/** Started, readiness probe not passing yet, never restarted. */
export const podRunningNotReady: KubeObject = {
  ...podRunningReady,
  status: {
    ...runningReadyStatus,
    conditions: conditions(false),
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        started: true,
        restartCount: 0,
        image: 'ghcr.io/acme/web:1.4.2',
        imageID: 'ghcr.io/acme/web@sha256:4b1f',
        state: { running: { startedAt: '2026-11-26T09:58:03Z' } },
        lastState: {},
      },
    ],
  },
};

/** Running again after an OOM kill, not ready: it has failed before, so Degraded. */
export const podRunningNotReadyAfterRestart: KubeObject = {
  ...podRunningReady,
  status: {
    ...runningReadyStatus,
    conditions: conditions(false),
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        started: true,
        restartCount: 1,
        image: 'ghcr.io/acme/web:1.4.2',
        imageID: 'ghcr.io/acme/web@sha256:4b1f',
        state: { running: { startedAt: '2026-11-26T10:02:03Z' } },
        lastState: {
          terminated: {
            exitCode: 137,
            reason: 'OOMKilled',
            startedAt: '2026-11-26T09:58:03Z',
            finishedAt: '2026-11-26T10:02:01Z',
          },
        },
      },
    ],
  },
};

export const podUnschedulable: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta('web-7d9c5b7f4-zz9kq'),
  spec: { restartPolicy: 'Always', containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.4.2' }] },
  status: {
    phase: 'Pending',
    qosClass: 'Burstable',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: '2026-11-26T10:05:00Z',
        reason: 'Unschedulable',
        message:
          '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      },
    ],
  },
};

export const podSucceeded: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'db-migrate-7xk2p', namespace: 'shop' },
  spec: {
    restartPolicy: 'Never',
    containers: [{ name: 'migrate', image: 'ghcr.io/acme/web:1.4.2' }],
  },
  status: {
    phase: 'Succeeded',
    containerStatuses: [
      {
        name: 'migrate',
        ready: false,
        restartCount: 0,
        image: 'ghcr.io/acme/web:1.4.2',
        imageID: 'ghcr.io/acme/web@sha256:4b1f',
        state: {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            startedAt: '2026-11-26T10:00:03Z',
            finishedAt: '2026-11-26T10:00:21Z',
          },
        },
      },
    ],
  },
};

export const podFailedOomKilled: KubeObject = {
  ...podSucceeded,
  metadata: { name: 'report-28841230-abcde', namespace: 'shop' },
  status: {
    phase: 'Failed',
    containerStatuses: [
      {
        name: 'report',
        ready: false,
        restartCount: 0,
        image: 'ghcr.io/acme/report:2.0.0',
        imageID: 'ghcr.io/acme/report@sha256:77aa',
        state: {
          terminated: {
            exitCode: 137,
            reason: 'OOMKilled',
            startedAt: '2026-11-26T10:00:03Z',
            finishedAt: '2026-11-26T10:00:41Z',
          },
        },
      },
    ],
  },
};

export const podEvicted: KubeObject = {
  ...podRunningReady,
  status: {
    phase: 'Failed',
    reason: 'Evicted',
    message:
      'The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 824Mi. Container web was using 2Gi, request is 0, has larger consumption of ephemeral-storage.',
    startTime: '2026-11-26T09:58:01Z',
  },
};

/** A Job pod (restartPolicy Never) that cannot pull its image: not final for a finite pod. */
export const jobPodImagePullBackOff: KubeObject = {
  ...podImagePullBackOff,
  spec: {
    restartPolicy: 'Never',
    containers: [{ name: 'migrate', image: 'ghcr.io/acme/web:1.4.99' }],
  },
};

/** A Job pod still running to completion. */
export const jobPodRunning: KubeObject = {
  ...podRunningReady,
  spec: {
    restartPolicy: 'OnFailure',
    containers: [{ name: 'migrate', image: 'ghcr.io/acme/web:1.4.2' }],
  },
};
