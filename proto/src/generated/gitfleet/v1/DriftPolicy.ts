// Original file: proto/gitfleet/v1/assignment.proto

import type { DriftMode as _gitfleet_v1_DriftMode, DriftMode__Output as _gitfleet_v1_DriftMode__Output } from '../../gitfleet/v1/DriftMode.js';
import type { DriftOverride as _gitfleet_v1_DriftOverride, DriftOverride__Output as _gitfleet_v1_DriftOverride__Output } from '../../gitfleet/v1/DriftOverride.js';

/**
 * Drift policy: a default plus overrides per kind or per object.
 */
export interface DriftPolicy {
  /**
   * Mode for objects no override matches.
   */
  'mode'?: (_gitfleet_v1_DriftMode);
  /**
   * Overrides; the most specific matching selector wins (most fields set), then the first listed.
   */
  'overrides'?: (_gitfleet_v1_DriftOverride)[];
}

/**
 * Drift policy: a default plus overrides per kind or per object.
 */
export interface DriftPolicy__Output {
  /**
   * Mode for objects no override matches.
   */
  'mode': (_gitfleet_v1_DriftMode__Output);
  /**
   * Overrides; the most specific matching selector wins (most fields set), then the first listed.
   */
  'overrides': (_gitfleet_v1_DriftOverride__Output)[];
}
