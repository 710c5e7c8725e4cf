/**
 * The body of `GET /api/v1/auth/config`: how the web UI may sign in besides an API token (the
 * issuer and public client of its OIDC sign-in). Nothing of it is a secret.
 */
import Type from 'typebox';
import { closed, str, stringList, type Wire } from './schema.ts';

export const AuthConfig = closed(
  {
    oidc: Type.Optional(
      closed(
        {
          issuer: str(
            'The OIDC issuer (its discovery document is <issuer>/.well-known/openid-configuration).',
          ),
          clientId: str("The web UI's public client id (authorization code with PKCE)."),
          scopes: stringList('The scopes the sign-in asks.'),
        },
        {
          description:
            'The OIDC sign-in: absent when the hub accepts no OIDC tokens or has no --oidc-client-id.',
        },
      ),
    ),
  },
  { $id: 'AuthConfig' },
);
export type AuthConfig = Wire<typeof AuthConfig>;
