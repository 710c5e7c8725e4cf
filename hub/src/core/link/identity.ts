/**
 * Who an agent is, from what it presented on its stream (docs/security.md, "AgentLink transport
 * and agent identity"): the client certificate verified by the TLS handshake against the hub's
 * client CA, or — only on a hub that accepts them — a static bearer token.
 *
 * A certificate names its target by a URI SAN `spiffe://gitfleet/target/<target>`; a certificate
 * without such a SAN names it by its subject CN. Any other SAN (DNS names, IP addresses, other
 * URIs) names no target. A certificate that names none, several, or something that is not a
 * target name authorizes nothing. Whether the target is declared and matches the Hello is decided
 * afterwards, on every Hello (../../link/hello.ts).
 */
import { TARGET_URI_PREFIX, isDnsLabel } from '@gitfleet/proto/domain';

/** The names of a verified client certificate, as Node's `tls.PeerCertificate` gives them. */
export interface PeerCertificateNames {
  /** The subject's CN; several when the subject repeats it. */
  readonly commonName: string | readonly string[] | undefined;
  /** Node's `subjectaltname`: `DNS:a, URI:spiffe://…, IP Address:…` (odd values JSON-quoted). */
  readonly subjectAltName: string | undefined;
}

/** What the agent presented on a stream. */
export type AgentCredential =
  /** A client certificate the TLS handshake verified against the client CA. */
  | { readonly kind: 'certificate'; readonly names: PeerCertificateNames }
  /** A bearer token, and the target it belongs to (undefined: no target's token). */
  | { readonly kind: 'token'; readonly target: string | undefined }
  | { readonly kind: 'none' };

/** How the target was read. */
export type IdentitySource = 'uri-san' | 'common-name' | 'token';

export type IdentityDecision =
  | { readonly target: string; readonly via: IdentitySource }
  | {
      /** unauthenticated: no usable credential; denied: a credential that authorizes nothing. */
      readonly refused: 'unauthenticated' | 'denied';
      readonly message: string;
    };

/** One entry of a subjectAltName string. */
export interface AltName {
  /** `DNS`, `URI`, `IP Address`, `email` … */
  readonly type: string;
  readonly value: string;
}

/**
 * The entries of Node's `subjectaltname` string. Node quotes a value that holds a separator as a
 * JSON string; a malformed string yields the entries before the fault.
 */
export function parseSubjectAltName(san: string): AltName[] {
  const out: AltName[] = [];
  let i = 0;
  while (i < san.length) {
    const colon = san.indexOf(':', i);
    if (colon < 0) break;
    const type = san.slice(i, colon);
    let value: string;
    let next: number;
    if (san[colon + 1] === '"') {
      const end = /^"(?:[^"\\]|\\.)*"/.exec(san.slice(colon + 1))?.[0];
      if (end === undefined) break;
      try {
        value = JSON.parse(end) as string;
      } catch {
        break;
      }
      next = colon + 1 + end.length;
    } else {
      const comma = san.indexOf(', ', colon + 1);
      next = comma < 0 ? san.length : comma;
      value = san.slice(colon + 1, next);
    }
    out.push({ type, value });
    if (next < san.length && !san.startsWith(', ', next)) break;
    i = next + 2;
  }
  return out;
}

const EXPECTED = `a URI SAN ${TARGET_URI_PREFIX}<target> or the subject CN <target>`;

/** The target a verified client certificate names, or why it names none. */
export function certificateIdentity(names: PeerCertificateNames): IdentityDecision {
  const uris = parseSubjectAltName(names.subjectAltName ?? '')
    .filter((n) => n.type === 'URI' && n.value.startsWith(TARGET_URI_PREFIX))
    .map((n) => n.value.slice(TARGET_URI_PREFIX.length));
  const distinct = [...new Set(uris)];
  if (distinct.length > 1) {
    return {
      refused: 'denied',
      message: `the client certificate names several targets (${distinct.join(', ')}): an agent certificate names one`,
    };
  }
  const [fromUri] = distinct;
  if (fromUri !== undefined) {
    return isDnsLabel(fromUri)
      ? { target: fromUri, via: 'uri-san' }
      : {
          refused: 'denied',
          message: `the client certificate's URI SAN ${TARGET_URI_PREFIX}${fromUri} does not name a target (a DNS label)`,
        };
  }
  const cn = names.commonName;
  if (typeof cn !== 'string') {
    return {
      refused: 'denied',
      message:
        cn === undefined || cn.length === 0
          ? `the client certificate names no target: expected ${EXPECTED}`
          : `the client certificate has ${cn.length} subject CNs and no URI SAN ${TARGET_URI_PREFIX}<target>: expected one`,
    };
  }
  return isDnsLabel(cn)
    ? { target: cn, via: 'common-name' }
    : {
        refused: 'denied',
        message: `the client certificate's CN "${cn}" is not a target name (a DNS label): expected ${EXPECTED}`,
      };
}

/**
 * Who the agent on a stream is. A verified client certificate decides alone (a token beside it is
 * not read); a bearer token counts only on a hub that accepts static tokens.
 *
 * @param staticTokens - whether the hub accepts static bearer tokens (`--allow-static-tokens`)
 */
export function agentIdentity(
  credential: AgentCredential,
  staticTokens: boolean,
): IdentityDecision {
  switch (credential.kind) {
    case 'certificate':
      return certificateIdentity(credential.names);
    case 'token':
      if (!staticTokens) {
        return {
          refused: 'unauthenticated',
          message: `this hub does not accept static bearer tokens: present a client certificate (${EXPECTED})`,
        };
      }
      return credential.target === undefined
        ? { refused: 'unauthenticated', message: 'unknown bearer token' }
        : { target: credential.target, via: 'token' };
    case 'none':
      return {
        refused: 'unauthenticated',
        message: staticTokens
          ? 'no client certificate and no bearer token'
          : `no client certificate: this hub knows an agent by its client certificate (${EXPECTED})`,
      };
  }
}
