import { describe, expect, it } from 'vitest';
import type {
  JsonValue,
  KubeObject,
  ObjectRef,
  ObjectSelector,
  UnmanagedPolicy,
} from '@gitfleet/proto/domain';
import { objectRef } from '@gitfleet/proto/domain';
import * as live from './__fixtures__/live-namespace.ts';
import { inventoryKey } from './inventory.ts';
import { createdBy, findUnmanaged, matchesSelector } from './unmanaged.ts';

const desiredKeys = new Set(
  [live.webDeployment, live.webService].map((o) => inventoryKey(objectRef(o))),
);

function find(
  policy: UnmanagedPolicy,
  liveObjects: readonly KubeObject[] = live.liveShopNamespace,
) {
  return findUnmanaged({
    app: 'shop',
    ownedNamespaces: ['shop'],
    desiredKeys,
    liveObjects,
    policy,
  });
}

describe('findUnmanaged', () => {
  it('reports only what people created by hand (warn)', () => {
    expect(
      find({ mode: 'warn', allow: [] }).map((u) => [u.ref.kind, u.ref.name, u.createdBy, u.action]),
    ).toEqual([
      // sorted by inventory key: <group>_<kind>_<namespace>_<name>
      ['ConfigMap', 'debug-flags', 'kubectl-create', 'reported'],
      ['ConfigMap', 'legacy-settings', '', 'reported'],
      ['Pod', 'debug-shell', 'kubectl-run', 'reported'],
      ['Secret', 'stripe-key', 'kubectl-client-side-apply', 'reported'],
      ['Deployment', 'hotfix', 'kubectl-create', 'reported'],
    ]);
  });

  it.each<[string, UnmanagedPolicy, string[]]>([
    ['ignore returns nothing', { mode: 'ignore', allow: [] }, []],
    [
      'prune marks candidates pruned',
      { mode: 'prune', allow: [] },
      [
        'debug-flags:pruned',
        'legacy-settings:pruned',
        'debug-shell:pruned',
        'stripe-key:pruned',
        'hotfix:pruned',
      ],
    ],
    [
      'allow-list by name prefix and by kind',
      { mode: 'prune', allow: [{ name: 'debug-*' }, { group: '', kind: 'Secret' }] },
      ['legacy-settings:pruned', 'hotfix:pruned'],
    ],
    [
      'allow-list by exact name in a namespace',
      { mode: 'warn', allow: [{ namespace: 'shop', name: 'hotfix' }] },
      [
        'debug-flags:reported',
        'legacy-settings:reported',
        'debug-shell:reported',
        'stripe-key:reported',
      ],
    ],
    ['allow everything', { mode: 'prune', allow: [{}] }, []],
  ])('%s', (_name, policy, expected) => {
    expect(find(policy).map((u) => `${u.ref.name}:${u.action}`)).toEqual(expected);
  });

  it.each<[string, KubeObject]>([
    ['an object declared by the assignment', live.webDeployment],
    ["this app's inventory awaiting prune (labelled)", live.oldConfigMap],
    ["another app's object (labelled)", live.billingSecret],
    ['ConfigMap kube-root-ca.crt', live.rootCa],
    ['ServiceAccount default', live.defaultServiceAccount],
    ['Endpoints', live.endpoints],
    ['EndpointSlice (owned by the Service)', live.endpointSlice],
    ['ReplicaSet (owned by a Deployment)', live.replicaSet],
    ['Pod (owned by a ReplicaSet)', live.pod],
    ['Event', live.event],
    ['Lease', live.lease],
    ['ControllerRevision', live.controllerRevision],
    ['an object first written by kube-controller-manager', live.controlPlaneSecret],
    ['an object being deleted', live.beingDeleted],
    ['an object in a namespace the app does not own', live.otherNamespaceConfigMap],
  ])('never reports %s', (_name, obj) => {
    expect(find({ mode: 'prune', allow: [] }, [obj])).toEqual([]);
  });

  it('ignores cluster-scoped objects', () => {
    const clusterRole: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'hand-made' },
    };
    expect(find({ mode: 'warn', allow: [] }, [clusterRole])).toEqual([]);
  });

  it('returns UnmanagedObjects with an empty message', () => {
    const [first] = find({ mode: 'warn', allow: [] }, [live.manualSecret]);
    expect(first).toEqual({
      ref: { group: '', version: 'v1', kind: 'Secret', namespace: 'shop', name: 'stripe-key' },
      createdBy: 'kubectl-client-side-apply',
      action: 'reported',
      message: '',
    });
  });
});

describe('createdBy', () => {
  const withFields = (managedFields: JsonValue[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', managedFields },
  });

  it.each<[string, JsonValue[], string]>([
    ['no managedFields', [], ''],
    [
      'single creator',
      [{ manager: 'kubectl-create', operation: 'Update', time: '2026-11-25T16:20:00Z' }],
      'kubectl-create',
    ],
    [
      'oldest wins, whatever the list order',
      [
        { manager: 'kubectl-edit', operation: 'Update', time: '2026-11-25T17:00:00Z' },
        { manager: 'helm', operation: 'Update', time: '2026-11-25T16:00:00Z' },
      ],
      'helm',
    ],
    [
      'server-side apply counts',
      [{ manager: 'kubectl', operation: 'Apply', time: '2026-11-25T16:00:00Z' }],
      'kubectl',
    ],
    [
      'status subresource entries only when nothing else',
      [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          time: '2026-11-25T15:00:00Z',
          subresource: 'status',
        },
        { manager: 'kubectl-create', operation: 'Update', time: '2026-11-25T16:00:00Z' },
      ],
      'kubectl-create',
    ],
    [
      'entries without time count as newest',
      [
        { manager: 'mystery', operation: 'Update' },
        { manager: 'kubectl-create', operation: 'Update', time: '2026-11-25T16:00:00Z' },
      ],
      'kubectl-create',
    ],
    ['malformed entries are skipped', [42, { operation: 'Update' }, null], ''],
  ])('%s', (_name, managedFields, expected) => {
    expect(createdBy(withFields(managedFields))).toBe(expected);
  });
});

describe('matchesSelector', () => {
  const ref: ObjectRef = {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: 'shop',
    name: 'debug-tools',
  };

  it.each<[string, ObjectSelector, boolean]>([
    ['empty selector matches everything', {}, true],
    [
      'exact fields',
      { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'debug-tools' },
      true,
    ],
    ['wrong kind', { kind: 'StatefulSet' }, false],
    ['"" group is the core group, not a wildcard', { group: '' }, false],
    ['wrong namespace', { namespace: 'billing' }, false],
    ['name prefix wildcard', { name: 'debug-*' }, true],
    ['name prefix wildcard, no match', { name: 'tmp-*' }, false],
    ['lone * matches any name', { name: '*' }, true],
    ['* only at the end is a wildcard', { name: '*-tools' }, false],
    ['exact name, no match', { name: 'debug' }, false],
    ['wildcard is only for names', { kind: 'Deploy*' }, false],
  ])('%s', (_name, selector, expected) => {
    expect(matchesSelector(ref, selector)).toBe(expected);
  });
});
