// Original file: proto/gitfleet/v1/assignment.proto

import type { DeletionMode as _gitfleet_v1_DeletionMode, DeletionMode__Output as _gitfleet_v1_DeletionMode__Output } from '../../gitfleet/v1/DeletionMode.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Removes an app from the target. Takes the next version in the (target, app) sequence, so an
 * agent holding a newer assignment ignores (and acks) a stale removal, and vice versa.
 */
export interface AppRemoval {
  /**
   * Target the app is removed from; must equal the session's target.
   */
  'target'?: (string);
  /**
   * App to remove.
   */
  'app'?: (string);
  /**
   * Version of the removal in the (target, app) sequence shared with Assignment.
   */
  'version'?: (number | string | Long);
  /**
   * Delete or orphan the app's objects.
   */
  'deletion'?: (_gitfleet_v1_DeletionMode);
  /**
   * Ed25519 signature of the hub over the removal's signing payload (every field above). Empty
   * when the hub signs nothing.
   */
  'signature'?: (Buffer | Uint8Array | string);
  /**
   * Id of the hub key that made `signature` (see Assignment.key_id). Empty when unsigned.
   */
  'keyId'?: (string);
}

/**
 * Removes an app from the target. Takes the next version in the (target, app) sequence, so an
 * agent holding a newer assignment ignores (and acks) a stale removal, and vice versa.
 */
export interface AppRemoval__Output {
  /**
   * Target the app is removed from; must equal the session's target.
   */
  'target': (string);
  /**
   * App to remove.
   */
  'app': (string);
  /**
   * Version of the removal in the (target, app) sequence shared with Assignment.
   */
  'version': (string);
  /**
   * Delete or orphan the app's objects.
   */
  'deletion': (_gitfleet_v1_DeletionMode__Output);
  /**
   * Ed25519 signature of the hub over the removal's signing payload (every field above). Empty
   * when the hub signs nothing.
   */
  'signature': (Buffer);
  /**
   * Id of the hub key that made `signature` (see Assignment.key_id). Empty when unsigned.
   */
  'keyId': (string);
}
