/**
 * Status reports of the held apps: built from an app's state (the decisions are
 * ../core/report-state.ts), debounced so a burst of changes makes one report, skipped when nothing
 * changed since the last one, and sent through the hub link's outbox continuing the trace of the
 * apply they report on. Also the report of an assignment that could not be taken over.
 */
import {
  objectRef,
  statusHash,
  toGitfleetError,
  type Assignment,
  type KubeObject,
  type Logger,
  type ObjectRef,
  type StatusReport,
  type TraceCarrier,
} from '@gitfleet/proto';
import { expiredCorrections, reportObjects, reportSyncState } from '../core/report-state.ts';
import { untakenAssignmentReport } from '../core/take-failure.ts';
import type { KubeClient } from '../kube/port.ts';
import type { ClusterAppStore } from '../state/app-store.ts';
import type { AppRuntime, AppTable } from './app-state.ts';
import type { WatchRegistry } from './watches.ts';

/** Sends a report, continuing the trace of the apply it reports on (empty carrier: none). */
export type Reporter = (report: StatusReport, trace: TraceCarrier) => void;

export interface StatusReporterDeps {
  readonly apps: AppTable;
  readonly watches: WatchRegistry;
  readonly kube: KubeClient;
  readonly store: ClusterAppStore;
  readonly logger: Logger;
  readonly now: () => number;
  /** Delay that coalesces bursts of events into one report. */
  readonly debounceMs: number;
  readonly sink: Reporter | undefined;
}

export class StatusReporter {
  private readonly deps: StatusReporterDeps;
  private sink: Reporter | undefined;

  constructor(deps: StatusReporterDeps) {
    this.deps = deps;
    this.sink = deps.sink;
  }

  setSink(fn: Reporter): void {
    this.sink = fn;
  }

  /** Queues a report of `app`; one is sent per debounce period, and only when it changed. */
  schedule(app: string): void {
    const { apps, logger, debounceMs } = this.deps;
    const rt = apps.get(app);
    if (rt === undefined || rt.reportTimer !== undefined || apps.closed) return;
    rt.reportTimer = setTimeout(() => {
      rt.reportTimer = undefined;
      if (rt.removed) return;
      try {
        const report = this.build(rt);
        if (report.statusHash === rt.lastReportHash) return;
        rt.lastReportHash = report.statusHash;
        this.sink?.(report, rt.reportTrace);
        // the report that shows the apply finished closes its trace; later ones start none
        if (report.syncState !== 'Applying') rt.reportTrace = {};
      } catch (err) {
        // a report that cannot be built or queued must not take the reconciler down
        logger.error('could not report', { app, error: toGitfleetError(err).message });
      }
    }, debounceMs);
    rt.reportTimer.unref();
  }

  /** The hub asks for the current reports of `apps` (sent even when unchanged). */
  requested(apps: readonly string[]): void {
    for (const app of apps) {
      const rt = this.deps.apps.get(app);
      if (rt === undefined) continue;
      rt.lastReportHash = undefined;
      this.schedule(app);
    }
  }

  /** The current report of an app (corrected drifts past their time to live are dropped). */
  build(rt: AppRuntime): StatusReport {
    const a = rt.assignment;
    const now = this.deps.now();
    for (const k of expiredCorrections(rt.drift, now)) rt.drift.delete(k);
    const refs = new Map<string, ObjectRef>();
    const live = new Map<string, KubeObject>();
    for (const [key, obj] of rt.desiredByKey) {
      const cached = this.deps.watches.cachedOf(obj);
      refs.set(key, objectRef(obj));
      if (cached !== undefined) live.set(key, cached);
    }
    const { objects, health } = reportObjects(refs, rt.entries, live);
    const syncState = reportSyncState({
      runningMode: rt.runningMode,
      failed: rt.error !== undefined,
      applied: rt.syncedVersion === a.version,
      automated: a.policies.sync === 'automated',
      entries: [...rt.entries.values()],
      drift: [...rt.drift.values()],
      desiredCount: rt.desiredByKey.size,
    });
    const content = {
      kind: 'statusReport' as const,
      target: a.target,
      app: a.app,
      assignmentVersion: a.version,
      revision: a.revision,
      contentDigest: a.contentDigest,
      syncState,
      health,
      objects,
      drift: [...rt.drift.values()],
      unmanaged: rt.unmanaged,
      ...(rt.error === undefined ? {} : { error: rt.error }),
    };
    return { ...content, statusHash: statusHash(content), observedAtUnixMs: now };
  }

  /**
   * Reports, at the assignment's own version, why it could not be taken over (the decision and
   * its wording are core/take-failure.ts). Sent on every failed attempt — at most once per resend
   * of the hub — so a report of the previous version queued meanwhile never hides it for long.
   */
  untaken(a: Assignment, err: unknown): void {
    const { store, kube, logger, now } = this.deps;
    const e = toGitfleetError(err);
    const content = untakenAssignmentReport(
      {
        target: a.target,
        app: a.app,
        version: a.version,
        revision: a.revision,
        contentDigest: a.contentDigest,
        stateSecret: store.secretOf(a.app),
        server: kube.server,
      },
      e,
    );
    if (content === undefined) return;
    logger.warn('could not take an assignment over; reported to the hub', {
      app: a.app,
      version: a.version,
      code: e.code,
      error: e.message,
    });
    try {
      const report = { ...content, statusHash: statusHash(content), observedAtUnixMs: now() };
      this.sink?.(report, {});
    } catch (reportErr) {
      logger.error('could not report', {
        app: a.app,
        error: toGitfleetError(reportErr).message,
      });
    }
  }
}
