// Original file: proto/gitfleet/v1/assignment.proto

/**
 * What to do about drift (a live object that differs from its desired state).
 */
export const DriftMode = {
  /**
   * Invalid; senders must choose.
   */
  DRIFT_MODE_UNSPECIFIED: 'DRIFT_MODE_UNSPECIFIED',
  /**
   * Re-apply the desired state (self-heal) and report the drift as corrected.
   */
  DRIFT_MODE_CORRECT: 'DRIFT_MODE_CORRECT',
  /**
   * Leave the live object alone and report the drift.
   */
  DRIFT_MODE_WARN: 'DRIFT_MODE_WARN',
  /**
   * Neither correct nor report.
   */
  DRIFT_MODE_IGNORE: 'DRIFT_MODE_IGNORE',
} as const;

/**
 * What to do about drift (a live object that differs from its desired state).
 */
export type DriftMode =
  /**
   * Invalid; senders must choose.
   */
  | 'DRIFT_MODE_UNSPECIFIED'
  | 0
  /**
   * Re-apply the desired state (self-heal) and report the drift as corrected.
   */
  | 'DRIFT_MODE_CORRECT'
  | 1
  /**
   * Leave the live object alone and report the drift.
   */
  | 'DRIFT_MODE_WARN'
  | 2
  /**
   * Neither correct nor report.
   */
  | 'DRIFT_MODE_IGNORE'
  | 3

/**
 * What to do about drift (a live object that differs from its desired state).
 */
export type DriftMode__Output = typeof DriftMode[keyof typeof DriftMode]
