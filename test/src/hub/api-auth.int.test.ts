/**
 * The hub's HTTP API behind bearer tokens, against a real hub (Git over HTTP, Redis) with an API
 * tokens file of three tokens — reader (read), ops (operate), root (admin) — and no agent:
 *
 * - every /api/v1 route of the route table answers 401 UNAUTHORIZED with a Bearer challenge to a
 *   request without a token or with an unknown one, before it looks at the query;
 * - a read token on a route that changes state is 403 FORBIDDEN naming the scope needed;
 * - an operate token sends a rollout command, and the rollout history names the token; a `by`
 *   parameter is refused;
 * - /healthz, /readyz and /metrics stay open (the webhook keeps its own signature);
 * - the diff of a Secret shows fingerprints of its values, never the values;
 * - a second hub: the token of --api-token-file is an admin token named api-token, and with
 *   --metrics-auth read /metrics needs a read token;
 * - no log line of either hub holds a token.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '@gitfleet/proto';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import type { OpenApiDocument } from '../../../hub/src/http/api/openapi.ts';
import { DocumentValidator } from '../../../hub/src/http/api/validate.ts';
import { ROUTES } from '../../../hub/src/http/server.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { waitFor } from '../fleet/wait.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const PASSWORD_V1 = `pw-v1-${randomBytes(8).toString('hex')}`;
const PASSWORD_V2 = `pw-v2-${randomBytes(8).toString('hex')}`;
const API_KEY = `key-${randomBytes(8).toString('hex')}`;
const LEGACY_TOKEN = `legacy-${randomBytes(16).toString('hex')}`;

let fleet: TestFleet;
let hub: RunningHub;
let legacyHub: RunningHub | undefined;
let dir = '';
let api = '';
let repoUrl = '';
let tokens: ApiTokens;
let validator: DocumentValidator;
const logs: string[] = [];

function files(password: string): Record<string, string> {
  const doc = (...lines: string[]): string =>
    ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
  return {
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
    'apps/web/secret.yaml': [
      'apiVersion: v1',
      'kind: Secret',
      'metadata: { name: db, namespace: default }',
      `data: { password: ${b64(password)} }`,
      `stringData: { apiKey: ${API_KEY} }`,
      '',
    ].join('\n'),
    'apps/web/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: hello }\n',
  };
}

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

async function startHub(
  name: string,
  extra: readonly string[],
  logger = jsonLogger((l) => logs.push(l), { level: 'trace' }),
): Promise<RunningHub> {
  const redis = fleet.redis;
  if (redis === undefined) throw new Error('no redis');
  return runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', redis.url],
        ...['--redis-prefix', `gf-${name}-${randomBytes(4).toString('hex')}:`],
        // no agent in this file: the AgentLink port on loopback, plaintext, static tokens
        ...['--insecure-plaintext', '--allow-static-tokens'],
        ...['--agent-tokens-dir', path.join(dir, 'tokens')],
        ...['--cache-dir', path.join(dir, `git-${name}`)],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000', '--rollout-interval-ms', '200'],
        ...extra,
      ],
      env: {},
    }),
    logger,
  );
}

const call = (
  base: string,
  method: string,
  route: string,
  headers: Record<string, string> = {},
): Promise<Response> => fetch(`${base}${route}`, { method, headers });

beforeAll(async () => {
  fleet = await startFleet({ clusters: 0 });
  if (fleet.git === undefined) throw new Error('no git');
  repoUrl = await fleet.git.createRepo('fleet');
  await fleet.git.commit('fleet', { files: files(PASSWORD_V1), message: 'v1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-api-auth-'));
  await mkdir(path.join(dir, 'tokens'));
  await writeFile(path.join(dir, 'tokens', 'edge.token'), randomBytes(16).toString('hex'));
  tokens = await writeApiTokens(dir, { read: 'reader', operate: 'ops', admin: 'root' });
  hub = await startHub('main', ['--api-tokens-file', tokens.file]);
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  await waitFor('the hub ready', async () => (await fetch(`${api}/readyz`)).ok, {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  const served = (await (
    await call(api, 'GET', '/api/v1/openapi.json', bearer(tokens.read))
  ).json()) as OpenApiDocument;
  validator = new DocumentValidator(served);
  // desired state of web on edge (no agent needed) and its baseline rollout
  await waitFor(
    'the baseline rollout of web',
    async () => (await call(api, 'GET', '/api/v1/rollout?app=web', bearer(tokens.read))).ok,
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}, 120_000);

afterAll(async () => {
  await legacyHub?.close();
  await hub?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

// every route under /api/ but the open one the sign-in page asks (GET /api/v1/auth/config)
const apiRoutes = ROUTES.filter((r) => r.path.startsWith('/api/') && r.access !== 'open');

describe('an API behind bearer tokens', () => {
  it.each(apiRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: 401 without a token or with an unknown one, before the query is read',
    async (_name, route) => {
      // an unknown parameter would be a 400: the token is checked first
      const target = `${route.path}?no-such-parameter=1`;
      for (const headers of [
        {},
        bearer('not-a-token-of-this-hub'),
        { authorization: 'Basic eDp5' },
      ]) {
        const res = await call(api, route.method, target, headers);
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="gitfleet-hub"/);
        const body = (await res.json()) as ErrorBody;
        expect(body.error.code).toBe('UNAUTHORIZED');
        expect(body.error.details?.['scope']).toBe(route.access);
        expect(body.error.message).not.toContain('no-such-parameter');
        expect(
          validator.response(route.method === 'GET' ? 'get' : 'post', route.path, 401, body),
        ).toEqual([]);
      }
    },
  );

  it('401 for a path that is no route, and for a method a route does not take', async () => {
    expect((await call(api, 'GET', '/api/v1/nowhere')).status).toBe(401);
    expect((await call(api, 'DELETE', '/api/v1/status')).status).toBe(401);
    expect((await call(api, 'GET', '/api/v1/nowhere', bearer(tokens.read))).status).toBe(404);
  });

  it('a read token reads, but is 403 on a route that changes state, whatever its query', async () => {
    const status = await call(api, 'GET', '/api/v1/status', bearer(tokens.read));
    expect(status.status).toBe(200);
    const res = await call(
      api,
      'POST',
      '/api/v1/rollout/command?app=web&command=pause&no-such-parameter=1',
      bearer(tokens.read),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="gitfleet-hub", error="insufficient_scope", scope="operate"',
    );
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toEqual({
      code: 'FORBIDDEN',
      message:
        'POST /api/v1/rollout/command needs a token of scope operate or admin; the token of reader has scope read',
      details: { scope: 'operate' },
    });
    expect(validator.response('post', '/api/v1/rollout/command', 403, body)).toEqual([]);
  });

  it('an operate token sends a rollout command in its own name; `by` is refused', async () => {
    const spoofed = await call(
      api,
      'POST',
      '/api/v1/rollout/command?app=web&command=pause&by=mallory',
      bearer(tokens.operate),
    );
    expect(spoofed.status).toBe(400);
    expect(((await spoofed.json()) as ErrorBody).error.message).toMatch(
      /unknown query parameter by/,
    );
    const res = await call(
      api,
      'POST',
      '/api/v1/rollout/command?app=web&command=pause',
      bearer(tokens.operate),
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: true,
      app: 'web',
      command: { kind: 'pause', by: 'ops' },
    });
    // the baseline rollout is Completed: the command is recorded, ignored, in the name of ops
    const event = await waitFor(
      'the command in the rollout history',
      async () => {
        const r = await call(api, 'GET', '/api/v1/rollout?app=web', bearer(tokens.admin));
        const v = (await r.json()) as {
          state: { history: { kind: string; by?: string; message: string }[] };
        };
        return v.state.history.find((e) => e.by !== undefined);
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(event.by).toBe('ops');
    expect(event.message).toMatch(/^pause by ops /);
    expect(event.by).not.toBe('mallory');
  });

  it('health, readiness and metrics are open; the webhook keeps its own refusals', async () => {
    expect(await (await call(api, 'GET', '/healthz')).text()).toBe('ok');
    expect((await call(api, 'GET', '/readyz')).status).toBe(200);
    const metrics = await call(api, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# TYPE gitfleet_hub_streams gauge$/m);
    const hook = await call(api, 'POST', '/webhook');
    expect(hook.status).toBe(404);
    expect(await hook.json()).toEqual({
      error: 'webhooks are not configured (--webhook-secret-file)',
    });
  });

  it('the diff of a Secret shows fingerprints of its values, never the values', async () => {
    const git = fleet.git;
    if (git === undefined) throw new Error('no git');
    const v2 = await git.commit('fleet', { files: files(PASSWORD_V2), message: 'v2' });
    const res = await call(
      api,
      'GET',
      `/api/v1/diff?app=web&target=edge&revision=${v2}`,
      bearer(tokens.read),
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as {
      objects: { ref: { kind: string; name: string }; change: string; diff: string }[];
      summary: { changed: number; unchanged: number };
    };
    expect(validator.response('get', '/api/v1/diff', 200, body)).toEqual([]);
    expect(body.summary).toMatchObject({ changed: 1, unchanged: 1 });
    const secret = body.objects.find((o) => o.ref.kind === 'Secret');
    expect(secret?.change).toBe('changed');
    const lines = (secret?.diff ?? '').split('\n');
    const before = lines.find((l) => l.startsWith('-  password:'));
    const after = lines.find((l) => l.startsWith('+  password:'));
    expect(before).toMatch(/\*\*\* sha256:[0-9a-f]{12}/);
    expect(after).toMatch(/\*\*\* sha256:[0-9a-f]{12}/);
    expect(before?.replace(/^-/, '')).not.toBe(after?.replace(/^\+/, ''));
    // the key is unchanged, its fingerprint too: not in the hunks
    expect(secret?.diff).not.toMatch(/^[-+]\s+apiKey/m);
    for (const clear of [PASSWORD_V1, PASSWORD_V2, b64(PASSWORD_V1), b64(PASSWORD_V2), API_KEY])
      expect(text).not.toContain(clear);
  });
});

describe('a hub with --api-token-file and --metrics-auth read', () => {
  it('takes the old token as an admin token named api-token; /metrics needs a read token', async () => {
    await writeFile(path.join(dir, 'api.token'), `${LEGACY_TOKEN}\n`, { mode: 0o600 });
    legacyHub = await startHub('legacy', [
      ...['--api-token-file', path.join(dir, 'api.token')],
      ...['--metrics-auth', 'read'],
    ]);
    const base = `http://127.0.0.1:${String(legacyHub.httpPort)}`;
    await waitFor('the second hub ready', async () => (await fetch(`${base}/readyz`)).ok, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const metrics = await call(base, 'GET', '/metrics');
    expect(metrics.status).toBe(401);
    expect(((await metrics.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
    expect((await call(base, 'GET', '/metrics', bearer(LEGACY_TOKEN))).status).toBe(200);
    // a token of the other hub is no token here
    expect((await call(base, 'GET', '/api/v1/fleet', bearer(tokens.admin))).status).toBe(401);
    await waitFor(
      'its baseline rollout of web',
      async () => (await call(base, 'GET', '/api/v1/rollout?app=web', bearer(LEGACY_TOKEN))).ok,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const res = await call(
      base,
      'POST',
      '/api/v1/rollout/command?app=web&command=abort',
      bearer(LEGACY_TOKEN),
    );
    expect(res.status).toBe(202);
    expect(((await res.json()) as { command: { by: string } }).command.by).toBe('api-token');
  });
});

describe('the logs of both hubs', () => {
  it('hold no token, and name who sent each command', () => {
    expect(logs.length).toBeGreaterThan(0);
    const all = logs.join('\n');
    for (const t of [tokens.read, tokens.operate, tokens.admin, LEGACY_TOKEN])
      expect(all).not.toContain(t);
    for (const clear of [PASSWORD_V1, PASSWORD_V2, API_KEY]) expect(all).not.toContain(clear);
    const records = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({ msg: 'rollout command accepted', app: 'web', by: 'ops' }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        msg: 'api request refused: the token lacks the scope',
        identity: 'reader',
        needed: 'operate',
      }),
    );
  });
});
