// Original file: proto/gitfleet/v1/agent_link.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One app as held by the agent.
 */
export interface HeldApp {
  /**
   * App name.
   */
  'app'?: (string);
  /**
   * Version of the assignment the agent holds.
   */
  'assignmentVersion'?: (number | string | Long);
  /**
   * Git commit SHA of that assignment.
   */
  'revision'?: (string);
  /**
   * Content digest of that assignment.
   */
  'contentDigest'?: (string);
  /**
   * status_hash of the last StatusReport for the app that the hub acked; "" if none yet.
   */
  'statusHash'?: (string);
}

/**
 * One app as held by the agent.
 */
export interface HeldApp__Output {
  /**
   * App name.
   */
  'app': (string);
  /**
   * Version of the assignment the agent holds.
   */
  'assignmentVersion': (string);
  /**
   * Git commit SHA of that assignment.
   */
  'revision': (string);
  /**
   * Content digest of that assignment.
   */
  'contentDigest': (string);
  /**
   * status_hash of the last StatusReport for the app that the hub acked; "" if none yet.
   */
  'statusHash': (string);
}
