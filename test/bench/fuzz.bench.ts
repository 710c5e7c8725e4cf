/**
 * `npm run bench -- fuzz [--runs=10000] [--seed=N] [--hang-ms=5000] [--watchdog-ms=30000]
 * [--only=SUBSTRING]`: the fuzz properties of the unit suite (test/src/fuzz: the fleet parser,
 * the manifest reader and render, the wire codec), with many more runs.
 *
 * The runs are shared among the properties by weight. Each property runs in a worker thread,
 * inputs drawn with a fixed seed (printed, so any failure can be replayed). A crash is a run that
 * broke the contract (an untyped throw, a problem without a place, …); a hang is a run slower
 * than --hang-ms, or one that never ends: the worker's progress is watched, and a run stuck for
 * --watchdog-ms ends the worker, counts a hang and goes on with the next input. A run that kills
 * its worker (out of its 1.5 GB heap, say) is a crash, and the property goes on the same way.
 *
 * Last line of stdout: {"bench":"fuzz","runs":N,"crashes":0,"hangs":0,...}.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerDone, WorkerFailure, WorkerInput } from '../src/fuzz/bench-worker.ts';
import { HANG_MS, describeInput, drawInput } from '../src/fuzz/harness.ts';
import type { AnyFuzzProperty } from '../src/fuzz/harness.ts';
import { FUZZ_PROPERTIES } from '../src/fuzz/properties.ts';
import { benchLog, machine, numberArg, round, stringArgs } from './lib/common.ts';

const log = benchLog('fuzz');
const WORKER = new URL('../src/fuzz/bench-worker.ts', import.meta.url);
const POLL_MS = 250;
/** Heap of one worker: a run that needs more (an input that blows up memory) is a crash. */
const WORKER_HEAP_MB = 1_536;
/** How long a worker may take to load its modules before its first run. */
const STARTUP_MS = 120_000;

interface Failure {
  readonly kind: 'crash' | 'hang';
  readonly index: number;
  readonly message: string;
  readonly input: string;
}

interface PropertyOutcome {
  readonly runs: number;
  readonly crashes: number;
  readonly hangs: number;
  readonly seconds: number;
  readonly slowestMs: number;
  /** The first few, for the log and the result. */
  readonly failures: readonly Failure[];
}

const KEPT_FAILURES = 5;

