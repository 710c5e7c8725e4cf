/**
 * The resync decision of the handshake (proto/README.md, "Handshake and resync", step 2): from
 * what the agent says it holds (Hello) and what the hub knows and wants, which apps get an
 * Assignment, which an AppRemoval, which are up to date, and which must report again. Pure: the
 * caller reads Redis and Git before and writes the counters and outbox after.
 *
 * Rules, per held app (every held app ends up in exactly one of assignments / removals /
 * upToDate):
 *
 * | Agent holds | Hub | Decision |
 * | --- | --- | --- |
 * | — | desired at v | assign at v |
 * | v' < v | desired at v | assign at v |
 * | v, same digest | desired at v | up to date |
 * | v, other digest | desired at v | hub bug: assign at max(counter, v) + 1, counter moves there |
 * | v' > v, same digest | desired at v | up to date at v'; the hub adopts v' (counter ≥ v') |
 * | v' > v, other digest | desired at v | assign at max(counter, v') + 1, counter moves there |
 * | v' | not desired | removal at max(v', counter) + 1; deletion mode of the hub's last assignment, orphan without a record |
 *
 * Report requests: up-to-date apps whose held status hash differs from the hub's copy, or for
 * which the hub has none. Assigned apps report after applying anyway.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto/domain';
import type { AppVersion, DeletionMode, HeldApp, ResyncPlan } from '@gitfleet/proto/domain';

/** What the hub wants on the target for one app. */
export interface DesiredApp {
  /** Version of the hub's current assignment for the app (allocated, ≥ 1). */
  readonly version: number;
  /** Content digest of that assignment. */
  readonly digest: string;
  /** Deletion policy of that assignment. */
  readonly deletion: DeletionMode;
}

/** The hub's side of the resync, for one target. */
export interface ResyncHubState {
  /** Every app the hub wants on the target. */
  readonly desired: ReadonlyMap<string, DesiredApp>;
  /** The hub's version counter for the app (last version allocated; 0 if none). */
  readonly versionOf: (app: string) => number;
  /** The status hash of the last report the hub stored for the app. */
  readonly lastStatusHash: (app: string) => string | undefined;
  /** Deletion mode of the hub's last assignment, for apps it no longer wants. */
  readonly knownRemovals?: ReadonlyMap<string, DeletionMode>;
}

/** An AppRemoval the hub must send. */
export interface PlannedRemoval {
  readonly app: string;
  readonly version: number;
  readonly deletion: DeletionMode;
}

export interface ResyncDecision {
  /** Goes into Welcome. */
  readonly plan: ResyncPlan;
  /** Assignments to send after Welcome (same as `plan.assignments`). */
  readonly assign: AppVersion[];
  /** AppRemovals to send after Welcome (`plan.removals`, with their deletion mode). */
  readonly remove: PlannedRemoval[];
  /**
   * Apps whose version counter the hub must raise to the given value before sending (never
   * lowers one): the agent was ahead of the hub, or a new version was allocated here.
   */
  readonly bumpVersions: Map<string, number>;
  /**
   * Up-to-date apps the agent holds at a version above the hub's record (the hub lost state):
   * the hub must record its current assignment for the app at this version.
   */
  readonly adopt: AppVersion[];
}

function byApp(a: { readonly app: string }, b: { readonly app: string }): number {
  return a.app < b.app ? -1 : a.app > b.app ? 1 : 0;
}

function checkVersion(app: string, version: number, what: string): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new GitfleetError(
      ErrorCode.Internal,
      `planResync: app ${app}: ${what} ${String(version)} is not a positive integer`,
      { details: { app } },
    );
  }
}

/**
 * Computes the resync plan (see the module comment for the rules).
 *
 * @throws GitfleetError PROTOCOL_VIOLATION when Hello lists an app twice (the codec rejects
 *   that, so it only happens with a hand-built Hello); INTERNAL when a desired version is not a
 *   positive integer
 */
export function planResync(
  hello: { readonly held: readonly HeldApp[] },
  hub: ResyncHubState,
): ResyncDecision {
  const assign: AppVersion[] = [];
  const remove: PlannedRemoval[] = [];
  const upToDate: string[] = [];
  const reportRequests: string[] = [];
  const adopt: AppVersion[] = [];
  const bumpVersions = new Map<string, number>();

  const counterOf = (app: string): number => Math.max(0, hub.versionOf(app));
  const bump = (app: string, version: number): void => {
    if (version > counterOf(app)) bumpVersions.set(app, version);
  };
  const current = (app: string, statusHash: string | undefined): void => {
    upToDate.push(app);
    const hubHash = hub.lastStatusHash(app);
    if (hubHash === undefined || hubHash !== statusHash) reportRequests.push(app);
  };

  const held = new Set<string>();
  for (const h of hello.held) {
    if (held.has(h.app)) {
      throw new GitfleetError(
        ErrorCode.ProtocolViolation,
        `Hello: app ${h.app} is listed twice in held`,
        { details: { app: h.app } },
      );
    }
    held.add(h.app);
    const desired = hub.desired.get(h.app);
    if (desired === undefined) {
      const version = Math.max(h.assignmentVersion, counterOf(h.app)) + 1;
      remove.push({
        app: h.app,
        version,
        deletion: hub.knownRemovals?.get(h.app) ?? 'orphan',
      });
      bump(h.app, version);
      continue;
    }
    checkVersion(h.app, desired.version, 'desired version');
    const sameDigest = h.contentDigest === desired.digest;
    if (h.assignmentVersion < desired.version) {
      assign.push({ app: h.app, version: desired.version });
      bump(h.app, desired.version);
    } else if (h.assignmentVersion > desired.version && sameDigest) {
      // The hub lost state; the agent already has what the hub wants.
      adopt.push({ app: h.app, version: h.assignmentVersion });
      bump(h.app, h.assignmentVersion);
      current(h.app, h.statusHash);
    } else if (sameDigest) {
      current(h.app, h.statusHash);
    } else {
      // Same version with another digest (a hub bug), or the agent ahead with other content:
      // either way a fresh version above everything seen.
      const version = Math.max(h.assignmentVersion, counterOf(h.app)) + 1;
      assign.push({ app: h.app, version });
      bump(h.app, version);
    }
  }
  for (const [app, desired] of hub.desired) {
    if (held.has(app)) continue;
    checkVersion(app, desired.version, 'desired version');
    assign.push({ app, version: desired.version });
    bump(app, desired.version);
  }

  assign.sort(byApp);
  remove.sort(byApp);
  adopt.sort(byApp);
  upToDate.sort();
  reportRequests.sort();
  return {
    plan: {
      assignments: assign.map(({ app, version }) => ({ app, version })),
      removals: remove.map(({ app, version }) => ({ app, version })),
      reportRequests,
      upToDate,
    },
    assign,
    remove,
    bumpVersions,
    adopt,
  };
}
