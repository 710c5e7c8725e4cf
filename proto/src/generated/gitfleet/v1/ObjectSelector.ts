// Original file: proto/gitfleet/v1/types.proto


/**
 * Matches Kubernetes objects. Every field is optional: an absent field matches anything, a present
 * field must match exactly (so `group: ""` selects the core group, while an absent group selects
 * all groups). Versions are never matched: a selector applies to every version of a kind.
 */
export interface ObjectSelector {
  /**
   * API group to match; absent = any group.
   */
  'group'?: (string);
  /**
   * Kind to match; absent = any kind.
   */
  'kind'?: (string);
  /**
   * Namespace to match ("" = cluster-scoped objects only); absent = any namespace.
   */
  'namespace'?: (string);
  /**
   * metadata.name to match; absent = any name.
   */
  'name'?: (string);
  '_group'?: "group";
  '_kind'?: "kind";
  '_namespace'?: "namespace";
  '_name'?: "name";
}

/**
 * Matches Kubernetes objects. Every field is optional: an absent field matches anything, a present
 * field must match exactly (so `group: ""` selects the core group, while an absent group selects
 * all groups). Versions are never matched: a selector applies to every version of a kind.
 */
export interface ObjectSelector__Output {
  /**
   * API group to match; absent = any group.
   */
  'group'?: (string);
  /**
   * Kind to match; absent = any kind.
   */
  'kind'?: (string);
  /**
   * Namespace to match ("" = cluster-scoped objects only); absent = any namespace.
   */
  'namespace'?: (string);
  /**
   * metadata.name to match; absent = any name.
   */
  'name'?: (string);
  '_group'?: "group";
  '_kind'?: "kind";
  '_namespace'?: "namespace";
  '_name'?: "name";
}
