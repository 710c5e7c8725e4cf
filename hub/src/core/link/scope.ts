/**
 * What one agent stream may speak about (proto/README.md, "Limits and quotas"): reports only for
 * apps assigned to the stream's own target, at versions the hub has assigned; assignments,
 * removals and sync requests sent on the stream only for that target. Pure: the hub keeps, per
 * stream, the apps it has assigned and their highest version, and asks here.
 */
import type { ResyncDecision, ResyncHubState } from '../resync.ts';

/** App → highest version the hub assigned on this stream (apps being removed are absent). */
export type AssignedApps = ReadonlyMap<string, number>;

/** The apps assigned to the target once the resync's decision is carried out. */
export function assignedAfterResync(
  desired: ResyncHubState['desired'],
  decision: Pick<ResyncDecision, 'adopt' | 'assign' | 'remove'>,
): Map<string, number> {
  const assigned = new Map<string, number>();
  for (const [app, d] of desired) assigned.set(app, d.version);
  for (const a of [...decision.adopt, ...decision.assign]) {
    assigned.set(a.app, Math.max(a.version, assigned.get(a.app) ?? 0));
  }
  for (const r of decision.remove) assigned.delete(r.app);
  return assigned;
}

/** Records that an assignment or removal was sent on the stream. */
export function afterSend(
  assigned: Map<string, number>,
  sent: {
    readonly kind: 'assignment' | 'appRemoval';
    readonly app: string;
    readonly version: number;
  },
): void {
  if (sent.kind === 'appRemoval') {
    assigned.delete(sent.app);
    return;
  }
  assigned.set(sent.app, Math.max(sent.version, assigned.get(sent.app) ?? 0));
}

export const RefusalReason = {
  /** A message names another target than the stream's own. */
  ForeignTarget: 'foreign-target',
  /** A report for an app that is not assigned to the target. */
  UnassignedApp: 'unassigned-app',
  /** A report for a version of the app the hub never assigned. */
  UnknownVersion: 'unknown-version',
  /** The stream sent faster than its quota. */
  RateLimit: 'rate-limit',
  /** Hello (or a ResyncPlan) lists more apps than MAX_HELD_APPS. */
  HeldAppsLimit: 'held-apps-limit',
  /** A new stream refused: the target's stream was taken over too often. */
  TakeoverLimit: 'takeover-limit',
  /** The hub's own outbox produced a message for another target; it was not sent. */
  ForeignTargetOutbound: 'foreign-target-outbound',
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];

export type ScopeVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: RefusalReason;
      /** Names the subject first and says what happens. */
      readonly message: string;
    };

const OK: ScopeVerdict = { ok: true };

/**
 * Whether a status report received on `target`'s stream may be stored. A report for another
 * target ends the stream (PERMISSION_DENIED); the other refusals reject only the report.
 */
export function checkReport(
  target: string,
  assigned: AssignedApps,
  report: { readonly target: string; readonly app: string; readonly assignmentVersion: number },
): ScopeVerdict {
  if (report.target !== target) {
    return {
      ok: false,
      reason: RefusalReason.ForeignTarget,
      message: `report for target ${report.target} on ${target}'s stream: an agent reports only for its own target`,
    };
  }
  const version = assigned.get(report.app);
  if (version === undefined) {
    return {
      ok: false,
      reason: RefusalReason.UnassignedApp,
      message: `report for app ${report.app} on target ${target}: the app is not assigned to ${target}; the report is dropped`,
    };
  }
  if (report.assignmentVersion > version) {
    return {
      ok: false,
      reason: RefusalReason.UnknownVersion,
      message: `report for app ${report.app} on target ${target}: assignment version ${String(report.assignmentVersion)} was never assigned (latest is ${String(version)}); the report is dropped`,
    };
  }
  return OK;
}

/**
 * Whether an assignment, removal or sync request may be sent on `target`'s stream: never when it
 * names another target (a hub bug; sending it would let one agent act on another's apps).
 */
export function checkOutbound(
  target: string,
  message: {
    readonly kind: 'assignment' | 'appRemoval' | 'syncRequest';
    readonly target: string;
    readonly app: string;
  },
): ScopeVerdict {
  if (message.target === target) return OK;
  return {
    ok: false,
    reason: RefusalReason.ForeignTargetOutbound,
    message: `${message.kind} for app ${message.app} names target ${message.target} but would go on ${target}'s stream; not sent`,
  };
}
