// Original file: proto/gitfleet/v1/assignment.proto

import type { ObjectSelector as _gitfleet_v1_ObjectSelector, ObjectSelector__Output as _gitfleet_v1_ObjectSelector__Output } from '../../gitfleet/v1/ObjectSelector.js';

/**
 * Fields that are never considered drift for the objects a selector matches.
 */
export interface IgnoreRule {
  /**
   * Objects the rule applies to.
   */
  'selector'?: (_gitfleet_v1_ObjectSelector | null);
  /**
   * RFC 6901 JSON pointers into the object ("/spec/replicas"); at least one.
   */
  'jsonPointers'?: (string)[];
}

/**
 * Fields that are never considered drift for the objects a selector matches.
 */
export interface IgnoreRule__Output {
  /**
   * Objects the rule applies to.
   */
  'selector': (_gitfleet_v1_ObjectSelector__Output | null);
  /**
   * RFC 6901 JSON pointers into the object ("/spec/replicas"); at least one.
   */
  'jsonPointers': (string)[];
}
