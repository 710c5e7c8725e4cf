// Original file: proto/gitfleet/v1/types.proto


/**
 * Identifies one Kubernetes object. Empty `group` is the core group; empty `namespace` means the
 * object is cluster-scoped.
 */
export interface ObjectRef {
  /**
   * API group ("" for the core group, "apps", "networking.k8s.io", ...).
   */
  'group'?: (string);
  /**
   * API version within the group ("v1", "v1beta1").
   */
  'version'?: (string);
  /**
   * Object kind ("Deployment").
   */
  'kind'?: (string);
  /**
   * Namespace; "" for cluster-scoped objects.
   */
  'namespace'?: (string);
  /**
   * metadata.name.
   */
  'name'?: (string);
}

/**
 * Identifies one Kubernetes object. Empty `group` is the core group; empty `namespace` means the
 * object is cluster-scoped.
 */
export interface ObjectRef__Output {
  /**
   * API group ("" for the core group, "apps", "networking.k8s.io", ...).
   */
  'group': (string);
  /**
   * API version within the group ("v1", "v1beta1").
   */
  'version': (string);
  /**
   * Object kind ("Deployment").
   */
  'kind': (string);
  /**
   * Namespace; "" for cluster-scoped objects.
   */
  'namespace': (string);
  /**
   * metadata.name.
   */
  'name': (string);
}
