// Original file: proto/gitfleet/v1/status.proto

/**
 * Sync state of an app.
 */
export const SyncState = {
  /**
   * Invalid; senders must choose.
   */
  SYNC_STATE_UNSPECIFIED: 'SYNC_STATE_UNSPECIFIED',
  /**
   * Live state equals the assignment (ignoring ignored fields).
   */
  SYNC_STATE_SYNCED: 'SYNC_STATE_SYNCED',
  /**
   * Live state differs (manual app not yet synced, or drift left alone by policy).
   */
  SYNC_STATE_OUT_OF_SYNC: 'SYNC_STATE_OUT_OF_SYNC',
  /**
   * The agent is applying the assignment.
   */
  SYNC_STATE_APPLYING: 'SYNC_STATE_APPLYING',
  /**
   * The last apply failed (see `error` and per-object results).
   */
  SYNC_STATE_FAILED: 'SYNC_STATE_FAILED',
} as const;

/**
 * Sync state of an app.
 */
export type SyncState =
  /**
   * Invalid; senders must choose.
   */
  | 'SYNC_STATE_UNSPECIFIED'
  | 0
  /**
   * Live state equals the assignment (ignoring ignored fields).
   */
  | 'SYNC_STATE_SYNCED'
  | 1
  /**
   * Live state differs (manual app not yet synced, or drift left alone by policy).
   */
  | 'SYNC_STATE_OUT_OF_SYNC'
  | 2
  /**
   * The agent is applying the assignment.
   */
  | 'SYNC_STATE_APPLYING'
  | 3
  /**
   * The last apply failed (see `error` and per-object results).
   */
  | 'SYNC_STATE_FAILED'
  | 4

/**
 * Sync state of an app.
 */
export type SyncState__Output = typeof SyncState[keyof typeof SyncState]
