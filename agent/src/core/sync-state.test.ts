import { describe, expect, it } from 'vitest';
import type { ObjectRef, SyncState } from '@gitfleet/proto/domain';
import type { ChangeSetEntry } from './sync-state.ts';
import { deriveSyncState, summarizeChangeSet } from './sync-state.ts';

const ref = (name: string): ObjectRef => ({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace: 'shop',
  name,
});
const created: ChangeSetEntry = { ref: ref('a'), action: 'created' };
const configured: ChangeSetEntry = { ref: ref('b'), action: 'configured' };
const unchanged: ChangeSetEntry = { ref: ref('c'), action: 'unchanged' };
const deleted: ChangeSetEntry = { ref: ref('d'), action: 'deleted' };
const failed: ChangeSetEntry = {
  ref: ref('e'),
  action: 'failed',
  error: { code: 'APPLY_FAILED', message: 'ConfigMap/shop/e: data: Invalid value' },
};
const driftWarned: ChangeSetEntry = {
  ref: ref('f'),
  action: 'skipped',
  message: 'drift reported, not corrected (warn)',
  outOfSync: true,
};
const driftIgnored: ChangeSetEntry = { ref: ref('g'), action: 'skipped', message: 'drift ignored' };
const pruneDisabled: ChangeSetEntry = {
  ref: ref('h'),
  action: 'skipped',
  message: 'prune disabled',
  outOfSync: true,
};

describe('deriveSyncState', () => {
  it.each<[string, ChangeSetEntry[], SyncState]>([
    ['empty change set', [], 'Synced'],
    ['everything applied or unchanged', [created, configured, unchanged, deleted], 'Synced'],
    ['deliberately skipped (drift ignore) is in sync', [unchanged, driftIgnored], 'Synced'],
    ['drift warned, not corrected', [unchanged, driftWarned], 'OutOfSync'],
    ['prune candidate kept because prune is disabled', [unchanged, pruneDisabled], 'OutOfSync'],
    ['any failure wins over out of sync', [driftWarned, failed, created], 'Failed'],
    ['a single failure', [failed], 'Failed'],
  ])('%s', (_name, entries, expected) => {
    expect(deriveSyncState(entries)).toBe(expected);
  });
});

describe('summarizeChangeSet', () => {
  it('counts every action, zero for unused ones', () => {
    const entries = [created, configured, unchanged, unchanged, failed, driftWarned, driftIgnored];
    const cs = summarizeChangeSet(entries);
    expect(cs.entries).toBe(entries);
    expect(cs.counts).toEqual({
      created: 1,
      configured: 1,
      unchanged: 2,
      deleted: 0,
      skipped: 2,
      failed: 1,
    });
  });

  it('handles an empty change set', () => {
    expect(summarizeChangeSet([]).counts).toEqual({
      created: 0,
      configured: 0,
      unchanged: 0,
      deleted: 0,
      skipped: 0,
      failed: 0,
    });
  });
});
