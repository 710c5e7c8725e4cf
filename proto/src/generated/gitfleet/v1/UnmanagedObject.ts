// Original file: proto/gitfleet/v1/status.proto

import type { ObjectRef as _gitfleet_v1_ObjectRef, ObjectRef__Output as _gitfleet_v1_ObjectRef__Output } from '../../gitfleet/v1/ObjectRef.js';
import type { UnmanagedAction as _gitfleet_v1_UnmanagedAction, UnmanagedAction__Output as _gitfleet_v1_UnmanagedAction__Output } from '../../gitfleet/v1/UnmanagedAction.js';

/**
 * A live object in the app's scope that the app does not render.
 */
export interface UnmanagedObject {
  /**
   * The object.
   */
  'ref'?: (_gitfleet_v1_ObjectRef | null);
  /**
   * Field manager that created it (first entry of managedFields); "" when unknown.
   */
  'createdBy'?: (string);
  /**
   * What the agent did with it.
   */
  'action'?: (_gitfleet_v1_UnmanagedAction);
  /**
   * Detail for humans (the prune error); "" when none.
   */
  'message'?: (string);
}

/**
 * A live object in the app's scope that the app does not render.
 */
export interface UnmanagedObject__Output {
  /**
   * The object.
   */
  'ref': (_gitfleet_v1_ObjectRef__Output | null);
  /**
   * Field manager that created it (first entry of managedFields); "" when unknown.
   */
  'createdBy': (string);
  /**
   * What the agent did with it.
   */
  'action': (_gitfleet_v1_UnmanagedAction__Output);
  /**
   * Detail for humans (the prune error); "" when none.
   */
  'message': (string);
}
