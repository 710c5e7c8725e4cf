/**
 * The body of `GET /api/v1/whoami`: who the request's credentials name, with which scope, and
 * how the hub knows (a static API token, an OIDC token, or no token on a hub that asks none).
 */
import Type from 'typebox';
import { ApiScope } from '../../core/api-access/index.ts';
import { closed, str, type Wire } from './schema.ts';

export const IdentityVia = { Token: 'token', Oidc: 'oidc', Open: 'open' } as const;
export type IdentityVia = (typeof IdentityVia)[keyof typeof IdentityVia];

export const WhoAmI = closed(
  {
    name: str('The name of the token (the API tokens file), or the OIDC subject or claim named.'),
    scope: Type.Enum(ApiScope, {
      description: 'What the credentials allow: read < operate < admin.',
    }),
    via: Type.Enum(IdentityVia, {
      description:
        '`token`: a static API token; `oidc`: an OIDC token; `open`: no token asked (anonymous, admin).',
    }),
  },
  { $id: 'WhoAmI' },
);
export type WhoAmI = Wire<typeof WhoAmI>;
