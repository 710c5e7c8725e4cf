/**
 * Signed desired state: what the hub signs of every Assignment, AppRemoval and SyncRequest, and
 * the agent's check of it (proto/README.md, "Signed desired state").
 *
 * The hub signs with an Ed25519 key it reads from a file, never from Redis, at the moment it
 * stores the desired state; the agent verifies with the public keys it pins. So whoever can write
 * Redis can still block a delivery, but can no longer change what any cluster runs.
 *
 * The signed bytes of a message are a domain-separation line naming its kind, then the canonical
 * JSON (./ids.ts) of every field the agent acts on — for an assignment its objects through
 * `contentDigest`, which the codec checks against the objects on decode, and its project scope
 * when it has one (so that nobody between hub and agent can widen or drop it). Optional fields
 * (the project scope, the destination namespace, createNamespace) are in the payload only when
 * set, so that a message without them signs exactly as before they existed. Fields are projected
 * explicitly, so extra properties of an in-memory value never change the payload. Pure functions:
 * node:crypto's Ed25519 does no I/O.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ErrorCode, GitfleetError } from './errors.ts';
import { canonicalJson } from './ids.ts';
import { objectScopeOf } from './project-scope.ts';
import type {
  AppRemoval,
  Assignment,
  AssignmentPolicies,
  HubSignature,
  ObjectSelector,
  SyncRequest,
} from './messages.ts';

/** The hub-issued messages an agent acts on, each signed by the hub. */
export type SignedMessage = Assignment | AppRemoval | SyncRequest;

/** The first line of each kind's signed bytes: a signature never verifies as another kind's. */
export const SIGNATURE_DOMAINS = {
  assignment: 'gitfleet.v1/assignment\n',
  appRemoval: 'gitfleet.v1/app-removal\n',
  syncRequest: 'gitfleet.v1/sync-request\n',
} as const satisfies Record<SignedMessage['kind'], string>;

/** Length of an Ed25519 signature. */
const SIGNATURE_BYTES = 64;
const KEY_ID = /^[0-9a-f]{16}$/;

/** The hub's signing key and the id agents know its public half by. Never logged. */
export interface HubSigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** The public keys an agent accepts, by key id (several during a rotation). */
export type PinnedHubKeys = ReadonlyMap<string, KeyObject>;

// ---------------------------------------------------------------------------------------------
// Signing payload

function selector(s: ObjectSelector): ObjectSelector {
  return { group: s.group, kind: s.kind, namespace: s.namespace, name: s.name };
}

function policies(p: AssignmentPolicies): AssignmentPolicies {
  return {
    sync: p.sync,
    prune: { enabled: p.prune.enabled, allowEmpty: p.prune.allowEmpty },
    drift: {
      mode: p.drift.mode,
      overrides: p.drift.overrides.map((o) => ({ selector: selector(o.selector), mode: o.mode })),
    },
    ignore: p.ignore.map((r) => ({ selector: selector(r.selector), jsonPointers: r.jsonPointers })),
    unmanaged: { mode: p.unmanaged.mode, allow: p.unmanaged.allow.map(selector) },
    conflict: p.conflict,
    deletion: p.deletion,
    // signed only when set, so that the policies of an app without them sign as they always did
    ...(p.destinationNamespace === undefined
      ? {}
      : { destinationNamespace: p.destinationNamespace }),
    ...(p.createNamespace === true ? { createNamespace: true } : {}),
  };
}

function content(m: SignedMessage): unknown {
  switch (m.kind) {
    case 'assignment':
      return {
        target: m.target,
        app: m.app,
        version: m.version,
        revision: m.revision,
        contentDigest: m.contentDigest,
        policies: policies(m.policies),
        // present exactly when the app is in a project: stripping it breaks the signature too
        ...(m.scope === undefined ? {} : { scope: objectScopeOf(m.scope) }),
      };
    case 'appRemoval':
      return { target: m.target, app: m.app, version: m.version, deletion: m.deletion };
    case 'syncRequest':
      return {
        target: m.target,
        app: m.app,
        assignmentVersion: m.assignmentVersion,
        requestId: m.requestId,
      };
  }
}

/**
 * The bytes the hub signs for a message: its kind's domain line, then the canonical JSON of what
 * the agent acts on (the signature itself excluded).
 *
 * @example signingPayload(removal) → "gitfleet.v1/app-removal\n{\"app\":\"web\",\"deletion\":\"delete\",\"target\":\"c1\",\"version\":4}"
 */
