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
  /**
   * The app's destination namespace (a DNS label): the agent puts every object of a namespaced
   * kind (as the cluster's discovery says) that has no metadata.namespace into it; cluster-scoped
   * objects are left alone. "" when the app names none: a namespaced object without a namespace
   * is then refused as invalid. Signed only when set.
   */
  'destinationNamespace'?: (string);
  /**
   * Create destination_namespace (server-side apply, before the app's objects) when it does not
   * exist, labelled `app.kubernetes.io/managed-by: gitfleet` and `gitfleet.dev/created-for: <app>`
   * but never with the app's ownership label: neither prune nor the app's removal deletes it
   * (unless the app declares the Namespace as one of its objects). Requires
   * destination_namespace. Signed only when true.
   */
  'createNamespace'?: (boolean);
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
  /**
   * The app's destination namespace (a DNS label): the agent puts every object of a namespaced
   * kind (as the cluster's discovery says) that has no metadata.namespace into it; cluster-scoped
   * objects are left alone. "" when the app names none: a namespaced object without a namespace
   * is then refused as invalid. Signed only when set.
   */
  'destinationNamespace': (string);
  /**
   * Create destination_namespace (server-side apply, before the app's objects) when it does not
   * exist, labelled `app.kubernetes.io/managed-by: gitfleet` and `gitfleet.dev/created-for: <app>`
   * but never with the app's ownership label: neither prune nor the app's removal deletes it
   * (unless the app declares the Namespace as one of its objects). Requires
   * destination_namespace. Signed only when true.
   */
  'createNamespace': (boolean);
}
