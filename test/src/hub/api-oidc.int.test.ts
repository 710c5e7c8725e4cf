/**
 * OIDC bearer tokens on the hub's HTTP API, against a real hub (Git over HTTP, Redis) and a
 * local identity provider on loopback (node:http: a discovery document and a JWKS of keys made
 * here with jose), beside static API tokens:
 *
 * - a token of the platform-admins group reads and sends a rollout command, recorded as
 *   `oidc:<email>`; a devs token reads but is 403 FORBIDDEN on the command; a token of no mapped
 *   group is 403 naming what is missing;
 * - wrong audience, wrong issuer, expired, signed by an unpublished key, alg none, HS256 with the
 *   public key as its secret: 401 UNAUTHORIZED, never quoting the token; 10 s past `exp` is
 *   within the clock tolerance;
 * - the IdP rotates its keys (new kids, ES256 and EdDSA): the hub takes them up after its
 *   cooldown, and the retired key is refused;
 * - a hub whose JWKS URL does not answer: static tokens work, OIDC tokens get 503 UNAVAILABLE
 *   naming the URL;
 * - `gitfleet status` with an OIDC token in GITFLEET_API_TOKEN;
 * - no log line of either hub holds a token.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '@gitfleet/proto';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { runCli } from '../../../hub/src/cli/cli.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { freePort } from '../fleet/ports.ts';
import { waitFor } from '../fleet/wait.ts';

const AUDIENCE = 'gitfleet-hub';

interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256' | 'EdDSA';
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly spki: string;
}

async function signingKey(kid: string, alg: SigningKey['alg']): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk, spki: await exportSPKI(publicKey) };
}

/** The identity provider: its discovery document and JWKS, the keys changeable at any time. */
interface Idp {
  readonly issuer: string;
  published: SigningKey[];
  jwksFetches: number;
  close(): Promise<void>;
}

