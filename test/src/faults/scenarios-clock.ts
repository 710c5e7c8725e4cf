/**
 * Fault scenarios of the hub's wall clock: libfaketime moves it an hour forward or back while a
 * rollout runs (the hub runs under LD_PRELOAD with a control file; its monotonic clock is left
 * alone, as in a real clock step).
 */
import type { FaultFleet } from './harness.ts';
import type { FaultApp } from './fleet-model.ts';
import { waitFor } from '../fleet/wait.ts';
import {
  finishRollout,
  firstArrivals,
  logsSince,
  movedOrder,
  rolloutOf,
  type RolloutView,
} from './rollout-views.ts';
import { Checks, sleep, type ScenarioOutcome, type ScenarioSize } from './scenario.ts';

const CLOCK_SOAK_MS = 5_000;
const JUMP_S = 3_600;
/** Longest a target may show other than Connected after a jump: 3 heartbeats and a reconnect. */
const MAX_NOT_CONNECTED_MS = 5_000;

/**
 * The hub's wall clock jumps an hour while a rollout runs: application `clock` on two targets,
 * wave 1 then wave 2 after a 5 s soak (progressDeadline 2 min). Forward, the jump comes as wave 1's
 * target is being moved (its progress deadline runs); back, while wave 1 soaks.
 * The clock is set true again only once the rollout has ended (completed or halted), so the
 * scenario makes one jump.
 *
 * Asserted: no agent stream is dropped because of the jump (the hub closing it as stale, or the
 * agent finding the hub silent); the rollout completes under the jumped clock without halting;
 * wave 2 moves after wave
 * 1 has really soaked 5 s (a forward jump must not cut the soak short) and not much later (a
 * backward jump must not stretch it by an hour); no target shows other than Connected for more
 * than 5 s after the jump; each target moved once, in order; converged, nothing lost or written
 * twice. A halted rollout is resumed (as an operator would) so that the scenario still ends
 * converged. The rollout lease lives in Redis with a server-side expiry (PX), so the hub's clock
 * never enters it.
 */
