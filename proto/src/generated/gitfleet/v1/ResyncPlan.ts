// Original file: proto/gitfleet/v1/agent_link.proto

import type { AppVersion as _gitfleet_v1_AppVersion, AppVersion__Output as _gitfleet_v1_AppVersion__Output } from '../../gitfleet/v1/AppVersion.js';

/**
 * The difference between what the agent holds and what the hub wants.
 */
export interface ResyncPlan {
  /**
   * An Assignment with this version follows for each entry (the agent lacks the app or holds
   * an older version or a different digest).
   */
  'assignments'?: (_gitfleet_v1_AppVersion)[];
  /**
   * An AppRemoval with this version follows for each entry (held by the agent, not assigned).
   */
  'removals'?: (_gitfleet_v1_AppVersion)[];
  /**
   * Apps whose status hash differs from the hub's copy: the agent sends a fresh StatusReport.
   */
  'reportRequests'?: (string)[];
  /**
   * Apps where assignment and status are both current; nothing follows for them.
   */
  'upToDate'?: (string)[];
}

/**
 * The difference between what the agent holds and what the hub wants.
 */
export interface ResyncPlan__Output {
  /**
   * An Assignment with this version follows for each entry (the agent lacks the app or holds
   * an older version or a different digest).
   */
  'assignments': (_gitfleet_v1_AppVersion__Output)[];
  /**
   * An AppRemoval with this version follows for each entry (held by the agent, not assigned).
   */
  'removals': (_gitfleet_v1_AppVersion__Output)[];
  /**
   * Apps whose status hash differs from the hub's copy: the agent sends a fresh StatusReport.
   */
  'reportRequests': (string)[];
  /**
   * Apps where assignment and status are both current; nothing follows for them.
   */
  'upToDate': (string)[];
}
