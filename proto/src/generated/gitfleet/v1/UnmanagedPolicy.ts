// Original file: proto/gitfleet/v1/assignment.proto

import type { UnmanagedMode as _gitfleet_v1_UnmanagedMode, UnmanagedMode__Output as _gitfleet_v1_UnmanagedMode__Output } from '../../gitfleet/v1/UnmanagedMode.js';
import type { ObjectSelector as _gitfleet_v1_ObjectSelector, ObjectSelector__Output as _gitfleet_v1_ObjectSelector__Output } from '../../gitfleet/v1/ObjectSelector.js';

/**
 * Unmanaged-object policy.
 */
export interface UnmanagedPolicy {
  /**
   * What to do with unmanaged objects.
   */
  'mode'?: (_gitfleet_v1_UnmanagedMode);
  /**
   * Objects that are never reported or pruned, whatever the mode.
   */
  'allow'?: (_gitfleet_v1_ObjectSelector)[];
}

/**
 * Unmanaged-object policy.
 */
export interface UnmanagedPolicy__Output {
  /**
   * What to do with unmanaged objects.
   */
  'mode': (_gitfleet_v1_UnmanagedMode__Output);
  /**
   * Objects that are never reported or pruned, whatever the mode.
   */
  'allow': (_gitfleet_v1_ObjectSelector__Output)[];
}
