import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '@gitfleet/proto/domain';
import {
  appliedBefore,
  applyEntry,
  claimsBeforeWrite,
  conflictEntry,
  decideApply,
  skipsApply,
  type ApplyDecision,
  type ApplyInput,
  type ApplySkipInput,
  type LiveComparison,
} from './apply-skip.ts';
import type { ChangeSetEntry } from './sync-state.ts';

const ref: ObjectRef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace: 'shop',
  name: 'cfg',
};
const same: LiveComparison = { relabel: false, drifted: false, undecidable: false };

describe('skipsApply', () => {
  it.each<[string, ApplySkipInput, boolean]>([
    ['identical', { ...same, appliedBefore: false }, true],
    ['identical, applied before', { ...same, appliedBefore: true }, true],
    ['drifted', { ...same, drifted: true, appliedBefore: true }, false],
    ['owned by another app (relabel)', { ...same, relabel: true, appliedBefore: true }, false],
    [
      'undecidable, never applied by this version',
      { ...same, undecidable: true, appliedBefore: false },
      false,
    ],
    [
      'undecidable, applied before: the server renders our apply',
      { ...same, undecidable: true, appliedBefore: true },
      true,
    ],
    [
      'drifted and undecidable',
      { relabel: false, drifted: true, undecidable: true, appliedBefore: true },
      false,
    ],
  ])('%s', (_name, input, expected) => {
    expect(skipsApply(input)).toBe(expected);
  });
});

describe('appliedBefore', () => {
  it.each<[string, number, number, number | undefined, boolean]>([
    ['a pass of this version completed', 3, 3, undefined, true],
    ['the inventory is of this version (restart)', 3, 0, 3, true],
    ['both older', 3, 2, 2, false],
    ['never synced, no inventory', 3, 0, undefined, false],
  ])('%s', (_name, version, synced, inventory, expected) => {
    expect(appliedBefore(version, synced, inventory)).toBe(expected);
  });
});

describe('decideApply', () => {
  const base: ApplyInput = { live: same, appliedBefore: false, manual: false, conflict: 'report' };
  it.each<[string, Partial<ApplyInput>, ApplyDecision]>([
    ['exists and identical', {}, { kind: 'unchanged' }],
    ['identical in manual mode', { manual: true }, { kind: 'unchanged' }],
    ['missing', { live: undefined }, { kind: 'apply', action: 'created', force: false }],
    [
      'drifted',
      { live: { ...same, drifted: true } },
      { kind: 'apply', action: 'configured', force: false },
    ],
    [
      'relabel (taking over)',
      { live: { ...same, relabel: true } },
      { kind: 'apply', action: 'configured', force: false },
    ],
    [
      'undecidable, first apply',
      { live: { ...same, undecidable: true } },
      { kind: 'apply', action: 'configured', force: false },
    ],
    [
      'undecidable, applied before',
      { live: { ...same, undecidable: true }, appliedBefore: true },
      { kind: 'unchanged' },
    ],
    [
      'conflict policy force',
      { live: undefined, conflict: 'force' },
      { kind: 'apply', action: 'created', force: true },
    ],
    [
      'missing in manual mode',
      { live: undefined, manual: true },
      { kind: 'skip', message: 'missing; manual sync' },
    ],
    [
      'differs in manual mode',
      { live: { ...same, drifted: true }, manual: true },
      { kind: 'skip', message: 'differs from Git; manual sync' },
    ],
  ])('%s', (_name, over, expected) => {
    expect(decideApply({ ...base, ...over })).toEqual(expected);
  });
});

describe('claimsBeforeWrite', () => {
  it.each<[string, boolean, boolean, boolean]>([
    ['automated, unowned', false, false, true],
    ['automated, ours', false, true, true],
    ['manual, unowned or orphan: not claimed', true, false, false],
    ['manual, ours', true, true, true],
  ])('%s', (_name, manual, ours, expected) => {
    expect(claimsBeforeWrite(manual, ours)).toBe(expected);
  });
});

describe('entries', () => {
  it.each<[string, ApplyDecision, ChangeSetEntry]>([
    ['unchanged keeps the live uid', { kind: 'unchanged' }, { ref, action: 'unchanged', uid: 'u' }],
    [
      'skip carries no uid',
      { kind: 'skip', message: 'missing; manual sync' },
      { ref, action: 'skipped', message: 'missing; manual sync', outOfSync: true },
    ],
    [
      'created',
      { kind: 'apply', action: 'created', force: false },
      { ref, action: 'created', uid: 'u' },
    ],
    [
      'configured',
      { kind: 'apply', action: 'configured', force: true },
      { ref, action: 'configured', uid: 'u' },
    ],
  ])('applyEntry: %s', (_name, decision, expected) => {
    expect(applyEntry(ref, decision, 'u')).toEqual(expected);
  });

  it('a conflict fails and leaves the inventory', () => {
    const error = { code: 'OWNERSHIP_CONFLICT', message: 'owned by "a"' } as const;
    expect(conflictEntry(ref, error)).toEqual({
      ref,
      action: 'failed',
      error,
      outOfSync: true,
      dropFromInventory: true,
    });
  });
});
