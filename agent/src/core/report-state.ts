/**
 * The state an app's status report shows: its sync state (a running or pending pass and a failed
 * one override what the change set says; a reported drift or an object not considered yet keeps
 * it out of sync), the result and health of each object, and which corrected drifts have aged out.
 */
import { ErrorCode } from '@gitfleet/proto/domain';
import type {
  DriftRecord,
  Health,
  KubeObject,
  ObjectRef,
  ObjectResult,
  SyncState,
} from '@gitfleet/proto/domain';
import { assessHealth, missingHealth, worstHealth } from './health.ts';
import { deriveSyncState, type ChangeSetEntry } from './sync-state.ts';

/** How long a corrected drift stays in reports after it was last seen. */
export const CORRECTED_DRIFT_TTL_MS = 3_600_000;

export interface ReportStateInput {
  /** Mode of the running pass (undefined: none runs). */
  readonly runningMode: 'apply' | 'resync' | undefined;
  /** The last pass ended with an error of the app as a whole. */
  readonly failed: boolean;
  /** A pass of the assignment's version completed. */
  readonly applied: boolean;
  /** Sync policy automated (manual: a version waits for a sync request, and is not Applying). */
  readonly automated: boolean;
  readonly entries: readonly ChangeSetEntry[];
  readonly drift: readonly DriftRecord[];
  /** Objects the app declares. */
  readonly desiredCount: number;
}

/**
 * The sync state, by precedence: an apply pass running → Applying; a failed pass → Failed; an
 * automated version not applied yet → Applying; else the change set's state, where Synced turns
 * OutOfSync while a drift is reported or fewer objects were considered than are declared.
 */
export function reportSyncState(input: ReportStateInput): SyncState {
  if (input.runningMode === 'apply') return 'Applying';
  if (input.failed) return 'Failed';
  if (!input.applied && input.automated) return 'Applying';
  const derived = deriveSyncState(input.entries);
  if (derived !== 'Synced') return derived;
  if (input.drift.some((d) => d.action === 'reported')) return 'OutOfSync';
  if (input.entries.length < input.desiredCount) return 'OutOfSync';
  return 'Synced';
}

/** Keys of corrected drifts last seen more than {@link CORRECTED_DRIFT_TTL_MS} ago. */
export function expiredCorrections(
  drift: ReadonlyMap<string, DriftRecord>,
  nowMs: number,
): string[] {
  const out: string[] = [];
  for (const [key, d] of drift) {
    if (d.action === 'corrected' && nowMs - d.lastSeenUnixMs > CORRECTED_DRIFT_TTL_MS)
      out.push(key);
  }
  return out;
}

/**
 * An object's health: one another app owns is out of this app's hands (Degraded, whatever its own
 * health); a missing one is Missing; else its assessed health.
 */
export function objectHealth(
  ref: ObjectRef,
  entry: ChangeSetEntry | undefined,
  live: KubeObject | undefined,
): Health {
  if (entry?.error?.code === ErrorCode.OwnershipConflict)
    return { status: 'Degraded', message: entry.error.message };
  return live === undefined ? missingHealth(ref) : assessHealth(live);
}

export interface ReportObjects {
  readonly objects: ObjectResult[];
  /** The worst health of the declared objects. */
  readonly health: Health;
}

/**
 * One result per declared object (in declaration order; 'skipped', "not applied yet" before its
 * first pass), then one per other entry of the change set (pruned or kept objects, Healthy).
 */
export function reportObjects(
  desired: ReadonlyMap<string, ObjectRef>,
  entries: ReadonlyMap<string, ChangeSetEntry>,
  live: ReadonlyMap<string, KubeObject>,
): ReportObjects {
  const objects: ObjectResult[] = [];
  const healths: Health[] = [];
  for (const [key, ref] of desired) {
    const entry = entries.get(key);
    const health = objectHealth(ref, entry, live.get(key));
    healths.push(health);
    objects.push({
      ref,
      action: entry?.action ?? 'skipped',
      health,
      message: entry?.message ?? (entry === undefined ? 'not applied yet' : ''),
      ...(entry?.error === undefined ? {} : { error: entry.error }),
    });
  }
  for (const [key, entry] of entries) {
    if (desired.has(key)) continue;
    objects.push({
      ref: entry.ref,
      action: entry.action,
      health: { status: 'Healthy', message: '' },
      message: entry.message ?? '',
      ...(entry.error === undefined ? {} : { error: entry.error }),
    });
  }
  return { objects, health: worstHealth(healths) };
}
