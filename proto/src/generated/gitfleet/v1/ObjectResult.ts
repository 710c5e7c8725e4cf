// Original file: proto/gitfleet/v1/status.proto

import type { ObjectRef as _gitfleet_v1_ObjectRef, ObjectRef__Output as _gitfleet_v1_ObjectRef__Output } from '../../gitfleet/v1/ObjectRef.js';
import type { ApplyAction as _gitfleet_v1_ApplyAction, ApplyAction__Output as _gitfleet_v1_ApplyAction__Output } from '../../gitfleet/v1/ApplyAction.js';
import type { Health as _gitfleet_v1_Health, Health__Output as _gitfleet_v1_Health__Output } from '../../gitfleet/v1/Health.js';
import type { ErrorDetail as _gitfleet_v1_ErrorDetail, ErrorDetail__Output as _gitfleet_v1_ErrorDetail__Output } from '../../gitfleet/v1/ErrorDetail.js';

/**
 * Per-object result of the last apply.
 */
export interface ObjectResult {
  /**
   * The object.
   */
  'ref'?: (_gitfleet_v1_ObjectRef | null);
  /**
   * What was done to it.
   */
  'action'?: (_gitfleet_v1_ApplyAction);
  /**
   * Its health after the apply.
   */
  'health'?: (_gitfleet_v1_Health | null);
  /**
   * Extra detail for humans ("skipped: manual sync"); "" when none.
   */
  'message'?: (string);
  /**
   * Why it failed; set exactly when action is APPLY_ACTION_FAILED.
   */
  'error'?: (_gitfleet_v1_ErrorDetail | null);
}

/**
 * Per-object result of the last apply.
 */
export interface ObjectResult__Output {
  /**
   * The object.
   */
  'ref': (_gitfleet_v1_ObjectRef__Output | null);
  /**
   * What was done to it.
   */
  'action': (_gitfleet_v1_ApplyAction__Output);
  /**
   * Its health after the apply.
   */
  'health': (_gitfleet_v1_Health__Output | null);
  /**
   * Extra detail for humans ("skipped: manual sync"); "" when none.
   */
  'message': (string);
  /**
   * Why it failed; set exactly when action is APPLY_ACTION_FAILED.
   */
  'error': (_gitfleet_v1_ErrorDetail__Output | null);
}
