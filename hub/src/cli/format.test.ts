import { describe, expect, it } from 'vitest';
import type { DiffPreview, DriftItem, FleetStatusRow } from '../http/api/index.ts';
import type { FleetHealth } from './format.ts';
import {
  age,
  formatDiff,
  formatDrift,
  formatFleetProblems,
  formatStatus,
  painter,
  shortSha,
  stripAnsi,
  summarizeDrift,
  table,
  visibleWidth,
} from './format.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const A = '3f2a9c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const B = '8e1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b';
const plain = painter(false);
const colour = painter(true);

function row(target: string, app: string, over: Partial<FleetStatusRow> = {}): FleetStatusRow {
  return {
    target,
    app,
    environment: 'prod',
    desiredVersion: 1,
    desiredRevision: A,
    delivered: true,
    reportedVersion: 1,
    revision: A,
    sync: 'Synced',
    health: 'Healthy',
    drift: 0,
    connection: 'Connected',
    lastSeenMs: NOW - 1_000,
    ...over,
  };
}

function drift(
  target: string,
  app: string,
  name: string,
  over: Partial<DriftItem> = {},
): DriftItem {
  return {
    target,
    app,
    ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'web', name },
    changes: [{ path: '/spec/replicas', desired: 3, live: 5 }],
    fieldManager: 'kubectl-scale',
    firstSeenUnixMs: NOW - 600_000,
    lastSeenUnixMs: NOW - 5_000,
    action: 'corrected',
    correctionCount: 2,
    ...over,
  };
}

describe('values', () => {
  it.each<[string | undefined, string]>([
    [A, '3f2a9c1'],
    ['v1.2.0', 'v1.2.0'],
    ['3f2a9c1', '3f2a9c1'],
    [undefined, '-'],
  ])('shortSha(%s) = %s', (rev, want) => {
    expect(shortSha(rev)).toBe(want);
  });

  it.each<[number | undefined, string]>([
    [NOW - 5_000, '5s'],
    [NOW - 119_000, '119s'],
    [NOW - 600_000, '10m'],
    [NOW - 3 * 3_600_000, '3h'],
    [NOW - 3 * 86_400_000, '3d'],
    [undefined, '-'],
  ])('age(%s) = %s', (then, want) => {
    expect(age(then, NOW)).toBe(want);
  });

  it('aligns columns by visible width, colour codes not counted', () => {
    const t = table(
      ['A', 'B'],
      [
        [colour.paint('xx', 'red'), 'y'],
        ['z', 'w'],
      ],
      colour,
    );
    const lines = t.split('\n').map(stripAnsi);
    expect(lines).toEqual(['A   B', 'xx  y', 'z   w']);
    expect(visibleWidth(colour.paint('abc', 'bold', 'green'))).toBe(3);
  });
});

describe('formatStatus', () => {
  it('one line per (app, target), by app then target; mismatched revisions, errors and connection shown', () => {
    const out = formatStatus(
      [
        row('b-target', 'web', {
          connection: 'Stale',
          health: 'Unknown',
          desiredRevision: B,
          sync: 'OutOfSync',
          lastSeenMs: NOW - 45_000,
          drift: 2,
        }),
        row('a-target', 'web'),
        row('a-target', 'api', {
          sync: 'Failed',
          health: 'Degraded',
          error: { code: 'APPLY_FAILED', message: 'field is immutable' },
        }),
      ],
      plain,
      NOW,
    );
    expect(out.split('\n')).toEqual([
      'APP  TARGET    ENV   REVISION           SYNC       HEALTH    DRIFT  CONNECTION',
      'api  a-target  prod  3f2a9c1            Failed     Degraded  0      Connected',
      'web  a-target  prod  3f2a9c1            Synced     Healthy   0      Connected',
      'web  b-target  prod  3f2a9c1 → 8e1b2c3  OutOfSync  Unknown   2      Stale! (seen 45s ago)',
      '',
      'api on a-target: APPLY_FAILED: field is immutable',
      '',
      '1/3 Synced and Healthy; 1 with drift; 1 target not connected (b-target: Stale): their health is unknown',
    ]);
  });

  it('says so when nothing is desired', () => {
    expect(formatStatus([], plain, NOW)).toBe('no application is desired on any target (yet)');
  });
});

