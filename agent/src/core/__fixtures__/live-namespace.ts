/**
 * What listing namespace `shop` returns on a real cluster where app `shop` is deployed by
 * gitfleet: its own objects, what Kubernetes and controllers created next to them, and a few
 * things people created by hand. managedFields are trimmed to manager/operation/time.
 */
import type { KubeObject } from '@gitfleet/proto/domain';

type Op = readonly [
  manager: string,
  operation: 'Update' | 'Apply',
  time: string,
  subresource?: string,
];

function live(
  apiVersion: string,
  kind: string,
  name: string,
  extra: {
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ownerKind?: string;
    readonly managed?: readonly Op[];
    readonly deletionTimestamp?: string;
  } = {},
): KubeObject {
  const { namespace = 'shop', labels, ownerKind, managed = [], deletionTimestamp } = extra;
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace,
      uid: `uid-${kind.toLowerCase()}-${name}`,
      resourceVersion: '48211',
      creationTimestamp: managed[0]?.[2] ?? '2026-11-20T09:00:00Z',
      ...(labels === undefined ? {} : { labels }),
      ...(deletionTimestamp === undefined ? {} : { deletionTimestamp }),
      ...(ownerKind === undefined
        ? {}
        : {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: ownerKind,
                name: 'web',
                uid: 'uid-owner',
                controller: true,
              },
            ],
          }),
      managedFields: managed.map(([manager, operation, time, subresource]) => ({
        manager,
        operation,
        apiVersion,
        time,
        fieldsType: 'FieldsV1',
        fieldsV1: {},
        ...(subresource === undefined ? {} : { subresource }),
      })),
    },
  };
}

const ours = { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.dev/app': 'shop' };

// --- managed by gitfleet (desired by app shop)
export const webDeployment = live('apps/v1', 'Deployment', 'web', {
  labels: ours,
  managed: [
    ['gitfleet-agent', 'Apply', '2026-11-20T09:00:00Z'],
    ['kube-controller-manager', 'Update', '2026-11-26T10:00:00Z', 'status'],
  ],
});
export const webService = live('v1', 'Service', 'web', {
  labels: ours,
  managed: [['gitfleet-agent', 'Apply', '2026-11-20T09:00:00Z']],
});
/** In the inventory of app shop but no longer desired: a prune candidate, not unmanaged. */
export const oldConfigMap = live('v1', 'ConfigMap', 'web-config-old', {
  labels: ours,
  managed: [['gitfleet-agent', 'Apply', '2026-11-10T09:00:00Z']],
});
/** Declared by app billing, which deploys into the same namespace. */
export const billingSecret = live('v1', 'Secret', 'billing-api-key', {
  labels: { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.dev/app': 'billing' },
  managed: [['gitfleet-agent', 'Apply', '2026-11-21T09:00:00Z']],
});

// --- created by Kubernetes and controllers
export const rootCa = live('v1', 'ConfigMap', 'kube-root-ca.crt', {
  managed: [['kube-controller-manager', 'Update', '2026-11-20T08:59:58Z']],
});
export const defaultServiceAccount = live('v1', 'ServiceAccount', 'default');
export const endpoints = live('v1', 'Endpoints', 'web', {
  managed: [['kube-controller-manager', 'Update', '2026-11-26T10:00:00Z']],
});
export const endpointSlice = live('discovery.k8s.io/v1', 'EndpointSlice', 'web-x8k2p', {
  ownerKind: 'Service',
});
export const replicaSet = live('apps/v1', 'ReplicaSet', 'web-7d9c5b7f4', {
  ownerKind: 'Deployment',
});
export const pod = live('v1', 'Pod', 'web-7d9c5b7f4-x2x9q', { ownerKind: 'ReplicaSet' });
export const event = live('v1', 'Event', 'web-7d9c5b7f4-x2x9q.18a2b3c4d5e6f7a8');
export const lease = live('coordination.k8s.io/v1', 'Lease', 'web-leader');
export const controllerRevision = live('apps/v1', 'ControllerRevision', 'db-6d4b8c7f9d');
/** Created by a control-plane component without being on the fixed lists. */
export const controlPlaneSecret = live('v1', 'Secret', 'web-token-abcde', {
  managed: [['kube-controller-manager', 'Update', '2026-11-20T09:00:01Z']],
});

// --- created by hand: unmanaged
export const debugConfigMap = live('v1', 'ConfigMap', 'debug-flags', {
  managed: [['kubectl-create', 'Update', '2026-11-25T16:20:00Z']],
});
export const hotfixDeployment = live('apps/v1', 'Deployment', 'hotfix', {
  managed: [
    ['kubectl-edit', 'Update', '2026-11-25T17:00:00Z'],
    ['kubectl-create', 'Update', '2026-11-25T16:55:00Z'],
    ['kube-controller-manager', 'Update', '2026-11-25T16:54:00Z', 'status'],
  ],
});
export const manualSecret = live('v1', 'Secret', 'stripe-key', {
  managed: [['kubectl-client-side-apply', 'Update', '2026-11-22T11:00:00Z']],
});
export const debugPod = live('v1', 'Pod', 'debug-shell', {
  managed: [['kubectl-run', 'Update', '2026-11-26T09:30:00Z']],
});
export const noManagedFields = live('v1', 'ConfigMap', 'legacy-settings');
export const beingDeleted = live('v1', 'ConfigMap', 'tmp-export', {
  managed: [['kubectl-create', 'Update', '2026-11-26T08:00:00Z']],
  deletionTimestamp: '2026-11-26T10:10:00Z',
});

// --- other namespace
export const otherNamespaceConfigMap = live('v1', 'ConfigMap', 'debug-flags', {
  namespace: 'kube-system',
  managed: [['kubectl-create', 'Update', '2026-11-25T16:20:00Z']],
});

export const liveShopNamespace: readonly KubeObject[] = [
  webDeployment,
  webService,
  oldConfigMap,
  billingSecret,
  rootCa,
  defaultServiceAccount,
  endpoints,
  endpointSlice,
  replicaSet,
  pod,
  event,
  lease,
  controllerRevision,
  controlPlaneSecret,
  debugConfigMap,
  hotfixDeployment,
  manualSecret,
  debugPod,
  noManagedFields,
  beingDeleted,
  otherNamespaceConfigMap,
];
