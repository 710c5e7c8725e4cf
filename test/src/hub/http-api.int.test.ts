/**
 * The hub's HTTP API against a real hub (Git over HTTP, Redis, BullMQ, gRPC) and a real agent on
 * a real cluster: every list walks page by page (limit=1) over every item exactly once, the
 * environment filter, connection state of a target without an agent, drift with its fields, sync
 * history after a commit, 400s for bad requests, and every JSON response matching its schema in
 * the OpenAPI document the hub serves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import type { OpenApiDocument } from '../../../hub/src/http/api/openapi.ts';
import { DocumentValidator } from '../../../hub/src/http/api/validate.ts';
import { OPENAPI } from '../../../hub/src/http/server.ts';
import { testLogger } from '../agent/harness.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { waitFor } from '../fleet/wait.ts';

let fleet: TestFleet;
let cluster: KubeCluster;
let hub: RunningHub;
let agent: RunningAgent;
let dir: string;
let api = '';
let v1 = '';
let served: OpenApiDocument;
let tokens: ApiTokens;
let validator: DocumentValidator;

/** Targets edge (env prod, with an agent) and far (env staging, none); apps web and api on both. */
function fleetFiles(message: string): Record<string, string> {
  const doc = (kind: string, body: string): string =>
    `apiVersion: gitfleet.dev/v1alpha1\nkind: ${kind}\n${body}`;
  const configMap = (app: string, msg: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${app}, namespace: default }\ndata: { message: "${msg}" }\n`;
  const application = (app: string): string =>
    doc(
      'Application',
      `metadata: { name: ${app} }\nspec:\n  source: { path: apps/${app} }\n  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }\n`,
    );
  return {
    'targets.yaml': [
      doc('Target', 'metadata: { name: edge, labels: { env: prod } }\n'),
      doc('Target', 'metadata: { name: far, labels: { env: staging } }\n'),
    ].join('---\n'),
    'environments.yaml': [
      doc(
        'Environment',
        'metadata: { name: prod }\nspec:\n  selector: { matchLabels: { env: prod } }\n',
      ),
      doc(
        'Environment',
        'metadata: { name: staging }\nspec:\n  selector: { matchLabels: { env: staging } }\n  pins: { api: main }\n',
      ),
    ].join('---\n'),
    'apps/web.yaml': application('web'),
    'apps/api.yaml': application('api'),
    'apps/web/cm.yaml': configMap('web', message),
    'apps/api/cm.yaml': configMap('api', 'api'),
  };
}

interface ListBody<T> {
  items: T[];
  metadata: { continue?: string; total: number };
}
interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
interface StatusRow {
  target: string;
  app: string;
  environment?: string;
  sync: string;
  health: string;
  connection: string;
  revision?: string;
}

/** GET `route?query`: the status and the JSON body, checked against the served document's schema. */
async function get<T>(route: string, query = ''): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api}${route}${query === '' ? '' : `?${query}`}`, {
    headers: bearer(tokens.read),
  });
  const body = (await res.json()) as T;
  const problems = validator.response('get', route, res.status, body);
  expect(problems, `GET ${route}?${query} (${String(res.status)}) breaks its schema`).toEqual([]);
  return { status: res.status, body };
}

async function list<T>(route: string, query = ''): Promise<ListBody<T>> {
  const { status, body } = await get<ListBody<T>>(route, query);
  expect(status).toBe(200);
  return body;
}

/** Every page of `route` at limit=1, following metadata.continue. */
async function walk<T>(route: string, query = ''): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let i = 0; i < 50; i++) {
    const q = [query, 'limit=1', ...(token === undefined ? [] : [`continue=${token}`])]
      .filter((x) => x !== '')
      .join('&');
    const page = await list<T>(route, q);
    expect(page.items.length).toBeLessThanOrEqual(1);
    items.push(...page.items);
    token = page.metadata.continue;
    if (token === undefined) return items;
  }
  throw new Error(`${route}: more than 50 pages`);
}

