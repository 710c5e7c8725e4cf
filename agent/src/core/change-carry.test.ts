import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '@gitfleet/proto/domain';
import { carryOverEntries } from './change-carry.ts';
import type { ChangeSetEntry } from './sync-state.ts';

const ref: ObjectRef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace: 'shop',
  name: 'cfg',
};
const e = (
  action: ChangeSetEntry['action'],
  extra: Partial<ChangeSetEntry> = {},
): ChangeSetEntry => ({
  ref,
  action,
  ...extra,
});

describe('carryOverEntries', () => {
  it.each<[string, ChangeSetEntry | undefined, ChangeSetEntry, boolean, ChangeSetEntry]>([
    [
      'created stays created',
      e('created', { uid: 'u1' }),
      e('unchanged', { uid: 'u1' }),
      true,
      e('created', { uid: 'u1', outOfSync: false }),
    ],
    [
      'configured stays configured',
      e('configured', { uid: 'u1' }),
      e('unchanged'),
      true,
      e('configured', { uid: 'u1', outOfSync: false }),
    ],
    [
      'a new uid wins',
      e('created', { uid: 'u1' }),
      e('unchanged', { uid: 'u2' }),
      true,
      e('created', { uid: 'u2', outOfSync: false }),
    ],
    [
      'the previous message stays',
      e('configured', { message: 'drift corrected' }),
      e('unchanged'),
      true,
      e('configured', { message: 'drift corrected', outOfSync: false }),
    ],
    [
      'another version: nothing carried',
      e('created', { uid: 'u1' }),
      e('unchanged', { uid: 'u1' }),
      false,
      e('unchanged', { uid: 'u1' }),
    ],
    ['no previous entry', undefined, e('unchanged'), true, e('unchanged')],
    [
      'previous unchanged',
      e('unchanged'),
      e('unchanged', { uid: 'u' }),
      true,
      e('unchanged', { uid: 'u' }),
    ],
    ['previous failed', e('failed'), e('unchanged'), true, e('unchanged')],
    ['previous skipped', e('skipped', { outOfSync: true }), e('unchanged'), true, e('unchanged')],
    [
      'this pass configured',
      e('created'),
      e('configured', { uid: 'u2' }),
      true,
      e('configured', { uid: 'u2' }),
    ],
    ['this pass failed', e('created'), e('failed'), true, e('failed')],
  ])('%s', (_name, before, now, sameVersion, expected) => {
    const previous = new Map(before === undefined ? [] : [['k', before]]);
    expect(carryOverEntries(previous, new Map([['k', now]]), sameVersion).get('k')).toEqual(
      expected,
    );
  });

  it('keeps the order of the new pass and drops entries only the previous one had', () => {
    const previous = new Map([
      ['gone', e('created')],
      ['b', e('created')],
    ]);
    const next = new Map([
      ['a', e('unchanged')],
      ['b', e('unchanged')],
    ]);
    const out = carryOverEntries(previous, next, true);
    expect([...out.keys()]).toEqual(['a', 'b']);
    expect(out.get('b')?.action).toBe('created');
    expect(next.get('b')?.action).toBe('unchanged');
  });
});
