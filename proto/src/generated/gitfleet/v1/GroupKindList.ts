// Original file: proto/gitfleet/v1/assignment.proto

import type { GroupKind as _gitfleet_v1_GroupKind, GroupKind__Output as _gitfleet_v1_GroupKind__Output } from '../../gitfleet/v1/GroupKind.js';

/**
 * A list of kinds whose presence means something (see ProjectScope.allowed_kinds).
 */
export interface GroupKindList {
  'kinds'?: (_gitfleet_v1_GroupKind)[];
}

/**
 * A list of kinds whose presence means something (see ProjectScope.allowed_kinds).
 */
export interface GroupKindList__Output {
  'kinds': (_gitfleet_v1_GroupKind__Output)[];
}