async function expectError(
  route: string,
  query: string,
  status: number,
  code: string,
  message: RegExp,
): Promise<ErrorBody> {
  const { status: got, body } = await get<ErrorBody>(route, query);
  expect(got).toBe(status);
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(message);
  return body;
}

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: ['edge'] });
  const c = fleet.kube?.clusters[0];
  if (c === undefined || fleet.git === undefined || fleet.redis === undefined)
    throw new Error('fleet incomplete');
  cluster = c;
  const repoUrl = await fleet.git.createRepo('fleet');
  v1 = await fleet.git.commit('fleet', { files: fleetFiles('v1'), message: 'v1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-http-api-'));
  tokens = await writeApiTokens(dir);
  const pki = await createTestPki(['edge'], { dir: path.join(dir, 'pki') });
  const logger = testLogger();
  hub = await runHub(
    loadHubConfig({
      argv: [
        '--fleet-repo',
        repoUrl,
        '--redis-url',
        fleet.redis.url,
        '--redis-prefix',
        `gf-${randomBytes(4).toString('hex')}:`,
        ...pki.hubArgs(),
        '--grpc-address',
        '127.0.0.1:0',
        '--http-address',
        '127.0.0.1:0',
        '--poll-interval-ms',
        '60000',
        '--cache-dir',
        path.join(dir, 'git'),
        '--heartbeat-interval-ms',
        '1000',
        '--api-tokens-file',
        tokens.file,
      ],
      env: {},
    }),
    logger,
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  agent = await runAgent(
    loadAgentConfig({
      argv: [
        '--target',
        'edge',
        '--hub',
        `127.0.0.1:${String(hub.grpcPort)}`,
        ...pki.agentArgs('edge'),
        '--kubeconfig',
        cluster.kubeconfigPath,
      ],
      env: {},
    }),
    logger,
  );
  served = (await (
    await fetch(`${api}/api/v1/openapi.json`, { headers: bearer(tokens.read) })
  ).json()) as OpenApiDocument;
  validator = new DocumentValidator(served);
  await waitFor(
    'web and api Synced and Healthy on edge',
    async () => {
      const { items } = await list<StatusRow>('/api/v1/status', 'target=edge');
      return (
        items.length === 2 && items.every((r) => r.sync === 'Synced' && r.health === 'Healthy')
      );
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
});
afterAll(async () => {
  await agent?.close();
  await hub?.close();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the hub HTTP API', () => {
  it('serves its OpenAPI document', () => {
    expect(served).toEqual(JSON.parse(JSON.stringify(OPENAPI)));
  });

  it('walks every list at limit=1 over every item exactly once, in a stable order', async () => {
    const key = (route: string, x: unknown): string => {
      const o = x as Record<string, unknown>;
      return route === '/api/v1/status'
        ? `${String(o['target'])}/${String(o['app'])}`
        : String(o['name']);
    };
    const expected: Record<string, string[]> = {
      '/api/v1/status': ['edge/api', 'edge/web', 'far/api', 'far/web'],
      '/api/v1/targets': ['edge', 'far'],
      '/api/v1/applications': ['api', 'web'],
      '/api/v1/environments': ['prod', 'staging'],
    };
    for (const [route, keys] of Object.entries(expected)) {
      const all = await list<unknown>(route);
      expect(all.metadata).toEqual({ total: keys.length });
      expect(all.items.map((x) => key(route, x))).toEqual(keys);
      expect((await walk<unknown>(route)).map((x) => key(route, x))).toEqual(keys);
      const first = await list<unknown>(route, 'limit=1');
      expect(first.metadata.total).toBe(keys.length);
      expect(first.metadata.continue).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('shows connection state per target; one without an agent is Disconnected, never Healthy', async () => {
    const { items: targets } = await list<{
      name: string;
      environment?: string;
      connection: string;
      lastSeenMs?: number;
      counts: { apps: number; synced: number; healthy: number };
    }>('/api/v1/targets');
    expect(targets.map((t) => [t.name, t.environment, t.connection])).toEqual([
      ['edge', 'prod', 'Connected'],
      ['far', 'staging', 'Disconnected'],
    ]);
    expect(targets[0]?.counts).toMatchObject({ apps: 2, synced: 2, healthy: 2 });
    expect(targets[0]?.lastSeenMs).toBeGreaterThan(Date.now() - 10_000);
    expect(targets[1]?.counts).toMatchObject({ apps: 2, synced: 0, healthy: 0 });
    const { items: far } = await list<StatusRow>('/api/v1/status', 'target=far');
    expect(far.map((r) => [r.app, r.sync, r.health, r.connection])).toEqual([
      ['api', 'Unknown', 'Unknown', 'Disconnected'],
      ['web', 'Unknown', 'Unknown', 'Disconnected'],
    ]);
  });

  it('filters by environment', async () => {
    const prod = await list<StatusRow>('/api/v1/status', 'environment=prod');
    expect(prod.items.map((r) => `${r.target}/${r.app}/${r.environment ?? ''}`)).toEqual([
      'edge/api/prod',
      'edge/web/prod',
    ]);
    const staging = await walk<StatusRow>('/api/v1/status', 'environment=staging&app=web');
    expect(staging.map((r) => `${r.target}/${r.app}`)).toEqual(['far/web']);
    expect(
      (await list<{ name: string }>('/api/v1/targets', 'environment=staging')).items.map(
        (t) => t.name,
      ),
    ).toEqual(['far']);
    expect((await list('/api/v1/drift', 'environment=staging')).items).toEqual([]);
    const { items: envs } = await list<{
      name: string;
      targets: string[];
      apps: { app: string; pin?: string; revisions: string[] }[];
    }>('/api/v1/environments');
    expect(envs[1]).toMatchObject({
      name: 'staging',
      targets: ['far'],
      apps: [
        { app: 'api', pin: 'main', revisions: [v1] },
        { app: 'web', revisions: [v1] },
      ],
    });
    const body = await expectError(
      '/api/v1/status',
      'environment=qa',
      404,
      'NOT_FOUND',
      /environment: "qa" is not declared .*\(declared: prod, staging\)/,
    );
    expect(body.error.details).toMatchObject({ parameter: 'environment' });
  });

  it('reports drift with the fields that drifted and since when', async () => {
    await cluster.kubectl([
      '-n',
      'default',
      'patch',
      'configmap',
      'web',
      '--type=merge',
      '-p',
      '{"data":{"message":"by-hand"}}',
    ]);
    const item = await waitFor(
      'the drift of web on edge',
      async () =>
        (
          await list<{
            target: string;
            app: string;
            environment?: string;
            fieldManager: string;
            firstSeenUnixMs: number;
            changes: { path: string; desired?: unknown; live?: unknown }[];
          }>('/api/v1/drift', 'environment=prod&kind=ConfigMap&manager=kubectl-patch')
        ).items[0],
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(item).toMatchObject({ target: 'edge', app: 'web', environment: 'prod' });
    expect(item.changes).toContainEqual(
      expect.objectContaining({ path: '/data/message', desired: 'v1', live: 'by-hand' }),
    );
    expect(item.firstSeenUnixMs).toBeGreaterThan(Date.now() - 60_000);
    expect(await walk('/api/v1/drift', 'target=edge')).toHaveLength(
      (await list('/api/v1/drift', 'target=edge')).metadata.total,
    );
  });

  it('keeps the sync history: Synced at the new revision after a commit, newest first', async () => {
    const git = fleet.git;
    if (git === undefined) throw new Error('no git');
    const v2 = await git.commit('fleet', { files: fleetFiles('v2'), message: 'web v2' });
    await hub.resolver.trigger();
    const history = await waitFor(
      'history of edge/web shows v2 Synced',
      async () => {
        const { items } = await list<{ atMs: number; syncState: string; revision: string }>(
          '/api/v1/history',
          'target=edge&app=web',
        );
        return items[0]?.syncState === 'Synced' && items[0].revision === v2 ? items : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(history.map((h) => h.atMs)).toEqual(
      [...history.map((h) => h.atMs)].sort((a, b) => b - a),
    );
    expect(history.some((h) => h.syncState === 'Synced' && h.revision === v1)).toBe(true);
    const paged = await walk<{ atMs: number }>('/api/v1/history', 'target=edge&app=web');
    expect(paged.map((h) => h.atMs)).toEqual(history.map((h) => h.atMs));
    expect((await list('/api/v1/history', 'target=far&app=web')).items).toEqual([]);
  });

  it('refuses bad requests with 400 naming the parameter', async () => {
    for (const limit of ['0', '5001', 'ten', '-3']) {
      const body = await expectError(
        '/api/v1/status',
        `limit=${limit}`,
        400,
        'INVALID_REQUEST',
        /^query parameter limit: .* an integer from 1 to 5000 \(default 500\)$/,
      );
      expect(body.error.details).toEqual({ parameter: 'limit' });
    }
    await expectError(
      '/api/v1/targets',
      'enviroment=prod',
      400,
      'INVALID_REQUEST',
      /^unknown query parameter enviroment: \/api\/v1\/targets takes environment, limit, continue$/,
    );
    await expectError(
      '/api/v1/history',
      'target=edge',
      400,
      'INVALID_REQUEST',
      /^query parameter app: is required/,
    );
    await expectError('/api/v1/history', '', 400, 'INVALID_REQUEST', /target: is required/);
    await expectError(
      '/api/v1/drift',
      `continue=${(await list('/api/v1/status', 'limit=1')).metadata.continue ?? ''}`,
      400,
      'INVALID_REQUEST',
      /^query parameter continue: /,
    );
    await expectError(
      '/api/v1/status',
      'target=Edge!',
      400,
      'INVALID_REQUEST',
      /not a valid target name/,
    );
    const res = await fetch(`${api}/api/v1/nowhere`, { headers: bearer(tokens.read) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
    const post = await fetch(`${api}/api/v1/status`, {
      method: 'POST',
      headers: bearer(tokens.read),
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers /api/v1/fleet as before, matching its schema', async () => {
    const { status, body } = await get<{ fleetAccepted: boolean }>('/api/v1/fleet');
    expect(status).toBe(200);
    expect(body.fleetAccepted).toBe(true);
  });
});
