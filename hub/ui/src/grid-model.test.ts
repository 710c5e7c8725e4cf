import { describe, expect, it } from 'vitest';
import type { FleetStatusRow } from '../../src/http/api/fleet.ts';
import {
  buildGrid,
  filtersOf,
  groupParam,
  isProblem,
  labelKeys,
  scrollToShow,
  shownHealth,
  windowRange,
  type TargetInfo,
} from './grid-model.ts';

function row(target: string, app: string, over: Partial<FleetStatusRow> = {}): FleetStatusRow {
  return {
    target,
    app,
    environment: target.split('-')[0],
    desiredVersion: 1,
    desiredRevision: 'a'.repeat(40),
    delivered: true,
    sync: 'Synced',
    health: 'Healthy',
    drift: 0,
    connection: 'Connected',
    ...over,
  };
}

const rows = [
  row('dev-1', 'site'),
  row('dev-1', 'web', { sync: 'OutOfSync' }),
  row('dev-2', 'site', { drift: 2 }),
  row('prod-1', 'site'),
  row('prod-1', 'web'),
  row('prod-2', 'web', { connection: 'Stale', health: 'Unknown' }),
  row('lab-1', 'cfg', { environment: undefined }),
];
const targets = new Map<string, TargetInfo>([
  ['dev-1', { environment: 'dev', labels: { region: 'eu', tier: 'a' } }],
  ['dev-2', { environment: 'dev', labels: { region: 'us' } }],
  ['prod-1', { environment: 'prod', labels: { region: 'eu' } }],
  ['prod-2', { environment: 'prod', labels: { region: 'us' } }],
  ['lab-1', { labels: {} }],
]);

const grid = (query: string) => buildGrid(rows, targets, filtersOf(new URLSearchParams(query)));
const targetsOf = (query: string) =>
  grid(query).lines.flatMap((l) => (l.kind === 'target' ? [l.target] : []));

describe('filtersOf', () => {
  it('reads every filter of the query', () => {
    expect(
      filtersOf(
        new URLSearchParams(
          'q=%20web%20&app=a&environment=e&label=k%3Dv&problems=1&group=label:region',
        ),
      ),
    ).toEqual({
      q: 'web',
      app: 'a',
      environment: 'e',
      label: 'k=v',
      problems: true,
      group: { kind: 'label', key: 'region' },
    });
  });
  it.each([
    ['', { kind: 'environment' }, undefined],
    ['group=none', { kind: 'none' }, 'none'],
    ['group=label:', { kind: 'environment' }, undefined],
    ['group=bogus', { kind: 'environment' }, undefined],
  ])('group of %j', (q, want, param) => {
    const g = filtersOf(new URLSearchParams(q)).group;
    expect(g).toEqual(want);
    expect(groupParam(g)).toBe(param);
  });
});

describe('isProblem', () => {
  it.each<[Partial<FleetStatusRow>, boolean]>([
    [{}, false],
    [{ sync: 'OutOfSync' }, true],
    [{ health: 'Progressing' }, true],
    [{ connection: 'Stale' }, true],
    [{ connection: 'Disconnected' }, true],
    [{ drift: 1 }, true],
    [{ error: { code: 'INTERNAL', message: 'x' } }, true],
  ])('%j → %s', (over, want) => {
    expect(isProblem(row('t', 'a', over))).toBe(want);
  });
});

