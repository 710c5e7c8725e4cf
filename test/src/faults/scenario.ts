/**
 * How a fault scenario runs and what it returns — shared by the integration suite (small sizes)
 * and `npm run bench -- faults` (full sizes). A scenario is a function of the fault fleet and a
 * size; it throws (`must`) when a property of its own fails, and returns the invariant report
 * (invariants.ts) with its measurements. `runScenario` times it, turns a throw into a failed
 * result, and always heals every fault point afterwards.
 */
import type { FaultFleet } from './harness.ts';
import type { InvariantReport } from './invariants.ts';

export interface ScenarioSize {
  /** Objects of the agent-kill apply (the issue asks 1,000). */
  readonly bulkObjects: number;
  /** Objects of every other scenario's application. */
  readonly objects: number;
  /** How long the apiserver stays hung. */
  readonly hangMs: number;
  /** After convergence, how long a late duplicate write has to show up before the check. */
  readonly quietMs: number;
}

export const SUITE_SIZE: ScenarioSize = {
  bulkObjects: 200,
  objects: 20,
  /** Longer than the agent's state-write deadline (10 s) plus delivery: the failure must show. */
  hangMs: 20_000,
  quietMs: 1_000,
};
/** The agent's request deadline is 60 s (agent/src/kube/kube-transport.ts): the bench hangs longer. */
export const BENCH_SIZE: ScenarioSize = {
  bulkObjects: 1_000,
  objects: 100,
  hangMs: 75_000,
  quietMs: 3_000,
};

export interface ScenarioOutcome {
  readonly report: InvariantReport;
  /** Measurements (times in ms, counts). */
  readonly details: Readonly<Record<string, unknown>>;
  /** The scenario's own properties that did not hold (its run went on to convergence). */
  readonly failed?: readonly string[];
}

/**
 * A scenario's own properties, recorded without stopping it: the scenario still heals and
 * converges, so one failed property does not hide the others or leave the fleet broken.
 */
export class Checks {
  readonly failed: string[] = [];

  that(cond: boolean, message: string): void {
    if (!cond) this.failed.push(message);
  }
}

export interface ScenarioResult {
  readonly name: string;
  /** Converged, nothing lost, no double write, no stale overwrite, and its own checks held. */
  readonly ok: boolean;
  /** Converged, and its own checks held (double writes and stale overwrites are counted apart). */
  readonly converged: boolean;
  readonly ms: number;
  readonly report: InvariantReport | undefined;
  readonly details: Readonly<Record<string, unknown>>;
  /** Why it failed (its own check, or a violated invariant). */
  readonly error: string | undefined;
  /** Times the hub had to be restarted to recover (always 0: no scenario restarts it). */
  readonly hubRestartsNeeded: number;
}

export type Scenario = (f: FaultFleet, size: ScenarioSize) => Promise<ScenarioOutcome>;

/** Throws `message` unless `cond`: a scenario's own property. */
export function must(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function clean(r: InvariantReport): boolean {
  return r.converged && r.lost === 0 && r.doubleWrites === 0 && r.staleOverwrites === 0;
}

export async function runScenario(
  f: FaultFleet,
  name: string,
  scenario: Scenario,
  size: ScenarioSize,
): Promise<ScenarioResult> {
  const t0 = Date.now();
  f.log(`scenario ${name}: start`);
  let result: ScenarioResult;
  try {
    const out = await scenario(f, size);
    const failed = out.failed ?? [];
    const ok = clean(out.report) && failed.length === 0;
    result = {
      name,
      ok,
      converged: out.report.converged && failed.length === 0,
      ms: Date.now() - t0,
      report: out.report,
      details: out.details,
      error: ok ? undefined : [...failed, ...out.report.violations].join('\n'),
      hubRestartsNeeded: 0,
    };
  } catch (err) {
    result = {
      name,
      ok: false,
      converged: false,
      ms: Date.now() - t0,
      report: undefined,
      details: {},
      error: err instanceof Error ? err.message : String(err),
      hubRestartsNeeded: 0,
    };
  } finally {
    await f.heal().catch((err: unknown) => f.log(`heal after ${name}: ${String(err)}`));
  }
  const r = result.report;
  f.log(
    `scenario ${name}: ${result.ok ? 'ok' : 'FAILED'} in ${result.ms} ms ${JSON.stringify({
      ...(r === undefined
        ? {}
        : {
            objects: r.objects,
            lost: r.lost,
            doubleWrites: r.doubleWrites,
            staleOverwrites: r.staleOverwrites,
          }),
      ...result.details,
    })}${result.error === undefined ? '' : `\n  ${result.error}`}`,
  );
  return result;
}
