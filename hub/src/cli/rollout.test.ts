/**
 * The rollout commands without a hub: the watch loop driven by scripted rollouts and a fake clock
 * (redraw in place, one line or JSON document per change, exit codes, --revision, --timeout, a
 * hub that goes away), and the pieces of the commands (what became of a command, who sends it,
 * durations). Against a real hub: test/src/cli/rollout-cli.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { RolloutEvent, RolloutState } from '../core/rollout/state.ts';
import { CliError, ExitCode } from './errors.ts';
import { painter } from './format.ts';
import type { RolloutView } from './rollout-format.ts';
import {
  commandOutcome,
  durationOption,
  newEvents,
  rewind,
  watchLoop,
  type WatchLoop,
} from './rollout.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function view(phase: RolloutState['phase'], over: Partial<RolloutState> = {}): RolloutView {
  const healthy = phase === 'Completed';
  return {
    app: 'web',
    state: {
      id: `web@${B}@0`,
      app: 'web',
      fromRevision: A,
      toRevision: B,
      phase,
      wave: healthy ? 1 : 0,
      moved: { dev: 1 },
      progressSinceMs: {},
      healthySinceMs: {},
      failed: {},
      carried: {},
      approvals: [],
      startedAtMs: 0,
      history: [],
      ...over,
    },
    explanation: {
      summary: `web aaaaaaaaaaaa → bbbbbbbbbbbb: ${phase}`,
      waves: [
        {
          index: 0,
          name: 'canary',
          implicit: false,
          targets: ['dev'],
          maxUnavailable: 1,
          maxUnavailableSpec: '1',
          soakMs: 0,
          status: healthy ? 'done' : 'current',
          description: 'canary',
        },
      ],
      targets: [
        {
          target: 'dev',
          wave: 'canary',
          waveIndex: 0,
          membership: 'selector matched',
          state: healthy ? 'healthy' : phase === 'Halted' ? 'failed' : 'progressing',
          revision: B,
          reason: phase === 'Halted' ? 'failed: Degraded' : 'moved',
        },
      ],
    },
  };
}

type Step = RolloutView | undefined | Error;

/** Runs the loop over scripted poll answers; the clock moves only when the loop sleeps. */
async function run(
  steps: Step[],
  over: Partial<WatchLoop> = {},
): Promise<{ code: number | CliError; out: string[]; notes: string[]; polls: number }> {
  let now = 0;
  let polls = 0;
  const out: string[] = [];
  const notes: string[] = [];
  const loop: WatchLoop = {
    app: 'web',
    poll: () => {
      const s = steps[Math.min(polls, steps.length - 1)];
      polls++;
      return s instanceof Error ? Promise.reject(s) : Promise.resolve(s);
    },
    mode: 'lines',
    p: painter(false),
    columns: 0,
    intervalMs: 1000,
    outageMs: 30_000,
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    out: (t) => out.push(t),
    note: (t) => notes.push(t),
    ...over,
  };
  const code = await watchLoop(loop).catch((err: unknown) => {
    if (err instanceof CliError) return err;
    throw err;
  });
  return { code, out, notes, polls };
}

const unreachable = (): CliError =>
  new CliError(ExitCode.Unreachable, 'cannot reach the hub at http://hub (ECONNREFUSED)');

