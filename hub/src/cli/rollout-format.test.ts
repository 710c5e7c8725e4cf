import { describe, expect, it } from 'vitest';
import type { TargetExplanation, WaveExplanation } from '../core/rollout/explain.ts';
import type { PlanPreview } from '../core/rollout/preview.ts';
import type { RolloutState } from '../core/rollout/state.ts';
import { painter, stripAnsi, visibleWidth } from './format.ts';
import {
  attention,
  fit,
  formatRolloutList,
  formatRolloutPlan,
  formatRolloutStatus,
  formatWatchFrame,
  formatWatchLines,
  isRolloutOf,
  nameList,
  nextStep,
  progressBar,
  progressCounts,
  summaryTail,
  watchKey,
  watchOutcome,
  watchRecord,
  waveProgress,
  type RolloutView,
} from './rollout-format.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const A = '3f2a9c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const B = '8e1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b';
const plain = painter(false);
const colour = painter(true);

function wave(
  index: number,
  name: string,
  targets: string[],
  over: Partial<WaveExplanation> = {},
): WaveExplanation {
  return {
    index,
    name,
    implicit: false,
    targets,
    maxUnavailable: 1,
    maxUnavailableSpec: '1',
    soakMs: 0,
    status: 'pending',
    description: `${name}: ${String(targets.length)} target(s)`,
    ...over,
  };
}

function target(
  name: string,
  waveName: string,
  waveIndex: number,
  state: TargetExplanation['state'],
  reason: string,
  revision = B,
): TargetExplanation {
  return {
    target: name,
    wave: waveName,
    waveIndex,
    membership: `selector matched wave ${waveName}`,
    state,
    revision,
    reason,
  };
}

function view(over: Partial<RolloutState> = {}, targets?: TargetExplanation[]): RolloutView {
  const state: RolloutState = {
    id: `web@${B}@${String(NOW - 60_000)}`,
    app: 'web',
    fromRevision: A,
    toRevision: B,
    phase: 'WaitingApproval',
    wave: 1,
    moved: { dev: NOW - 50_000 },
    progressSinceMs: { dev: NOW - 50_000 },
    healthySinceMs: { dev: NOW - 45_000 },
    failed: {},
    carried: {},
    approvals: [],
    startedAtMs: NOW - 60_000,
    history: [
      { atMs: NOW - 60_000, kind: 'started', message: 'rollout of web from a to b started' },
      { atMs: NOW - 40_000, kind: 'waiting-approval', message: 'wave prod waits for approval' },
    ],
    ...over,
  };
  return {
    app: 'web',
    state,
    explanation: {
      summary: `web ${A.slice(0, 12)} → ${B.slice(0, 12)}: wave 2/2 prod waits for approval (gate: manual)`,
      waves: [
        wave(0, 'canary', ['dev'], { status: 'done', soakMs: 2_000 }),
        wave(1, 'prod', ['prd-1', 'prd-2'], {
          status: 'current',
          gate: 'manual',
          maxUnavailableSpec: '50%',
        }),
      ],
      targets: targets ?? [
        target('dev', 'canary', 0, 'healthy', 'moved at 2026-11-26T11:59:10.000Z, healthy'),
        target(
          'prd-1',
          'prod',
          1,
          'waiting',
          'waiting: gate needs approval (wave prod, gate: manual)',
          A,
        ),
        target(
          'prd-2',
          'prod',
          1,
          'waiting',
          'waiting: gate needs approval (wave prod, gate: manual)',
          A,
        ),
      ],
    },
  };
}

