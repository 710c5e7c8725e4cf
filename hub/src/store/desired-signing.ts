/**
 * How the Redis store signs the desired state it writes (proto/README.md, "Signed desired
 * state"): an assignment or removal is signed for the exact version the write allocates, inside
 * the same compare-and-set, so what Redis holds carries the hub's signature from the moment it
 * exists, and a later edit of Redis breaks it.
 *
 * The store also checks its own signature before it re-signs anything (a resync moving a record
 * to another version) or leaves a record as it is: it never signs again what it did not sign, and
 * a record whose signature no longer holds is written anew from Git at the next resolve pass.
 */
import { createHash } from 'node:crypto';
import {
  hubSignatureOf,
  pinHubKeys,
  verifyHubSignature,
  type AppRemoval,
  type Assignment,
  type DeletionMode,
  type HubSignature,
  type HubSigningKey,
  type PinnedHubKeys,
} from '@gitfleet/proto';
import type { AssignmentMeta, RemovalMeta } from './records.ts';

/** Compare-and-set attempts before a write gives up (each lost race means another write won). */
export const MAX_SIGNED_WRITE_ATTEMPTS = 20;

/** Stored records remembered as verified (one per (target, app); the fleet bounds them). */
const MAX_VERIFIED = 100_000;

export class DesiredSigner {
  private readonly key: HubSigningKey;
  private readonly own: PinnedHubKeys;
  /**
   * `target/app` → sha256 of the version and meta last found to hold: a resolve pass finds most
   * records unchanged, and hashing the meta is far cheaper than verifying its signature again.
   */
  private readonly verified = new Map<string, string>();

  constructor(key: HubSigningKey) {
    this.key = key;
    this.own = pinHubKeys([key.publicKey]);
  }

  get keyId(): string {
    return this.key.keyId;
  }

  /** The signature of an assignment with `meta`'s content at `version`. */
  assignment(
    target: string,
    app: string,
    version: number,
    meta: Pick<AssignmentMeta, 'revision' | 'contentDigest' | 'policies' | 'scope'>,
  ): HubSignature {
    return hubSignatureOf(assignmentOf(target, app, version, meta), this.key);
  }

  /** The signature of a removal at `version`. */
  removal(target: string, app: string, version: number, deletion: DeletionMode): HubSignature {
    return hubSignatureOf(removalOf(target, app, version, deletion), this.key);
  }

  /** True when `meta` carries this hub's valid signature of the assignment at `version`. */
  assignmentHolds(target: string, app: string, version: number, meta: AssignmentMeta): boolean {
    return this.holds({ ...assignmentOf(target, app, version, meta), signature: meta.signature });
  }

  /** Remembers a meta this hub just stored (signed by it) as verified. */
  stored(target: string, app: string, version: number, meta: string): void {
    if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
    this.verified.set(`${target}/${app}`, verifiedKey(version, meta));
  }

  /** {@link assignmentHolds} of a meta as stored (JSON text; false when it is none). */
  storedAssignmentHolds(
    target: string,
    app: string,
    version: number,
    meta: string | null | undefined,
  ): boolean {
    if (meta == null) return false;
    const slot = `${target}/${app}`;
    const seen = verifiedKey(version, meta);
    if (this.verified.get(slot) === seen) return true;
    let parsed: AssignmentMeta;
    try {
      parsed = JSON.parse(meta) as AssignmentMeta;
    } catch {
      return false;
    }
    if (!this.assignmentHolds(target, app, version, parsed)) return false;
    if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
    this.verified.set(slot, seen);
    return true;
  }

  /** True when `meta` carries this hub's valid signature of the removal at `version`. */
  removalHolds(
    target: string,
    app: string,
    version: number,
    deletion: DeletionMode,
    meta: RemovalMeta,
  ): boolean {
    return this.holds({ ...removalOf(target, app, version, deletion), signature: meta.signature });
  }

  private holds(m: Assignment | AppRemoval): boolean {
    try {
      return verifyHubSignature(m, m.target, this.own).ok;
    } catch {
      // a meta edited into something that is not one (policies missing, say)
      return false;
    }
  }
}

function assignmentOf(
  target: string,
  app: string,
  version: number,
  meta: Pick<AssignmentMeta, 'revision' | 'contentDigest' | 'policies' | 'scope'>,
): Assignment {
  return {
    kind: 'assignment',
    target,
    app,
    version,
    revision: meta.revision,
    contentDigest: meta.contentDigest,
    // the signature covers the objects through their digest
    objects: [],
    policies: meta.policies,
    // the project scope is signed with the rest: a meta edited to widen or drop it does not hold
    ...(meta.scope === undefined ? {} : { scope: meta.scope }),
  };
}

function removalOf(
  target: string,
  app: string,
  version: number,
  deletion: DeletionMode,
): AppRemoval {
  return { kind: 'appRemoval', target, app, version, deletion };
}

/** What {@link DesiredSigner} remembers of a verified record: a digest of version and meta. */
function verifiedKey(version: number, meta: string): string {
  return createHash('sha256')
    .update(`${String(version)}\n${meta}`)
    .digest('hex');
}