describe('formatDrift', () => {
  const items = [
    drift('t1', 'web', 'web'),
    drift('t1', 'web', 'cache', {
      ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'cache' },
      changes: [{ path: '/data/a', live: 'x' }],
      fieldManager: '',
      action: 'reported',
      correctionCount: 0,
    }),
    drift('t2', 'web', 'web', { environment: 'staging' }),
  ];

  it.each<{ by: 'target' | 'app' | 'object'; head: string[] }>([
    {
      by: 'target',
      head: [
        'target t1',
        '  app web',
        '    v1 ConfigMap web/cache: reported · by an unknown manager · since 2026-11-26T11:50:00Z (10m ago, last seen 5s ago)',
        '      /data/a: desired (not in Git), live "x"',
        '    apps/v1 Deployment web/web: corrected ×2 · by kubectl-scale · since 2026-11-26T11:50:00Z (10m ago, last seen 5s ago)',
        '      /spec/replicas: desired 3, live 5',
        '',
        'target t2 (staging)',
        '  app web',
      ],
    },
    {
      by: 'app',
      head: ['app web', '  target t1', '    v1 ConfigMap web/cache: reported'],
    },
    {
      by: 'object',
      head: [
        'app web · v1 ConfigMap web/cache',
        '  target t1: reported · by an unknown manager · since 2026-11-26T11:50:00Z (10m ago, last seen 5s ago)',
        '    /data/a: desired (not in Git), live "x"',
        '',
        'app web · apps/v1 Deployment web/web',
        '  target t1: corrected ×2',
      ],
    },
  ])('grouped by $by', ({ by, head }) => {
    const lines = formatDrift(items, plain, NOW, by).split('\n');
    head.forEach((want, i) => {
      expect(lines[i]?.startsWith(want), `line ${String(i)}: ${lines[i] ?? ''}`).toBe(true);
    });
    expect(lines.slice(-4)).toEqual([
      'fleet-wide: 3 drifted objects in 1 app on 2 targets',
      '  by manager: kubectl-scale 2, (unknown) 1',
      '  by kind:    Deployment 2, ConfigMap 1',
      '  by action:  corrected 2, reported 1',
    ]);
  });

  it('summarizes fleet-wide', () => {
    expect(summarizeDrift(items)).toEqual({
      objects: 3,
      targets: 2,
      apps: 1,
      byManager: { 'kubectl-scale': 2, '': 1 },
      byKind: { Deployment: 2, ConfigMap: 1 },
      byAction: { corrected: 2, reported: 1 },
    });
    expect(formatDrift([], plain, NOW)).toBe('no drift');
  });
});

describe('formatDiff', () => {
  const preview: DiffPreview = {
    app: 'web',
    target: 'prd',
    environment: 'prod',
    revision: 'v2',
    commit: B,
    current: { revision: A, version: 4 },
    objects: [
      {
        ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web' },
        change: 'changed',
        diff: '--- 3f2a9c1/ConfigMap/web/web\n+++ 8e1b2c3/ConfigMap/web/web\n@@ -1 +1 @@\n-a\n+b\n',
      },
    ],
    summary: { added: 0, removed: 0, changed: 1, unchanged: 2 },
  };

  it('names both sides, counts, and prints each object diff', () => {
    expect(formatDiff(preview, plain).split('\n')).toEqual([
      'web on prd (prod): v2 (8e1b2c3) vs what it is meant to run now, 3f2a9c1 (version 4)',
      '1 changed, 0 added, 0 removed, 2 unchanged',
      '',
      '~ v1 ConfigMap web/web (changed)',
      '--- 3f2a9c1/ConfigMap/web/web',
      '+++ 8e1b2c3/ConfigMap/web/web',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    ]);
  });

  it('colours added and removed lines on a terminal', () => {
    const out = formatDiff(preview, colour);
    expect(out).toContain('\u001b[31m-a\u001b[39m');
    expect(out).toContain('\u001b[32m+b\u001b[39m');
    expect(out).toContain('\u001b[36m@@ -1 +1 @@\u001b[39m');
  });

  it('says when nothing would change', () => {
    const same = {
      ...preview,
      objects: [],
      summary: { added: 0, removed: 0, changed: 0, unchanged: 3 },
    };
    expect(formatDiff(same, plain)).toContain(
      'no change: this revision renders the same objects for this target',
    );
  });
});

