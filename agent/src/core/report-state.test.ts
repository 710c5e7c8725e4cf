import { describe, expect, it } from 'vitest';
import type { DriftRecord, Health, KubeObject, ObjectRef, SyncState } from '@gitfleet/proto/domain';
import {
  CORRECTED_DRIFT_TTL_MS,
  expiredCorrections,
  objectHealth,
  reportObjects,
  reportSyncState,
  type ReportStateInput,
} from './report-state.ts';
import type { ChangeSetEntry } from './sync-state.ts';

const ref = (name: string): ObjectRef => ({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace: 'shop',
  name,
});
const conflict = { code: 'OWNERSHIP_CONFLICT', message: 'ConfigMap/shop/a: owned by "x"' } as const;
const created: ChangeSetEntry = { ref: ref('a'), action: 'created' };
const unchanged: ChangeSetEntry = { ref: ref('b'), action: 'unchanged' };
const failed: ChangeSetEntry = {
  ref: ref('c'),
  action: 'failed',
  error: { code: 'APPLY_FAILED', message: 'x' },
  outOfSync: true,
};
const warned: ChangeSetEntry = { ref: ref('d'), action: 'skipped', outOfSync: true };
const drift = (action: DriftRecord['action'], lastSeenUnixMs = 0): DriftRecord => ({
  ref: ref('a'),
  changes: [{ path: '/data/k', desired: 'v', live: 'w' }],
  fieldManager: 'kubectl',
  firstSeenUnixMs: 0,
  lastSeenUnixMs,
  action,
  correctionCount: 0,
});

describe('reportSyncState', () => {
  const base: ReportStateInput = {
    runningMode: undefined,
    failed: false,
    applied: true,
    automated: true,
    entries: [created, unchanged],
    drift: [],
    desiredCount: 2,
  };
  it.each<[string, Partial<ReportStateInput>, SyncState]>([
    ['applied, nothing left over', {}, 'Synced'],
    ['an apply pass runs', { runningMode: 'apply' }, 'Applying'],
    ['an apply pass runs after a failure', { runningMode: 'apply', failed: true }, 'Applying'],
    ['a resync runs: the last state shows', { runningMode: 'resync' }, 'Synced'],
    ['the last pass failed', { failed: true }, 'Failed'],
    ['failed wins over not applied', { failed: true, applied: false }, 'Failed'],
    ['automated version not applied yet', { applied: false }, 'Applying'],
    [
      'manual version not applied: the change set says',
      { applied: false, automated: false },
      'Synced',
    ],
    ['a failed entry', { entries: [created, failed], desiredCount: 2 }, 'Failed'],
    ['an out-of-sync entry', { entries: [created, warned], desiredCount: 2 }, 'OutOfSync'],
    ['a reported drift', { drift: [drift('reported')] }, 'OutOfSync'],
    ['a corrected drift is in sync', { drift: [drift('corrected')] }, 'Synced'],
    ['fewer entries than declared objects', { desiredCount: 3 }, 'OutOfSync'],
    ['no entries yet', { entries: [], desiredCount: 2 }, 'OutOfSync'],
    ['nothing declared, nothing left', { entries: [], desiredCount: 0 }, 'Synced'],
  ])('%s', (_name, over, expected) => {
    expect(reportSyncState({ ...base, ...over })).toBe(expected);
  });
});

describe('expiredCorrections', () => {
  const now = 10 * CORRECTED_DRIFT_TTL_MS;
  it.each<[string, DriftRecord, string[]]>([
    ['corrected, seen within the TTL', drift('corrected', now - 1_000), []],
    ['corrected, seen exactly TTL ago', drift('corrected', now - CORRECTED_DRIFT_TTL_MS), []],
    ['corrected, older than the TTL', drift('corrected', now - CORRECTED_DRIFT_TTL_MS - 1), ['k']],
    ['reported never expires', drift('reported', 0), []],
  ])('%s', (_name, record, expected) => {
    expect(expiredCorrections(new Map([['k', record]]), now)).toEqual(expected);
  });
});

const deployment = (ready: boolean): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', generation: 1 },
  spec: { replicas: 1 },
  status: {
    observedGeneration: 1,
    replicas: 1,
    updatedReplicas: 1,
    availableReplicas: ready ? 1 : 0,
  },
});

describe('objectHealth', () => {
  it.each<[string, ChangeSetEntry | undefined, KubeObject | undefined, Health['status']]>([
    [
      'owned by another app, whatever its health',
      { ...created, error: conflict },
      deployment(true),
      'Degraded',
    ],
    ['owned by another app, missing', { ...created, error: conflict }, undefined, 'Degraded'],
    ['missing', created, undefined, 'Missing'],
    ['missing before any pass', undefined, undefined, 'Missing'],
    ['live and ready', created, deployment(true), 'Healthy'],
    ['live, not ready', created, deployment(false), 'Progressing'],
  ])('%s', (_name, entry, live, expected) => {
    expect(objectHealth(ref('a'), entry, live).status).toBe(expected);
  });

  it('says why an object owned by another app is degraded', () => {
    expect(objectHealth(ref('a'), { ...created, error: conflict }, undefined)).toEqual({
      status: 'Degraded',
      message: conflict.message,
    });
  });
});

describe('reportObjects', () => {
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } };
  it('reports declared objects in order, then left-over entries as Healthy', () => {
    const desired = new Map([
      ['a', ref('a')],
      ['b', ref('b')],
    ]);
    const pruned: ChangeSetEntry = { ref: ref('z'), action: 'deleted', message: 'pruned' };
    const entries = new Map([
      ['z', pruned],
      ['a', { ...created, message: 'hi' }],
    ]);
    const { objects, health } = reportObjects(desired, entries, new Map([['a', cm]]));
    expect(objects).toEqual([
      {
        ref: ref('a'),
        action: 'created',
        health: { status: 'Healthy', message: '' },
        message: 'hi',
      },
      {
        ref: ref('b'),
        action: 'skipped',
        health: { status: 'Missing', message: 'ConfigMap shop/b does not exist' },
        message: 'not applied yet',
      },
      {
        ref: ref('z'),
        action: 'deleted',
        health: { status: 'Healthy', message: '' },
        message: 'pruned',
      },
    ]);
    expect(health.status).toBe('Missing');
  });

  it.each<[string, ChangeSetEntry, { message: string; error?: unknown }]>([
    ['an entry without message has ""', unchanged, { message: '' }],
    ['a failed entry carries its error', failed, { message: '', error: failed.error }],
  ])('%s', (_name, entry, expected) => {
    const { objects } = reportObjects(
      new Map([['k', entry.ref]]),
      new Map([['k', entry]]),
      new Map(),
    );
    expect(objects[0]).toMatchObject(expected);
    if (expected.error === undefined) expect(objects[0]).not.toHaveProperty('error');
  });

  it('nothing declared is Healthy', () => {
    expect(reportObjects(new Map(), new Map(), new Map())).toEqual({
      objects: [],
      health: { status: 'Healthy', message: '' },
    });
  });
});
