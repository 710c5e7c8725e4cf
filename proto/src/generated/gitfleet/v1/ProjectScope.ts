// Original file: proto/gitfleet/v1/assignment.proto

import type { GroupKindList as _gitfleet_v1_GroupKindList, GroupKindList__Output as _gitfleet_v1_GroupKindList__Output } from '../../gitfleet/v1/GroupKindList.js';
import type { GroupKind as _gitfleet_v1_GroupKind, GroupKind__Output as _gitfleet_v1_GroupKind__Output } from '../../gitfleet/v1/GroupKind.js';

/**
 * The object rules of a Project (the fleet's `kind: Project`, proto/README.md "Project scope").
 * Patterns are globs: `*` any run of characters except '/', `**` any run, anything else itself.
 * At most 256 entries per list, each pattern at most 512 characters.
 */
export interface ProjectScope {
  /**
   * Project name (DNS label); named in every refusal.
   */
  'name'?: (string);
  /**
   * Globs over the namespaces a namespaced object may be in (lowercase letters, digits, '-', '*').
   */
  'namespaces'?: (string)[];
  /**
   * Namespaced kinds allowed. Absent: every namespaced kind; present and empty: none.
   */
  'allowedKinds'?: (_gitfleet_v1_GroupKindList | null);
  /**
   * Cluster-scoped kinds allowed (an object without a namespace counts as cluster-scoped); none
   * when empty, so a wildcard meant for namespaced kinds never opens cluster-scoped ones.
   */
  'allowedClusterScopedKinds'?: (_gitfleet_v1_GroupKind)[];
  /**
   * Kinds never allowed, whatever the allow lists say.
   */
  'deniedKinds'?: (_gitfleet_v1_GroupKind)[];
}

/**
 * The object rules of a Project (the fleet's `kind: Project`, proto/README.md "Project scope").
 * Patterns are globs: `*` any run of characters except '/', `**` any run, anything else itself.
 * At most 256 entries per list, each pattern at most 512 characters.
 */
export interface ProjectScope__Output {
  /**
   * Project name (DNS label); named in every refusal.
   */
  'name': (string);
  /**
   * Globs over the namespaces a namespaced object may be in (lowercase letters, digits, '-', '*').
   */
  'namespaces': (string)[];
  /**
   * Namespaced kinds allowed. Absent: every namespaced kind; present and empty: none.
   */
  'allowedKinds': (_gitfleet_v1_GroupKindList__Output | null);
  /**
   * Cluster-scoped kinds allowed (an object without a namespace counts as cluster-scoped); none
   * when empty, so a wildcard meant for namespaced kinds never opens cluster-scoped ones.
   */
  'allowedClusterScopedKinds': (_gitfleet_v1_GroupKind__Output)[];
  /**
   * Kinds never allowed, whatever the allow lists say.
   */
  'deniedKinds': (_gitfleet_v1_GroupKind__Output)[];
}
