import { describe, expect, it } from 'vitest';
import {
  acceptedText,
  commandLabel,
  commandsFor,
  countdownText,
  explanationOf,
  historyNewestFirst,
  soakOf,
  soakRunning,
  stateFingerprint,
  stateOf,
  targetsByWave,
  tone,
  waveAwaitingApproval,
  type RolloutPhase,
  type Soak,
  type WaveExplanation,
} from './rollout-view.ts';

const wave = (over: Partial<WaveExplanation> = {}): WaveExplanation => ({
  index: 0,
  name: 'canary',
  implicit: false,
  targets: ['dev-1'],
  maxUnavailable: 1,
  maxUnavailableSpec: '1',
  soakMs: 30_000,
  status: 'current',
  description: 'canary: 1 target (env=dev), maxUnavailable 1, soak 30s',
  ...over,
});

const seconds = (ms: number): string => `${String(ms / 1000)}s`;

describe('explanationOf', () => {
  it('reads the API object, filling what is missing', () => {
    const e = explanationOf({
      summary: 'web a → b: wave 1/2 canary',
      waves: [
        {
          index: 0,
          name: 'canary',
          targets: ['dev-1'],
          soakMs: 30000,
          gate: 'manual',
          status: 'current',
          description: 'd',
          maxUnavailable: 1,
          maxUnavailableSpec: '1',
          implicit: false,
        },
        { name: 'rest', status: 'weird' },
      ],
      targets: [
        {
          target: 'dev-1',
          wave: 'canary',
          waveIndex: 0,
          state: 'waiting',
          reason: 'r',
          membership: 'm',
          revision: 'b',
        },
      ],
    });
    expect(e.summary).toBe('web a → b: wave 1/2 canary');
    expect(e.waves[0]?.gate).toBe('manual');
    expect(e.waves[1]).toEqual({
      index: 1,
      name: 'rest',
      implicit: false,
      targets: [],
      maxUnavailable: 0,
      maxUnavailableSpec: '',
      soakMs: 0,
      status: 'pending',
      description: '',
    });
    expect(e.targets[0]?.state).toBe('waiting');
  });
  it.each([[undefined], [null], ['x'], [{}]])('%j: empty', (v) => {
    expect(explanationOf(v)).toEqual({ summary: '', waves: [], targets: [] });
  });
});

describe('stateOf', () => {
  it('reads the stored state', () => {
    const s = stateOf({
      id: 'web@b@1',
      app: 'web',
      fromRevision: 'a',
      toRevision: 'b',
      phase: 'Soaking',
      wave: 1,
      moved: { 'dev-1': 5, bad: 'x' },
      failed: { 'dev-2': { atMs: 3, reason: 'Degraded', wave: 'canary' } },
      approvals: ['canary', 7],
      waveHealthySinceMs: 100,
      pausedPhase: 'nope',
      rollback: { startedAtMs: 9, reason: 'r' },
      startedAtMs: 1,
      history: [{ atMs: 2, kind: 'started', message: 'm', by: 'alice' }],
    });
    expect(s).toEqual({
      id: 'web@b@1',
      app: 'web',
      fromRevision: 'a',
      toRevision: 'b',
      phase: 'Soaking',
      wave: 1,
      moved: { 'dev-1': 5 },
      failed: { 'dev-2': { atMs: 3, reason: 'Degraded', wave: 'canary' } },
      approvals: ['canary'],
      waveHealthySinceMs: 100,
      rollback: { startedAtMs: 9, reason: 'r' },
      startedAtMs: 1,
      history: [{ atMs: 2, kind: 'started', message: 'm', by: 'alice' }],
    });
  });
  it('an unknown phase reads as Progressing', () => {
    expect(stateOf({ phase: 'Nope' }).phase).toBe('Progressing');
  });
});

describe('soak', () => {
  const soaking = { phase: 'Soaking' as const, wave: 0, waveHealthySinceMs: 10_000 };
  it.each<[string, Parameters<typeof soakOf>[0], Partial<WaveExplanation>, number, Soak]>([
    ['no soak', soaking, { soakMs: 0 }, 0, { kind: 'none' }],
    [
      'running',
      soaking,
      {},
      25_000,
      { kind: 'running', soakMs: 30_000, startMs: 10_000, endMs: 40_000, remainingMs: 15_000 },
    ],
    [
      'over',
      soaking,
      {},
      50_000,
      { kind: 'running', soakMs: 30_000, startMs: 10_000, endMs: 40_000, remainingMs: 0 },
    ],
    [
      'not healthy yet',
      { phase: 'Progressing', wave: 0 },
      {},
      0,
      { kind: 'waiting', soakMs: 30_000 },
    ],
    [
      'paused: restarts on resume',
      { phase: 'Paused', wave: 0, waveHealthySinceMs: 10_000 },
      {},
      20_000,
      { kind: 'waiting', soakMs: 30_000 },
    ],
    [
      'a later wave',
      soaking,
      { index: 1, status: 'pending' },
      0,
      { kind: 'waiting', soakMs: 30_000 },
    ],
    [
      'a passed wave',
      { ...soaking, wave: 2 },
      { index: 1, status: 'done' },
      0,
      { kind: 'passed', soakMs: 30_000 },
    ],
  ])('%s', (_name, state, w, now, want) => {
    expect(soakOf(state, wave(w), now)).toEqual(want);
  });

  it.each<[Soak, string]>([
    [{ kind: 'none' }, ''],
    [{ kind: 'waiting', soakMs: 30_000 }, 'soak 30s once the wave is healthy'],
    [{ kind: 'passed', soakMs: 30_000 }, 'soak 30s passed'],
    [
      { kind: 'running', soakMs: 30_000, startMs: 0, endMs: 30_000, remainingMs: 14_200 },
      'soaking: 15s left of 30s',
    ],
    [
      { kind: 'running', soakMs: 30_000, startMs: 0, endMs: 30_000, remainingMs: 0 },
      'soak of 30s over; the next step starts the next wave',
    ],
  ])('countdownText(%j)', (soak, want) => {
    expect(countdownText(soak, seconds)).toBe(want);
  });

  it.each([
    ['Soaking', 100, true],
    ['Soaking', undefined, false],
    ['Progressing', 100, false],
  ] as const)('soakRunning(%s, %j) = %j', (phase, since, want) => {
    const s = stateOf({
      phase,
      wave: 0,
      ...(since === undefined ? {} : { waveHealthySinceMs: since }),
    });
    expect(soakRunning(s, [wave()])).toBe(want);
  });
});

