/**
 * Worker thread of `npm run bench -- fuzz`: runs one property over inputs `from`… of `runs`
 * drawn with a fixed seed (see drawBatch), and posts each crash or slow run as it happens and a
 * summary at the end. The index of the run in progress is kept in a shared counter, so that the
 * main thread can tell a run that never ends (and end this worker) from a slow one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BATCH, describeInput, drawBatch, runOnce } from './harness.ts';
import { FUZZ_PROPERTIES } from './properties.ts';

export interface WorkerInput {
  readonly property: string;
  readonly runs: number;
  readonly seed: number;
  /** First run of this worker (earlier ones ran in a worker that hung after them). */
  readonly from: number;
  readonly hangMs: number;
  /** Int32Array over a SharedArrayBuffer: [0] = index of the run in progress + 1. */
  readonly progress: SharedArrayBuffer;
}

/** Posted for each run that broke the contract (crash) or took longer than hangMs (hang). */
export interface WorkerFailure {
  readonly type: 'failure';
  readonly kind: 'crash' | 'hang';
  readonly index: number;
  readonly message: string;
  readonly input: string;
}

/** Posted once, after the last run. */
export interface WorkerDone {
  readonly type: 'done';
  readonly runs: number;
  readonly slowestMs: number;
}

const input = workerData as WorkerInput;
const p = FUZZ_PROPERTIES.find((candidate) => candidate.name === input.property);
if (p === undefined) throw new Error(`no fuzz property named ${input.property}`);
const progress = new Int32Array(input.progress);
let runs = 0;
let slowestMs = 0;
for (let start = Math.floor(input.from / BATCH) * BATCH; start < input.runs; start += BATCH) {
  for (const [offset, value] of drawBatch(p.arbitrary, input.seed, start, input.runs).entries()) {
    const index = start + offset;
    if (index < input.from) continue;
    Atomics.store(progress, 0, index + 1);
    const outcome = runOnce(p, value, input.hangMs);
    runs += 1;
    slowestMs = Math.max(slowestMs, outcome.ms);
    if (outcome.kind === 'ok') continue;
    const failure: WorkerFailure = {
      type: 'failure',
      kind: outcome.kind,
      index,
      message: outcome.message,
      input: describeInput(value),
    };
    parentPort?.postMessage(failure);
  }
}
const done: WorkerDone = { type: 'done', runs, slowestMs };
parentPort?.postMessage(done);
