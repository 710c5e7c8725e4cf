/**
 * When sync passes run: passes of one app never overlap, requests during a pass coalesce into one
 * more pass ('apply' wins over 'resync'), failed passes are retried with backoff, and a periodic
 * resync re-runs every app. After the last pass of a burst, the app is reported and the drift
 * checks that waited for the pass run.
 */
import { toGitfleetError } from '@gitfleet/proto';
import { retryDelayMs } from '../core/pass-outcome.ts';
import type { AppRuntime, PassMode } from './app-state.ts';
import type { ReconcileContext } from './context.ts';

/** Runs one pass of an app. */
export type PassRunner = (rt: AppRuntime, mode: PassMode) => Promise<void>;

export class SyncScheduler {
  private readonly ctx: ReconcileContext;
  private readonly runPass: PassRunner;

  constructor(ctx: ReconcileContext, runPass: PassRunner) {
    this.ctx = ctx;
    this.runPass = runPass;
  }

  /** Queues a sync pass; passes of one app never overlap, bursts coalesce into one more pass. */
  schedule(app: string, mode: PassMode = 'apply'): void {
    const { apps, logger, triggers } = this.ctx;
    const rt = apps.get(app);
    if (rt === undefined || rt.removed || apps.closed) return;
    if (rt.running !== undefined) {
      rt.again = true;
      rt.nextMode = rt.nextMode === 'apply' || mode === 'apply' ? 'apply' : 'resync';
      return;
    }
    const run = async (): Promise<void> => {
      let current = mode;
      try {
        do {
          rt.again = false;
          rt.nextMode = undefined;
          rt.runningMode = current;
          await this.runPass(rt, current);
          current = rt.nextMode ?? 'apply';
        } while (rt.again && !rt.removed && !apps.closed);
      } finally {
        rt.running = undefined;
        rt.runningMode = undefined;
      }
      // events that arrived during the pass did not schedule reports: report now
      triggers.report(app);
      const pending = [...rt.pendingDrift];
      rt.pendingDrift.clear();
      for (const key of pending) triggers.checkDrift(rt, key);
    };
    rt.running = run();
    rt.running.catch((err: unknown) =>
      logger.error('sync pass crashed', { app, error: toGitfleetError(err).message }),
    );
  }

  /** Queues the app's next pass after a backoff that grows with each retry. */
  retry(rt: AppRuntime): void {
    clearTimeout(rt.retryTimer);
    const delay = retryDelayMs(rt.retryAttempt++);
    rt.retryTimer = setTimeout(() => this.schedule(rt.assignment.app), delay);
    rt.retryTimer.unref();
  }

  resyncAll(): void {
    for (const app of this.ctx.apps.names()) this.schedule(app, 'resync');
  }

  /** Resolves once no sync pass is running or queued for `app`. */
  async idle(app: string): Promise<void> {
    for (;;) {
      const rt = this.ctx.apps.get(app);
      if (rt?.running === undefined) return;
      await rt.running.catch(() => undefined);
    }
  }
}
