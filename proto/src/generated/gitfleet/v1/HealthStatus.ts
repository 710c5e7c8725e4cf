// Original file: proto/gitfleet/v1/status.proto

/**
 * Health of an object or app, Argo CD vocabulary.
 */
export const HealthStatus = {
  /**
   * Invalid; senders must choose.
   */
  HEALTH_STATUS_UNSPECIFIED: 'HEALTH_STATUS_UNSPECIFIED',
  /**
   * Running as desired.
   */
  HEALTH_STATUS_HEALTHY: 'HEALTH_STATUS_HEALTHY',
  /**
   * Not yet healthy but making progress (rollout in flight).
   */
  HEALTH_STATUS_PROGRESSING: 'HEALTH_STATUS_PROGRESSING',
  /**
   * Failed or failing (crash loops, failed rollout, failed job).
   */
  HEALTH_STATUS_DEGRADED: 'HEALTH_STATUS_DEGRADED',
  /**
   * Paused on purpose (suspended CronJob, paused rollout).
   */
  HEALTH_STATUS_SUSPENDED: 'HEALTH_STATUS_SUSPENDED',
  /**
   * The object does not exist in the cluster.
   */
  HEALTH_STATUS_MISSING: 'HEALTH_STATUS_MISSING',
  /**
   * Health cannot be assessed (no rule for the kind, or not yet observed).
   */
  HEALTH_STATUS_UNKNOWN: 'HEALTH_STATUS_UNKNOWN',
} as const;

/**
 * Health of an object or app, Argo CD vocabulary.
 */
export type HealthStatus =
  /**
   * Invalid; senders must choose.
   */
  | 'HEALTH_STATUS_UNSPECIFIED'
  | 0
  /**
   * Running as desired.
   */
  | 'HEALTH_STATUS_HEALTHY'
  | 1
  /**
   * Not yet healthy but making progress (rollout in flight).
   */
  | 'HEALTH_STATUS_PROGRESSING'
  | 2
  /**
   * Failed or failing (crash loops, failed rollout, failed job).
   */
  | 'HEALTH_STATUS_DEGRADED'
  | 3
  /**
   * Paused on purpose (suspended CronJob, paused rollout).
   */
  | 'HEALTH_STATUS_SUSPENDED'
  | 4
  /**
   * The object does not exist in the cluster.
   */
  | 'HEALTH_STATUS_MISSING'
  | 5
  /**
   * Health cannot be assessed (no rule for the kind, or not yet observed).
   */
  | 'HEALTH_STATUS_UNKNOWN'
  | 6

/**
 * Health of an object or app, Argo CD vocabulary.
 */
export type HealthStatus__Output = typeof HealthStatus[keyof typeof HealthStatus]
