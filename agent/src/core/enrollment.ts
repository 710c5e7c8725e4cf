/**
 * The agent's registration decisions (docs/agent.md, "Registration and renewal"): whether the
 * certificate it holds is usable for its target or it must register with its one-time token,
 * which target names a certificate carries, how a failed Registration call is treated, and what
 * the agent says when its token is refused. Pure: the files are read and the calls made in
 * ../link/enrollment.ts.
 */
import { isDnsLabel, targetOfUri } from '@gitfleet/proto/domain';
import type { BackoffOptions } from './backoff.ts';

/** The names a certificate carries that may name a target. */
export interface CertificateNames {
  /** Subject CN, when there is one. */
  readonly commonName: string | undefined;
  /** Every URI SAN. */
  readonly uris: readonly string[];
}

/**
 * The targets a certificate names, as the hub reads them: every target URI SAN
 * (`spiffe://gitfleet/target/<t>`), else the subject CN when it is a DNS label.
 */
export function certificateTargets(names: CertificateNames): string[] {
  const fromUris = [
    ...new Set(names.uris.map(targetOfUri).filter((t): t is string => t !== undefined)),
  ];
  if (fromUris.length > 0) return fromUris;
  const cn = names.commonName;
  return cn !== undefined && isDnsLabel(cn) ? [cn] : [];
}

/** What the agent found at --tls-cert-file/--tls-key-file. */
export type HeldCertificate =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly problem: string }
  | {
      readonly kind: 'read';
      readonly names: CertificateNames;
      readonly notBeforeMs: number;
      readonly notAfterMs: number;
      /** Whether the key file holds the certificate's private key. */
      readonly keyMatches: boolean;
    };

export type EnrollmentNeed =
  { readonly register: false } | { readonly register: true; readonly reason: string };

/**
 * Whether the agent must register: it must unless it holds a certificate with its key that names
 * exactly its target and is valid now.
 */
export function enrollmentNeed(
  held: HeldCertificate,
  target: string,
  nowMs: number,
): EnrollmentNeed {
  if (held.kind === 'missing') return { register: true, reason: 'no certificate yet' };
  if (held.kind === 'unreadable') {
    return { register: true, reason: `certificate not usable: ${held.problem}` };
  }
  if (!held.keyMatches) {
    return { register: true, reason: 'the key file does not hold the certificate’s key' };
  }
  const targets = certificateTargets(held.names);
  if (targets.length !== 1 || targets[0] !== target) {
    const named = targets.length === 0 ? 'no target' : targets.join(', ');
    return { register: true, reason: `the certificate names ${named}, not ${target}` };
  }
  if (held.notAfterMs <= nowMs) {
    return {
      register: true,
      reason: `the certificate expired at ${new Date(held.notAfterMs).toISOString()}`,
    };
  }
  if (held.notBeforeMs > nowMs) {
    return {
      register: true,
      reason: `the certificate is valid only from ${new Date(held.notBeforeMs).toISOString()}`,
    };
  }
  return { register: false };
}

/** Backoff between Register attempts that failed for a transient reason. */
export const REGISTRATION_RETRY_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 60_000 };

/** How a failed Registration call (Register or Renew) is treated. */
export type CallFailure =
  /** The hub was not reached or did not answer in time: try again later. */
  | 'transient'
  /** The hub serves no Registration (or has no agent CA): it issues no certificates. */
  | 'unimplemented'
  /** The hub answered and said no, or the answer was wrong: retrying the same call cannot help. */
  | 'refused';

/**
 * The treatment of a call that ended with gRPC status `grpcStatus` (its name, e.g. `UNAVAILABLE`;
 * undefined: the call never got a status, e.g. the answer failed the agent's checks).
 */
export function callFailure(grpcStatus: string | undefined): CallFailure {
  switch (grpcStatus) {
    case 'UNAVAILABLE':
    case 'DEADLINE_EXCEEDED':
      return 'transient';
    case 'UNIMPLEMENTED':
      return 'unimplemented';
    default:
      return 'refused';
  }
}

/** How to get a new registration token for `target`. */
export function newTokenAdvice(target: string): string {
  return `create a new token with \`gitfleet-hub registration-token --target ${target}\` or \`gitfleet registration-token ${target}\``;
}

/**
 * The message of a registration that cannot succeed with this token: why (the hub's refusal, or
 * the transport's or the answer's problem), and what to do.
 */
export function registrationRefusedMessage(target: string, tokenFile: string, why: string): string {
  return (
    `registration of target ${target} failed: ${why}. ` +
    `A registration token is good for one attempt: ${newTokenAdvice(target)}, ` +
    `write it to ${tokenFile} and restart the agent`
  );
}
