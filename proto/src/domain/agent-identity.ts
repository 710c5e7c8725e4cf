/**
 * How an agent's certificate names its target, and the form of a registration token
 * (docs/security.md, "AgentLink transport and agent identity"). The hub reads identities with
 * these names; the agent asks for them in its certificate signing requests.
 */
import { isDnsLabel } from './ids.ts';

/** The URI SAN prefix of an agent certificate: `spiffe://gitfleet/target/<target>`. */
export const TARGET_URI_PREFIX = 'spiffe://gitfleet/target/';

/** The URI SAN that names `target`. */
export function targetUri(target: string): string {
  return `${TARGET_URI_PREFIX}${target}`;
}

/** The target a URI SAN names, when it is a target URI with a DNS-label target. */
export function targetOfUri(uri: string): string | undefined {
  if (!uri.startsWith(TARGET_URI_PREFIX)) return undefined;
  const target = uri.slice(TARGET_URI_PREFIX.length);
  return isDnsLabel(target) ? target : undefined;
}

/** Every registration token starts with this (so a leaked one is recognisable in a scan). */
export const REGISTRATION_TOKEN_PREFIX = 'gfreg_';

/** A registration token: the prefix and 43 base64url characters (256 random bits). */
const REGISTRATION_TOKEN = /^gfreg_[A-Za-z0-9_-]{43}$/;

export function isRegistrationToken(value: string): boolean {
  return REGISTRATION_TOKEN.test(value);
}
