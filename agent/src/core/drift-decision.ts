/**
 * The drift decision for one managed object after a watch event, as a tree: whether to look at
 * the object at all; once live has been read, whether this app may act on it and in which mode;
 * and once live has been compared with what was applied, whether it is back in sync, reported
 * (warn), left alone while another controller keeps fighting (backoff) or corrected.
 *
 * Pure: the drift loop (../reconcile/drift-loop.ts) reads and writes around these functions.
 */
import { ErrorCode } from '@gitfleet/proto/domain';
import type {
  DriftMode,
  DriftRecord,
  ErrorDetail,
  KubeObject,
  ObjectRef,
} from '@gitfleet/proto/domain';
import type { TakeDecision } from './ownership.ts';
import { isCrd } from './schema-augment.ts';
import type { ChangeSetEntry } from './sync-state.ts';

/** What a drift check does before it reads anything. */
export type DriftCheckStart =
  /** Nothing to check: not declared, the app is being removed, the agent is closing, or the
   * version is not applied yet (manual mode, or its first pass is pending). */
  | 'skip'
  /** A pass of the app is running: check right after it. */
  | 'defer'
  | 'check';

export interface DriftCheckStartInput {
  /** The app's desired set declares the object. */
  readonly declared: boolean;
  readonly removed: boolean;
  readonly closed: boolean;
  readonly passRunning: boolean;
  /** A pass of the assignment's current version completed. */
  readonly applied: boolean;
}

export function startDriftCheck(input: DriftCheckStartInput): DriftCheckStart {
  if (!input.declared || input.removed || input.closed) return 'skip';
  if (input.passRunning) return 'defer';
  return input.applied ? 'check' : 'skip';
}

/** The mode an object is checked in, or why it is not compared at all. */
export type DriftGate =
  /** Another assigned app owns it: that app corrects it; this one reports the conflict. */
  | { readonly kind: 'conflict'; readonly error: ErrorDetail }
  /** The cache still shows the very object the last correction was made from. */
  | { readonly kind: 'stale' }
  | { readonly kind: 'ignore' }
  | { readonly kind: 'compare'; readonly mode: 'warn' | 'correct' };

export interface DriftGateInput {
  /** Whether this app may write the object (../core/ownership.ts). */
  readonly take: TakeDecision;
  /** resourceVersion of the live object read (undefined: absent, or none). */
  readonly liveResourceVersion: string | undefined;
  /** resourceVersion of the live object the last correction was made from. */
  readonly correctedFromResourceVersion: string | undefined;
  /** The object's drift mode (annotation, override or policy). */
  readonly mode: DriftMode;
  /** Manual sync: nothing is written without a sync request, so `correct` only reports. */
  readonly manualSync: boolean;
}

export function gateDrift(input: DriftGateInput): DriftGate {
  if (input.take.action === 'refuse') return { kind: 'conflict', error: input.take.error };
  if (
    input.liveResourceVersion !== undefined &&
    input.correctedFromResourceVersion === input.liveResourceVersion
  )
    return { kind: 'stale' };
  const mode = input.manualSync && input.mode === 'correct' ? 'warn' : input.mode;
  return mode === 'ignore' ? { kind: 'ignore' } : { kind: 'compare', mode };
}

/** The verdict once live was compared with what was applied. */
export type DriftDecision =
  | { readonly kind: 'in-sync' }
  | { readonly kind: 'report' }
  /** Another controller keeps undoing corrections: report, and look again in `retryInMs`. */
  | { readonly kind: 'backoff'; readonly retryInMs: number }
  | { readonly kind: 'correct' };

export interface DriftDecisionInput {
  readonly mode: 'warn' | 'correct';
  /** Live differs from what was applied (a missing object differs). */
  readonly drifted: boolean;
  readonly nowMs: number;
  /** Earliest time of the next correction (the correction guard's; `nowMs` when not fighting). */
  readonly nextCorrectionAtMs: number;
}

export function decideDrift(input: DriftDecisionInput): DriftDecision {
  if (!input.drifted) return { kind: 'in-sync' };
  if (input.mode === 'warn') return { kind: 'report' };
  if (input.nextCorrectionAtMs > input.nowMs)
    return { kind: 'backoff', retryInMs: input.nextCorrectionAtMs - input.nowMs };
  return { kind: 'correct' };
}

// ---------------------------------------------------------------------------------------------
// What each branch records

/** A conflict is recorded unless the entry already says so (no report for nothing new). */
export function conflictIsNew(entry: ChangeSetEntry | undefined): boolean {
  return entry?.error?.code !== ErrorCode.OwnershipConflict;
}

/**
 * Back in sync, a reported drift is resolved (dropped); a corrected one stays on record (until the
 * next version or its time to live) so the fleet's drift report shows what happened.
 */
export function dropsResolvedDrift(record: DriftRecord | undefined): boolean {
  return record !== undefined && record.action !== 'corrected';
}

/** The entry once the object is back in sync: an out-of-sync entry becomes unchanged, unless it
 * failed (undefined: keep the entry as it is). */
export function entryBackInSync(entry: ChangeSetEntry | undefined): ChangeSetEntry | undefined {
  if (entry?.outOfSync !== true || entry.action === 'failed') return undefined;
  return { ...entry, outOfSync: false, action: 'unchanged' };
}

export function reportedDriftEntry(ref: ObjectRef): ChangeSetEntry {
  return {
    ref,
    action: 'skipped',
    message: 'drift reported, not corrected (warn)',
    outOfSync: true,
  };
}

/** The entry of a correction held back; `fight` describes the fight, when the guard calls it one. */
export function backoffEntry(ref: ObjectRef, fight: string | undefined): ChangeSetEntry {
  return {
    ref,
    action: 'skipped',
    message: fight ?? 'correction backing off',
    outOfSync: true,
  };
}

export function correctedEntry(
  ref: ObjectRef,
  liveMissing: boolean,
  uid: string | undefined,
): ChangeSetEntry {
  return {
    ref,
    action: liveMissing ? 'created' : 'configured',
    uid,
    message: 'drift corrected',
  };
}

export function correctionFailedEntry(ref: ObjectRef, error: ErrorDetail): ChangeSetEntry {
  return { ref, action: 'failed', error, outOfSync: true };
}

/** A re-created Namespace or CRD came back empty: the app's objects in it need a pass. */
export function needsPassAfterCorrection(
  desired: KubeObject,
  ref: ObjectRef,
  liveMissing: boolean,
): boolean {
  return liveMissing && (isCrd(desired) || (ref.kind === 'Namespace' && ref.group === ''));
}
