// Original file: proto/gitfleet/v1/status.proto

/**
 * What the agent did about a drift.
 */
export const DriftAction = {
  /**
   * Invalid; senders must choose.
   */
  DRIFT_ACTION_UNSPECIFIED: 'DRIFT_ACTION_UNSPECIFIED',
  /**
   * Re-applied the desired state (drift mode correct).
   */
  DRIFT_ACTION_CORRECTED: 'DRIFT_ACTION_CORRECTED',
  /**
   * Left the live object alone and reported it (drift mode warn, or a manual app).
   */
  DRIFT_ACTION_REPORTED: 'DRIFT_ACTION_REPORTED',
  /**
   * Ignored by policy; reported only for visibility.
   */
  DRIFT_ACTION_IGNORED: 'DRIFT_ACTION_IGNORED',
} as const;

/**
 * What the agent did about a drift.
 */
export type DriftAction =
  /**
   * Invalid; senders must choose.
   */
  | 'DRIFT_ACTION_UNSPECIFIED'
  | 0
  /**
   * Re-applied the desired state (drift mode correct).
   */
  | 'DRIFT_ACTION_CORRECTED'
  | 1
  /**
   * Left the live object alone and reported it (drift mode warn, or a manual app).
   */
  | 'DRIFT_ACTION_REPORTED'
  | 2
  /**
   * Ignored by policy; reported only for visibility.
   */
  | 'DRIFT_ACTION_IGNORED'
  | 3

/**
 * What the agent did about a drift.
 */
export type DriftAction__Output = typeof DriftAction[keyof typeof DriftAction]
