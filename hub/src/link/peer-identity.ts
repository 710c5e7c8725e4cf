/**
 * Reads what an agent presented on a stream — the client certificate the TLS handshake verified
 * (grpc-js `getAuthContext()`), else its bearer token — and hands it to the pure decision
 * (../core/link/identity.ts). A certificate that did not verify is never seen here: grpc-js gives
 * a peer certificate only for an authorized TLS socket.
 */
import { readBearerToken, type AgentLinkServerStream } from '@gitfleet/proto';
import {
  agentIdentity,
  type AgentCredential,
  type IdentityDecision,
} from '../core/link/identity.ts';

/** What may be logged of a refused stream's certificate (nothing of it is secret). */
export interface PeerCertificateLog {
  readonly subject: string;
  readonly subjectAltName: string;
  readonly fingerprint256: string;
}

export interface StreamIdentity {
  readonly decision: IdentityDecision;
  /** The verified client certificate, when there is one. */
  readonly certificate: PeerCertificateLog | undefined;
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
  let cert;
  try {
    cert = stream.getAuthContext().sslPeerCertificate;
  } catch {
    cert = undefined;
  }
  let credential: AgentCredential;
  let certificate: PeerCertificateLog | undefined;
  if (cert !== undefined) {
    // Node gives a repeated subject attribute as an array, whatever its type says
    const subject =
      (cert.subject as Record<string, string | string[] | undefined> | undefined) ?? {};
    credential = {
      kind: 'certificate',
      names: { commonName: subject['CN'], subjectAltName: cert.subjectaltname },
    };
    certificate = {
      subject: Object.entries(subject)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', '),
      subjectAltName: cert.subjectaltname ?? '',
      fingerprint256: cert.fingerprint256,
    };
  } else {
    const token = readBearerToken(stream.metadata);
    credential =
      token === undefined ? { kind: 'none' } : { kind: 'token', target: authenticate?.(token) };
  }
  return { decision: agentIdentity(credential, authenticate !== undefined), certificate };
}
