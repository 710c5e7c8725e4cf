import { describe, expect, it } from 'vitest';
import { checkInvariants, type InvariantInput, type ObjectHistory } from './invariants.ts';

const obj = (
  key: string,
  initial: string | undefined,
  ...events: [string, string | undefined][]
): ObjectHistory => ({
  key,
  cluster: 'c1',
  initial,
  events: events.map(([type, rev]) => ({ type, rev })),
});

const base = (over: Partial<InvariantInput>): InvariantInput => ({
  objects: [],
  expected: new Map(),
  revisions: ['r1', 'r2', 'r3'],
  ...over,
});

describe('checkInvariants', () => {
  const cases: {
    name: string;
    input: InvariantInput;
    want: { converged: boolean; lost: number; doubleWrites: number; staleOverwrites: number };
    line?: RegExp;
  }[] = [
    {
      name: 'one change per object, hub converged',
      input: base({
        objects: [
          obj('c1/a/x', 'r1', ['MODIFIED', 'r2']),
          obj('c1/a/y', undefined, ['ADDED', 'r2']),
        ],
        expected: new Map([
          ['c1/a/x', 'r2'],
          ['c1/a/y', 'r2'],
        ]),
        applies: [{ cluster: 'c1', requests: 2, allowance: 0 }],
      }),
      want: { converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 0 },
    },
    {
      name: 'an object left behind is lost and the scenario did not converge',
      input: base({
        objects: [obj('c1/a/x', 'r1')],
        expected: new Map([['c1/a/x', 'r2']]),
      }),
      want: { converged: false, lost: 1, doubleWrites: 0, staleOverwrites: 0 },
      line: /c1\/a\/x: r1, expected r2/,
    },
    {
      name: 'a missing object is lost',
      input: base({ objects: [], expected: new Map([['c1/a/x', 'r2']]) }),
      want: { converged: false, lost: 1, doubleWrites: 0, staleOverwrites: 0 },
      line: /absent, expected r2/,
    },
    {
      name: 'the hub not converged fails convergence without losing objects',
      input: base({
        objects: [obj('c1/a/x', 'r2')],
        expected: new Map([['c1/a/x', 'r2']]),
        hubProblem: '1 row OutOfSync',
      }),
      want: { converged: false, lost: 0, doubleWrites: 0, staleOverwrites: 0 },
      line: /hub: 1 row OutOfSync/,
    },
    {
      name: 'deleted and created again is a double write',
      input: base({
        objects: [obj('c1/a/x', 'r1', ['DELETED', undefined], ['ADDED', 'r2'])],
        expected: new Map([['c1/a/x', 'r2']]),
      }),
      want: { converged: true, lost: 0, doubleWrites: 1, staleOverwrites: 0 },
      line: /deleted and created again/,
    },
    {
      name: 'an expected prune is neither lost nor a double write',
      input: base({
        objects: [obj('c1/a/x', 'r1', ['DELETED', undefined])],
        expected: new Map([['c1/a/x', null]]),
      }),
      want: { converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 0 },
    },
    {
      name: 'a pruned object that is still there is lost',
      input: base({ objects: [obj('c1/a/x', 'r1')], expected: new Map([['c1/a/x', null]]) }),
      want: { converged: false, lost: 1, doubleWrites: 0, staleOverwrites: 0 },
      line: /c1\/a\/x: r1, expected absent/,
    },
    {
      name: 'a second event at the same content is a double write',
      input: base({
        objects: [obj('c1/a/x', 'r1', ['MODIFIED', 'r2'], ['MODIFIED', 'r2'])],
        expected: new Map([['c1/a/x', 'r2']]),
      }),
      want: { converged: true, lost: 0, doubleWrites: 1, staleOverwrites: 0 },
      line: /written again at r2/,
    },
    {
      name: 'correcting injected drift is not a double write',
      input: base({
        objects: [obj('c1/a/x', 'r1', ['MODIFIED', 'drift-1'], ['MODIFIED', 'r1'])],
        expected: new Map([['c1/a/x', 'r1']]),
        injected: new Set(['drift-1']),
        applies: [{ cluster: 'c1', requests: 1, allowance: 0 }],
      }),
      want: { converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 0 },
    },
    {
      name: 'an older revision after a newer one is a stale overwrite',
      input: base({
        objects: [obj('c1/a/x', 'r1', ['MODIFIED', 'r3'], ['MODIFIED', 'r2'], ['MODIFIED', 'r3'])],
        expected: new Map([['c1/a/x', 'r3']]),
      }),
      want: { converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 1 },
      line: /r2 written after r3/,
    },
    {
      name: 'drift corrected to the last known revision while a newer one waits is not stale',
      input: base({
        objects: [
          obj('c1/a/x', 'r1', ['MODIFIED', 'drift-1'], ['MODIFIED', 'r1'], ['MODIFIED', 'r3']),
        ],
        expected: new Map([['c1/a/x', 'r3']]),
        injected: new Set(['drift-1']),
      }),
      want: { converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 0 },
    },
    {
      name: 'applies beyond the writes seen and the allowance are double writes',
      input: base({
        objects: [obj('c1/a/x', undefined, ['ADDED', 'r2'])],
        expected: new Map([['c1/a/x', 'r2']]),
        applies: [{ cluster: 'c1', requests: 5, allowance: 2 }],
      }),
      want: { converged: true, lost: 0, doubleWrites: 2, staleOverwrites: 0 },
      line: /5 successful applies for 1 writes seen \(allowance 2\): 2 written twice/,
    },
    {
      name: 'applies within the allowance are fine',
      input: base({
        objects: [obj('c1/a/x', undefined, ['ADDED', 'r2'])],
        expected: new Map([['c1/a/x', 'r2']]),
        applies: [{ cluster: 'c1', requests: 3, allowance: 2 }],
      }),
      want: { converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 0 },
    },
    {
      name: 'a change found by a relist counts as a write',
      input: base({
        objects: [obj('c1/a/x', 'r1', ['RELISTED', 'r2'])],
        expected: new Map([['c1/a/x', 'r2']]),
        applies: [{ cluster: 'c1', requests: 1, allowance: 0 }],
      }),
      want: { converged: true, lost: 0, doubleWrites: 0, staleOverwrites: 0 },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const r = checkInvariants(c.input);
      expect({
        converged: r.converged,
        lost: r.lost,
        doubleWrites: r.doubleWrites,
        staleOverwrites: r.staleOverwrites,
      }).toEqual(c.want);
      if (c.line !== undefined) expect(r.violations.join('\n')).toMatch(c.line);
      else expect(r.violations).toEqual([]);
    });
  }
});
