/**
 * Seals of records the hub keeps in Redis for itself and acts on later — rollout states and the
 * commands people sent (approvals among them): an Ed25519 signature with the hub's signing key
 * over the record and what it belongs to, checked with the same key when the record is read. A
 * record changed or written outside the hub (by anyone who can write Redis) does not hold, and
 * the hub refuses to act on it (docs/security.md, "Signed desired state").
 *
 * Sealed bytes: `gitfleet.v1/<domain>\n` then the parts joined with '\n' (ids and canonical or
 * stringified JSON, none of which holds a raw newline). A seal is `<key id>:<base64 signature>`.
 */
import { sign, verify } from 'node:crypto';
import type { HubSigningKey } from '@gitfleet/proto';

export class RecordSeal {
  private readonly key: HubSigningKey;

  constructor(key: HubSigningKey) {
    this.key = key;
  }

  /** The seal of `parts` in `domain`. */
  seal(domain: string, parts: readonly string[]): string {
    const signature = sign(null, bytesOf(domain, parts), this.key.privateKey);
    return `${this.key.keyId}:${signature.toString('base64')}`;
  }

  /** True when `seal` is this hub's seal of `parts` in `domain`. Never throws. */
  holds(domain: string, parts: readonly string[], seal: string | null | undefined): boolean {
    if (typeof seal !== 'string') return false;
    const colon = seal.indexOf(':');
    if (colon < 0 || seal.slice(0, colon) !== this.key.keyId) return false;
    try {
      return verify(
        null,
        bytesOf(domain, parts),
        this.key.publicKey,
        Buffer.from(seal.slice(colon + 1), 'base64'),
      );
    } catch {
      return false;
    }
  }
}

function bytesOf(domain: string, parts: readonly string[]): Buffer {
  return Buffer.from(`gitfleet.v1/${domain}\n${parts.join('\n')}`, 'utf8');
}
