/**
 * What the reconciler's collaborators share: the cluster, the app table, the watch cache and
 * discovery, settings, and the triggers through which one collaborator asks another for work
 * (a pass, a retry, a report, a scan, a drift check) without holding it.
 */
import { toGitfleetError, type Logger } from '@gitfleet/proto';
import type { KubeClient } from '../kube/port.ts';
import type { AppRuntime, AppTable, PassMode } from './app-state.ts';
import type { Discovery } from './discovery.ts';
import type { WatchRegistry } from './watches.ts';

export interface ReconcileSettings {
  readonly applyConcurrency: number;
  /** Salt for Secret value fingerprints in drift records (the store's, once started). */
  maskSalt: string | undefined;
}

export interface Triggers {
  /** Queues a sync pass of `app`. */
  sync(app: string, mode?: PassMode): void;
  /** Queues the app's next pass after a backoff. */
  retry(rt: AppRuntime): void;
  /** Queues a (debounced) report of `app`. */
  report(app: string): void;
  /** Scans `app`'s namespaces for unmanaged objects, in the background. */
  scan(app: string): void;
  /** Drift-checks one object of `rt`, in the background. */
  checkDrift(rt: AppRuntime, key: string): void;
}

export interface ReconcileContext {
  readonly kube: KubeClient;
  readonly logger: Logger;
  readonly now: () => number;
  readonly apps: AppTable;
  readonly watches: WatchRegistry;
  readonly discovery: Discovery;
  readonly settings: ReconcileSettings;
  readonly triggers: Triggers;
}

/** Runs `work` in the background: a failure is logged (JSON), never left to float. */
export function background(logger: Logger, app: string, what: string, work: Promise<void>): void {
  work.catch((err: unknown) =>
    logger.error(`${what} failed`, { app, error: toGitfleetError(err).message }),
  );
}
