// Original file: proto/gitfleet/v1/agent_link.proto

import type { HeldApp as _gitfleet_v1_HeldApp, HeldApp__Output as _gitfleet_v1_HeldApp__Output } from '../../gitfleet/v1/HeldApp.js';

/**
 * Who the agent is and what it holds. The hub plans the resync from it.
 */
export interface Hello {
  /**
   * Target (cluster) the agent serves; must be declared in the fleet and match the bearer token.
   */
  'target'?: (string);
  /**
   * Agent build version ("0.1.0"), for logs and compatibility checks.
   */
  'agentVersion'?: (string);
  /**
   * Random id of this agent process; changes on every agent restart.
   */
  'agentInstanceId'?: (string);
  /**
   * Protocol version the agent speaks (1 for gitfleet.v1).
   */
  'protocolVersion'?: (number);
  /**
   * Every app the agent currently holds (its persisted assignments); empty on a fresh agent.
   */
  'held'?: (_gitfleet_v1_HeldApp)[];
}

/**
 * Who the agent is and what it holds. The hub plans the resync from it.
 */
export interface Hello__Output {
  /**
   * Target (cluster) the agent serves; must be declared in the fleet and match the bearer token.
   */
  'target': (string);
  /**
   * Agent build version ("0.1.0"), for logs and compatibility checks.
   */
  'agentVersion': (string);
  /**
   * Random id of this agent process; changes on every agent restart.
   */
  'agentInstanceId': (string);
  /**
   * Protocol version the agent speaks (1 for gitfleet.v1).
   */
  'protocolVersion': (number);
  /**
   * Every app the agent currently holds (its persisted assignments); empty on a fresh agent.
   */
  'held': (_gitfleet_v1_HeldApp__Output)[];
}
