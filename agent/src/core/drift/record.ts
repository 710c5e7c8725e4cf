/**
 * The drift report of one observation: a DriftRecord with Secret values masked, the field
 * manager that made the change, and continuity with the previous record of the object.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  DriftAction,
  ErrorCode,
  GitfleetError,
  maskedValue,
  canonicalJson,
  describeObject,
  parsePointer,
  sameIdentity,
} from '@gitfleet/proto/domain';
import type {
  DriftRecord,
  FieldChange,
  JsonValue,
  KubeObject,
  ObjectRef,
} from '@gitfleet/proto/domain';
import { change } from './json.ts';
import { liveSegments } from './lists.ts';
import { managedEntries, ownersAt } from './managed-fields.ts';

/** Replaces Secret values in drift records; followed by a short digest of the value. */
export { SECRET_MASK } from '@gitfleet/proto/domain';

/** Hex characters of the sha256 digest kept after the mask (enough to tell values apart). */
const MASK_DIGEST_HEX = 8;

export interface DriftRecordInput {
  readonly ref: ObjectRef;
  /** Changes as `compareDesiredLive` reports them; at least one. */
  readonly changes: readonly FieldChange[];
  /** The live object, for field-manager attribution; undefined if unknown. */
  readonly live: KubeObject | undefined;
  /** Our field manager; never reported as the one who made the drift. */
  readonly ourManager: string;
  /** The record of the previous observation of this object, if any. */
  readonly previous?: DriftRecord;
  readonly nowMs: number;
  readonly action: DriftAction;
  /** The desired object, to map desired-object paths to live list indices for attribution. */
  readonly desired?: KubeObject;
  /** Salt for Secret masks (see `maskSecretChanges`). */
  readonly maskSalt?: string;
}

/**
 * Builds the DriftRecord for one observation. The drift continues the previous record (keeps
 * `firstSeenUnixMs` and counts on from its `correctionCount`) when every field path of the
 * previous record is still drifting; otherwise it is a new drift. `correctionCount` grows by one
 * when `action` is `corrected`. Secret values are always masked. `fieldManager` is the manager
 * other than ours that owns most of the changed fields, or "" when none is known.
 *
 * @throws GitfleetError INTERNAL when `changes` is empty (a record needs at least one change)
 */
export function buildDriftRecord(input: DriftRecordInput): DriftRecord {
  const { ref, live, ourManager, previous, nowMs, action } = input;
  if (input.changes.length === 0) {
    throw new GitfleetError(
      ErrorCode.Internal,
      `${describeObject(ref)}: a drift record needs at least one change`,
    );
  }
  const changes = maskSecretChanges(ref, input.changes, input.maskSalt);
  const paths = new Set(changes.map((c) => c.path));
  const continues =
    previous !== undefined &&
    sameIdentity(previous.ref, ref) &&
    previous.changes.every((c) => paths.has(c.path));
  const corrected = action === DriftAction.Corrected ? 1 : 0;
  return {
    ref,
    changes,
    fieldManager: live === undefined ? '' : attribute(input, live, ourManager),
    firstSeenUnixMs: continues ? Math.min(previous.firstSeenUnixMs, nowMs) : nowMs,
    lastSeenUnixMs: nowMs,
    action,
    correctionCount: (continues ? previous.correctionCount : 0) + corrected,
  };
}

/**
 * Replaces the values of Secret changes under `/data` and `/stringData` (and the last-applied
 * annotation, which holds a copy of the data) by `*** sha256:<8 hex>` of the plaintext, so a
 * reader sees that and where values differ, never what they are. Equal plaintexts give equal
 * masks whether they came from `data` (base64) or `stringData`. Other kinds pass unchanged.
 *
 * @param salt - mixed into the digest; pass a stable per-installation secret so that short values
 *   (PINs, "true") cannot be recovered by hashing guesses. Default: none.
 */
export function maskSecretChanges(
  ref: ObjectRef,
  changes: readonly FieldChange[],
  salt = '',
): FieldChange[] {
  if (!(ref.group === '' && ref.kind === 'Secret')) return [...changes];
  return changes.map((c) => {
    if (!isSecretValuePath(c.path)) return c;
    const base64 = c.path === '/data' || c.path.startsWith('/data/');
    return change(c.path, maskValue(c.desired, base64, salt), maskValue(c.live, base64, salt));
  });
}

/** The manager other than ours that owns most of the changed fields in live; "" when none. */
function attribute(input: DriftRecordInput, live: KubeObject, ourManager: string): string {
  const entries = managedEntries(live);
  if (entries.length === 0) return '';
  const tally = new Map<string, number>();
  for (const c of input.changes) {
    // stringData is write-only: its values live (and are owned) under data.
    const path = c.path.startsWith('/stringData/') ? `/data/${c.path.slice(12)}` : c.path;
    const segments = parsePointer(path);
    if (segments === undefined) continue;
    const mapped =
      input.desired === undefined ? segments : liveSegments(input.desired, live, segments);
    if (mapped === undefined) continue;
    const other = ownersAt(entries, live, mapped).find((m) => m !== ourManager);
    if (other !== undefined) tally.set(other, (tally.get(other) ?? 0) + 1);
  }
  let best = '';
  let bestCount = 0;
  for (const [manager, count] of tally) {
    if (count > bestCount) {
      best = manager;
      bestCount = count;
    }
  }
  return best;
}

function isSecretValuePath(path: string): boolean {
  return (
    path === '' ||
    path === '/data' ||
    path.startsWith('/data/') ||
    path === '/stringData' ||
    path.startsWith('/stringData/') ||
    path === '/metadata' ||
    path === '/metadata/annotations' ||
    path === '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration'
  );
}

function maskValue(
  value: JsonValue | undefined,
  base64: boolean,
  salt: string,
): JsonValue | undefined {
  if (value === undefined) return undefined;
  const bytes =
    typeof value === 'string'
      ? base64
        ? Buffer.from(value, 'base64')
        : Buffer.from(value, 'utf8')
      : Buffer.from(canonicalJson(value), 'utf8');
  const digest = createHash('sha256').update(salt, 'utf8').update(bytes).digest('hex');
  return maskedValue(digest, MASK_DIGEST_HEX);
}
