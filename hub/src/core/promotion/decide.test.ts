import { describe, expect, it } from 'vitest';
import { decidePromotion, type PromotionDecision, type PromotionRow } from './decide.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function row(target: string, over: Partial<PromotionRow> = {}): PromotionRow {
  return {
    target,
    desiredRevision: A,
    revision: A,
    sync: 'Synced',
    health: 'Healthy',
    connection: 'Connected',
    ...over,
  };
}

describe('decidePromotion', () => {
  it.each<{
    name: string;
    targets: string[];
    rows: PromotionRow[];
    want: PromotionDecision;
  }>([
    {
      name: 'every target Synced and Healthy at one revision: promote it',
      targets: ['s1', 's2'],
      rows: [row('s2'), row('s1')],
      want: { ok: true, revision: A, targets: ['s1', 's2'] },
    },
    {
      name: 'placed on no target of the environment',
      targets: [],
      rows: [],
      want: {
        ok: false,
        reasons: ['web is placed on no target of environment staging: there is nothing to promote'],
      },
    },
    {
      name: 'a target without desired state yet',
      targets: ['s1', 's2'],
      rows: [row('s1')],
      want: {
        ok: false,
        reasons: ['s2: no desired state for the app yet (the hub has not resolved it)'],
      },
    },
    {
      name: 'a stale target: its health is old news (the hub reports Unknown)',
      targets: ['s1', 's2'],
      rows: [row('s1'), row('s2', { connection: 'Stale', health: 'Unknown' })],
      want: { ok: false, reasons: ['s2: the target is Stale, health is Unknown'] },
    },
    {
      name: 'still rolling out the new revision',
      targets: ['s1'],
      rows: [
        row('s1', {
          desiredRevision: B,
          sync: 'OutOfSync',
          health: 'Progressing',
        }),
      ],
      want: {
        ok: false,
        reasons: [
          's1: sync is OutOfSync, health is Progressing, it runs aaaaaaa but is meant to run bbbbbbb',
        ],
      },
    },
    {
      name: 'an apply error is named',
      targets: ['s1'],
      rows: [
        row('s1', {
          sync: 'Failed',
          health: 'Degraded',
          error: { code: 'APPLY_FAILED', message: 'immutable field' },
        }),
      ],
      want: {
        ok: false,
        reasons: ['s1: sync is Failed, health is Degraded, APPLY_FAILED: immutable field'],
      },
    },
    {
      name: 'healthy everywhere but at different revisions (target pins)',
      targets: ['s1', 's2', 's3'],
      rows: [row('s1'), row('s2', { revision: B, desiredRevision: B }), row('s3')],
      want: {
        ok: false,
        reasons: [
          'the targets of staging run different revisions: aaaaaaa on s1, s3; bbbbbbb on s2',
        ],
      },
    },
  ])('$name', ({ targets, rows, want }) => {
    expect(decidePromotion({ app: 'web', from: 'staging', targets, rows })).toEqual(want);
  });
});
