// Original file: proto/gitfleet/v1/assignment.proto


/**
 * Prune policy: objects in the agent's inventory for the app that are no longer rendered.
 */
export interface PrunePolicy {
  /**
   * Delete objects that left the rendered set.
   */
  'enabled'?: (boolean);
  /**
   * Allow a prune that would delete every object of the app (an empty rendered set). Without it
   * the agent refuses such a sync with Failed, guarding against a broken render wiping an app.
   */
  'allowEmpty'?: (boolean);
}

/**
 * Prune policy: objects in the agent's inventory for the app that are no longer rendered.
 */
export interface PrunePolicy__Output {
  /**
   * Delete objects that left the rendered set.
   */
  'enabled': (boolean);
  /**
   * Allow a prune that would delete every object of the app (an empty rendered set). Without it
   * the agent refuses such a sync with Failed, guarding against a broken render wiping an app.
   */
  'allowEmpty': (boolean);
}