describe('progress bars', () => {
  it.each<
    [string, { total: number; moved: number; healthy: number; failed: number }, number, string]
  >([
    ['nothing moved', { total: 4, moved: 0, healthy: 0, failed: 0 }, 8, '[░░░░░░░░]'],
    [
      'half moved, a quarter healthy',
      { total: 4, moved: 2, healthy: 1, failed: 0 },
      8,
      '[██▒▒░░░░]',
    ],
    ['all healthy', { total: 3, moved: 3, healthy: 3, failed: 0 }, 6, '[██████]'],
    ['a failure', { total: 4, moved: 3, healthy: 1, failed: 1 }, 8, '[██✗✗▒▒░░]'],
    [
      'rounding adds up to the width',
      { total: 3, moved: 2, healthy: 1, failed: 0 },
      10,
      '[███▒▒▒▒░░░]',
    ],
    [
      'moved fewer than healthy + failed is clamped',
      { total: 2, moved: 0, healthy: 1, failed: 1 },
      4,
      '[██✗✗]',
    ],
    ['an empty wave', { total: 0, moved: 0, healthy: 0, failed: 0 }, 4, '[    ]'],
    [
      'one of many is still a cell once rounded',
      { total: 10, moved: 1, healthy: 1, failed: 0 },
      10,
      '[█░░░░░░░░░]',
    ],
  ])('%s', (_, w, width, want) => {
    const bar = progressBar(w, width, plain);
    expect(bar).toBe(want);
    expect(visibleWidth(bar)).toBe(width + 2);
  });

  it('colours: healthy green, failed red, moving yellow, the rest dim; same width', () => {
    const bar = progressBar({ total: 4, moved: 3, healthy: 1, failed: 1 }, 8, colour);
    expect(bar).toContain('\u001b[32m██\u001b[39m');
    expect(bar).toContain('\u001b[31m✗✗\u001b[39m');
    expect(bar).toContain('\u001b[33m▒▒\u001b[39m');
    expect(stripAnsi(bar)).toBe('[██✗✗▒▒░░]');
  });

  it.each<[Parameters<typeof progressCounts>[0], string]>([
    [
      {
        index: 0,
        name: 'a',
        status: 'current',
        approved: false,
        total: 3,
        moved: 2,
        healthy: 1,
        failed: 0,
      },
      '2/3 moved, 1/3 healthy',
    ],
    [
      {
        index: 0,
        name: 'a',
        status: 'current',
        approved: false,
        total: 3,
        moved: 3,
        healthy: 1,
        failed: 2,
      },
      '3/3 moved, 1/3 healthy, 2 failed',
    ],
    [
      {
        index: 0,
        name: 'a',
        status: 'empty',
        approved: false,
        total: 0,
        moved: 0,
        healthy: 0,
        failed: 0,
      },
      'no targets',
    ],
  ])('progressCounts → %s', (w, want) => {
    expect(progressCounts(w)).toBe(want);
  });
});

