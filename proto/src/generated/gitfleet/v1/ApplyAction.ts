// Original file: proto/gitfleet/v1/status.proto

/**
 * What the agent did to one object during the last apply.
 */
export const ApplyAction = {
  /**
   * Invalid; senders must choose.
   */
  APPLY_ACTION_UNSPECIFIED: 'APPLY_ACTION_UNSPECIFIED',
  /**
   * The object did not exist and was created.
   */
  APPLY_ACTION_CREATED: 'APPLY_ACTION_CREATED',
  /**
   * The object existed and was changed.
   */
  APPLY_ACTION_CONFIGURED: 'APPLY_ACTION_CONFIGURED',
  /**
   * The object already matched; nothing was written.
   */
  APPLY_ACTION_UNCHANGED: 'APPLY_ACTION_UNCHANGED',
  /**
   * The object was deleted (prune or removal).
   */
  APPLY_ACTION_DELETED: 'APPLY_ACTION_DELETED',
  /**
   * The object was deliberately not applied (manual sync pending, drift mode warn/ignore, ...).
   */
  APPLY_ACTION_SKIPPED: 'APPLY_ACTION_SKIPPED',
  /**
   * Applying the object failed (see `error`).
   */
  APPLY_ACTION_FAILED: 'APPLY_ACTION_FAILED',
} as const;

/**
 * What the agent did to one object during the last apply.
 */
export type ApplyAction =
  /**
   * Invalid; senders must choose.
   */
  | 'APPLY_ACTION_UNSPECIFIED'
  | 0
  /**
   * The object did not exist and was created.
   */
  | 'APPLY_ACTION_CREATED'
  | 1
  /**
   * The object existed and was changed.
   */
  | 'APPLY_ACTION_CONFIGURED'
  | 2
  /**
   * The object already matched; nothing was written.
   */
  | 'APPLY_ACTION_UNCHANGED'
  | 3
  /**
   * The object was deleted (prune or removal).
   */
  | 'APPLY_ACTION_DELETED'
  | 4
  /**
   * The object was deliberately not applied (manual sync pending, drift mode warn/ignore, ...).
   */
  | 'APPLY_ACTION_SKIPPED'
  | 5
  /**
   * Applying the object failed (see `error`).
   */
  | 'APPLY_ACTION_FAILED'
  | 6

/**
 * What the agent did to one object during the last apply.
 */
export type ApplyAction__Output = typeof ApplyAction[keyof typeof ApplyAction]
