// Original file: proto/gitfleet/v1/assignment.proto

/**
 * Sync mode of an app.
 */
export const SyncMode = {
  /**
   * Invalid; senders must choose.
   */
  SYNC_MODE_UNSPECIFIED: 'SYNC_MODE_UNSPECIFIED',
  /**
   * The agent applies every new assignment (and self-heals per DriftPolicy) on its own.
   */
  SYNC_MODE_AUTOMATED: 'SYNC_MODE_AUTOMATED',
  /**
   * The agent only diffs and reports OutOfSync; it applies when it receives a SyncRequest.
   */
  SYNC_MODE_MANUAL: 'SYNC_MODE_MANUAL',
} as const;

/**
 * Sync mode of an app.
 */
export type SyncMode =
  /**
   * Invalid; senders must choose.
   */
  | 'SYNC_MODE_UNSPECIFIED'
  | 0
  /**
   * The agent applies every new assignment (and self-heals per DriftPolicy) on its own.
   */
  | 'SYNC_MODE_AUTOMATED'
  | 1
  /**
   * The agent only diffs and reports OutOfSync; it applies when it receives a SyncRequest.
   */
  | 'SYNC_MODE_MANUAL'
  | 2

/**
 * Sync mode of an app.
 */
export type SyncMode__Output = typeof SyncMode[keyof typeof SyncMode]