describe('wave progress and vocabulary', () => {
  it('counts moved (by state or by state.moved), healthy and failed per wave', () => {
    const v = view({ phase: 'Progressing', moved: { dev: 1, 'prd-1': 2 } }, [
      target('dev', 'canary', 0, 'healthy', 'ok'),
      target('prd-1', 'prod', 1, 'failed', 'failed: Degraded'),
      target('prd-2', 'prod', 1, 'progressing', 'moved, not healthy yet'),
    ]);
    expect(waveProgress(v).map((w) => [w.name, w.total, w.moved, w.healthy, w.failed])).toEqual([
      ['canary', 1, 1, 1, 0],
      ['prod', 2, 2, 0, 1],
    ]);
  });

  it.each<[string, 0 | 1 | undefined]>([
    ['Completed', 0],
    ['Halted', 1],
    ['RolledBack', 1],
    ['Aborted', 1],
    ['Progressing', undefined],
    ['RollingBack', undefined],
    ['WaitingApproval', undefined],
    ['Paused', undefined],
    ['Soaking', undefined],
  ])('watchOutcome(%s) = %s', (phase, want) => {
    expect(watchOutcome(phase)).toBe(want);
  });

  it.each<[string, string | undefined]>([
    ['WaitingApproval', 'approve it: gitfleet rollout approve web --wave prod'],
    ['Paused', 'continue it: gitfleet rollout resume web'],
    ['Halted', 'gitfleet rollout resume web (retry), rollback web or abort web'],
    ['Progressing', undefined],
  ])('nextStep in %s', (phase, want) => {
    expect(nextStep(view({ phase: phase as RolloutState['phase'] }))).toBe(want);
  });

  it.each<[string[], number, string]>([
    [[], 3, '-'],
    [['a'], 3, 'a'],
    [['a', 'b', 'c'], 3, 'a, b, c'],
    [['a', 'b', 'c', 'd', 'e'], 3, 'a, b, c and 2 more'],
  ])('nameList(%j, %d)', (names, max, want) => {
    expect(nameList(names, max)).toBe(want);
  });

  it.each<[string, string]>([
    [
      `web ${A.slice(0, 12)} → ${B.slice(0, 12)}: wave 1/2 canary: 0/1 healthy`,
      'wave 1/2 canary: 0/1 healthy',
    ],
    ['no head here', 'no head here'],
  ])('summaryTail(%s)', (s, want) => {
    expect(summaryTail(s)).toBe(want);
  });

  it.each<[string, boolean]>([
    [B, true],
    [B.slice(0, 7), true],
    [A.slice(0, 7), false],
  ])('isRolloutOf(%s)', (rev, want) => {
    expect(isRolloutOf({ toRevision: B }, rev)).toBe(want);
  });

  it('attention: the targets that wait, are held, blocked or failed', () => {
    const v = view({}, [
      target('a', 'canary', 0, 'healthy', 'ok'),
      target('b', 'canary', 0, 'held', 'held: sync window closed'),
      target('c', 'prod', 1, 'blocked', 'target c is Stale: blocking'),
      target('d', 'prod', 1, 'pending', 'pending'),
      target('e', 'prod', 1, 'failed', 'failed: Degraded'),
    ]);
    expect(attention(v).map((t) => t.target)).toEqual(['b', 'c', 'e']);
  });
});

