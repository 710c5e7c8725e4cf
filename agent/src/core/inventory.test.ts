import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectRef, PrunePolicy } from '@gitfleet/proto/domain';
import type { Inventory, PruneDecision } from './inventory.ts';
import { decidePrune, diffInventory, inventoryKey, toInventory } from './inventory.ts';
import { ownerLabel } from './labels.ts';
import type { ChangeSetEntry } from './sync-state.ts';

const ref = (
  kind: string,
  name: string,
  group = '',
  namespace = 'shop',
  version = 'v1',
): ObjectRef => ({
  group,
  version,
  kind,
  namespace,
  name,
});

const cm = ref('ConfigMap', 'web-config');
const cmOld = ref('ConfigMap', 'web-config-old');
const deploy = ref('Deployment', 'web', 'apps');
const secret = ref('Secret', 'web-db');
const role = ref('ClusterRole', 'widget-reader', 'rbac.authorization.k8s.io', '');

function inventory(entries: Inventory['entries']): Inventory {
  return {
    app: 'shop',
    revision: '4f9c2b7e1d3a5c6b8e0f2a4c6e8b0d2f4a6c8e0b',
    assignmentVersion: 7,
    entries,
  };
}

/** The live object of `r`, labelled for `app` (undefined: no label). */
function liveOf(
  r: ObjectRef,
  opts: { app?: string; uid?: string; annotations?: Record<string, string> } = {},
): KubeObject {
  const { app = 'shop', uid = `uid-${r.name}`, annotations } = opts;
  return {
    apiVersion: r.group === '' ? r.version : `${r.group}/${r.version}`,
    kind: r.kind,
    metadata: {
      name: r.name,
      ...(r.namespace === '' ? {} : { namespace: r.namespace }),
      uid,
      labels:
        app === ''
          ? { unrelated: 'x' }
          : { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.dev/app': app },
      ...(annotations === undefined ? {} : { annotations }),
    },
  };
}

describe('inventoryKey', () => {
  it.each<[string, ObjectRef, string]>([
    ['core namespaced', cm, '_ConfigMap_shop_web-config'],
    ['grouped namespaced', deploy, 'apps_Deployment_shop_web'],
    ['cluster-scoped', role, 'rbac.authorization.k8s.io_ClusterRole__widget-reader'],
    [
      'version is not part of the key',
      ref('Deployment', 'web', 'apps', 'shop', 'v1beta2'),
      'apps_Deployment_shop_web',
    ],
  ])('%s', (_name, r, expected) => {
    expect(inventoryKey(r)).toBe(expected);
    expect(inventoryKey(r)).not.toContain(':');
  });
});

describe('diffInventory', () => {
  it.each<
    [
      string,
      Inventory | undefined,
      ObjectRef[],
      { toPrune: ObjectRef[]; kept: ObjectRef[]; added: ObjectRef[] },
    ]
  >([
    [
      'first sync: everything added',
      undefined,
      [cm, deploy],
      { toPrune: [], kept: [], added: [cm, deploy] },
    ],
    [
      'object removed from Git',
      inventory([{ ref: cm }, { ref: cmOld }, { ref: deploy }]),
      [cm, deploy],
      { toPrune: [cmOld], kept: [cm, deploy], added: [] },
    ],
    [
      'object added and one removed',
      inventory([{ ref: cm }, { ref: cmOld }]),
      [cm, secret],
      { toPrune: [cmOld], kept: [cm], added: [secret] },
    ],
    [
      'new API version is kept, not pruned and re-added',
      inventory([{ ref: ref('Deployment', 'web', 'apps', 'shop', 'v1beta2') }]),
      [deploy],
      { toPrune: [], kept: [deploy], added: [] },
    ],
    [
      'duplicates are listed once',
      inventory([{ ref: cmOld }, { ref: cmOld }]),
      [cm, cm],
      { toPrune: [cmOld], kept: [], added: [cm] },
    ],
    [
      'empty desired set: everything is a candidate',
      inventory([{ ref: cm }, { ref: deploy }]),
      [],
      { toPrune: [cm, deploy], kept: [], added: [] },
    ],
  ])('%s', (_name, previous, desired, expected) => {
    expect(diffInventory(previous, desired)).toEqual(expected);
  });
});

describe('decidePrune', () => {
  const enabled: PrunePolicy = { enabled: true, allowEmpty: false };
  const previous = inventory([
    { ref: cm, uid: 'uid-web-config' },
    { ref: cmOld, uid: 'uid-web-config-old' },
    { ref: deploy, uid: 'uid-web' },
  ]);
  const liveMap = (...objs: [ObjectRef, KubeObject | undefined][]) =>
    new Map(objs.map(([r, o]) => [inventoryKey(r), o] as const));
  const summary = (ds: PruneDecision[]) =>
    ds.map((d) => `${d.ref.name}:${d.action}:${d.reason}:${String(d.dropFromInventory)}`);

  it.each<
    [
      string,
      {
        policy?: PrunePolicy;
        desired?: ObjectRef[];
        live: Map<string, KubeObject | undefined>;
        prev?: Inventory;
        declaredBy?: Map<string, string[]>;
      },
      string[],
    ]
  >([
    [
      'orphaned and ours: prune',
      { live: liveMap([cmOld, liveOf(cmOld)]) },
      ['web-config-old:prune:orphaned:false'],
    ],
    [
      'prune disabled: keep, stays in inventory',
      { policy: { enabled: false, allowEmpty: true }, live: liveMap([cmOld, liveOf(cmOld)]) },
      ['web-config-old:skip:prune-disabled:false'],
    ],
    [
      'empty desired set without allowEmpty: nothing is pruned',
      {
        desired: [],
        live: liveMap([cm, liveOf(cm)], [cmOld, liveOf(cmOld)], [deploy, liveOf(deploy)]),
      },
      [
        'web-config:skip:empty-desired:false',
        'web-config-old:skip:empty-desired:false',
        'web:skip:empty-desired:false',
      ],
    ],
    [
      'empty desired set with allowEmpty: everything is pruned',
      {
        desired: [],
        policy: { enabled: true, allowEmpty: true },
        live: liveMap([cm, liveOf(cm)], [cmOld, liveOf(cmOld)], [deploy, liveOf(deploy)]),
      },
      [
        'web-config:prune:orphaned:false',
        'web-config-old:prune:orphaned:false',
        'web:prune:orphaned:false',
      ],
    ],
    [
      'already gone (undefined)',
      { live: liveMap([cmOld, undefined]) },
      ['web-config-old:skip:gone:true'],
    ],
    ['already gone (not looked up)', { live: new Map() }, ['web-config-old:skip:gone:true']],
    [
      'opted out by annotation',
      { live: liveMap([cmOld, liveOf(cmOld, { annotations: { 'gitfleet.dev/prune': 'false' } })]) },
      ['web-config-old:skip:opt-out:true'],
    ],
    [
      'prune annotation other than "false" does not opt out',
      { live: liveMap([cmOld, liveOf(cmOld, { annotations: { 'gitfleet.dev/prune': 'true' } })]) },
      ['web-config-old:prune:orphaned:false'],
    ],
    [
      'labelled for another app: never delete',
      { live: liveMap([cmOld, liveOf(cmOld, { app: 'billing' })]) },
      ['web-config-old:skip:not-owned:true'],
    ],
    [
      'no owner label at all: never delete',
      { live: liveMap([cmOld, liveOf(cmOld, { app: '' })]) },
      ['web-config-old:skip:not-owned:true'],
    ],
    [
      're-created by someone else (other uid)',
      { live: liveMap([cmOld, liveOf(cmOld, { uid: 'uid-someone-else' })]) },
      ['web-config-old:skip:replaced:true'],
    ],
    [
      'no uid recorded: ownership label decides',
      {
        prev: inventory([{ ref: cm }, { ref: cmOld }]),
        live: liveMap([cmOld, liveOf(cmOld, { uid: 'uid-any' })]),
      },
      ['web-config-old:prune:orphaned:false'],
    ],
    ['first sync: nothing to prune', { prev: undefined, live: new Map() }, []],
    [
      'ours but declared by another assigned app: kept for it, leaves the inventory',
      {
        live: liveMap([cmOld, liveOf(cmOld)]),
        declaredBy: new Map([[inventoryKey(cmOld), ['billing']]]),
      },
      ['web-config-old:skip:declared-elsewhere:true'],
    ],
    [
      'declared elsewhere wins over prune-all with allowEmpty',
      {
        desired: [],
        policy: { enabled: true, allowEmpty: true },
        live: liveMap([cm, liveOf(cm)], [cmOld, liveOf(cmOld)], [deploy, liveOf(deploy)]),
        declaredBy: new Map([[inventoryKey(deploy), ['billing', 'web']]]),
      },
      [
        'web-config:prune:orphaned:false',
        'web-config-old:prune:orphaned:false',
        'web:skip:declared-elsewhere:true',
      ],
    ],
    [
      'the app itself listed as a declarer does not keep it',
      {
        live: liveMap([cmOld, liveOf(cmOld)]),
        declaredBy: new Map([[inventoryKey(cmOld), ['shop']]]),
      },
      ['web-config-old:prune:orphaned:false'],
    ],
  ])('%s', (_name, c, expected) => {
    const decisions = decidePrune({
      previous: 'prev' in c ? c.prev : previous,
      desired: c.desired ?? [cm, deploy],
      policy: c.policy ?? enabled,
      live: c.live,
      ownerLabel: ownerLabel('shop'),
      ...(c.declaredBy === undefined ? {} : { declaredBy: c.declaredBy }),
    });
    expect(summary(decisions)).toEqual(expected);
  });

  it('explains each decision, naming the object first', () => {
    const [disabled] = decidePrune({
      previous,
      desired: [cm, deploy],
      policy: { enabled: false, allowEmpty: false },
      live: new Map(),
      ownerLabel: ownerLabel('shop'),
    });
    expect(disabled?.message).toBe(
      'ConfigMap shop/web-config-old: not desired any more; prune is disabled, left in place',
    );
    const [empty] = decidePrune({
      previous,
      desired: [],
      policy: enabled,
      live: new Map(),
      ownerLabel: ownerLabel('shop'),
    });
    expect(empty?.message).toBe(
      'ConfigMap shop/web-config: the desired set is empty and allowEmpty is false: refusing to prune all 3 objects of the app',
    );
    const [notOwned] = decidePrune({
      previous,
      desired: [cm, deploy],
      policy: enabled,
      live: liveMap([cmOld, liveOf(cmOld, { app: 'billing' })]),
      ownerLabel: ownerLabel('shop'),
    });
    expect(notOwned?.message).toBe(
      'ConfigMap shop/web-config-old: label gitfleet.dev/app is "billing", not "shop": not ours, left in place',
    );
    const [elsewhere] = decidePrune({
      previous,
      desired: [cm, deploy],
      policy: enabled,
      live: liveMap([cmOld, liveOf(cmOld)]),
      ownerLabel: ownerLabel('shop'),
      declaredBy: new Map([[inventoryKey(cmOld), ['billing']]]),
    });
    expect(elsewhere?.message).toBe(
      'ConfigMap shop/web-config-old: still declared by application "billing", left in place for it',
    );
  });
});

describe('toInventory', () => {
  const meta = { app: 'shop', revision: 'a'.repeat(40), assignmentVersion: 8 };
  const previous = inventory([
    { ref: cm, uid: 'uid-cm' },
    { ref: deploy, uid: 'uid-deploy' },
  ]);

  it.each<[string, ChangeSetEntry[], Inventory['entries']]>([
    [
      'applied objects with their uids',
      [
        { ref: cm, action: 'unchanged', uid: 'uid-cm' },
        { ref: secret, action: 'created', uid: 'uid-secret' },
      ],
      [
        { ref: cm, uid: 'uid-cm' },
        { ref: secret, uid: 'uid-secret' },
      ],
    ],
    [
      'a failed update stays, with the uid applied before',
      [
        {
          ref: deploy,
          action: 'failed',
          error: { code: 'APPLY_FAILED', message: 'spec.selector: field is immutable' },
        },
      ],
      [{ ref: deploy, uid: 'uid-deploy' }],
    ],
    [
      'a failed create stays, without uid',
      [
        {
          ref: secret,
          action: 'failed',
          error: { code: 'APPLY_CONFLICT', message: 'conflict with kubectl' },
        },
      ],
      [{ ref: secret }],
    ],
    [
      'deleted objects leave',
      [
        { ref: cmOld, action: 'deleted' },
        { ref: cm, action: 'unchanged' },
      ],
      [{ ref: cm, uid: 'uid-cm' }],
    ],
    [
      'skipped prune candidates stay unless dropped',
      [
        { ref: cmOld, action: 'skipped', message: 'prune disabled', outOfSync: true },
        { ref: role, action: 'skipped', message: 'not ours', dropFromInventory: true },
      ],
      [{ ref: cmOld }],
    ],
    [
      'a failed prune stays (retried next time)',
      [{ ref: cmOld, action: 'failed', error: { code: 'INTERNAL', message: 'connection reset' } }],
      [{ ref: cmOld }],
    ],
    [
      'duplicates once',
      [
        { ref: cm, action: 'unchanged' },
        { ref: cm, action: 'configured' },
      ],
      [{ ref: cm, uid: 'uid-cm' }],
    ],
  ])('%s', (_name, entries, expected) => {
    expect(toInventory(entries, meta, previous)).toEqual({ ...meta, entries: expected });
  });

  it('works without a previous inventory', () => {
    expect(toInventory([{ ref: cm, action: 'created' }], meta).entries).toEqual([{ ref: cm }]);
  });
});