describe('watchLoop', () => {
  it('not a terminal: one line per change, exit 0 once Completed', async () => {
    const r = await run([
      view('Progressing'),
      view('Progressing'),
      view('WaitingApproval'),
      view('Completed'),
    ]);
    expect(r.code).toBe(0);
    expect(r.polls).toBe(4);
    expect(r.out.map((l) => l.split(' ')[1])).toEqual([
      'Progressing',
      'WaitingApproval',
      'Completed',
    ]);
  });

  it('-o json: one JSON document per change', async () => {
    const r = await run([view('Progressing'), view('Completed')], { mode: 'json' });
    expect(r.code).toBe(0);
    expect(r.out.map((l) => (JSON.parse(l) as { phase: string }).phase)).toEqual([
      'Progressing',
      'Completed',
    ]);
  });

  it('a terminal: redraws in place (cursor up the lines of the last frame, clear)', async () => {
    const r = await run([view('Progressing'), view('Completed')], { mode: 'tty' });
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(2);
    expect(r.out[0]?.startsWith('\u001b[')).toBe(false);
    const first = (r.out[0] ?? '').split('\n').length;
    expect(r.out[1]?.startsWith(`\u001b[${String(first)}A\u001b[J`)).toBe(true);
    expect(r.out[1]).toContain('Completed');
    expect(r.out[1]).toContain('[████████████████████████]');
  });

  it.each<RolloutState['phase']>(['Halted', 'RolledBack', 'Aborted'])(
    '%s: exit 1 with the summary',
    async (phase) => {
      const r = await run([view('Progressing'), view(phase)]);
      expect(r.code).toBeInstanceOf(CliError);
      expect((r.code as CliError).exitCode).toBe(1);
      expect((r.code as CliError).message).toContain(`ended ${phase}`);
    },
  );

  it('--timeout: gives up (exit 1) saying where the rollout is', async () => {
    const r = await run([view('WaitingApproval')], { timeoutMs: 3_500 });
    expect(r.code).toBeInstanceOf(CliError);
    expect((r.code as CliError).exitCode).toBe(1);
    expect((r.code as CliError).message).toBe(
      'gave up after 3s500ms: the rollout of web is still WaitingApproval: WaitingApproval',
    );
    expect((r.code as CliError).details).toEqual([
      'approve it: gitfleet rollout approve web --wave canary',
    ]);
    expect(r.polls).toBe(5); // at 0, 1, 2, 3 and 3.5 s
  });

  it('--revision: an earlier completed rollout (or none yet) is waited past', async () => {
    const earlier = view('Completed', { toRevision: A, fromRevision: A, id: 'web@a@0' });
    const r = await run([undefined, earlier, view('Progressing'), view('Completed')], {
      revision: B.slice(0, 7),
    });
    expect(r.code).toBe(0);
    expect(r.notes).toEqual([
      'waiting for the rollout of web to bbbbbbb to start (the hub has none yet)',
    ]);
    expect(r.out.map((l) => l.split(' ')[1])).toEqual(['Progressing', 'Completed']);
  });

  it('--revision: superseded by a newer rollout is exit 1', async () => {
    const newer = view('Progressing', {
      toRevision: C,
      previous: { id: `web@${B}@0`, toRevision: B, phase: 'Progressing' },
    });
    const r = await run([view('Progressing'), newer], { revision: B });
    expect((r.code as CliError).exitCode).toBe(1);
    expect((r.code as CliError).message).toContain(
      'the rollout of web to bbbbbbb was superseded (Progressing) by the rollout to ccccccc',
    );
  });

  it('a hub that cannot be reached at first: exit 3 at once', async () => {
    const r = await run([unreachable()]);
    expect((r.code as CliError).exitCode).toBe(3);
  });

  it('a hub that goes away after answering: waited for, with one warning', async () => {
    const r = await run([view('Progressing'), unreachable(), unreachable(), view('Completed')]);
    expect(r.code).toBe(0);
    expect(r.notes).toEqual([
      'warning: cannot reach the hub at http://hub (ECONNREFUSED); retrying',
    ]);
  });

  it('… but not for longer than the outage allowance: exit 3', async () => {
    const r = await run([view('Progressing'), unreachable()], { outageMs: 5_000 });
    expect((r.code as CliError).exitCode).toBe(3);
  });

  it('rewind(0) is nothing (a 0 count would still move the cursor)', () => {
    expect(rewind(0)).toBe('');
    expect(rewind(3)).toBe('\u001b[3A\u001b[J');
  });
});

describe('command outcome', () => {
  const ev = (kind: RolloutEvent['kind'], message: string, extra = {}): RolloutEvent => ({
    atMs: 1,
    kind,
    message,
    ...extra,
  });

  it('newEvents: what the history gained', () => {
    const a = ev('started', 'started');
    const b = ev('approved', 'wave prod approved by alice', { wave: 'prod', by: 'alice' });
    expect(newEvents([a], [a, b])).toEqual([b]);
    expect(newEvents([a, b], [a, b])).toEqual([]);
  });

  it.each<{
    name: string;
    events: RolloutEvent[];
    command: Parameters<typeof commandOutcome>[1];
    by?: string;
    wave?: string;
    want: 'applied' | 'ignored' | undefined;
  }>([
    {
      name: 'approve applied',
      events: [ev('approved', 'wave prod approved by alice', { wave: 'prod', by: 'alice' })],
      command: 'approve',
      by: 'alice',
      wave: 'prod',
      want: 'applied',
    },
    {
      name: 'approve of another wave is not ours',
      events: [ev('approved', 'wave canary approved by alice', { wave: 'canary', by: 'alice' })],
      command: 'approve',
      by: 'alice',
      wave: 'prod',
      want: undefined,
    },
    {
      name: 'someone else paused',
      events: [ev('paused', 'paused by bob', { by: 'bob' })],
      command: 'pause',
      by: 'alice',
      want: undefined,
    },
    {
      name: 'resume ignored',
      events: [
        ev('ignored', 'resume by alice ignored: the rollout is Progressing, not Paused or Halted', {
          by: 'alice',
        }),
      ],
      command: 'resume',
      by: 'alice',
      want: 'ignored',
    },
    {
      name: 'ignored without a sender',
      events: [ev('ignored', 'pause ignored: the rollout is Completed')],
      command: 'pause',
      want: 'ignored',
    },
    {
      name: 'rollback started (the event carries no sender)',
      events: [ev('rollback-started', 'rollback requested by alice: every target goes back')],
      command: 'rollback',
      by: 'alice',
      want: 'applied',
    },
    { name: 'nothing yet', events: [], command: 'abort', by: 'alice', want: undefined },
  ])('$name', ({ events, command, by, wave, want }) => {
    expect(commandOutcome(events, command, by, wave)?.outcome).toBe(want);
  });
});

describe('options', () => {
  it.each<[string, number | string]>([
    ['1s', 1000],
    ['250ms', 250],
    ['1m', 60_000],
    ['45s', 45_000],
    ['1500', 1500],
    ['5', '--interval 5: must be from 100ms to 1m'],
    ['2m', '--interval 2m: must be from 100ms to 1m'],
    ['soon', '--interval "soon" is not a duration'],
  ])('durationOption(%s)', (raw, want) => {
    const got = (() => {
      try {
        return durationOption(raw, '--interval', 100, 60_000, 'rollout watch');
      } catch (err) {
        return (err as CliError).message;
      }
    })();
    if (typeof want === 'number') expect(got).toBe(want);
    else expect(got).toContain(want);
  });
});
