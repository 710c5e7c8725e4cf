// Original file: proto/gitfleet/v1/assignment.proto

import type { AssignmentPolicies as _gitfleet_v1_AssignmentPolicies, AssignmentPolicies__Output as _gitfleet_v1_AssignmentPolicies__Output } from '../../gitfleet/v1/AssignmentPolicies.js';
import type { ProjectScope as _gitfleet_v1_ProjectScope, ProjectScope__Output as _gitfleet_v1_ProjectScope__Output } from '../../gitfleet/v1/ProjectScope.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The desired state of one app on one target. Assignments of a (target, app) pair carry a version
 * that only ever grows; an agent applies an assignment only if its version is greater than the
 * version it holds, and acks it again (without re-applying) otherwise. An agent that pins hub keys
 * also refuses (negative ack) one that is unsigned, badly signed, or older than a version it passed.
 */
export interface Assignment {
  /**
   * Target (cluster) name the assignment is for; must equal the session's target.
   */
  'target'?: (string);
  /**
   * App name, unique within the target.
   */
  'app'?: (string);
  /**
   * Monotonically increasing version per (target, app), starting at 1. Shared with AppRemoval.
   */
  'version'?: (number | string | Long);
  /**
   * Git commit SHA (40 or 64 lowercase hex) the objects were rendered from.
   */
  'revision'?: (string);
  /**
   * "sha256:<hex>" over the canonical rendered objects (see proto/README.md, "Digests").
   */
  'contentDigest'?: (string);
  /**
   * Rendered Kubernetes objects, each one object as canonical JSON (sorted keys, no whitespace).
   */
  'objects'?: (string)[];
  /**
   * How the agent syncs, prunes and treats drift, unmanaged objects, conflicts and removal.
   */
  'policies'?: (_gitfleet_v1_AssignmentPolicies | null);
  /**
   * Ed25519 signature of the hub over the assignment's signing payload: every field above, the
   * objects through content_digest (proto/README.md, "Signed desired state"). Empty when the hub
   * signs nothing; an agent that pins hub keys refuses it then.
   */
  'signature'?: (Buffer | Uint8Array | string);
  /**
   * Id of the hub key that made `signature`: the first 16 hex of sha256 over the raw 32-byte
   * Ed25519 public key. Empty when unsigned.
   */
  'keyId'?: (string);
  /**
   * The Project the app belongs to, as far as it bounds the objects: the agent refuses the whole
   * assignment (SCOPE_VIOLATION) when one object is outside it. Absent for an app in no Project
   * (or in an unrestricted `default`): the agent's local policy alone decides then. Covered by
   * the signature.
   */
  'scope'?: (_gitfleet_v1_ProjectScope | null);
}

/**
 * The desired state of one app on one target. Assignments of a (target, app) pair carry a version
 * that only ever grows; an agent applies an assignment only if its version is greater than the
 * version it holds, and acks it again (without re-applying) otherwise. An agent that pins hub keys
 * also refuses (negative ack) one that is unsigned, badly signed, or older than a version it passed.
 */
export interface Assignment__Output {
  /**
   * Target (cluster) name the assignment is for; must equal the session's target.
   */
  'target': (string);
  /**
   * App name, unique within the target.
   */
  'app': (string);
  /**
   * Monotonically increasing version per (target, app), starting at 1. Shared with AppRemoval.
   */
  'version': (string);
  /**
   * Git commit SHA (40 or 64 lowercase hex) the objects were rendered from.
   */
  'revision': (string);
  /**
   * "sha256:<hex>" over the canonical rendered objects (see proto/README.md, "Digests").
   */
  'contentDigest': (string);
  /**
   * Rendered Kubernetes objects, each one object as canonical JSON (sorted keys, no whitespace).
   */
  'objects': (string)[];
  /**
   * How the agent syncs, prunes and treats drift, unmanaged objects, conflicts and removal.
   */
  'policies': (_gitfleet_v1_AssignmentPolicies__Output | null);
  /**
   * Ed25519 signature of the hub over the assignment's signing payload: every field above, the
   * objects through content_digest (proto/README.md, "Signed desired state"). Empty when the hub
   * signs nothing; an agent that pins hub keys refuses it then.
   */
  'signature': (Buffer);
  /**
   * Id of the hub key that made `signature`: the first 16 hex of sha256 over the raw 32-byte
   * Ed25519 public key. Empty when unsigned.
   */
  'keyId': (string);
  /**
   * The Project the app belongs to, as far as it bounds the objects: the agent refuses the whole
   * assignment (SCOPE_VIOLATION) when one object is outside it. Absent for an app in no Project
   * (or in an unrestricted `default`): the agent's local policy alone decides then. Covered by
   * the signature.
   */
  'scope': (_gitfleet_v1_ProjectScope__Output | null);
}
