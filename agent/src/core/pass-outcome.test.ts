import { describe, expect, it } from 'vitest';
import type { ErrorDetail, ObjectRef } from '@gitfleet/proto/domain';
import { inventoryKey, type PruneDecision } from './inventory.ts';
import {
  MAX_APP_ERROR_LENGTH,
  countAction,
  emptyDesiredError,
  failedEntry,
  failedPassError,
  invalidSetEntries,
  invalidSetError,
  keptCandidateEntries,
  prunedEntry,
  retryDelayMs,
  unreachableError,
} from './pass-outcome.ts';
import type { ChangeSetEntry } from './sync-state.ts';

const ref = (name: string, namespace = 'shop'): ObjectRef => ({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace,
  name,
});
const invalid = (message: string): ErrorDetail => ({ code: 'MANIFEST_INVALID', message });

describe('retryDelayMs', () => {
  it.each<[number, number]>([
    [0, 2_000],
    [1, 4_000],
    [2, 8_000],
    [7, 256_000],
    [8, 300_000],
    [50, 300_000],
  ])('attempt %i waits %i ms', (attempt, expected) => {
    expect(retryDelayMs(attempt)).toBe(expected);
  });
});

describe('unreachableError', () => {
  it('keeps the code and says the API is unavailable', () => {
    expect(
      unreachableError({ code: 'AGENT_UNAVAILABLE', message: 'connect ECONNREFUSED' }),
    ).toEqual({
      code: 'AGENT_UNAVAILABLE',
      message: 'cluster API unavailable: connect ECONNREFUSED',
    });
  });
});

describe('invalid set', () => {
  const refs = [ref('a'), ref('b'), ref('c')];
  const problems = new Map([[inventoryKey(ref('b')), invalid('ConfigMap/shop/b: /data: bad')]]);

  it('fails the invalid objects and skips the rest, in declaration order', () => {
    const entries = invalidSetEntries(refs, problems);
    expect([...entries.keys()]).toEqual(refs.map(inventoryKey));
    expect([...entries.values()]).toEqual([
      {
        ref: ref('a'),
        action: 'skipped',
        message: 'not applied: another object of the set is invalid',
        outOfSync: true,
      },
      { ref: ref('b'), action: 'failed', error: invalid('ConfigMap/shop/b: /data: bad') },
      {
        ref: ref('c'),
        action: 'skipped',
        message: 'not applied: another object of the set is invalid',
        outOfSync: true,
      },
    ]);
  });

  it.each<[string, ReadonlyMap<string, ErrorDetail>, number, string]>([
    [
      'one of three',
      problems,
      3,
      '1 of 3 objects are invalid; nothing was applied: ConfigMap/shop/b: /data: bad',
    ],
    [
      'several, joined',
      new Map([
        ['x', invalid('p1')],
        ['y', invalid('p2')],
      ]),
      2,
      '2 of 2 objects are invalid; nothing was applied: p1; p2',
    ],
  ])('error: %s', (_name, problemsOf, total, message) => {
    expect(invalidSetError(problemsOf, total)).toEqual({ code: 'MANIFEST_INVALID', message });
  });

  it('cuts a long error', () => {
    const many = new Map(
      Array.from({ length: 200 }, (_, i) => [`k${i}`, invalid('x'.repeat(50))] as const),
    );
    expect(invalidSetError(many, 200).message).toHaveLength(MAX_APP_ERROR_LENGTH);
  });
});

