// Original file: proto/gitfleet/v1/status.proto

/**
 * What the agent did with an unmanaged object.
 */
export const UnmanagedAction = {
  /**
   * Invalid; senders must choose.
   */
  UNMANAGED_ACTION_UNSPECIFIED: 'UNMANAGED_ACTION_UNSPECIFIED',
  /**
   * Left alone and reported (unmanaged mode warn).
   */
  UNMANAGED_ACTION_REPORTED: 'UNMANAGED_ACTION_REPORTED',
  /**
   * Deleted (unmanaged mode prune).
   */
  UNMANAGED_ACTION_PRUNED: 'UNMANAGED_ACTION_PRUNED',
  /**
   * Deleting it failed; it is still there (see message).
   */
  UNMANAGED_ACTION_PRUNE_FAILED: 'UNMANAGED_ACTION_PRUNE_FAILED',
} as const;

/**
 * What the agent did with an unmanaged object.
 */
export type UnmanagedAction =
  /**
   * Invalid; senders must choose.
   */
  | 'UNMANAGED_ACTION_UNSPECIFIED'
  | 0
  /**
   * Left alone and reported (unmanaged mode warn).
   */
  | 'UNMANAGED_ACTION_REPORTED'
  | 1
  /**
   * Deleted (unmanaged mode prune).
   */
  | 'UNMANAGED_ACTION_PRUNED'
  | 2
  /**
   * Deleting it failed; it is still there (see message).
   */
  | 'UNMANAGED_ACTION_PRUNE_FAILED'
  | 3

/**
 * What the agent did with an unmanaged object.
 */
export type UnmanagedAction__Output = typeof UnmanagedAction[keyof typeof UnmanagedAction]