describe('tables', () => {
  it('rollout list: sorted by app, summary without its head', () => {
    const out = formatRolloutList(
      [
        {
          app: 'web',
          id: 'x',
          phase: 'WaitingApproval',
          fromRevision: A,
          toRevision: B,
          wave: 1,
          summary: view().explanation.summary,
        },
        {
          app: 'api',
          id: 'y',
          phase: 'Completed',
          fromRevision: B,
          toRevision: B,
          wave: 2,
          summary: `api ${B.slice(0, 12)} → ${B.slice(0, 12)}: completed: 3 target(s) moved`,
        },
      ],
      plain,
    );
    expect(out.split('\n')).toEqual([
      'APP  PHASE            FROM     TO       SUMMARY',
      'api  Completed        8e1b2c3  8e1b2c3  completed: 3 target(s) moved',
      'web  WaitingApproval  3f2a9c1  8e1b2c3  wave 2/2 prod waits for approval (gate: manual)',
    ]);
    expect(formatRolloutList([], plain)).toContain('no rollouts');
  });

  it('rollout status: header, waves (members, maxUnavailable, soak, gate, status, progress), targets, events, next step', () => {
    const out = formatRolloutStatus(view({ approvals: [] }), plain, NOW);
    expect(out.split('\n')).toEqual([
      'rollout of web 3f2a9c1 → 8e1b2c3  WaitingApproval  (started 2026-11-26T11:59:00Z, 60s ago)',
      'wave 2/2 prod waits for approval (gate: manual)',
      '',
      'WAVE    MEMBERS          MAXUNAVAILABLE  SOAK  GATE    STATUS   PROGRESS',
      'canary  1: dev           1               2s    -       done     1/1 moved, 1/1 healthy',
      'prod    2: prd-1, prd-2  50% (=1)        -     manual  current  0/2 moved, 0/2 healthy',
      '',
      'TARGET  WAVE    STATE    REVISION  REASON',
      'dev     canary  healthy  8e1b2c3   moved at 2026-11-26T11:59:10.000Z, healthy',
      'prd-1   prod    waiting  3f2a9c1   waiting: gate needs approval (wave prod, gate: manual)',
      'prd-2   prod    waiting  3f2a9c1   waiting: gate needs approval (wave prod, gate: manual)',
      '',
      'recent events:',
      '  2026-11-26T11:59:00Z (60s ago)  started: rollout of web from a to b started',
      '  2026-11-26T11:59:20Z (40s ago)  waiting-approval: wave prod waits for approval',
      '',
      'approve it: gitfleet rollout approve web --wave prod',
    ]);
  });

  it('rollout status: an approved gate says so', () => {
    expect(formatRolloutStatus(view({ approvals: ['prod'] }), plain, NOW)).toMatch(
      /^prod\s+2: prd-1, prd-2\s+50% \(=1\)\s+-\s+manual, approved\s+current/m,
    );
  });

  it('rollout plan: the waves, then which target is in which wave and why', () => {
    const plan: PlanPreview = {
      summary: '2 wave(s): canary: 1 target (env=dev), maxUnavailable 1, soak 2s → prod: …',
      waves: [
        wave(0, 'canary', ['dev'], { soakMs: 2_000 }),
        wave(1, 'prod', ['prd-1'], { gate: 'manual' }),
        wave(2, 'empty', [], { status: 'empty' }),
        // the implicit wave without targets is no row
        wave(3, 'unmatched', [], { implicit: true, status: 'empty' }),
      ],
      targets: [
        {
          ...target(
            'dev',
            'canary',
            0,
            'pending',
            'ready (Connected; reports 3f2a9c1 Synced/Healthy)',
          ),
          membership: 'selector matched wave canary (env=dev)',
        },
        {
          ...target('prd-1', 'prod', 1, 'blocked', 'would be blocking: target prd-1 is Stale'),
          membership: 'selector matched wave prod (env=prod)',
        },
      ],
    };
    expect(formatRolloutPlan('web', plan, plain).split('\n')).toEqual([
      'plan of web: 2 wave(s): canary: 1 target (env=dev), maxUnavailable 1, soak 2s → prod: …',
      '',
      'WAVE    MEMBERS   MAXUNAVAILABLE  SOAK  GATE    STATUS',
      'canary  1: dev    1               2s    -       pending',
      'prod    1: prd-1  1               -     manual  pending',
      'empty   (none)    1               -     -       empty',
      '',
      'TARGET  WAVE    WHY                                     NOW',
      'dev     canary  selector matched wave canary (env=dev)  ready (Connected; reports 3f2a9c1 Synced/Healthy)',
      'prd-1   prod    selector matched wave prod (env=prod)   would be blocking: target prd-1 is Stale',
    ]);
  });
});

