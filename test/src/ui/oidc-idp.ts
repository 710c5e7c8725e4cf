/**
 * A real OpenID provider on loopback for the web UI's sign-in tests: `oidc-provider` (panva's
 * certified implementation) with its development interactions (a login form taking any login and
 * password, then a consent page) and fixed accounts whose ID tokens carry `email` and `groups`.
 *
 * The server listens first (the issuer URL is known before the hub starts); the provider and its
 * public client (no secret, PKCE required, the hub's /ui/signin/callback as redirect URI) are
 * made by {@link TestIdp.register} once the hub's address is known.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';

/** An account of the provider, by its login in the dev form. */
export interface TestAccount {
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

export interface TestClient {
  readonly clientId: string;
  readonly redirectUris: readonly string[];
}

export interface TestIdp {
  /** `http://127.0.0.1:<port>`, the exact `iss` of its tokens. */
  readonly issuer: string;
  /** Registers the public client (once); requests before it answer 503. */
  register(client: TestClient): void;
  close(): Promise<void>;
}

function configuration(
  client: TestClient,
  accounts: Readonly<Record<string, TestAccount>>,
  signingKey: Record<string, unknown>,
): Configuration {
  return {
    clients: [
      {
        client_id: client.clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: [...client.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    // the claims of the asked scopes go into the ID token: the UI's bearer token
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: {
      AuthorizationCode: 60,
      IdToken: 600,
      AccessToken: 600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    features: { devInteractions: { enabled: true } },
    // CORS for the browser's discovery and token requests: the client's own origins only
    clientBasedCORS: (_ctx, origin, c) =>
      (c.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin),
    findAccount: (_ctx, id) => {
      const account = accounts[id];
      if (account === undefined) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: account.email,
          email_verified: true,
          name: account.name,
          groups: [...account.groups],
        }),
      };
    },
  };
}

export async function startTestIdp(
  accounts: Readonly<Record<string, TestAccount>>,
): Promise<TestIdp> {
  let provider: Provider | undefined;
  const server = http.createServer((req, res) => {
    if (provider === undefined) {
      res.statusCode = 503;
      res.end('no client registered yet');
      return;
    }
    void provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const issuer = `http://127.0.0.1:${String(port)}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = {
    ...privateKey.export({ format: 'jwk' }),
    kid: 'idp-1',
    alg: 'RS256',
    use: 'sig',
  };
  return {
    issuer,
    register(client) {
      if (provider !== undefined) throw new Error('the client is registered already');
      provider = new Provider(issuer, configuration(client, accounts, signingKey));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