describe('formatFleetProblems: what is wrong with the fleet, above the status table', () => {
  const accepted: FleetHealth = {
    fleetCommit: A,
    fleetAccepted: true,
    inForceCommit: A,
    inForceFrom: 'git',
    fleetProblems: [],
    problems: [],
    failures: [],
  };

  it('says nothing when the head is in force and nothing failed (an older hub too)', () => {
    expect(formatFleetProblems(accepted, plain)).toBeUndefined();
    const { problems: _omitted, ...older } = accepted;
    expect(formatFleetProblems(older, plain)).toBeUndefined();
  });

  it('a head over a limit: not in force, which commit is and where from, the file, what to do', () => {
    const text = formatFleetProblems(
      {
        ...accepted,
        fleetCommit: B,
        fleetAccepted: false,
        inForceFrom: 'redis',
        problems: [
          {
            stage: 'read',
            code: 'LIMIT_EXCEEDED',
            message: 'file vendor/crds.yaml is 5242880 bytes (limit maxFileBytes = 1048576)',
            action: 'make vendor/crds.yaml smaller or remove it from the repository',
            file: 'vendor/crds.yaml',
            limit: 'maxFileBytes',
            atMs: NOW,
          },
        ],
      },
      plain,
    );
    expect(text).toBe(
      [
        `fleet at ${B.slice(0, 7)} is not in force: the fleet of ${A.slice(0, 7)} stays in force (the last good fleet, saved in Redis)`,
        '  read: vendor/crds.yaml: LIMIT_EXCEEDED: file vendor/crds.yaml is 5242880 bytes (limit maxFileBytes = 1048576)',
        '    → make vendor/crds.yaml smaller or remove it from the repository',
      ].join('\n'),
    );
  });

  it('fleet errors, render failures (and only the first ten of each)', () => {
    const text =
      formatFleetProblems(
        {
          ...accepted,
          fleetAccepted: false,
          inForceCommit: undefined,
          fleetProblems: [
            {
              file: 'targets/a.yaml',
              line: 3,
              field: 'metadata.name',
              message: 'not a DNS label',
              severity: 'error',
            },
            { file: 'x.yaml', line: 1, field: '', message: 'a warning', severity: 'warning' },
          ],
          failures: Array.from({ length: 12 }, (_, i) => ({
            app: `app-${String(i)}`,
            target: 'edge',
            code: 'MANIFEST_INVALID',
            message: 'bad',
            file: 'apps/a.yaml',
            line: 2,
          })),
        },
        plain,
      ) ?? '';
    expect(text).toContain(`is not in force: no fleet is in force yet`);
    expect(text).toContain('  targets/a.yaml:3: metadata.name: not a DNS label');
    expect(text).not.toContain('a warning');
    expect(text).toContain('not resolved (their last good desired state stays):');
    expect(text).toContain('  app-9 on edge: apps/a.yaml:2: MANIFEST_INVALID: bad');
    expect(text).not.toContain('app-10');
    expect(text).toContain('  … and 2 more');
  });

  it('is red on a terminal', () => {
    expect(formatFleetProblems({ ...accepted, fleetAccepted: false }, colour)).toContain(
      '\u001b[31m',
    );
  });
});
