/**
 * Revocation and expiry of agent certificates (docs/security.md, "Registration, renewal and
 * revocation"). Revoking a target records a cutoff time; every certificate of that target whose
 * notBefore is at or before the cutoff is refused from then on — on Connect, on Renew, and on
 * open streams, which end. A certificate issued after the cutoff (a new registration) is not
 * affected. A stream also ends when the certificate it was opened with expires; the agent
 * reconnects with its renewed one.
 */

/** The validity of the client certificate a stream or call presented (unix ms). */
export interface CertificateValidity {
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

/** Whether a certificate of a target with cutoff `cutoffMs` is revoked. */
export function isRevoked(notBeforeMs: number, cutoffMs: number | undefined): boolean {
  return cutoffMs !== undefined && notBeforeMs <= cutoffMs;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The refusal of a revoked certificate: what happened and what to do. */
export function revokedMessage(target: string, cutoffMs: number): string {
  return `the client certificate of target ${target} was revoked at ${iso(cutoffMs)} (gitfleet-hub revoke): register the agent again with a new registration token (gitfleet-hub registration-token --target ${target})`;
}

export type StreamCertificateVerdict =
  { readonly kind: 'valid' } | { readonly kind: 'revoked' | 'expired'; readonly message: string };

/**
 * Whether a stream opened with a certificate of `validity` may go on at `nowMs`: not when the
 * target was revoked after the certificate was issued, nor once the certificate expired.
 */
export function streamCertificateVerdict(
  target: string,
  validity: CertificateValidity,
  cutoffMs: number | undefined,
  nowMs: number,
): StreamCertificateVerdict {
  if (cutoffMs !== undefined && isRevoked(validity.notBeforeMs, cutoffMs)) {
    return { kind: 'revoked', message: revokedMessage(target, cutoffMs) };
  }
  if (nowMs >= validity.notAfterMs) {
    return {
      kind: 'expired',
      message: `the client certificate of target ${target} expired at ${iso(validity.notAfterMs)}: the agent reconnects with its renewed certificate`,
    };
  }
  return { kind: 'valid' };
}

/**
 * Why Renew for the target of the presented certificate is refused, or undefined: the target
 * left the fleet (or no fleet is in force yet), or the certificate is revoked.
 */
export function renewRefusal(
  target: string,
  validity: CertificateValidity,
  cutoffMs: number | undefined,
  declared: boolean | undefined,
): string | undefined {
  if (declared === undefined) {
    return `no fleet definition is in force on this hub yet, so target ${target} cannot be checked: renew again later (the current certificate stays valid until it expires)`;
  }
  if (!declared) {
    return `target ${target} is no longer declared in the fleet: its certificate is not renewed`;
  }
  if (cutoffMs !== undefined && isRevoked(validity.notBeforeMs, cutoffMs)) {
    return revokedMessage(target, cutoffMs);
  }
  return undefined;
}
