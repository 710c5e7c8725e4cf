// Original file: proto/gitfleet/v1/assignment.proto


/**
 * An API group and kind, each a glob ("*": any). Group "" is the core group.
 */
export interface GroupKind {
  /**
   * Lowercase letters, digits, '.', '-' and '*'; "" for the core group.
   */
  'group'?: (string);
  /**
   * Letters, digits and '*' (as in Deployment); never empty.
   */
  'kind'?: (string);
}

/**
 * An API group and kind, each a glob ("*": any). Group "" is the core group.
 */
export interface GroupKind__Output {
  /**
   * Lowercase letters, digits, '.', '-' and '*'; "" for the core group.
   */
  'group': (string);
  /**
   * Letters, digits and '*' (as in Deployment); never empty.
   */
  'kind': (string);
}