/** Runs `runs` inputs of one property, restarting the worker past any run that never ends. */
async function runProperty(
  p: AnyFuzzProperty,
  runs: number,
  seed: number,
  hangMs: number,
  watchdogMs: number,
): Promise<PropertyOutcome> {
  const t0 = performance.now();
  let done = 0;
  let crashes = 0;
  let hangs = 0;
  let slowestMs = 0;
  const failures: Failure[] = [];
  const record = (f: Failure): void => {
    if (f.kind === 'crash') crashes += 1;
    else hangs += 1;
    if (failures.length < KEPT_FAILURES) failures.push(f);
  };
  let from = 0;
  while (from < runs) {
    const progress = new SharedArrayBuffer(4);
    const counter = new Int32Array(progress);
    const input: WorkerInput = { property: p.name, runs, seed, from, hangMs, progress };
    const worker = new Worker(WORKER, {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.on('message', (m: WorkerFailure | WorkerDone) => {
      if (m.type === 'failure') record(m);
    });
    const outcome = await new Promise<
      WorkerDone | { stuckAt: number } | { diedAt: number; error: string }
    >((resolve, reject) => {
      const started = performance.now();
      let last = 0;
      let since = started;
      const timer = setInterval(() => {
        const now = Atomics.load(counter, 0);
        if (now === 0) {
          // Still loading its modules: no run to blame yet.
          if (performance.now() - started > STARTUP_MS) {
            clearInterval(timer);
            void worker.terminate();
            reject(
              new Error(`${p.name}: the fuzz worker did not start within ${String(STARTUP_MS)} ms`),
            );
          }
        } else if (now !== last) {
          last = now;
          since = performance.now();
        } else if (performance.now() - since > watchdogMs) {
          clearInterval(timer);
          void worker.terminate().then(() => resolve({ stuckAt: now - 1 }));
        }
      }, POLL_MS);
      worker.on('message', (m: WorkerFailure | WorkerDone) => {
        if (m.type !== 'done') return;
        clearInterval(timer);
        resolve(m);
      });
      worker.once('error', (err: Error) => {
        // Out of memory, or a throw outside a check: the run in progress crashed the worker.
        clearInterval(timer);
        const now = Atomics.load(counter, 0);
        if (now === 0) reject(err);
        else resolve({ diedAt: now - 1, error: err.message });
      });
    });
    if ('diedAt' in outcome) {
      done += outcome.diedAt - from + 1;
      record({
        kind: 'crash',
        index: outcome.diedAt,
        message: `the worker died: ${outcome.error}`,
        input: describeInput(drawInput(p.arbitrary, seed, outcome.diedAt, runs)),
      });
      log(`${p.name}: run ${String(outcome.diedAt)} killed its worker; restarted after it`);
      from = outcome.diedAt + 1;
      continue;
    }
    if ('stuckAt' in outcome) {
      // The runs before the stuck one completed (their failures were posted as they happened);
      // the stuck one is a hang, and the property goes on after it.
      done += outcome.stuckAt - from + 1;
      const stuck = drawInput(p.arbitrary, seed, outcome.stuckAt, runs);
      record({
        kind: 'hang',
        index: outcome.stuckAt,
        message: `no progress for ${String(watchdogMs)} ms`,
        input: describeInput(stuck),
      });
      log(`${p.name}: run ${String(outcome.stuckAt)} never ended; worker restarted after it`);
      from = outcome.stuckAt + 1;
      continue;
    }
    done += outcome.runs;
    slowestMs = Math.max(slowestMs, outcome.slowestMs);
    from = runs;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { runs: done, crashes, hangs, seconds, slowestMs, failures };
}

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const total = numberArg(args, 'runs', 10_000);
  const seed = numberArg(args, 'seed', Date.now() % 2 ** 31);
  const hangMs = numberArg(args, 'hang-ms', HANG_MS);
  const watchdogMs = numberArg(args, 'watchdog-ms', 30_000);
  const only = stringArgs(args, 'only');
  const properties = FUZZ_PROPERTIES.filter(
    (p) => only.length === 0 || only.some((o) => p.name.includes(o)),
  );
  if (properties.length === 0) throw new Error(`--only=${only.join(',')}: no such property`);
  const weights = properties.reduce((sum, p) => sum + p.benchWeight, 0);
  log(`${String(total)} runs over ${String(properties.length)} properties, seed ${String(seed)}`);
  const t0 = performance.now();
  const byProperty: Record<string, PropertyOutcome> = {};
  for (const p of properties) {
    const runs = Math.max(1, Math.round((total * p.benchWeight) / weights));
    const outcome = await runProperty(p, runs, seed, hangMs, watchdogMs);
    byProperty[p.name] = outcome;
    log(
      `${p.name}: ${String(outcome.runs)} runs in ${round(outcome.seconds)} s, ${String(outcome.crashes)} crashes, ${String(outcome.hangs)} hangs, slowest ${round(outcome.slowestMs)} ms`,
    );
    for (const f of outcome.failures)
      log(`  ${f.kind} at run ${String(f.index)}: ${f.message}; input ${f.input}`);
  }
  const outcomes = Object.values(byProperty);
  return {
    runs: outcomes.reduce((n, o) => n + o.runs, 0),
    crashes: outcomes.reduce((n, o) => n + o.crashes, 0),
    hangs: outcomes.reduce((n, o) => n + o.hangs, 0),
    properties: properties.length,
    seconds: round((performance.now() - t0) / 1000),
    seed,
    hang_ms: hangMs,
    slowest_run_ms: round(Math.max(0, ...outcomes.map((o) => o.slowestMs))),
    failures: Object.entries(byProperty)
      .flatMap(([name, o]) => o.failures.map((f) => ({ property: name, ...f })))
      .slice(0, 10),
    machine: machine(),
  };
}