describe('failedPassError', () => {
  const ok: ChangeSetEntry = { ref: ref('a'), action: 'created' };
  const f = (name: string, code: ErrorDetail['code'], message: string): ChangeSetEntry =>
    failedEntry(ref(name), { code, message });
  it.each<[string, ChangeSetEntry[], ErrorDetail | undefined]>([
    ['nothing failed', [ok], undefined],
    ['no entries', [], undefined],
    [
      'one failure',
      [ok, f('b', 'APPLY_FAILED', 'invalid value')],
      { code: 'APPLY_FAILED', message: '1 object(s) failed: ConfigMap/shop/b: invalid value' },
    ],
    [
      'the first failure names the code',
      [f('b', 'OWNERSHIP_CONFLICT', 'owned'), f('c', 'APPLY_FAILED', 'bad')],
      {
        code: 'OWNERSHIP_CONFLICT',
        message: '2 object(s) failed: ConfigMap/shop/b: owned; ConfigMap/shop/c: bad',
      },
    ],
    [
      'cluster-scoped objects are named without namespace',
      [failedEntry(ref('n', ''), { code: 'APPLY_FAILED', message: 'x' })],
      { code: 'APPLY_FAILED', message: '1 object(s) failed: ConfigMap/n: x' },
    ],
    [
      'a failed entry without error',
      [{ ref: ref('b'), action: 'failed' }],
      { code: 'APPLY_FAILED', message: '1 object(s) failed: ConfigMap/shop/b: ' },
    ],
  ])('%s', (_name, entries, expected) => {
    expect(failedPassError(entries)).toEqual(expected);
  });
});

describe('countAction', () => {
  const entries: ChangeSetEntry[] = [
    { ref: ref('a'), action: 'created' },
    { ref: ref('b'), action: 'created' },
    { ref: ref('c'), action: 'unchanged' },
  ];
  it.each<[ChangeSetEntry['action'], number]>([
    ['created', 2],
    ['unchanged', 1],
    ['deleted', 0],
  ])('%s', (action, expected) => {
    expect(countAction(entries, action)).toBe(expected);
  });
});

describe('prune outcome', () => {
  const decision = (
    name: string,
    action: PruneDecision['action'],
    reason: PruneDecision['reason'],
    dropFromInventory: boolean,
  ): PruneDecision => ({
    ref: ref(name),
    action,
    reason,
    message: `${name}: ${reason}`,
    dropFromInventory,
  });

  it.each<[string, PruneDecision, ChangeSetEntry | undefined]>([
    ['pruned objects have no entry yet', decision('a', 'prune', 'orphaned', false), undefined],
    [
      'prune disabled: stays, out of sync',
      decision('b', 'skip', 'prune-disabled', false),
      {
        ref: ref('b'),
        action: 'skipped',
        message: 'b: prune-disabled',
        outOfSync: true,
        dropFromInventory: false,
      },
    ],
    [
      'opted out: leaves the inventory, in sync',
      decision('c', 'skip', 'opt-out', true),
      {
        ref: ref('c'),
        action: 'skipped',
        message: 'c: opt-out',
        outOfSync: false,
        dropFromInventory: true,
      },
    ],
  ])('keptCandidateEntries: %s', (_name, d, expected) => {
    expect(keptCandidateEntries([d])).toEqual(expected === undefined ? [] : [expected]);
  });

  it.each<[string, PruneDecision[], ErrorDetail | undefined]>([
    ['no candidates', [], undefined],
    ['other reasons', [decision('a', 'skip', 'opt-out', true)], undefined],
    [
      'empty desired set refused',
      [
        decision('a', 'skip', 'prune-disabled', false),
        decision('b', 'skip', 'empty-desired', false),
      ],
      { code: 'MANIFEST_INVALID', message: 'b: empty-desired' },
    ],
  ])('emptyDesiredError: %s', (_name, decisions, expected) => {
    expect(emptyDesiredError(decisions)).toEqual(expected);
  });

  it.each<[string, ErrorDetail | undefined, ChangeSetEntry]>([
    [
      'deleted',
      undefined,
      { ref: ref('a'), action: 'deleted', message: 'pruned: no longer in Git' },
    ],
    [
      'delete failed',
      { code: 'AGENT_UNAVAILABLE', message: 'down' },
      {
        ref: ref('a'),
        action: 'failed',
        error: { code: 'AGENT_UNAVAILABLE', message: 'down' },
        outOfSync: true,
      },
    ],
  ])('prunedEntry: %s', (_name, error, expected) => {
    expect(prunedEntry(ref('a'), error)).toEqual(expected);
  });
});
