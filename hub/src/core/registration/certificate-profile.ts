/**
 * What an agent certificate issued by the hub's agent CA holds (docs/security.md, "Registration,
 * renewal and revocation"): subject CN `<target>`, the URI SAN `spiffe://gitfleet/target/<target>`,
 * extended key usage clientAuth only, key usage digitalSignature, not a CA, a random 128-bit
 * serial, and a validity from now to now + TTL. The hub is the only verifier of these
 * certificates, so there is no backdating for other clocks.
 *
 * Certificate times have a precision of one second, and a revocation refuses every certificate
 * of the target whose notBefore is at or before the cutoff (./revocation.ts). A certificate issued
 * in the same second as a revocation would be refused with the ones it replaces: its notBefore is
 * then the second after the cutoff, and the issuer waits until then (at most about a second).
 */
import { targetUri } from '@gitfleet/proto/domain';

/** Default lifetime of an agent certificate (`--agent-cert-ttl`). */
export const DEFAULT_AGENT_CERT_TTL_MS = 24 * 3_600_000;
/** Shortest lifetime accepted: the agent renews at two thirds of it. */
export const MIN_AGENT_CERT_TTL_MS = 10_000;
/** Longest wait for the second after a revocation before refusing (clocks too far apart). */
export const MAX_ISSUE_WAIT_MS = 5_000;

/** What every agent certificate holds; the adapter writes exactly this. */
export interface CertificateProfile {
  readonly commonName: string;
  readonly uri: string;
  readonly extendedKeyUsage: readonly ['clientAuth'];
  readonly keyUsage: readonly ['digitalSignature'];
  readonly ca: false;
  /** 16 random bytes, hex (the adapter keeps it a positive DER integer). */
  readonly serialHex: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** How long the issuer waits before signing (notBefore is in the future by this much). */
  readonly waitMs: number;
}

export interface ProfileInput {
  readonly target: string;
  readonly nowMs: number;
  readonly ttlMs: number;
  /** The target's revocation cutoff (unix ms), if it was ever revoked. */
  readonly cutoffMs: number | undefined;
  /** 16 random bytes for the serial. */
  readonly serialBytes: Uint8Array;
}

const second = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** The certificate to issue, or why none can be issued now. */
export function certificateProfile(
  input: ProfileInput,
): CertificateProfile | { readonly refused: string } {
  if (input.serialBytes.length !== 16) {
    return { refused: `a serial needs 16 random bytes, got ${String(input.serialBytes.length)}` };
  }
  let notBeforeMs = second(input.nowMs);
  if (input.cutoffMs !== undefined && notBeforeMs <= input.cutoffMs) {
    notBeforeMs = second(input.cutoffMs) + 1000;
  }
  const waitMs = Math.max(0, notBeforeMs - input.nowMs);
  if (waitMs > MAX_ISSUE_WAIT_MS) {
    return {
      refused: `target ${input.target} was revoked at ${new Date(input.cutoffMs ?? 0).toISOString()}, ahead of this hub's clock (${new Date(input.nowMs).toISOString()}): synchronise the hub's clock (NTP) and register again`,
    };
  }
  return {
    commonName: input.target,
    uri: targetUri(input.target),
    extendedKeyUsage: ['clientAuth'],
    keyUsage: ['digitalSignature'],
    ca: false,
    serialHex: Array.from(input.serialBytes, (b) => b.toString(16).padStart(2, '0')).join(''),
    notBeforeMs,
    notAfterMs: notBeforeMs + input.ttlMs,
    waitMs,
  };
}
