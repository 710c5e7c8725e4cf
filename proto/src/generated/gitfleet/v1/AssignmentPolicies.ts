// Original file: proto/gitfleet/v1/assignment.proto

import type { SyncMode as _gitfleet_v1_SyncMode, SyncMode__Output as _gitfleet_v1_SyncMode__Output } from '../../gitfleet/v1/SyncMode.js';
import type { PrunePolicy as _gitfleet_v1_PrunePolicy, PrunePolicy__Output as _gitfleet_v1_PrunePolicy__Output } from '../../gitfleet/v1/PrunePolicy.js';
import type { DriftPolicy as _gitfleet_v1_DriftPolicy, DriftPolicy__Output as _gitfleet_v1_DriftPolicy__Output } from '../../gitfleet/v1/DriftPolicy.js';
import type { IgnoreRule as _gitfleet_v1_IgnoreRule, IgnoreRule__Output as _gitfleet_v1_IgnoreRule__Output } from '../../gitfleet/v1/IgnoreRule.js';
import type { UnmanagedPolicy as _gitfleet_v1_UnmanagedPolicy, UnmanagedPolicy__Output as _gitfleet_v1_UnmanagedPolicy__Output } from '../../gitfleet/v1/UnmanagedPolicy.js';
import type { ConflictMode as _gitfleet_v1_ConflictMode, ConflictMode__Output as _gitfleet_v1_ConflictMode__Output } from '../../gitfleet/v1/ConflictMode.js';
import type { DeletionMode as _gitfleet_v1_DeletionMode, DeletionMode__Output as _gitfleet_v1_DeletionMode__Output } from '../../gitfleet/v1/DeletionMode.js';

/**
 * Every policy of an assignment. All enum fields must be set (no *_UNSPECIFIED).
 */
export interface AssignmentPolicies {
  /**
   * Whether the agent applies on its own (automated) or only on SyncRequest (manual).
   */
  'sync'?: (_gitfleet_v1_SyncMode);
  /**
   * Whether objects that left the rendered set are deleted.
   */
  'prune'?: (_gitfleet_v1_PrunePolicy | null);
  /**
   * What the agent does when a live object drifts from the desired state (self-heal).
   */
  'drift'?: (_gitfleet_v1_DriftPolicy | null);
  /**
   * Fields whose differences are never drift.
   */
  'ignore'?: (_gitfleet_v1_IgnoreRule)[];
  /**
   * What the agent does with live objects in the app's scope that are not in the rendered set.
   */
  'unmanaged'?: (_gitfleet_v1_UnmanagedPolicy | null);
  /**
   * What the agent does when another field manager owns a field it applies.
   */
  'conflict'?: (_gitfleet_v1_ConflictMode);
  /**
   * What happens to the app's objects when the app is removed from the target.
   */
  'deletion'?: (_gitfleet_v1_DeletionMode);
}

/**
 * Every policy of an assignment. All enum fields must be set (no *_UNSPECIFIED).
 */
export interface AssignmentPolicies__Output {
  /**
   * Whether the agent applies on its own (automated) or only on SyncRequest (manual).
   */
  'sync': (_gitfleet_v1_SyncMode__Output);
  /**
   * Whether objects that left the rendered set are deleted.
   */
  'prune': (_gitfleet_v1_PrunePolicy__Output | null);
  /**
   * What the agent does when a live object drifts from the desired state (self-heal).
   */
  'drift': (_gitfleet_v1_DriftPolicy__Output | null);
  /**
   * Fields whose differences are never drift.
   */
  'ignore': (_gitfleet_v1_IgnoreRule__Output)[];
  /**
   * What the agent does with live objects in the app's scope that are not in the rendered set.
   */
  'unmanaged': (_gitfleet_v1_UnmanagedPolicy__Output | null);
  /**
   * What the agent does when another field manager owns a field it applies.
   */
  'conflict': (_gitfleet_v1_ConflictMode__Output);
  /**
   * What happens to the app's objects when the app is removed from the target.
   */
  'deletion': (_gitfleet_v1_DeletionMode__Output);
}
