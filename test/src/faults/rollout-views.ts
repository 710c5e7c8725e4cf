/**
 * What the fault scenarios read back from the hub and the clusters around rollouts and logs: a
 * rollout's state, waiting for it to end (resuming a halted one as an operator would), when each
 * target first showed a content, and the hub's log records after a point.
 */
import type { FaultFleet } from './harness.ts';
import type { LogRecord } from '../sim/sim-fleet.ts';
import { waitFor } from '../fleet/wait.ts';
import { sleep } from './scenario.ts';

export interface RolloutView {
  readonly explanation?: { readonly summary?: string };
  readonly state: {
    readonly phase: string;
    readonly toRevision: string;
    readonly history: readonly { kind: string; targets?: string[]; atMs: number }[];
  };
}

export async function rolloutOf(f: FaultFleet, app: string): Promise<RolloutView | undefined> {
  const res = await fetch(`${f.api}/api/v1/rollout?app=${app}`, { headers: f.readHeaders() });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /api/v1/rollout?app=${app}: HTTP ${res.status}`);
  return (await res.json()) as RolloutView;
}

/** Waits for the rollout of `app` to `sha` to complete; returns its state. */
export async function rolloutCompleted(
  f: FaultFleet,
  app: string,
  sha: string,
  timeoutMs: number,
): Promise<RolloutView> {
  let last = '';
  try {
    return await waitFor(
      `rollout of ${app} to ${sha.slice(0, 8)} Completed`,
      async () => {
        const r = await rolloutOf(f, app);
        last = r === undefined ? 'none' : `${r.state.phase} to ${r.state.toRevision.slice(0, 8)}`;
        return r?.state.toRevision === sha && r.state.phase === 'Completed' ? r : undefined;
      },
      { timeoutMs, intervalMs: 200, abortIf: () => f.dead() },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)} (last: ${last})`, {
      cause: err,
    });
  }
}

/**
 * Brings the rollout of `app` to `sha` to completion as an operator would: a halted rollout is
 * resumed (at most twice).
 */
export async function finishRollout(f: FaultFleet, app: string, sha: string): Promise<RolloutView> {
  for (let resumes = 0; ; resumes++) {
    const r = await waitFor(
      `rollout of ${app} to ${sha.slice(0, 8)} Completed or Halted`,
      async () => {
        const v = await rolloutOf(f, app);
        const phase = v?.state.phase;
        return v?.state.toRevision === sha && (phase === 'Completed' || phase === 'Halted')
          ? v
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, abortIf: () => f.dead() },
    );
    if (r.state.phase === 'Completed' || resumes >= 2) return r;
    await f.rolloutCommand(app, 'resume');
    await sleep(500);
  }
}

/** Records when each target first shows an object of `app` at `rev`. */
export function firstArrivals(
  f: FaultFleet,
  app: string,
  rev: string,
): { at: Map<string, number>; off: () => void } {
  const at = new Map<string, number>();
  const offs = f.targets.map((t) =>
    f.witness(t).onEvent((e) => {
      if (e.key.startsWith(`${app}/`) && e.rev === rev && !at.has(t)) at.set(t, e.atMs);
    }),
  );
  return { at, off: () => offs.forEach((o) => o()) };
}

export function movedOrder(v: RolloutView): string[] {
  return v.state.history.filter((h) => h.kind === 'moved').flatMap((h) => h.targets ?? []);
}

/**
 * The hub's log records written after record number `from` that match: by position, not by
 * timestamp (the hub's timestamps follow its clock, which the clock scenarios move).
 */
export function logsSince(
  f: FaultFleet,
  from: number,
  pred: (r: LogRecord) => boolean,
): LogRecord[] {
  return f.hubLog().slice(from).filter(pred);
}

export async function readyz(f: FaultFleet): Promise<number> {
  return (await fetch(`${f.api}/readyz`)).status;
}
