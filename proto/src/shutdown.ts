/**
 * An ordered shutdown that ends within a budget whatever the dependencies do. Each step runs in
 * turn, bounded by its own timeout and by what is left of the budget; a step that does not finish
 * in time is left behind (its `onTimeout` may force it: destroy sockets, disconnect clients) and
 * named in the log; once the budget is spent, the remaining steps are skipped except those marked
 * `always` (quick, synchronous-ish: closing connections, clearing timers). A failing step is
 * logged and the next one runs.
 *
 * `unfinished()` names the steps not done yet at any moment: what the binary's shutdown deadline
 * reports when even this was not enough (proto/src/run-binary.ts).
 */
import { toGitfleetError } from './domain/errors.ts';
import type { Logger } from './domain/logger.ts';

export interface ShutdownStep {
  readonly name: string;
  /** May return a promise: the step ends when it settles. */
  readonly run: () => unknown;
  /**
   * Longest this step may take (also bounded by what is left of the budget); a function is asked
   * when the step starts (an earlier step may have learnt that waiting is pointless).
   */
  readonly timeoutMs?: number | (() => number);
  /** Runs even when the budget is spent. */
  readonly always?: boolean;
  /** Called when the step did not finish within its time: force it. */
  readonly onTimeout?: () => void;
}

export interface ShutdownReport {
  /** Steps that did not finish within their time (left running). */
  readonly timedOut: readonly string[];
  /** Steps not started because the budget was spent. */
  readonly skipped: readonly string[];
  /** Steps that threw or rejected. */
  readonly failed: readonly string[];
  readonly ms: number;
}

export interface ShutdownOptions {
  /** The whole sequence's budget (steps marked `always` may run past it). */
  readonly budgetMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

type Outcome = 'done' | 'failed' | 'timeout';

/**
 * Less budget than this left counts as none: a step would be started only to be abandoned (and a
 * timer may fire a millisecond before Date.now() says its time has come).
 */
const MIN_STEP_MS = 10;

export class ShutdownSequence {
  readonly #steps: readonly ShutdownStep[];
  readonly #opts: ShutdownOptions;
  readonly #now: () => number;
  readonly #pending: Set<string>;
  #running: Promise<ShutdownReport> | undefined;

  constructor(steps: readonly ShutdownStep[], opts: ShutdownOptions) {
    this.#steps = steps;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#pending = new Set(steps.map((s) => s.name));
  }

  /** Steps not finished (running, left behind after a timeout, or not run yet), in order. */
  unfinished(): string[] {
    return this.#steps.map((s) => s.name).filter((n) => this.#pending.has(n));
  }

  /** Runs the steps (once: every call gets the same result). */
  run(): Promise<ShutdownReport> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async #run(): Promise<ShutdownReport> {
    const t0 = this.#now();
    const deadline = t0 + this.#opts.budgetMs;
    const timedOut: string[] = [];
    const skipped: string[] = [];
    const failed: string[] = [];
    for (const step of this.#steps) {
      const left = deadline - this.#now();
      if (left < MIN_STEP_MS && step.always !== true) {
        skipped.push(step.name);
        continue;
      }
      // an `always` step past the budget still gets a short bound of its own
      const room = step.always === true ? Math.max(left, 1_000) : left;
      const own = typeof step.timeoutMs === 'function' ? step.timeoutMs() : step.timeoutMs;
      const limit = Math.min(own ?? Number.POSITIVE_INFINITY, room);
      const outcome = await this.#runStep(step, limit);
      if (outcome === 'timeout') {
        timedOut.push(step.name);
        this.#opts.logger.warn('shutdown step did not finish in time; going on without it', {
          step: step.name,
          timeoutMs: limit,
        });
        try {
          step.onTimeout?.();
        } catch (err) {
          this.#opts.logger.warn('forcing a shutdown step failed', {
            step: step.name,
            error: toGitfleetError(err).message,
          });
        }
      } else if (outcome === 'failed') {
        failed.push(step.name);
      }
    }
    if (skipped.length > 0) {
      this.#opts.logger.warn('shutdown budget spent; steps skipped', {
        skipped,
        budgetMs: this.#opts.budgetMs,
      });
    }
    return { timedOut, skipped, failed, ms: this.#now() - t0 };
  }

  #runStep(step: ShutdownStep, limitMs: number): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), limitMs);
      Promise.resolve()
        .then(step.run)
        .then(
          () => {
            this.#pending.delete(step.name);
            clearTimeout(timer);
            resolve('done');
          },
          (err: unknown) => {
            this.#pending.delete(step.name);
            clearTimeout(timer);
            this.#opts.logger.warn('shutdown step failed', {
              step: step.name,
              error: toGitfleetError(err).message,
            });
            resolve('failed');
          },
        );
    });
  }
}
