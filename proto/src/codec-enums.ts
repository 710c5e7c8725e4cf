/**
 * The proto enums of the codec (./codec.ts): domain value ⇄ wire name. The tables are complete in
 * both directions (checked by type for the domain side, and by codec.test.ts against the loaded
 * .proto for the wire side); a received *_UNSPECIFIED or unknown value is a protocol violation.
 */
import {
  ApplyAction,
  ConflictMode,
  DeletionMode,
  DriftAction,
  DriftMode,
  HealthStatus,
  SyncMode,
  SyncState,
  UnmanagedAction,
  UnmanagedMode,
} from './domain/messages.ts';
import { violation, type Ctx } from './codec-validate.ts';
import type { ApplyAction__Output as WireApplyAction } from './generated/gitfleet/v1/ApplyAction.ts';
import type { ConflictMode__Output as WireConflictMode } from './generated/gitfleet/v1/ConflictMode.ts';
import type { DeletionMode__Output as WireDeletionMode } from './generated/gitfleet/v1/DeletionMode.ts';
import type { DriftAction__Output as WireDriftAction } from './generated/gitfleet/v1/DriftAction.ts';
import type { DriftMode__Output as WireDriftMode } from './generated/gitfleet/v1/DriftMode.ts';
import type { HealthStatus__Output as WireHealthStatus } from './generated/gitfleet/v1/HealthStatus.ts';
import type { SyncMode__Output as WireSyncMode } from './generated/gitfleet/v1/SyncMode.ts';
import type { SyncState__Output as WireSyncState } from './generated/gitfleet/v1/SyncState.ts';
import type { UnmanagedAction__Output as WireUnmanagedAction } from './generated/gitfleet/v1/UnmanagedAction.ts';
import type { UnmanagedMode__Output as WireUnmanagedMode } from './generated/gitfleet/v1/UnmanagedMode.ts';

/** One proto enum: encode a domain value, decode a wire value (checked). */
export interface EnumCodec<D extends string, W extends string> {
  readonly encode: (value: D) => W;
  readonly decode: (ctx: Ctx, field: string, value: string | number) => D;
}

function enumCodec<D extends string, W extends string>(
  unspecified: string,
  toWire: Readonly<Record<D, W>>,
): EnumCodec<D, W> {
  const fromWire = new Map<string, D>();
  for (const [domain, wire] of Object.entries(toWire) as [D, W][]) fromWire.set(wire, domain);
  return {
    encode: (value) => toWire[value],
    decode: (ctx, field, value) => {
      const domain = typeof value === 'string' ? fromWire.get(value) : undefined;
      if (domain !== undefined) return domain;
      if (value === unspecified || value === 0)
        throw violation(ctx, field, `is ${unspecified} (must be set)`);
      throw violation(
        ctx,
        field,
        `is ${JSON.stringify(value)} (expected one of ${[...fromWire.keys()].join(', ')})`,
      );
    },
  };
}

type Specified<W extends string> = Exclude<W, `${string}_UNSPECIFIED`>;

export const syncModes = enumCodec('SYNC_MODE_UNSPECIFIED', {
  [SyncMode.Automated]: 'SYNC_MODE_AUTOMATED',
  [SyncMode.Manual]: 'SYNC_MODE_MANUAL',
} satisfies Record<SyncMode, Specified<WireSyncMode>>);

export const driftModes = enumCodec('DRIFT_MODE_UNSPECIFIED', {
  [DriftMode.Correct]: 'DRIFT_MODE_CORRECT',
  [DriftMode.Warn]: 'DRIFT_MODE_WARN',
  [DriftMode.Ignore]: 'DRIFT_MODE_IGNORE',
} satisfies Record<DriftMode, Specified<WireDriftMode>>);

export const unmanagedModes = enumCodec('UNMANAGED_MODE_UNSPECIFIED', {
  [UnmanagedMode.Ignore]: 'UNMANAGED_MODE_IGNORE',
  [UnmanagedMode.Warn]: 'UNMANAGED_MODE_WARN',
  [UnmanagedMode.Prune]: 'UNMANAGED_MODE_PRUNE',
} satisfies Record<UnmanagedMode, Specified<WireUnmanagedMode>>);