export function signingPayload(m: SignedMessage): Buffer {
  return Buffer.from(`${SIGNATURE_DOMAINS[m.kind]}${canonicalJson(content(m))}`, 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Keys

function notEd25519(subject: string, what: string): GitfleetError {
  return new GitfleetError(
    ErrorCode.ConfigInvalid,
    `${subject}: ${what}; expected an Ed25519 key (openssl genpkey -algorithm ed25519)`,
    { terminal: true },
  );
}

/** The key id of an Ed25519 public key: the first 16 hex of sha256 over its raw 32 bytes. */
export function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (publicKey.asymmetricKeyType !== 'ed25519' || typeof jwk.x !== 'string') {
    throw notEd25519('public key', `is ${String(publicKey.asymmetricKeyType)}`);
  }
  return createHash('sha256').update(Buffer.from(jwk.x, 'base64url')).digest('hex').slice(0, 16);
}

/**
 * The hub's signing key from a PEM PKCS#8 private key (`-----BEGIN PRIVATE KEY-----`).
 *
 * @throws GitfleetError CONFIG_INVALID naming `subject` (never the key) when it is not one
 */
export function signingKeyFromPem(pem: string, subject: string): HubSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw notEd25519(subject, 'is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw notEd25519(subject, `holds a ${String(privateKey.asymmetricKeyType)} key`);
  }
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

const PUBLIC_KEY_PEM = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/**
 * Every Ed25519 public key of a PEM text: one or more `-----BEGIN PUBLIC KEY-----` blocks (SPKI),
 * as `openssl pkey -pubout` writes them.
 *
 * @throws GitfleetError CONFIG_INVALID naming `subject` when it holds none, or one that is not
 *   an Ed25519 public key
 */
export function publicKeysFromPem(pem: string, subject: string): KeyObject[] {
  const blocks = pem.match(PUBLIC_KEY_PEM) ?? [];
  if (blocks.length === 0) throw notEd25519(subject, 'holds no PEM public key');
  return blocks.map((block, i) => {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: block, format: 'pem' });
    } catch {
      throw notEd25519(subject, `public key ${String(i + 1)} is not a valid PEM public key`);
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw notEd25519(subject, `public key ${String(i + 1)} is ${String(key.asymmetricKeyType)}`);
    }
    return key;
  });
}

/** Public keys by their key id. */
export function pinHubKeys(keys: readonly KeyObject[]): PinnedHubKeys {
  return new Map(keys.map((k) => [keyIdOf(k), k]));
}

// ---------------------------------------------------------------------------------------------
// Sign and verify

/** The hub's signature of a message. */
export function hubSignatureOf(m: SignedMessage, key: HubSigningKey): HubSignature {
  return {
    keyId: key.keyId,
    value: sign(null, signingPayload(m), key.privateKey).toString('base64'),
  };
}

/** The message with the hub's signature (any signature it carried is replaced). */
export function signMessage<T extends SignedMessage>(m: T, key: HubSigningKey): T {
  return { ...m, signature: hubSignatureOf(m, key) };
}

/** Why a signature does not hold. */
export const SignatureProblem = {
  /** The message names another target than the agent's. */
  OtherTarget: 'other-target',
  /** The message carries no signature. */
  Unsigned: 'unsigned',
  /** Signed by a key the agent does not pin. */
  UnknownKey: 'unknown-key',
  /** The signature is not 64 bytes of base64. */
  Malformed: 'malformed',
  /** The signature does not verify: the message changed after signing, or another key made it. */
  Mismatch: 'mismatch',
} as const;
export type SignatureProblem = (typeof SignatureProblem)[keyof typeof SignatureProblem];

export type SignatureVerdict =
  | { readonly ok: true; readonly keyId: string }
  | { readonly ok: false; readonly problem: SignatureProblem; readonly message: string };

function subjectOf(m: SignedMessage): string {
  const version = m.kind === 'syncRequest' ? m.assignmentVersion : m.version;
  return `${m.kind} ${m.app} v${String(version)} for target ${m.target}`;
}

/**
 * Whether `m` carries a valid signature of one of `keys` and is meant for `target`. Never throws.
 */
export function verifyHubSignature(
  m: SignedMessage,
  target: string,
  keys: PinnedHubKeys,
): SignatureVerdict {
  const refuse = (problem: SignatureProblem, why: string): SignatureVerdict => ({
    ok: false,
    problem,
    message: `${subjectOf(m)}: ${why}; refused, nothing of it applies`,
  });
  if (m.target !== target) {
    return refuse(SignatureProblem.OtherTarget, `this agent serves target ${target}`);
  }
  const sig = m.signature;
  if (sig === undefined) {
    return refuse(
      SignatureProblem.Unsigned,
      'it carries no hub signature but this agent pins hub keys (is the hub running without --signing-key-file?)',
    );
  }
  const key = KEY_ID.test(sig.keyId) ? keys.get(sig.keyId) : undefined;
  if (key === undefined) {
    return refuse(
      SignatureProblem.UnknownKey,
      `it is signed by key ${JSON.stringify(sig.keyId.slice(0, 64))}, which this agent does not pin (pinned: ${[...keys.keys()].join(', ') || 'none'})`,
    );
  }
  const bytes = Buffer.from(sig.value, 'base64');
  if (bytes.length !== SIGNATURE_BYTES || bytes.toString('base64') !== sig.value) {
    return refuse(
      SignatureProblem.Malformed,
      `its signature is not ${SIGNATURE_BYTES} bytes of base64`,
    );
  }
  let valid: boolean;
  try {
    valid = verify(null, signingPayload(m), key, bytes);
  } catch {
    valid = false;
  }
  if (!valid) {
    return refuse(
      SignatureProblem.Mismatch,
      `its signature by key ${sig.keyId} does not match its content (changed after the hub signed it)`,
    );
  }
  return { ok: true, keyId: sig.keyId };
}

/**
 * Throws when `m` is not validly signed for `target` by one of `keys`.
 *
 * @throws GitfleetError SIGNATURE_INVALID (terminal) with the verdict's message
 */
export function checkHubSignature(m: SignedMessage, target: string, keys: PinnedHubKeys): void {
  const verdict = verifyHubSignature(m, target, keys);
  if (verdict.ok) return;
  throw new GitfleetError(ErrorCode.SignatureInvalid, verdict.message, {
    terminal: true,
    details: { app: m.app, target: m.target, problem: verdict.problem },
  });
}
