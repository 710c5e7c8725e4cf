// Original file: proto/gitfleet/v1/agent_link.proto

import type { ResyncPlan as _gitfleet_v1_ResyncPlan, ResyncPlan__Output as _gitfleet_v1_ResyncPlan__Output } from '../../gitfleet/v1/ResyncPlan.js';

/**
 * The hub's answer to Hello: the session and what will follow.
 */
export interface Welcome {
  /**
   * Id of this session, unique per stream; used in logs and ids of session-scoped messages.
   */
  'sessionId'?: (string);
  /**
   * Protocol version the hub speaks on this session (equal to Hello.protocol_version).
   */
  'protocolVersion'?: (number);
  /**
   * Both sides send a heartbeat at least this often (ms) when they have nothing else to send.
   */
  'heartbeatIntervalMs'?: (number);
  /**
   * What the hub will send and what it wants reported, computed from Hello.held.
   */
  'resync'?: (_gitfleet_v1_ResyncPlan | null);
}

/**
 * The hub's answer to Hello: the session and what will follow.
 */
export interface Welcome__Output {
  /**
   * Id of this session, unique per stream; used in logs and ids of session-scoped messages.
   */
  'sessionId': (string);
  /**
   * Protocol version the hub speaks on this session (equal to Hello.protocol_version).
   */
  'protocolVersion': (number);
  /**
   * Both sides send a heartbeat at least this often (ms) when they have nothing else to send.
   */
  'heartbeatIntervalMs': (number);
  /**
   * What the hub will send and what it wants reported, computed from Hello.held.
   */
  'resync': (_gitfleet_v1_ResyncPlan__Output | null);
}
