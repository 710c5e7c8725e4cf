/**
 * The trust gate every piece of the hub's desired state passes before the agent acts on it
 * (decisions: ../core/intake.ts). With pinned hub keys only state the hub signed for this target
 * is taken, never at a version below one already passed for the app (assignments and removals
 * share the versions); a refusal is logged and thrown as the negative ack the hub shows.
 * Persisted state — saved assignments and removed apps' tombstones — is checked the same way at
 * start.
 */
import {
  statusHash,
  toGitfleetError,
  type AppRemoval,
  type Assignment,
  type GitfleetError,
  type Logger,
  type PinnedHubKeys,
  type SyncRequest,
} from '@gitfleet/proto';
import {
  admitDesired,
  admitSyncRequest,
  persistedProblem,
  persistedRemovalHolds,
  refusedStateReport,
  type Intake,
} from '../core/intake.ts';
import type { ClusterAppStore } from '../state/app-store.ts';
import type { Reporter } from './reporter.ts';

export interface TrustGateOptions {
  readonly target: string;
  /** Absent: nothing is verified (a hub without a signing key). */
  readonly keys: PinnedHubKeys | undefined;
  readonly logger: Logger;
  readonly now: () => number;
}

export class TrustGate {
  private readonly opts: TrustGateOptions;
  /** App → the highest version taken (assignment or removal), for the replay check. */
  private readonly passed = new Map<string, number>();

  constructor(opts: TrustGateOptions) {
    this.opts = opts;
  }

  /**
   * The verdict on an assignment or removal.
   *
   * @throws GitfleetError SIGNATURE_INVALID or REPLAYED (terminal: a negative ack)
   */
  admit(m: Assignment | AppRemoval): Intake {
    try {
      return admitDesired(m, {
        target: this.opts.target,
        keys: this.opts.keys,
        passed: this.passed.get(m.app),
      });
    } catch (err) {
      throw this.refused(m.app, m.version, err);
    }
  }

  /** @throws GitfleetError SIGNATURE_INVALID when a sync request is not the hub's */
  admitSyncRequest(s: SyncRequest): void {
    try {
      admitSyncRequest(s, { target: this.opts.target, keys: this.opts.keys });
    } catch (err) {
      throw this.refused(s.app, s.assignmentVersion, err);
    }
  }

  /** Records that `version` of `app` was taken (later replays of older versions are refused). */
  passedAt(app: string, version: number): void {
    if (version > (this.passed.get(app) ?? 0)) this.passed.set(app, version);
  }

  /**
   * Whether a persisted assignment may be resumed; a refused one is logged and reported through
   * `report` (the hub then resends its own).
   */
  resumable(a: Assignment, report: Reporter | undefined): boolean {
    const problem = persistedProblem(a, { target: this.opts.target, keys: this.opts.keys });
    if (problem === undefined) return true;
    this.opts.logger.error(
      'persisted assignment refused: not resumed, waiting for the hub to resend it',
      { app: String(a.app), code: problem.code, error: problem.message },
    );
    const content = refusedStateReport(a, problem);
    if (content !== undefined) {
      report?.(
        { ...content, statusHash: statusHash(content), observedAtUnixMs: this.opts.now() },
        {},
      );
    }
    return false;
  }

  /**
   * Reads the versions removed apps were removed at (their signed tombstones) for the replay
   * check; apps in `held` have a live assignment instead.
   */
  async loadRemovals(store: ClusterAppStore, held: (app: string) => boolean): Promise<void> {
    if (this.opts.keys === undefined) return;
    const removals = await store.loadRemovals((app, err) =>
      this.opts.logger.warn('tombstone unreadable: ignored', {
        app,
        error: toGitfleetError(err).message,
      }),
    );
    for (const r of removals) {
      if (held(r.app)) continue;
      if (persistedRemovalHolds(r, { target: this.opts.target, keys: this.opts.keys })) {
        this.passedAt(r.app, r.version);
      } else {
        this.opts.logger.warn('tombstone not signed by a pinned hub key: ignored', { app: r.app });
      }
    }
  }

  private refused(app: string, version: number, err: unknown): GitfleetError {
    const e = toGitfleetError(err);
    this.opts.logger.error('refused desired state from the hub; nothing of it applies', {
      app,
      version,
      code: e.code,
      error: e.message,
    });
    return e;
  }
}
