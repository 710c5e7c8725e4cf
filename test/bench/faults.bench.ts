/**
 * `npm run bench -- faults [--bulk-objects=1000] [--objects=100] [--hang-ms=75000] [--only=NAME]…`:
 * every fault scenario of the suite (test/src/faults/catalog.ts, docs/reliability.md) against the
 * real fleet, at full size: the agent killed in the middle of a 1,000-object apply, the apiserver
 * hung for longer than the agent's request deadline, and 100 objects per other scenario.
 *
 * Per scenario (stderr): its invariant report and measurements. Result (last line):
 * `scenarios` run; `converged`: how many converged with every one of their own checks holding;
 * `objects_lost`, `double_writes`: summed over the scenarios (invariants.ts defines them);
 * `hub_restarts_needed`: times the hub had to be restarted for a scenario to recover (no scenario
 * restarts it: a fault the hub cannot ride out shows as not converged).
 */
import { FaultFleet } from '../src/faults/harness.ts';
import { AGENT_GROUP, HUB_GROUP } from '../src/faults/catalog.ts';
import {
  BENCH_SIZE,
  runScenario,
  type ScenarioResult,
  type ScenarioSize,
} from '../src/faults/scenario.ts';
import { stopAll } from '../src/fleet/processes.ts';
import { benchLog, machine, numberArg, stringArgs } from './lib/common.ts';

const log = benchLog('faults');

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const size: ScenarioSize = {
    bulkObjects: numberArg(args, 'bulk-objects', BENCH_SIZE.bulkObjects),
    objects: numberArg(args, 'objects', BENCH_SIZE.objects),
    hangMs: numberArg(args, 'hang-ms', BENCH_SIZE.hangMs),
    quietMs: numberArg(args, 'quiet-ms', BENCH_SIZE.quietMs),
  };
  const only = new Set(stringArgs(args, 'only'));
  log(`machine ${JSON.stringify(machine())}; size ${JSON.stringify(size)}`);
  const results: ScenarioResult[] = [];
  try {
    for (const group of [AGENT_GROUP, HUB_GROUP]) {
      const chosen = group.scenarios.filter(([n]) => only.size === 0 || only.has(n));
      if (chosen.length === 0) continue;
      const f = await FaultFleet.start({ ...group.fleet, log });
      try {
        for (const [name, scenario] of chosen)
          results.push(await runScenario(f, name, scenario, size));
      } finally {
        await f.stop();
      }
    }
  } finally {
    await stopAll();
  }
  log('summary:');
  for (const r of results) {
    log(
      `  ${r.name.padEnd(24)} ${r.ok ? 'ok    ' : 'FAILED'} ${String(Math.round(r.ms / 1000)).padStart(4)} s  lost ${String(r.report?.lost ?? '?')}  double ${String(r.report?.doubleWrites ?? '?')}  stale ${String(r.report?.staleOverwrites ?? '?')}${r.error === undefined ? '' : `  — ${r.error.split('\n')[0] ?? ''}`}`,
    );
  }
  const sum = (pick: (r: ScenarioResult) => number): number =>
    results.reduce((n, r) => n + pick(r), 0);
  return {
    scenarios: results.length,
    converged: results.filter((r) => r.converged).length,
    objects_lost: sum((r) => r.report?.lost ?? 0),
    double_writes: sum((r) => r.report?.doubleWrites ?? 0),
    hub_restarts_needed: sum((r) => r.hubRestartsNeeded),
  };
}