export const conflictModes = enumCodec('CONFLICT_MODE_UNSPECIFIED', {
  [ConflictMode.Force]: 'CONFLICT_MODE_FORCE',
  [ConflictMode.Report]: 'CONFLICT_MODE_REPORT',
} satisfies Record<ConflictMode, Specified<WireConflictMode>>);

export const deletionModes = enumCodec('DELETION_MODE_UNSPECIFIED', {
  [DeletionMode.Delete]: 'DELETION_MODE_DELETE',
  [DeletionMode.Orphan]: 'DELETION_MODE_ORPHAN',
} satisfies Record<DeletionMode, Specified<WireDeletionMode>>);

export const syncStates = enumCodec('SYNC_STATE_UNSPECIFIED', {
  [SyncState.Synced]: 'SYNC_STATE_SYNCED',
  [SyncState.OutOfSync]: 'SYNC_STATE_OUT_OF_SYNC',
  [SyncState.Applying]: 'SYNC_STATE_APPLYING',
  [SyncState.Failed]: 'SYNC_STATE_FAILED',
} satisfies Record<SyncState, Specified<WireSyncState>>);

export const healthStatuses = enumCodec('HEALTH_STATUS_UNSPECIFIED', {
  [HealthStatus.Healthy]: 'HEALTH_STATUS_HEALTHY',
  [HealthStatus.Progressing]: 'HEALTH_STATUS_PROGRESSING',
  [HealthStatus.Degraded]: 'HEALTH_STATUS_DEGRADED',
  [HealthStatus.Suspended]: 'HEALTH_STATUS_SUSPENDED',
  [HealthStatus.Missing]: 'HEALTH_STATUS_MISSING',
  [HealthStatus.Unknown]: 'HEALTH_STATUS_UNKNOWN',
} satisfies Record<HealthStatus, Specified<WireHealthStatus>>);

export const applyActions = enumCodec('APPLY_ACTION_UNSPECIFIED', {
  [ApplyAction.Created]: 'APPLY_ACTION_CREATED',
  [ApplyAction.Configured]: 'APPLY_ACTION_CONFIGURED',
  [ApplyAction.Unchanged]: 'APPLY_ACTION_UNCHANGED',
  [ApplyAction.Deleted]: 'APPLY_ACTION_DELETED',
  [ApplyAction.Skipped]: 'APPLY_ACTION_SKIPPED',
  [ApplyAction.Failed]: 'APPLY_ACTION_FAILED',
} satisfies Record<ApplyAction, Specified<WireApplyAction>>);

export const driftActions = enumCodec('DRIFT_ACTION_UNSPECIFIED', {
  [DriftAction.Corrected]: 'DRIFT_ACTION_CORRECTED',
  [DriftAction.Reported]: 'DRIFT_ACTION_REPORTED',
  [DriftAction.Ignored]: 'DRIFT_ACTION_IGNORED',
} satisfies Record<DriftAction, Specified<WireDriftAction>>);

export const unmanagedActions = enumCodec('UNMANAGED_ACTION_UNSPECIFIED', {
  [UnmanagedAction.Reported]: 'UNMANAGED_ACTION_REPORTED',
  [UnmanagedAction.Pruned]: 'UNMANAGED_ACTION_PRUNED',
  [UnmanagedAction.PruneFailed]: 'UNMANAGED_ACTION_PRUNE_FAILED',
} satisfies Record<UnmanagedAction, Specified<WireUnmanagedAction>>);

/** Wire names each proto enum maps to, by enum name (codec.test.ts checks them against the .proto). */
export const ENUM_WIRE_NAMES: Readonly<Record<string, readonly string[]>> = {
  SyncMode: Object.values(SyncMode).map(syncModes.encode),
  DriftMode: Object.values(DriftMode).map(driftModes.encode),
  UnmanagedMode: Object.values(UnmanagedMode).map(unmanagedModes.encode),
  ConflictMode: Object.values(ConflictMode).map(conflictModes.encode),
  DeletionMode: Object.values(DeletionMode).map(deletionModes.encode),
  SyncState: Object.values(SyncState).map(syncStates.encode),
  HealthStatus: Object.values(HealthStatus).map(healthStatuses.encode),
  ApplyAction: Object.values(ApplyAction).map(applyActions.encode),
  DriftAction: Object.values(DriftAction).map(driftActions.encode),
  UnmanagedAction: Object.values(UnmanagedAction).map(unmanagedActions.encode),
};
