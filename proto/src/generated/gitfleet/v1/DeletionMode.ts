// Original file: proto/gitfleet/v1/assignment.proto

/**
 * What happens to an app's objects when the app is removed from the target.
 */
export const DeletionMode = {
  /**
   * Invalid; senders must choose.
   */
  DELETION_MODE_UNSPECIFIED: 'DELETION_MODE_UNSPECIFIED',
  /**
   * Delete every object of the app.
   */
  DELETION_MODE_DELETE: 'DELETION_MODE_DELETE',
  /**
   * Leave the objects in the cluster, only drop gitfleet's ownership labels.
   */
  DELETION_MODE_ORPHAN: 'DELETION_MODE_ORPHAN',
} as const;

/**
 * What happens to an app's objects when the app is removed from the target.
 */
export type DeletionMode =
  /**
   * Invalid; senders must choose.
   */
  | 'DELETION_MODE_UNSPECIFIED'
  | 0
  /**
   * Delete every object of the app.
   */
  | 'DELETION_MODE_DELETE'
  | 1
  /**
   * Leave the objects in the cluster, only drop gitfleet's ownership labels.
   */
  | 'DELETION_MODE_ORPHAN'
  | 2

/**
 * What happens to an app's objects when the app is removed from the target.
 */
export type DeletionMode__Output = typeof DeletionMode[keyof typeof DeletionMode]
