/**
 * Reads what an agent presented on a stream or call — the client certificate the TLS handshake
 * verified (grpc-js `getAuthContext()`), else its bearer token — and hands it to the pure decision
 * (../core/link/identity.ts). A certificate that did not verify is never seen here: grpc-js gives
 * a peer certificate only for an authorized TLS socket.
 */
import { X509Certificate } from 'node:crypto';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { readBearerToken, type AgentLinkServerStream } from '@gitfleet/proto';
import {
  agentIdentity,
  type AgentCredential,
  type IdentityDecision,
  type PeerCertificateNames,
} from '../core/link/identity.ts';
import type { CertificateValidity } from '../core/registration/index.ts';

/** What may be logged of a refused stream's certificate (nothing of it is secret). */
export interface PeerCertificateLog {
  readonly subject: string;
  readonly subjectAltName: string;
  readonly fingerprint256: string;
}

/** The verified client certificate of a stream or call. */
export interface PeerCertificate {
  readonly names: PeerCertificateNames;
  readonly log: PeerCertificateLog;
  readonly validity: CertificateValidity;
}

export interface StreamIdentity {
  readonly decision: IdentityDecision;
  /** The verified client certificate, when there is one. */
  readonly certificate: PeerCertificateLog | undefined;
  /** Its validity, when there is one. */
  readonly validity: CertificateValidity | undefined;
}

/** The validity of a peer certificate: Node's text dates, else the certificate itself. */
function validityOf(cert: {
  readonly valid_from: string;
  readonly valid_to: string;
  readonly raw: Buffer;
}): CertificateValidity {
  const notBeforeMs = Date.parse(cert.valid_from);
  const notAfterMs = Date.parse(cert.valid_to);
  if (Number.isFinite(notBeforeMs) && Number.isFinite(notAfterMs)) {
    return { notBeforeMs, notAfterMs };
  }
  const x = new X509Certificate(cert.raw);
  return { notBeforeMs: Date.parse(x.validFrom), notAfterMs: Date.parse(x.validTo) };
}

/** The verified client certificate of a call or stream, or undefined. */
export function peerCertificate(
  call: Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>,
): PeerCertificate | undefined {
  let cert;
  try {
    cert = call.getAuthContext().sslPeerCertificate;
  } catch {
    cert = undefined;
  }
  if (cert === undefined) return undefined;
  // Node gives a repeated subject attribute as an array, whatever its type says
  const subject = (cert.subject as Record<string, string | string[] | undefined> | undefined) ?? {};
  return {
    names: { commonName: subject['CN'], subjectAltName: cert.subjectaltname },
    log: {
      subject: Object.entries(subject)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', '),
      subjectAltName: cert.subjectaltname ?? '',
      fingerprint256: cert.fingerprint256,
    },
    validity: validityOf(cert),
  };
}

/**
 * Who the agent on `stream` is.
 *
 * @param authenticate - the target of a static token; undefined when the hub accepts none
 */
export function streamIdentity(
  stream: AgentLinkServerStream,
  authenticate: ((token: string) => string | undefined) | undefined,
): StreamIdentity {
  const cert = peerCertificate(stream);
  let credential: AgentCredential;
  if (cert !== undefined) {
    credential = { kind: 'certificate', names: cert.names };
  } else {
    const token = readBearerToken(stream.metadata);
    credential =
      token === undefined ? { kind: 'none' } : { kind: 'token', target: authenticate?.(token) };
  }
  return {
    decision: agentIdentity(credential, authenticate !== undefined),
    certificate: cert?.log,
    validity: cert?.validity,
  };
}
