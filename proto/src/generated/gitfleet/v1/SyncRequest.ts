// Original file: proto/gitfleet/v1/assignment.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Asks the agent to apply the assignment it holds now (the sync operation of a manual app, or a
 * forced re-sync of an automated one). An operation, never coalesced with assignments.
 */
export interface SyncRequest {
  /**
   * Target the request is for; must equal the session's target.
   */
  'target'?: (string);
  /**
   * App to sync.
   */
  'app'?: (string);
  /**
   * Assignment version to sync; the agent acks NOT_FOUND if it does not hold exactly this version.
   */
  'assignmentVersion'?: (number | string | Long);
  /**
   * Caller-chosen id of the operation (e.g. the hub's job id), for correlation in reports and logs.
   */
  'requestId'?: (string);
  /**
   * Ed25519 signature of the hub over the request's signing payload (every field above). Empty
   * when the hub signs nothing.
   */
  'signature'?: (Buffer | Uint8Array | string);
  /**
   * Id of the hub key that made `signature` (see Assignment.key_id). Empty when unsigned.
   */
  'keyId'?: (string);
}

/**
 * Asks the agent to apply the assignment it holds now (the sync operation of a manual app, or a
 * forced re-sync of an automated one). An operation, never coalesced with assignments.
 */
export interface SyncRequest__Output {
  /**
   * Target the request is for; must equal the session's target.
   */
  'target': (string);
  /**
   * App to sync.
   */
  'app': (string);
  /**
   * Assignment version to sync; the agent acks NOT_FOUND if it does not hold exactly this version.
   */
  'assignmentVersion': (string);
  /**
   * Caller-chosen id of the operation (e.g. the hub's job id), for correlation in reports and logs.
   */
  'requestId': (string);
  /**
   * Ed25519 signature of the hub over the request's signing payload (every field above). Empty
   * when the hub signs nothing.
   */
  'signature': (Buffer);
  /**
   * Id of the hub key that made `signature` (see Assignment.key_id). Empty when unsigned.
   */
  'keyId': (string);
}
