import { describe, expect, it } from 'vitest';
import type { FleetStatusRow } from '../../src/http/api/fleet.ts';
import { applyEvents, backoffMs, type FleetLive } from './live-model.ts';

function row(target: string, app: string, sync: FleetStatusRow['sync'] = 'Synced'): FleetStatusRow {
  return {
    target,
    app,
    desiredVersion: 1,
    desiredRevision: 'a'.repeat(40),
    delivered: true,
    sync,
    health: 'Healthy',
    drift: 0,
    connection: 'Connected',
  };
}

const empty: FleetLive = { rows: new Map(), state: 'connecting', ready: false };
const fleet = {
  fleetAccepted: true,
  fleetProblems: [],
  problems: [],
  failures: [],
  changedLastPass: 0,
};

describe('applyEvents', () => {
  it('replaces the rows with a snapshot and opens', () => {
    const { live, reset } = applyEvents(empty, [
      {
        event: 'snapshot',
        data: JSON.stringify({ items: [row('t1', 'a'), row('t2', 'a')], fleet }),
      },
    ]);
    expect(reset).toBe(false);
    expect([...live.rows.keys()]).toEqual(['a/t1', 'a/t2']);
    expect(live.state).toBe('open');
    expect(live.ready).toBe(true);
    expect(live.fleet).toEqual(fleet);
  });

  it('changes, adds and removes cells in a new Map, leaving the old one as it was', () => {
    const before = applyEvents(empty, [
      {
        event: 'snapshot',
        data: JSON.stringify({ items: [row('t1', 'a'), row('t2', 'a')], fleet }),
      },
    ]).live;
    const { live } = applyEvents(before, [
      {
        event: 'cell',
        data: JSON.stringify({ target: 't1', app: 'a', row: row('t1', 'a', 'OutOfSync') }),
      },
      { event: 'cell', data: JSON.stringify({ target: 't3', app: 'b', row: row('t3', 'b') }) },
      { event: 'cell', data: JSON.stringify({ target: 't2', app: 'a', row: null }) },
    ]);
    expect(live.rows).not.toBe(before.rows);
    expect(live.rows.get('a/t1')?.sync).toBe('OutOfSync');
    expect([...live.rows.keys()].sort()).toEqual(['a/t1', 'b/t3']);
    expect(before.rows.get('a/t1')?.sync).toBe('Synced');
    expect(before.rows.size).toBe(2);
  });

  it('replaces the fleet status, keeps the rows, and reports a reset', () => {
    const { live, reset } = applyEvents(empty, [
      { event: 'fleet', data: JSON.stringify({ ...fleet, fleetAccepted: false }) },
      { event: 'reset', data: '{}' },
      { event: 'later-kind', data: '{}' },
    ]);
    expect(live.fleet?.fleetAccepted).toBe(false);
    expect(live.rows).toBe(empty.rows);
    expect(reset).toBe(true);
  });
});

describe('backoffMs', () => {
  it.each([
    [0, 0.5, 500],
    [1, 0.5, 1000],
    [3, 0, 3000],
    [20, 1, 37_500],
    [20, 0.5, 30_000],
  ])('attempt %i (random %d) → %i ms', (n, r, want) => {
    expect(backoffMs(n, r)).toBe(want);
  });
});