export function clockJump(direction: 'forward' | 'backward') {
  return async (f: FaultFleet, size: ScenarioSize): Promise<ScenarioOutcome> => {
    const [t1 = '', t2 = ''] = f.targets;
    const name = 'clock';
    const rollout = [
      'rollout:',
      '  waves:',
      `    - { name: w1, selector: { matchLabels: { target: ${t1} } }, soak: ${CLOCK_SOAK_MS / 1000}s }`,
      `    - { name: w2, selector: { matchLabels: { target: ${t2} } } }`,
      '  progressDeadline: 120s',
    ];
    let n: number;
    try {
      n = Number(/-(\d+)$/.exec(f.app(name).rev)?.[1] ?? 0);
    } catch {
      n = 0;
    }
    const mk = (k: number): FaultApp => ({
      name,
      targets: [t1, t2],
      objects: size.objects,
      rev: `${name}-${String(k)}`,
      rollout,
    });
    if (n === 0) {
      n = 1;
      await f.commit([mk(n)]);
      await f.waitApp(name, 90_000);
    }
    const mark = await f.mark();
    const next = mk(n + 1);
    const arrivals = firstArrivals(f, name, next.rev);
    const notConnected = new Map<string, number>();
    const checks = new Checks();
    let sampling = true;
    let sampler: Promise<void> = Promise.resolve();
    try {
      const sha = await f.commit([next]);
      if (direction === 'forward') {
        // the jump comes as wave 1 moves: its target's progress deadline runs from the move
        await waitFor(`wave 1 (${t1}) moving to ${next.rev}`, () => arrivals.at.has(t1), {
          timeoutMs: 60_000,
          intervalMs: 10,
          abortIf: () => f.dead(),
        });
      } else {
        // the jump comes while wave 1 soaks: the soak's start is already recorded
        await waitFor(
          `wave 1 (${t1}) soaking at ${next.rev}`,
          async () => {
            const r = await rolloutOf(f, name);
            return r?.state.toRevision === sha && r.state.phase === 'Soaking';
          },
          { timeoutMs: 60_000, intervalMs: 50, abortIf: () => f.dead() },
        );
        // the API shows a step's outcome as soon as it is computed: give the controller (every
        // 200 ms) time to store the soak's start before the clock moves
        await sleep(1_000);
      }
      const logFrom = f.hubLog().length;
      const agentLogFrom = new Map(f.targets.map((t) => [t, f.agentLog(t).length]));
      const tJump = Date.now();
      await f.setClockOffset(direction === 'forward' ? JUMP_S : -JUMP_S);
      // how long each target shows other than Connected from the jump on
      const since = new Map<string, number>();
      sampler = (async () => {
        while (sampling) {
          const rows = await f.status({ app: 'base' }).catch(() => []);
          const now = Date.now();
          for (const r of rows) {
            if (r.connection === 'Connected') since.delete(r.target);
            else {
              const s = since.get(r.target) ?? now;
              since.set(r.target, s);
              notConnected.set(r.target, Math.max(notConnected.get(r.target) ?? 0, now - s));
            }
          }
          await sleep(200);
        }
      })();
      // the rollout under the jumped clock: completed, halted, or still waiting
      let ended: RolloutView | undefined;
      try {
        ended = await waitFor(
          'the rollout to end',
          async () => {
            const r = await rolloutOf(f, name);
            const phase = r?.state.phase;
            return r?.state.toRevision === sha && (phase === 'Completed' || phase === 'Halted')
              ? r
              : undefined;
          },
          { timeoutMs: CLOCK_SOAK_MS + 15_000, intervalMs: 100, abortIf: () => f.dead() },
        );
      } catch (err) {
        if (f.dead() !== undefined) throw err;
      }
      await sleep(Math.max(0, tJump + MAX_NOT_CONNECTED_MS + 2_000 - Date.now()));
      sampling = false;
      await sampler;
      const phase = ended?.state.phase;
      checks.that(
        phase === 'Completed',
        phase === 'Halted'
          ? `the rollout halted after the clock jump: ${ended?.explanation?.summary ?? ''}`
          : `the rollout had not ended ${Math.round((Date.now() - tJump) / 1000)} s after the clock jump (soak ${CLOCK_SOAK_MS} ms, wave 2 ${arrivals.at.has(t2) ? 'moved' : 'not moved'})`,
      );
      const stale = logsSince(
        f,
        logFrom,
        (r) => r.msg === 'agent stale: closing its stream',
      ).length;
      const silent = f.targets.filter((t) =>
        f
          .agentLog(t)
          .slice(agentLogFrom.get(t) ?? 0)
          .some((r) => /hub silent/.test(String(r.msg))),
      );
      checks.that(
        stale === 0 && silent.length === 0,
        `the clock jump broke agent streams: ${stale} closed by the hub as stale, ${silent.length} agent(s) found the hub silent (${silent.join(', ')}) and reconnected`,
      );
      // the true time back, then whatever an operator would do to finish the rollout
      await f.setClockOffset(0);
      const done = await finishRollout(f, name, sha);
      await f.waitApp(name, 60_000);
      const a1 = arrivals.at.get(t1) ?? NaN;
      const a2 = arrivals.at.get(t2) ?? NaN;
      checks.that(
        !(a2 - a1 < CLOCK_SOAK_MS - 250),
        `wave 2 moved ${a2 - a1} ms after wave 1: the ${CLOCK_SOAK_MS} ms soak was cut short by the clock jump`,
      );
      const worst = Math.max(0, ...notConnected.values());
      checks.that(
        worst <= MAX_NOT_CONNECTED_MS,
        `after the jump a target showed other than Connected for ${worst} ms (${JSON.stringify(Object.fromEntries(notConnected))})`,
      );
      const order = movedOrder(done);
      checks.that(
        JSON.stringify(order) === JSON.stringify([t1, t2]),
        `the rollout moved ${order.join(', ')} (each target once, in order)`,
      );
      await sleep(size.quietMs);
      return {
        report: await f.check(mark, { apps: [name] }),
        failed: checks.failed,
        details: {
          jumpS: direction === 'forward' ? JUMP_S : -JUMP_S,
          phaseUnderJump: phase ?? 'still running',
          wave2AfterWave1Ms: a2 - a1,
          wave2AfterJumpMs: a2 - tJump,
          longestNotConnectedMs: worst,
          sessionsClosedAsStale: stale,
          agentsFoundHubSilent: silent.length,
        },
      };
    } finally {
      sampling = false;
      await sampler;
      arrivals.off();
    }
  };
}
