// Original file: proto/gitfleet/v1/status.proto

import type { ObjectRef as _gitfleet_v1_ObjectRef, ObjectRef__Output as _gitfleet_v1_ObjectRef__Output } from '../../gitfleet/v1/ObjectRef.js';
import type { FieldChange as _gitfleet_v1_FieldChange, FieldChange__Output as _gitfleet_v1_FieldChange__Output } from '../../gitfleet/v1/FieldChange.js';
import type { DriftAction as _gitfleet_v1_DriftAction, DriftAction__Output as _gitfleet_v1_DriftAction__Output } from '../../gitfleet/v1/DriftAction.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Drift on one managed object: which fields, who changed them, since when, what was done.
 */
export interface DriftRecord {
  /**
   * The drifted object.
   */
  'ref'?: (_gitfleet_v1_ObjectRef | null);
  /**
   * Fields that differ (ignore rules already applied); at least one.
   */
  'changes'?: (_gitfleet_v1_FieldChange)[];
  /**
   * Field manager (from managedFields) that made the change; "" when unknown.
   */
  'fieldManager'?: (string);
  /**
   * When the agent first saw this drift, unix ms.
   */
  'firstSeenUnixMs'?: (number | string | Long);
  /**
   * When the agent last saw it, unix ms (>= first_seen_unix_ms).
   */
  'lastSeenUnixMs'?: (number | string | Long);
  /**
   * What the agent did about it.
   */
  'action'?: (_gitfleet_v1_DriftAction);
  /**
   * How many times the agent has corrected this drift since it was first seen.
   */
  'correctionCount'?: (number);
}

/**
 * Drift on one managed object: which fields, who changed them, since when, what was done.
 */
export interface DriftRecord__Output {
  /**
   * The drifted object.
   */
  'ref': (_gitfleet_v1_ObjectRef__Output | null);
  /**
   * Fields that differ (ignore rules already applied); at least one.
   */
  'changes': (_gitfleet_v1_FieldChange__Output)[];
  /**
   * Field manager (from managedFields) that made the change; "" when unknown.
   */
  'fieldManager': (string);
  /**
   * When the agent first saw this drift, unix ms.
   */
  'firstSeenUnixMs': (string);
  /**
   * When the agent last saw it, unix ms (>= first_seen_unix_ms).
   */
  'lastSeenUnixMs': (string);
  /**
   * What the agent did about it.
   */
  'action': (_gitfleet_v1_DriftAction__Output);
  /**
   * How many times the agent has corrected this drift since it was first seen.
   */
  'correctionCount': (number);
}