describe('commands', () => {
  it.each<[RolloutPhase, string[]]>([
    ['Progressing', ['pause', 'abort', 'rollback']],
    ['Soaking', ['pause', 'abort', 'rollback']],
    ['WaitingApproval', ['pause', 'abort', 'rollback']],
    ['Paused', ['resume', 'abort', 'rollback']],
    ['Halted', ['resume', 'abort', 'rollback']],
    ['RollingBack', ['abort']],
    ['Completed', []],
    ['Aborted', []],
    ['RolledBack', []],
  ])('%s → %j', (phase, want) => {
    expect(commandsFor(phase)).toEqual(want);
  });

  it.each([
    ['pause', undefined, 'Pause'],
    ['rollback', undefined, 'Rollback'],
    ['approve', 'canary', 'Approve canary'],
  ] as const)('label %s %s', (c, w, want) => {
    expect(commandLabel(c, w)).toBe(want);
  });

  it.each([
    ['pause', undefined, 'pause of web accepted; the rollout applies it at its next step'],
    [
      'approve',
      'prod',
      'approval of wave prod of web accepted; the rollout applies it at its next step',
    ],
  ] as const)('accepted %s', (c, w, want) => {
    expect(acceptedText('web', c, w)).toBe(want);
  });

  const gated = [
    wave({ gate: 'manual' }),
    wave({ index: 1, name: 'prod', gate: 'manual', status: 'pending' }),
  ];
  it.each<[string, Parameters<typeof waveAwaitingApproval>[0], string | undefined]>([
    ['waiting', { phase: 'WaitingApproval', wave: 0, approvals: [] }, 'canary'],
    ['waiting at the second', { phase: 'WaitingApproval', wave: 1, approvals: [] }, 'prod'],
    ['approved already', { phase: 'WaitingApproval', wave: 0, approvals: ['canary'] }, undefined],
    [
      'paused while waiting',
      { phase: 'Paused', pausedPhase: 'WaitingApproval', wave: 0, approvals: [] },
      'canary',
    ],
    [
      'paused while progressing',
      { phase: 'Paused', pausedPhase: 'Progressing', wave: 0, approvals: [] },
      undefined,
    ],
    ['progressing', { phase: 'Progressing', wave: 0, approvals: [] }, undefined],
  ])('awaiting approval: %s', (_n, state, want) => {
    expect(waveAwaitingApproval(state, gated)?.name).toBe(want);
  });
  it('no gate: nothing to approve', () => {
    expect(
      waveAwaitingApproval({ phase: 'WaitingApproval', wave: 0, approvals: [] }, [wave()]),
    ).toBeUndefined();
  });
});

describe('history and fingerprint', () => {
  it('newest first', () => {
    const h = historyNewestFirst([
      { atMs: 1, kind: 'started', message: 'a' },
      { atMs: 3, kind: 'paused', message: 'c' },
      { atMs: 2, kind: 'moved', message: 'b' },
    ]);
    expect(h.map((e) => e.message)).toEqual(['c', 'b', 'a']);
  });
  it('changes with phase, approvals or history', () => {
    const base = stateOf({ id: 'x', phase: 'WaitingApproval', wave: 0, history: [] });
    const f = stateFingerprint(base);
    expect(stateFingerprint({ ...base })).toBe(f);
    expect(stateFingerprint({ ...base, phase: 'Paused' })).not.toBe(f);
    expect(stateFingerprint({ ...base, approvals: ['canary'] })).not.toBe(f);
    expect(
      stateFingerprint({ ...base, history: [{ atMs: 1, kind: 'ignored', message: 'm' }] }),
    ).not.toBe(f);
  });
});

describe('targetsByWave and tone', () => {
  it('groups by wave index in order', () => {
    const t = (target: string, waveIndex: number) => ({
      target,
      wave: '',
      waveIndex,
      membership: '',
      state: 'pending' as const,
      revision: '',
      reason: '',
    });
    const m = targetsByWave([t('a', 0), t('b', 1), t('c', 0)]);
    expect(m.get(0)?.map((x) => x.target)).toEqual(['a', 'c']);
    expect(m.get(1)?.map((x) => x.target)).toEqual(['b']);
  });
  it.each([
    ['Completed', 'ok'],
    ['healthy', 'ok'],
    ['Halted', 'bad'],
    ['failed', 'bad'],
    ['WaitingApproval', 'warn'],
    ['held', 'warn'],
    ['Progressing', 'neutral'],
    ['pending', 'neutral'],
  ])('tone(%s) = %s', (v, want) => {
    expect(tone(v)).toBe(want);
  });
});
