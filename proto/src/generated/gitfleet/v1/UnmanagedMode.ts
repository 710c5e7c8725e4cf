// Original file: proto/gitfleet/v1/assignment.proto

/**
 * What to do with unmanaged objects (live objects in the app's scope that it does not render).
 */
export const UnmanagedMode = {
  /**
   * Invalid; senders must choose.
   */
  UNMANAGED_MODE_UNSPECIFIED: 'UNMANAGED_MODE_UNSPECIFIED',
  /**
   * Do not look for unmanaged objects.
   */
  UNMANAGED_MODE_IGNORE: 'UNMANAGED_MODE_IGNORE',
  /**
   * Report them.
   */
  UNMANAGED_MODE_WARN: 'UNMANAGED_MODE_WARN',
  /**
   * Delete them.
   */
  UNMANAGED_MODE_PRUNE: 'UNMANAGED_MODE_PRUNE',
} as const;

/**
 * What to do with unmanaged objects (live objects in the app's scope that it does not render).
 */
export type UnmanagedMode =
  /**
   * Invalid; senders must choose.
   */
  | 'UNMANAGED_MODE_UNSPECIFIED'
  | 0
  /**
   * Do not look for unmanaged objects.
   */
  | 'UNMANAGED_MODE_IGNORE'
  | 1
  /**
   * Report them.
   */
  | 'UNMANAGED_MODE_WARN'
  | 2
  /**
   * Delete them.
   */
  | 'UNMANAGED_MODE_PRUNE'
  | 3

/**
 * What to do with unmanaged objects (live objects in the app's scope that it does not render).
 */
export type UnmanagedMode__Output = typeof UnmanagedMode[keyof typeof UnmanagedMode]
