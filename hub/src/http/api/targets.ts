/**
 * The bodies of the target routes: a registration token request and the token created (shown
 * once, to whoever asked), and a revocation recorded.
 */
import Type from 'typebox';
import { DNS_LABEL_PATTERN, closed, int, str, type Wire } from './schema.ts';

/** The path parameter of the target routes. */
export const TargetPath = closed({
  target: Type.String({ description: 'The target (a DNS label).', pattern: DNS_LABEL_PATTERN }),
});

export const RegistrationTokenRequest = closed(
  {
    ttl: Type.Optional(
      str('How long the token may be used: a duration from 1m to 168h (default 1h).'),
    ),
  },
  { $id: 'RegistrationTokenRequest' },
);
export type RegistrationTokenRequest = Wire<typeof RegistrationTokenRequest>;

export const RegistrationToken = closed(
  {
    token: str(
      'The one-time registration token (gfreg_…): give it to the agent (--registration-token-file). Shown only here; the hub keeps its SHA-256.',
    ),
    target: str(),
    expiresAt: str('When the token expires (RFC 3339).'),
  },
  { $id: 'RegistrationToken' },
);
export type RegistrationToken = Wire<typeof RegistrationToken>;

export const Revocation = closed(
  {
    target: str(),
    revokedAt: str(
      'The cutoff (RFC 3339): every certificate of the target issued at or before it is refused.',
    ),
    revokedAtMs: int('The cutoff, unix ms.'),
  },
  { $id: 'Revocation' },
);
export type Revocation = Wire<typeof Revocation>;
