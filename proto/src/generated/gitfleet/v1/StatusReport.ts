// Original file: proto/gitfleet/v1/status.proto

import type { SyncState as _gitfleet_v1_SyncState, SyncState__Output as _gitfleet_v1_SyncState__Output } from '../../gitfleet/v1/SyncState.js';
import type { Health as _gitfleet_v1_Health, Health__Output as _gitfleet_v1_Health__Output } from '../../gitfleet/v1/Health.js';
import type { ObjectResult as _gitfleet_v1_ObjectResult, ObjectResult__Output as _gitfleet_v1_ObjectResult__Output } from '../../gitfleet/v1/ObjectResult.js';
import type { DriftRecord as _gitfleet_v1_DriftRecord, DriftRecord__Output as _gitfleet_v1_DriftRecord__Output } from '../../gitfleet/v1/DriftRecord.js';
import type { UnmanagedObject as _gitfleet_v1_UnmanagedObject, UnmanagedObject__Output as _gitfleet_v1_UnmanagedObject__Output } from '../../gitfleet/v1/UnmanagedObject.js';
import type { ErrorDetail as _gitfleet_v1_ErrorDetail, ErrorDetail__Output as _gitfleet_v1_ErrorDetail__Output } from '../../gitfleet/v1/ErrorDetail.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The observed state of one app on the target, sent after every reconcile that changed it and
 * whenever the hub asks for it in a resync plan. Acked by the hub.
 */
export interface StatusReport {
  /**
   * Target the agent serves; must equal the session's target.
   */
  'target'?: (string);
  /**
   * App the report is about.
   */
  'app'?: (string);
  /**
   * Version of the assignment the agent holds (and acked) for the app.
   */
  'assignmentVersion'?: (number | string | Long);
  /**
   * Git commit SHA of that assignment.
   */
  'revision'?: (string);
  /**
   * Content digest of that assignment.
   */
  'contentDigest'?: (string);
  /**
   * Whether the live state matches the assignment.
   */
  'syncState'?: (_gitfleet_v1_SyncState);
  /**
   * Aggregated app health (worst object health).
   */
  'health'?: (_gitfleet_v1_Health | null);
  /**
   * Result of the last apply, one entry per rendered or pruned object.
   */
  'objects'?: (_gitfleet_v1_ObjectResult)[];
  /**
   * Drift the agent has seen on managed objects.
   */
  'drift'?: (_gitfleet_v1_DriftRecord)[];
  /**
   * Unmanaged objects found in the app's scope (per the assignment's UnmanagedPolicy).
   */
  'unmanaged'?: (_gitfleet_v1_UnmanagedObject)[];
  /**
   * App-level failure (render/dry-run of the whole set, empty-prune guard, ...); absent if none.
   */
  'error'?: (_gitfleet_v1_ErrorDetail | null);
  /**
   * "sha256:<hex>" of this report without status_hash and observed_at_unix_ms (the agent echoes it
   * in Hello so the hub asks for a fresh report only when its copy differs).
   */
  'statusHash'?: (string);
  /**
   * When the agent observed this state, unix ms.
   */
  'observedAtUnixMs'?: (number | string | Long);
}

/**
 * The observed state of one app on the target, sent after every reconcile that changed it and
 * whenever the hub asks for it in a resync plan. Acked by the hub.
 */
export interface StatusReport__Output {
  /**
   * Target the agent serves; must equal the session's target.
   */
  'target': (string);
  /**
   * App the report is about.
   */
  'app': (string);
  /**
   * Version of the assignment the agent holds (and acked) for the app.
   */
  'assignmentVersion': (string);
  /**
   * Git commit SHA of that assignment.
   */
  'revision': (string);
  /**
   * Content digest of that assignment.
   */
  'contentDigest': (string);
  /**
   * Whether the live state matches the assignment.
   */
  'syncState': (_gitfleet_v1_SyncState__Output);
  /**
   * Aggregated app health (worst object health).
   */
  'health': (_gitfleet_v1_Health__Output | null);
  /**
   * Result of the last apply, one entry per rendered or pruned object.
   */
  'objects': (_gitfleet_v1_ObjectResult__Output)[];
  /**
   * Drift the agent has seen on managed objects.
   */
  'drift': (_gitfleet_v1_DriftRecord__Output)[];
  /**
   * Unmanaged objects found in the app's scope (per the assignment's UnmanagedPolicy).
   */
  'unmanaged': (_gitfleet_v1_UnmanagedObject__Output)[];
  /**
   * App-level failure (render/dry-run of the whole set, empty-prune guard, ...); absent if none.
   */
  'error': (_gitfleet_v1_ErrorDetail__Output | null);
  /**
   * "sha256:<hex>" of this report without status_hash and observed_at_unix_ms (the agent echoes it
   * in Hello so the hub asks for a fresh report only when its copy differs).
   */
  'statusHash': (string);
  /**
   * When the agent observed this state, unix ms.
   */
  'observedAtUnixMs': (string);
}
