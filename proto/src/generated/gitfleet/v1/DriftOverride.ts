// Original file: proto/gitfleet/v1/assignment.proto

import type { ObjectSelector as _gitfleet_v1_ObjectSelector, ObjectSelector__Output as _gitfleet_v1_ObjectSelector__Output } from '../../gitfleet/v1/ObjectSelector.js';
import type { DriftMode as _gitfleet_v1_DriftMode, DriftMode__Output as _gitfleet_v1_DriftMode__Output } from '../../gitfleet/v1/DriftMode.js';

/**
 * A drift mode for the objects a selector matches.
 */
export interface DriftOverride {
  /**
   * Objects the override applies to (e.g. only `kind` for a per-kind override).
   */
  'selector'?: (_gitfleet_v1_ObjectSelector | null);
  /**
   * Mode for the matched objects.
   */
  'mode'?: (_gitfleet_v1_DriftMode);
}

/**
 * A drift mode for the objects a selector matches.
 */
export interface DriftOverride__Output {
  /**
   * Objects the override applies to (e.g. only `kind` for a per-kind override).
   */
  'selector': (_gitfleet_v1_ObjectSelector__Output | null);
  /**
   * Mode for the matched objects.
   */
  'mode': (_gitfleet_v1_DriftMode__Output);
}
