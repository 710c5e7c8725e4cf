/**
 * Whether the agent takes a message of the hub: the trust gate in front of everything the agent
 * does to its cluster on the hub's word (proto/README.md, "Signed desired state").
 *
 * With pinned hub keys, an Assignment, AppRemoval or SyncRequest is taken only when the hub's
 * signature holds for this target (proto/src/domain/signature.ts), and an Assignment or
 * AppRemoval only at a version above every version the agent passed for that app — held,
 * applied or removed: versions are shared by assignments and removals of one (target, app). The
 * same version again is a resend (acked, not applied); an older one is a replay (refused).
 * Without pinned keys nothing is checked here: the agent takes what the hub sends, as a hub
 * without a signing key expects. A refusal is a terminal GitfleetError: the link acks the message
 * with it (a negative ack) and the hub records and shows it.
 *
 * A persisted assignment (the agent's state Secret) is checked the same way when the agent
 * starts, and its objects against its digest (nothing decoded it from the wire).
 */
import {
  ErrorCode,
  GitfleetError,
  checkHubSignature,
  contentDigest,
  isDnsLabel,
  isGitfleetError,
  isRevision,
  isSha256Digest,
  type AppRemoval,
  type Assignment,
  type PinnedHubKeys,
  type StatusReport,
  type SyncRequest,
} from '@gitfleet/proto/domain';

/** What to do with a hub message that passed the gate. */
export const Intake = {
  /** Take it over (and apply it, as its policies say). */
  Take: 'take',
  /** A resend of the version passed last: ack it, apply nothing. */
  Duplicate: 'duplicate',
  /** Not checked (no pinned keys): the agent's own version rules decide. */
  Unchecked: 'unchecked',
} as const;
export type Intake = (typeof Intake)[keyof typeof Intake];

export interface IntakeContext {
  /** The agent's target. */
  readonly target: string;
  /** The hub keys the agent pins; undefined: verification off. */
  readonly keys: PinnedHubKeys | undefined;
  /** The highest version of the message's app the agent passed; undefined: none. */
  readonly passed: number | undefined;
}

/**
 * The gate for an Assignment or AppRemoval.
 *
 * @throws GitfleetError SIGNATURE_INVALID (terminal) when the signature does not hold;
 *   REPLAYED (terminal) when the version is below one the agent passed for the app
 */
export function admitDesired(m: Assignment | AppRemoval, ctx: IntakeContext): Intake {
  if (ctx.keys === undefined) return Intake.Unchecked;
  checkHubSignature(m, ctx.target, ctx.keys);
  if (ctx.passed === undefined || m.version > ctx.passed) return Intake.Take;
  if (m.version === ctx.passed) return Intake.Duplicate;
  throw new GitfleetError(
    ErrorCode.Replayed,
    `${m.kind} ${m.app} v${String(m.version)} for target ${m.target}: the agent already passed v${String(ctx.passed)} of this app; an older version is a replay: refused, nothing of it applies`,
    {
      terminal: true,
      details: { app: m.app, version: m.version, passed: ctx.passed },
    },
  );
}

/**
 * The gate for a SyncRequest: its signature (the held version it names is checked by the agent).
 *
 * @throws GitfleetError SIGNATURE_INVALID (terminal)
 */
export function admitSyncRequest(s: SyncRequest, ctx: Omit<IntakeContext, 'passed'>): void {
  if (ctx.keys !== undefined) checkHubSignature(s, ctx.target, ctx.keys);
}

/**
 * Why a persisted assignment must not be resumed, or undefined when it may: its objects do not
 * match its digest, or (with pinned keys) its signature does not hold. Never throws.
 */
export function persistedProblem(
  a: Assignment,
  ctx: Omit<IntakeContext, 'passed'>,
): GitfleetError | undefined {
  if (ctx.keys === undefined) return undefined;
  const refused = (why: string): GitfleetError =>
    new GitfleetError(
      ErrorCode.SignatureInvalid,
      `persisted assignment ${String(a.app)} v${String(a.version)}: ${why} (changed in the state Secret); not resumed`,
      { terminal: true, details: { app: String(a.app) } },
    );
  try {
    if (contentDigest(a.objects) !== a.contentDigest) {
      return refused('its objects do not match its content digest');
    }
    checkHubSignature(a, ctx.target, ctx.keys);
    return undefined;
  } catch (err) {
    if (isGitfleetError(err, ErrorCode.SignatureInvalid)) return err;
    return refused(`it is unreadable (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Whether a persisted removal (the tombstone that keeps a removed app's version) holds: only a
 * signed one counts towards the versions passed. Never throws.
 */
export function persistedRemovalHolds(r: AppRemoval, ctx: Omit<IntakeContext, 'passed'>): boolean {
  if (ctx.keys === undefined) return false;
  try {
    checkHubSignature(r, ctx.target, ctx.keys);
    return true;
  } catch {
    return false;
  }
}

/** A StatusReport without `statusHash` and `observedAtUnixMs` (the caller adds them). */
export type RefusalReport = Omit<StatusReport, 'statusHash' | 'observedAtUnixMs'>;

/**
 * The report of a persisted assignment the agent refused to resume: at the version it claims,
 * sync `Failed`, health `Unknown`, no objects, and the refusal as the app's error. The hub
 * resends the app's desired state (the agent no longer holds it), whose report replaces this one.
 * Undefined when the persisted fields are not even well formed (nothing the hub could file it
 * under): the agent's log says it then.
 */
export function refusedStateReport(
  a: Pick<Assignment, 'target' | 'app' | 'version' | 'revision' | 'contentDigest'>,
  error: GitfleetError,
): RefusalReport | undefined {
  const wellFormed =
    typeof a.app === 'string' &&
    isDnsLabel(a.app) &&
    typeof a.target === 'string' &&
    isDnsLabel(a.target) &&
    Number.isSafeInteger(a.version) &&
    a.version >= 1 &&
    typeof a.revision === 'string' &&
    isRevision(a.revision) &&
    typeof a.contentDigest === 'string' &&
    isSha256Digest(a.contentDigest);
  if (!wellFormed) return undefined;
  return {
    kind: 'statusReport',
    target: a.target,
    app: a.app,
    assignmentVersion: a.version,
    revision: a.revision,
    contentDigest: a.contentDigest,
    syncState: 'Failed',
    health: { status: 'Unknown', message: 'not applied: the persisted assignment was refused' },
    objects: [],
    drift: [],
    unmanaged: [],
    error: { code: error.code, message: error.message },
  };
}
