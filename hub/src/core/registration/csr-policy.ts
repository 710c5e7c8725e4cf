/**
 * What a certificate signing request may ask of the agent CA (docs/security.md, "Registration,
 * renewal and revocation"). The hub decides alone what the issued certificate holds
 * (./certificate-profile.ts); from the CSR it takes only the public key. The checks here make sure
 * the request does not name anything else than the target it is for, and that its key is one the
 * hub signs for: EC P-256 or P-384, or RSA of at least 2048 bits. The CSR's signature (proof that
 * the requester holds the private key) is verified by the adapter that parses it.
 */
import { TARGET_URI_PREFIX, targetUri } from '@gitfleet/proto/domain';

/** The public key of a CSR, as the adapter read it. */
export type CsrKey =
  | { readonly type: 'ec'; readonly curve: string }
  | { readonly type: 'rsa'; readonly bits: number }
  | { readonly type: 'other'; readonly name: string };

/** One subject alternative name of a CSR (`dns`, `ip`, `url`, `email` …). */
export interface CsrAltName {
  readonly type: string;
  readonly value: string;
}

/** What the adapter read from a CSR. */
export interface CsrFacts {
  /** The subject's CN attributes (none, one, or several). */
  readonly commonNames: readonly string[];
  /** Every subject alternative name the CSR asks for. */
  readonly altNames: readonly CsrAltName[];
  readonly key: CsrKey;
  /** Whether the CSR's signature holds under its own public key. */
  readonly signatureValid: boolean;
}

/** The EC curves the agent CA signs keys of (Node and WebCrypto names). */
const EC_CURVES: ReadonlySet<string> = new Set(['P-256', 'P-384', 'prime256v1', 'secp384r1']);
/** The smallest RSA key the agent CA signs. */
export const MIN_RSA_BITS = 2048;

const ALLOWED_KEYS = `EC P-256 or P-384, or RSA of at least ${String(MIN_RSA_BITS)} bits`;

/** Why the key is refused, or undefined. */
export function keyRefusal(key: CsrKey): string | undefined {
  switch (key.type) {
    case 'ec':
      return EC_CURVES.has(key.curve)
        ? undefined
        : `the CSR's key is EC on curve ${key.curve}: the agent CA signs ${ALLOWED_KEYS}`;
    case 'rsa':
      return key.bits >= MIN_RSA_BITS
        ? undefined
        : `the CSR's key is RSA of ${String(key.bits)} bits: the agent CA signs ${ALLOWED_KEYS}`;
    case 'other':
      return `the CSR's key is ${key.name}: the agent CA signs ${ALLOWED_KEYS}`;
  }
}

/**
 * Why a CSR for `target` is refused, or undefined: its signature does not hold; a CN or a URI SAN
 * names something else than the target; it asks for any other kind of name; its key is refused.
 */
export function csrRefusal(csr: CsrFacts, target: string): string | undefined {
  if (!csr.signatureValid) {
    return "the CSR's signature does not hold under its own public key: send a CSR signed with the key it certifies";
  }
  const uri = targetUri(target);
  const names = `CN ${target} and URI SAN ${uri} (or either, or none)`;
  const otherCn = csr.commonNames.find((cn) => cn !== target);
  if (otherCn !== undefined) {
    return `the CSR's subject CN "${otherCn}" is not target ${target}: a CSR for ${target} may ask for ${names}`;
  }
  for (const n of csr.altNames) {
    if (n.type !== 'url') {
      return `the CSR asks for a ${n.type} name (${n.value}): a CSR for ${target} may ask for ${names} only`;
    }
    if (n.value !== uri) {
      const other = n.value.startsWith(TARGET_URI_PREFIX) ? ' (another target)' : '';
      return `the CSR's URI SAN ${n.value}${other} is not ${uri}: a CSR for ${target} may ask for ${names}`;
    }
  }
  return keyRefusal(csr.key);
}