describe('buildGrid', () => {
  it('groups by environment by default, targets sorted in groups, groups sorted', () => {
    const g = grid('');
    expect(g.cells).toBe(7);
    expect(g.targets).toBe(5);
    expect(g.columns).toEqual(['cfg', 'site', 'web']);
    expect(g.lines).toEqual([
      { kind: 'group', value: '(no environment)', targets: 1 },
      { kind: 'target', target: 'lab-1' },
      { kind: 'group', value: 'dev', targets: 2 },
      { kind: 'target', target: 'dev-1', environment: 'dev' },
      { kind: 'target', target: 'dev-2', environment: 'dev' },
      { kind: 'group', value: 'prod', targets: 2 },
      { kind: 'target', target: 'prod-1', environment: 'prod' },
      { kind: 'target', target: 'prod-2', environment: 'prod' },
    ]);
  });

  it.each<[string, number, string[], string[]]>([
    ['app=web', 3, ['dev-1', 'prod-1', 'prod-2'], ['web']],
    ['environment=prod', 3, ['prod-1', 'prod-2'], ['site', 'web']],
    ['q=PROD-1', 2, ['prod-1'], ['site', 'web']],
    ['q=cf', 1, ['lab-1'], ['cfg']],
    ['problems=1', 3, ['dev-1', 'dev-2', 'prod-2'], ['site', 'web']],
    ['label=region%3Deu', 4, ['dev-1', 'prod-1'], ['site', 'web']],
    ['label=region!%3Deu', 3, ['lab-1', 'dev-2', 'prod-2'], ['cfg', 'site', 'web']],
    ['label=tier', 2, ['dev-1'], ['site', 'web']],
    ['label=region%3Deu&problems=1&app=web', 1, ['dev-1'], ['web']],
    ['app=nothing', 0, [], []],
  ])('%s keeps %i cells', (query, cells, ts, cols) => {
    const g = grid(query);
    expect(g.cells).toBe(cells);
    expect(targetsOf(query)).toEqual(ts);
    expect(g.columns).toEqual(cols);
  });

  it('groups by a label key, targets without it in their own group', () => {
    expect(grid('group=label:region').lines.filter((l) => l.kind === 'group')).toEqual([
      { kind: 'group', value: '(no region)', targets: 1 },
      { kind: 'group', value: 'eu', targets: 2 },
      { kind: 'group', value: 'us', targets: 2 },
    ]);
  });

  it('has no group rows ungrouped', () => {
    const g = grid('group=none');
    expect(g.lines.every((l) => l.kind === 'target')).toBe(true);
    expect(targetsOf('group=none')).toEqual(['dev-1', 'dev-2', 'lab-1', 'prod-1', 'prod-2']);
  });

  it('says what is wrong with a bad label selector and filters nothing by it', () => {
    const g = grid('label=a%20b%3Dc');
    expect(g.selectorError).toContain('label selector');
    expect(g.cells).toBe(7);
  });

  it('lists the label keys', () => {
    expect(labelKeys(targets)).toEqual(['region', 'tier']);
  });

  it('builds 5,000 cells quickly', () => {
    const many: FleetStatusRow[] = [];
    const info = new Map<string, TargetInfo>();
    for (let t = 0; t < 1000; t++) {
      const name = `sim-${String(t).padStart(4, '0')}`;
      info.set(name, { environment: `env-${t % 4}`, labels: { n: String(t % 10) } });
      for (let a = 0; a < 5; a++) many.push(row(name, `app-${a}`, { environment: `env-${t % 4}` }));
    }
    const t0 = performance.now();
    const g = buildGrid(many, info, filtersOf(new URLSearchParams('label=n!%3D3')));
    expect(performance.now() - t0).toBeLessThan(200);
    expect(g.cells).toBe(4500);
    expect(g.lines.length).toBe(900 + 4);
  });
});

describe('windowRange', () => {
  it.each<[number, number, number, number, number, { start: number; end: number }]>([
    [0, 300, 30, 100, 5, { start: 0, end: 16 }],
    [300, 300, 30, 100, 5, { start: 5, end: 26 }],
    [2950, 300, 30, 100, 5, { start: 93, end: 100 }],
    [99999, 300, 30, 100, 5, { start: 94, end: 100 }],
    [-20, 300, 30, 100, 0, { start: 0, end: 11 }],
    [0, 300, 30, 3, 5, { start: 0, end: 3 }],
    [0, 300, 30, 0, 5, { start: 0, end: 0 }],
  ])('scrollTop %i, viewport %i, rows of %i, %i rows, overscan %i', (top, h, rh, n, o, want) => {
    expect(windowRange(top, h, rh, n, o)).toEqual(want);
  });
});

describe('scrollToShow', () => {
  it.each<[number, number, number]>([
    [5, 0, 0], // in view
    [0, 300, 0], // above: scroll up to it
    [20, 0, 21 * 30 + 40 - 300], // below: its bottom at the viewport's
  ])('row %i from scrollTop %i → %i', (index, top, want) => {
    expect(scrollToShow(index, top, 300, 30, 40)).toBe(want);
  });
});

describe('shownHealth', () => {
  it.each([
    ['Healthy', 'Connected', 'Healthy', 'Healthy'],
    ['Degraded', 'Connected', 'Degraded', 'Degraded'],
    ['Healthy', 'Stale', 'Unknown', 'Unknown (stale)'],
    ['Healthy', 'Disconnected', 'Unknown', 'Unknown (disconnected)'],
    ['Unknown', 'Stale', 'Unknown', 'Unknown (stale)'],
  ])('%s on a %s target', (health, connection, value, text) => {
    expect(shownHealth(health, connection)).toEqual({ value, text });
  });
});
