// Original file: proto/gitfleet/v1/assignment.proto

/**
 * What to do on a server-side apply field-ownership conflict.
 */
export const ConflictMode = {
  /**
   * Invalid; senders must choose.
   */
  CONFLICT_MODE_UNSPECIFIED: 'CONFLICT_MODE_UNSPECIFIED',
  /**
   * Apply with force: take the fields over from the other manager.
   */
  CONFLICT_MODE_FORCE: 'CONFLICT_MODE_FORCE',
  /**
   * Do not force: the object fails with APPLY_CONFLICT naming the other manager.
   */
  CONFLICT_MODE_REPORT: 'CONFLICT_MODE_REPORT',
} as const;

/**
 * What to do on a server-side apply field-ownership conflict.
 */
export type ConflictMode =
  /**
   * Invalid; senders must choose.
   */
  | 'CONFLICT_MODE_UNSPECIFIED'
  | 0
  /**
   * Apply with force: take the fields over from the other manager.
   */
  | 'CONFLICT_MODE_FORCE'
  | 1
  /**
   * Do not force: the object fails with APPLY_CONFLICT naming the other manager.
   */
  | 'CONFLICT_MODE_REPORT'
  | 2

/**
 * What to do on a server-side apply field-ownership conflict.
 */
export type ConflictMode__Output = typeof ConflictMode[keyof typeof ConflictMode]