async function startIdp(): Promise<Idp> {
  const server = http.createServer((req, res) => {
    const json = (body: unknown): void => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      json({ issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` });
    } else if (req.url === '/jwks') {
      idp.jwksFetches++;
      json({ keys: idp.published.map((k) => k.jwk) });
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const idp: Idp = {
    issuer: `http://127.0.0.1:${String(port)}`,
    published: [],
    jwksFetches: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return idp;
}

interface Claims {
  readonly groups?: unknown;
  readonly email?: string;
  readonly iss?: string;
  readonly aud?: string;
  /** Seconds from now; default 300. */
  readonly expiresIn?: number;
}

async function token(key: SigningKey, claims: Claims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    groups: claims.groups ?? ['platform-admins'],
    email: claims.email ?? 'alice@example.com',
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setSubject('user-1234')
    .setIssuer(claims.iss ?? idp.issuer)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt(now - 5)
    .setExpirationTime(now + (claims.expiresIn ?? 300))
    .sign(key.privateKey);
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

let fleet: TestFleet;
let idp: Idp;
let hub: RunningHub;
let downHub: RunningHub | undefined;
let dir = '';
let api = '';
let repoUrl = '';
let tokens: ApiTokens;
let k1: SigningKey;
let k2: SigningKey;
let k3: SigningKey;
let rogue: SigningKey;
const logs: string[] = [];
/** Every OIDC token sent: none may appear in a log. */
const sent: string[] = [];

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

async function startHub(name: string, extra: readonly string[]): Promise<RunningHub> {
  const redis = fleet.redis;
  if (redis === undefined) throw new Error('no redis');
  return runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', redis.url],
        ...['--redis-prefix', `gf-${name}-${randomBytes(4).toString('hex')}:`],
        ...['--insecure-plaintext', '--allow-static-tokens'],
        ...['--agent-tokens-dir', path.join(dir, 'tokens')],
        ...['--cache-dir', path.join(dir, `git-${name}`)],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000', '--rollout-interval-ms', '200'],
        ...['--api-tokens-file', tokens.file],
        ...['--oidc-audience', AUDIENCE, '--oidc-username-claim', 'email'],
        ...['--oidc-scope-map-file', path.join(dir, 'scopes.yaml')],
        ...extra,
      ],
      env: {},
    }),
    jsonLogger((l) => logs.push(l), { level: 'trace' }),
  );
}

async function call(
  base: string,
  method: string,
  route: string,
  jwt: string,
): Promise<{ status: number; body: unknown; challenge: string | null }> {
  sent.push(jwt);
  const res = await fetch(`${base}${route}`, { method, headers: bearer(jwt) });
  return {
    status: res.status,
    body: await res.json(),
    challenge: res.headers.get('www-authenticate'),
  };
}

beforeAll(async () => {
  [k1, k2, k3, rogue] = await Promise.all([
    signingKey('k1', 'RS256'),
    signingKey('k2', 'ES256'),
    signingKey('k3', 'EdDSA'),
    signingKey('k1', 'RS256'),
  ]);
  idp = await startIdp();
  idp.published = [k1];
  fleet = await startFleet({ clusters: 0 });
  if (fleet.git === undefined) throw new Error('no git');
  repoUrl = await fleet.git.createRepo('fleet');
  const doc = (...lines: string[]): string =>
    ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
  await fleet.git.commit('fleet', {
    files: {
      'targets.yaml': doc('kind: Target', 'metadata: { name: edge, labels: { env: prod } }'),
      'apps/web.yaml': doc(
        'kind: Application',
        'metadata: { name: web }',
        'spec:',
        '  source: { path: apps/web }',
        '  placement: { selector: { matchLabels: { env: prod } } }',
        '  rollout:',
        '    waves:',
        '      - { name: prod, selector: { matchLabels: { env: prod } } }',
      ),
      'apps/web/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: hello }\n',
    },
    message: 'v1',
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-api-oidc-'));
  await mkdir(path.join(dir, 'tokens'));
  await writeFile(path.join(dir, 'tokens', 'edge.token'), randomBytes(16).toString('hex'));
  await writeFile(
    path.join(dir, 'scopes.yaml'),
    '# groups of the IdP → scopes\nplatform-admins: admin\nsre: operate\ndevs: read\n',
  );
  tokens = await writeApiTokens(dir, { read: 'reader', operate: 'ops', admin: 'root' });
  hub = await startHub('main', ['--oidc-issuer', idp.issuer]);
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  await waitFor('the hub ready', async () => (await fetch(`${api}/readyz`)).ok, {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  await waitFor(
    'the baseline rollout of web',
    async () => (await fetch(`${api}/api/v1/rollout?app=web`, { headers: bearer(tokens.read) })).ok,
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}, 120_000);

afterAll(async () => {
  await downHub?.close();
  await hub?.close();
  await idp?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('OIDC tokens: identity and scope', () => {
  it('a platform-admins token reads and commands, as oidc:<email>', async () => {
    const jwt = await token(k1);
    expect((await call(api, 'GET', '/api/v1/status', jwt)).status).toBe(200);
    expect((await call(api, 'GET', '/api/v1/fleet', jwt)).status).toBe(200);
    const res = await call(api, 'POST', '/api/v1/rollout/command?app=web&command=pause', jwt);
    expect(res.status).toBe(202);
    expect((res.body as { command: { by: string } }).command.by).toBe('oidc:alice@example.com');
    // discovery, then the keys: fetched once and cached
    expect(idp.jwksFetches).toBe(1);
  });

  it('a devs token reads, and is 403 on a command naming the scope', async () => {
    const jwt = await token(k1, { groups: ['devs', 'marketing'], email: 'dev@example.com' });
    expect((await call(api, 'GET', '/api/v1/status', jwt)).status).toBe(200);
    const res = await call(api, 'POST', '/api/v1/rollout/command?app=web&command=resume', jwt);
    expect(res.status).toBe(403);
    expect(res.challenge).toBe(
      'Bearer realm="gitfleet-hub", error="insufficient_scope", scope="operate"',
    );
    expect((res.body as ErrorBody).error).toEqual({
      code: 'FORBIDDEN',
      message:
        'POST /api/v1/rollout/command needs a token of scope operate or admin; the token of oidc:dev@example.com has scope read',
      details: { scope: 'operate' },
    });
  });

  it('a token of no mapped group is 403 naming what is missing; a string claim counts', async () => {
    const none = await token(k1, { groups: ['marketing'], email: 'eve@example.com' });
    const res = await call(api, 'GET', '/api/v1/status', none);
    expect(res.status).toBe(403);
    expect((res.body as ErrorBody).error.message).toBe(
      'GET /api/v1/status needs a token of scope read, operate or admin; the token of oidc:eve@example.com grants no scope: no value of its claim "groups" is in the scope map (--oidc-scope-map-file)',
    );
    const sre = await token(k1, { groups: 'sre', email: 'sre@example.com' });
    const cmd = await call(api, 'POST', '/api/v1/rollout/command?app=web&command=resume', sre);
    expect(cmd.status).toBe(202);
  });

  it('10 s past exp is within the clock tolerance', async () => {
    const jwt = await token(k1, { expiresIn: -10 });
    expect((await call(api, 'GET', '/api/v1/status', jwt)).status).toBe(200);
  });
});

describe('OIDC tokens that do not verify: 401', () => {
  const cases: [string, () => Promise<string>, string][] = [
    [
      'another audience',
      () => token(k1, { aud: 'someone-else' }),
      'the token is not for the audience gitfleet-hub (--oidc-audience)',
    ],
    [
      'another issuer',
      () => token(k1, { iss: 'https://evil.example.com' }),
      'the token is not issued by',
    ],
    ['expired', () => token(k1, { expiresIn: -120 }), 'the token expired'],
    [
      'signed by a key the IdP does not publish (same kid)',
      () => token(rogue),
      'the token signature does not verify',
    ],
    [
      'signed by an unknown kid',
      () => token({ ...rogue, kid: 'unknown' }),
      'the token is signed by a key the issuer does not publish',
    ],
    [
      'alg none',
      () =>
        Promise.resolve(
          `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({
            iss: idp.issuer,
            aud: AUDIENCE,
            email: 'mallory@example.com',
            groups: ['platform-admins'],
            exp: Math.floor(Date.now() / 1000) + 300,
          })}.`,
        ),
      "the token's algorithm is not one of RS256, ES256, EdDSA",
    ],
    [
      'HS256 with the public key as the secret',
      () =>
        new SignJWT({ email: 'mallory@example.com', groups: ['platform-admins'] })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setIssuer(idp.issuer)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(k1.spki)),
      "the token's algorithm is not one of RS256, ES256, EdDSA",
    ],
  ];

  it.each(cases)('%s', async (_name, make, reason) => {
    const jwt = await make();
    const res = await call(api, 'POST', '/api/v1/rollout/command?app=web&command=abort', jwt);
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(
      'Bearer realm="gitfleet-hub", error="invalid_token", scope="operate"',
    );
    const { error } = res.body as ErrorBody;
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toContain(
      'POST /api/v1/rollout/command needs a token of scope operate or admin: the bearer token is refused: ',
    );
    expect(error.message).toContain(reason);
    for (const part of jwt.split('.').filter((p) => p.length > 8))
      expect(JSON.stringify(res.body)).not.toContain(part);
  });
});

describe('key rotation at the IdP', () => {
  it('new keys are taken up after the cooldown, and the retired key is refused', async () => {
    const old = await token(k1);
    idp.published = [k2, k3];
    const es = await token(k2, { email: 'es@example.com' });
    const ed = await token(k3, { email: 'ed@example.com' });
    await waitFor(
      'the ES256 key of the rotation accepted',
      async () => (await call(api, 'GET', '/api/v1/status', es)).status === 200,
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect((await call(api, 'GET', '/api/v1/status', ed)).status).toBe(200);
    const retired = await call(api, 'GET', '/api/v1/status', old);
    expect(retired.status).toBe(401);
    expect((retired.body as ErrorBody).error.message).toContain(
      'the token is signed by a key the issuer does not publish',
    );
  });
});

describe('the JWKS out of reach', () => {
  it('static tokens keep working; OIDC tokens get 503 naming the JWKS URL', async () => {
    const jwksUrl = `http://127.0.0.1:${String(await freePort())}/jwks`;
    downHub = await startHub('down', ['--oidc-issuer', idp.issuer, '--oidc-jwks-url', jwksUrl]);
    const base = `http://127.0.0.1:${String(downHub.httpPort)}`;
    await waitFor('the second hub ready', async () => (await fetch(`${base}/readyz`)).ok, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const stat = await fetch(`${base}/api/v1/status`, { headers: bearer(tokens.read) });
    expect(stat.status).toBe(200);
    const jwt = await token(k2);
    for (let i = 0; i < 2; i++) {
      const res = await call(base, 'GET', '/api/v1/status', jwt);
      expect(res.status).toBe(503);
      const { error } = res.body as ErrorBody;
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toContain(
        `GET /api/v1/status: the bearer token cannot be checked now: the signing keys at ${jwksUrl} cannot be fetched`,
      );
    }
    // logged once per outage, naming the URL
    const warnings = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter(
        (r) => r['msg'] === 'oidc tokens cannot be checked: the issuer keys are out of reach',
      );
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.['reason'])).toContain(jwksUrl);
    const again = await fetch(`${base}/api/v1/fleet`, { headers: bearer(tokens.admin) });
    expect(again.status).toBe(200);
  });
});

describe('the CLI', () => {
  it('gitfleet status sends an OIDC token from GITFLEET_API_TOKEN', async () => {
    const jwt = await token(k2, { groups: ['devs'], email: 'cli@example.com' });
    sent.push(jwt);
    let stdout = '';
    let stderr = '';
    const code = await runCli({
      argv: ['status', '--output', 'json'],
      env: { GITFLEET_HUB_URL: api, GITFLEET_API_TOKEN: jwt },
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      isTTY: false,
      now: Date.now,
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('web');
  });
});

describe('the logs of both hubs', () => {
  it('hold no token, and name the OIDC identities', () => {
    expect(logs.length).toBeGreaterThan(0);
    const all = logs.join('\n');
    expect(sent.length).toBeGreaterThan(10);
    for (const jwt of sent) {
      expect(all).not.toContain(jwt);
      // nor its signature, the part that makes it a credential
      const signature = jwt.split('.')[2] ?? '';
      if (signature.length > 8) expect(all).not.toContain(signature);
    }
    for (const t of [tokens.read, tokens.operate, tokens.admin]) expect(all).not.toContain(t);
    const records = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({ msg: 'rollout command accepted', by: 'oidc:alice@example.com' }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        msg: 'api request refused: the token lacks the scope',
        identity: 'oidc:dev@example.com',
        scope: 'read',
        needed: 'operate',
      }),
    );
  });
});
