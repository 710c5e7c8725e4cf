// Original file: proto/gitfleet/v1/status.proto

import type { HealthStatus as _gitfleet_v1_HealthStatus, HealthStatus__Output as _gitfleet_v1_HealthStatus__Output } from '../../gitfleet/v1/HealthStatus.js';

/**
 * A health status with an explanation.
 */
export interface Health {
  /**
   * The status.
   */
  'status'?: (_gitfleet_v1_HealthStatus);
  /**
   * Why ("Deployment web: 1/3 replicas available"); "" when there is nothing to say.
   */
  'message'?: (string);
}

/**
 * A health status with an explanation.
 */
export interface Health__Output {
  /**
   * The status.
   */
  'status': (_gitfleet_v1_HealthStatus__Output);
  /**
   * Why ("Deployment web: 1/3 replicas available"); "" when there is nothing to say.
   */
  'message': (string);
}