describe('rollout watch rendering', () => {
  it('a frame: header, a bar per wave, the summary, the reasons of waiting targets, the next step', () => {
    expect(formatWatchFrame(view(), plain, NOW, { barWidth: 10 })).toEqual([
      'rollout of web 3f2a9c1 → 8e1b2c3  WaitingApproval  (started 2026-11-26T11:59:00Z, 60s ago)',
      '  canary  [██████████]  1/1 moved, 1/1 healthy  done',
      '  prod    [░░░░░░░░░░]  0/2 moved, 0/2 healthy  current, gate manual',
      'wave 2/2 prod waits for approval (gate: manual)',
      '  prd-1: waiting: gate needs approval (wave prod, gate: manual)',
      '  prd-2: waiting: gate needs approval (wave prod, gate: manual)',
      'approve it: gitfleet rollout approve web --wave prod',
    ]);
  });

  it('a frame: reasons are capped, lines cut to the terminal width', () => {
    const many = Array.from({ length: 5 }, (_, i) =>
      target(
        `t${String(i)}`,
        'prod',
        1,
        'held',
        'held: sync window closed (deny 0 22 * * *) until 06:00',
      ),
    );
    const frame = formatWatchFrame(view({ phase: 'Progressing' }, many), colour, NOW, {
      columns: 40,
      maxReasons: 2,
    });
    expect(frame.map(stripAnsi).filter((l) => l.startsWith('  t'))).toHaveLength(2);
    expect(frame.map(stripAnsi)).toContain('  … and 3 more targets');
    for (const l of frame) expect(visibleWidth(l)).toBeLessThanOrEqual(40);
  });

  it.each<[string, string, number, string]>([
    ['short enough', 'abc', 5, 'abc'],
    ['cut with an ellipsis', 'abcdefgh', 5, 'abcd…'],
    ['colours kept and reset', '\u001b[32mabcdefgh\u001b[39m', 5, '\u001b[32mabcd…\u001b[0m'],
    ['no width: as is', 'abcdefgh', 0, 'abcdefgh'],
  ])('fit: %s', (_, line, width, want) => {
    expect(fit(line, width)).toBe(want);
  });

  it('one line per change: time, phase, per wave healthy/total, the summary; then the reasons', () => {
    const v = view({ phase: 'Progressing', moved: { dev: 1, 'prd-1': 2 } }, [
      target('dev', 'canary', 0, 'healthy', 'ok'),
      target(
        'prd-1',
        'prod',
        1,
        'progressing',
        'moved at …, not healthy yet; 1s of progressDeadline 20s',
      ),
      target('prd-2', 'prod', 1, 'waiting', 'waiting: maxUnavailable 1 reached (moving: prd-1)'),
    ]);
    expect(formatWatchLines(v, NOW)).toEqual([
      '2026-11-26T12:00:00Z Progressing [canary 1/1 · prod 0/2 (1 moving)] wave 2/2 prod waits for approval (gate: manual)',
      '  prd-2: waiting: maxUnavailable 1 reached (moving: prd-1)',
    ]);
  });

  it('watchKey: a ticking soak or deadline clock is no change; a state or a waiting reason is', () => {
    const base = view({ phase: 'Progressing' }, [
      target(
        'dev',
        'canary',
        0,
        'progressing',
        'moved, not healthy yet; 1s of progressDeadline 20s',
      ),
    ]);
    const later = {
      ...base,
      explanation: {
        ...base.explanation,
        summary: `${base.explanation.summary} (later)`,
        targets: [
          target(
            'dev',
            'canary',
            0,
            'progressing',
            'moved, not healthy yet; 2s of progressDeadline 20s',
          ),
        ],
      },
    };
    expect(watchKey(later)).toBe(watchKey(base));
    const healthy = {
      ...base,
      explanation: { ...base.explanation, targets: [target('dev', 'canary', 0, 'healthy', 'ok')] },
    };
    expect(watchKey(healthy)).not.toBe(watchKey(base));
    expect(watchKey(view())).not.toBe(
      watchKey(view({}, [target('prd-1', 'prod', 1, 'waiting', 'other')])),
    );
  });

  it('the -o json record: phase, revisions, waves with counts, targets', () => {
    const r = watchRecord(view(), NOW);
    expect(r).toMatchObject({
      atMs: NOW,
      app: 'web',
      phase: 'WaitingApproval',
      fromRevision: A,
      toRevision: B,
      wave: 1,
      waves: [
        { name: 'canary', total: 1, moved: 1, healthy: 1, failed: 0, status: 'done' },
        {
          name: 'prod',
          total: 2,
          moved: 0,
          healthy: 0,
          status: 'current',
          gate: 'manual',
          approved: false,
        },
      ],
    });
    expect(r.targets.map((t) => [t.target, t.state])).toEqual([
      ['dev', 'healthy'],
      ['prd-1', 'waiting'],
      ['prd-2', 'waiting'],
    ]);
  });
});
