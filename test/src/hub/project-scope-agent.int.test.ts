/**
 * The agent's second check of a Project (docs/security.md, "Projects"), end to end: the real hub
 * (runHub: Git over HTTP, Redis, gRPC with mTLS) signing with `--signing-key-file`, and a real
 * agent on a real cluster pinning its key. The hub puts each application's project scope into
 * the assignment it signs; the agent checks every object against it before applying anything.
 *
 * - an application of the `payments` project syncs as usual, and one in no project carries no
 *   scope and syncs as before;
 * - whoever writes Redis — widening the scope, adding an object outside the project, or both —
 *   cannot re-sign: the agent refuses it (SIGNATURE_INVALID), nothing is applied, the hub shows it;
 * - a hub path that skipped the hub's own check (an assignment signed with the hub's key that
 *   carries objects outside the project) is refused by the agent with SCOPE_VIOLATION naming the
 *   object, the project and the rule, nothing of the app is applied, and the hub's status shows
 *   it; the next resolve pass writes the state from Git again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import {
  contentDigest,
  hubSignatureOf,
  silentLogger,
  type AssignmentPolicies,
  type KubeObject,
  type ObjectScope,
} from '@gitfleet/proto';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { writeSigningKey, type TestSigningKey } from '../fleet/signing.ts';
import { waitFor } from '../fleet/wait.ts';

const API_TOKEN = `api-${randomBytes(12).toString('hex')}`;
const P = 'gitfleet:';
const appKey = (app: string): string => `${P}{c1}:app:${app}`;
const PENDING = `${P}{c1}:pending`;

let fleet: TestFleet;
let cluster: KubeCluster;
let redis: Redis;
let hub: RunningHub | undefined;
let agent: RunningAgent | undefined;
let signingKey: TestSigningKey;
let dir: string;
let api = '';

const doc = (...lines: string[]): string =>
  ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');

const FILES: Record<string, string> = {
  'fleet/target.yaml': doc('kind: Target', 'metadata: { name: c1, labels: { env: prod } }'),
  'fleet/payments.yaml': doc(
    'kind: Project',
    'metadata: { name: payments }',
    'spec:',
    '  sourceRepos: [https://git.example.com/payments/*]',
    '  namespaces: [payments]',
    '  kinds:',
    '    allowClusterScoped: [{ group: "", kind: Namespace }]',
    '    deny: [{ group: "", kind: ResourceQuota }]',
    '  targets: { selector: { matchLabels: { env: prod } } }',
  ),
  'fleet/checkout.yaml': doc(
    'kind: Application',
    'metadata: { name: checkout }',
    'spec:',
    '  project: payments',
    '  source: { path: apps/checkout }',
    '  placement: { selector: { matchLabels: { env: prod } } }',
  ),
  'fleet/site.yaml': doc(
    'kind: Application',
    'metadata: { name: site }',
    'spec:',
    '  source: { path: apps/site }',
    '  placement: { selector: { matchLabels: { env: prod } } }',
  ),
  'apps/checkout/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: payments }\n',
  'apps/checkout/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: checkout, namespace: payments }\ndata: { message: v1 }\n',
  'apps/site/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: site, namespace: default }\ndata: { message: v1 }\n',
};

const namespaceObject = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});
const configMap = (ns: string, name: string, message: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data: { message },
});

async function message(ns: string, name: string): Promise<string | undefined> {
  const r = await cluster.request<{ data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${ns}/configmaps/${name}`,
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

async function exists(route: string): Promise<boolean> {
  return (await cluster.request('GET', route)).status === 200;
}

interface StatusRow {
  readonly app: string;
  readonly desiredVersion: number;
  readonly delivered: boolean;
  readonly reportedVersion?: number;
  readonly sync: string;
  readonly error?: { readonly code: string; readonly message: string };
}
async function statusOf(app: string): Promise<StatusRow | undefined> {
  const res = await fetch(`${api}/api/v1/status?target=c1`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  if (!res.ok) throw new Error(`GET status: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { items: StatusRow[] }).items.find((r) => r.app === app);
}

interface Meta {
  readonly revision: string;
  readonly contentDigest: string;
  readonly policies: AssignmentPolicies;
  readonly scope?: ObjectScope;
}
async function metaOf(app: string): Promise<Meta> {
  return JSON.parse((await redis.hget(appKey(app), 'meta')) ?? '{}') as Meta;
}

/** The agent's final rejection of `version` of `app`, as the hub stored it. */
async function rejection(app: string, version: number): Promise<{ code: string; message: string }> {
  return waitFor(
    `the agent's refusal of ${app} v${version} stored by the hub`,
    async () => {
      const raw = await redis.hget(appKey(app), 'rejected');
      const r =
        raw === null
          ? undefined
          : (JSON.parse(raw) as { version: number; error: { code: string; message: string } });
      return r?.version === version ? r.error : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}

/** The app's record at the next version with `fields`, made pending and delivered. */
async function forgeNextVersion(
  app: string,
  fields: Record<string, string | Buffer>,
): Promise<number> {
  const version = await redis.hincrby(appKey(app), 'counter', 1);
  await redis.hset(appKey(app), { ...fields, version: String(version) });
  await redis.hdel(appKey(app), 'rejected');
  await redis.sadd(PENDING, app);
  await hub?.link.deliver('c1', app);
  return version;
}

/** The fields of a record holding `objects` with `meta` (objects and digest made consistent). */
function recordFields(objects: KubeObject[], meta: object): Record<string, string | Buffer> {
  const digest = contentDigest(objects);
  return {
    objects: gzipSync(Buffer.from(JSON.stringify(objects))),
    digest,
    fp: `${digest} forged`,
    meta: JSON.stringify({ ...meta, contentDigest: digest }),
  };
}

/** Runs a resolve pass and waits until the agent holds the version it wrote for `app`. */
async function resolveAndSettle(app: string): Promise<number> {
  await hub?.resolver.trigger();
  return waitFor(
    `${app} written again from Git and acked`,
    async () => {
      const [version, acked] = await redis.hmget(appKey(app), 'version', 'acked');
      return version !== null && version === acked ? Number(version) : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-scope-'));
  fleet = await startFleet({ clusterNames: ['c1'] });
  const { git, kube } = fleet;
  const c = kube?.clusters[0];
  if (git === undefined || fleet.redis === undefined || c === undefined) throw new Error('fleet');
  cluster = c;
  redis = new Redis(fleet.redis.url);
  // another team's namespace exists: a missing namespace is never what stops a write there
  expect(
    (await cluster.request('POST', '/api/v1/namespaces', namespaceObject('other'))).status,
  ).toBe(201);
  const repoUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: FILES, message: 'payments project' });
  const pki = await createTestPki(['c1'], { dir: path.join(dir, 'pki') });
  const signing = await writeSigningKey(dir);
  signingKey = signing.signing;
  await writeFile(path.join(dir, 'api.token'), API_TOKEN);
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', fleet.redis.url],
        ...pki.hubArgs(),
        ...['--signing-key-file', signing.keyFile],
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000'],
        ...['--api-token-file', path.join(dir, 'api.token'), '--heartbeat-interval-ms', '1000'],
      ],
      env: {},
    }),
    silentLogger,
  );
  api = `http://127.0.0.1:${hub.httpPort}`;
  agent = await runAgent(
    loadAgentConfig({
      argv: [
        ...['--target', 'c1', '--hub', `127.0.0.1:${hub.grpcPort}`],
        ...pki.agentArgs('c1'),
        ...['--kubeconfig', c.kubeconfigPath],
        ...['--hub-public-key-file', signing.publicKeyFile],
      ],
      env: {},
    }),
    silentLogger,
  );
}, 180_000);

afterAll(async () => {
  await agent?.close();
  await hub?.close();
  redis?.disconnect();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('an application of a project syncs with its scope signed into the assignment; one in no project carries none', async () => {
  await waitFor(
    'both applications on the cluster',
    async () =>
      (await message('payments', 'checkout')) === 'v1' &&
      (await message('default', 'site')) === 'v1',
    { timeoutMs: 60_000 },
  );
  expect((await metaOf('checkout')).scope).toEqual({
    name: 'payments',
    namespaces: ['payments'],
    kinds: {
      allowClusterScoped: [{ group: '', kind: 'Namespace' }],
      deny: [{ group: '', kind: 'ResourceQuota' }],
    },
  });
  expect((await metaOf('site')).scope).toBeUndefined();
  await waitFor(
    'both reported Synced',
    async () => {
      const [checkout, site] = [await statusOf('checkout'), await statusOf('site')];
      return checkout?.sync === 'Synced' && site?.sync === 'Synced';
    },
    { timeoutMs: 20_000 },
  );
  expect((await statusOf('checkout'))?.error).toBeUndefined();
}, 90_000);

it('a scope widened in Redis, or an object outside it added there, is refused: nothing applies', async () => {
  const meta = await metaOf('checkout');
  const inside = [namespaceObject('payments'), configMap('payments', 'checkout', 'v1')];
  const outside = configMap('other', 'stolen', 'written to Redis');
  const cases: [string, Record<string, string | Buffer>][] = [
    [
      'scope widened and an object outside added',
      recordFields([...inside, outside], {
        ...meta,
        scope: { ...meta.scope, namespaces: ['*'] },
      }),
    ],
    ['an object outside added', recordFields([...inside, outside], meta)],
    [
      'scope widened only',
      recordFields(inside, {
        ...meta,
        scope: {
          ...meta.scope,
          kinds: { allowClusterScoped: [{ group: '*', kind: '*' }], deny: [] },
        },
      }),
    ],
  ];
  for (const [name, fields] of cases) {
    const version = await forgeNextVersion('checkout', fields);
    const refused = await rejection('checkout', version);
    expect(refused.code, name).toBe('SIGNATURE_INVALID');
    expect(refused.message, name).toContain('does not match its content');
    expect(await statusOf('checkout'), name).toMatchObject({
      desiredVersion: version,
      delivered: false,
      error: { code: 'SIGNATURE_INVALID' },
    });
  }
  expect(await message('other', 'stolen')).toBeUndefined();
  expect(await message('payments', 'checkout')).toBe('v1');

  await resolveAndSettle('checkout');
  expect((await statusOf('checkout'))?.error).toBeUndefined();
}, 90_000);

it('an assignment signed with the hub key that reaches outside the project is refused by the agent: SCOPE_VIOLATION, nothing applied', async () => {
  const meta = await metaOf('checkout');
  expect(meta.scope?.name).toBe('payments');
  // what a hub path that skipped the render-side check would sign: in-scope changes mixed with
  // a ConfigMap in another team's namespace and a ClusterRole written with the project's namespace
  const objects: KubeObject[] = [
    namespaceObject('payments'),
    configMap('payments', 'checkout', 'crafted'),
    configMap('other', 'stolen', 'crafted'),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'payments-escape', namespace: 'payments' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    },
  ];
  const digest = contentDigest(objects);
  const version = Number(await redis.hget(appKey('checkout'), 'counter')) + 1;
  const signature = hubSignatureOf(
    {
      kind: 'assignment',
      target: 'c1',
      app: 'checkout',
      version,
      revision: meta.revision,
      contentDigest: digest,
      objects,
      policies: meta.policies,
      ...(meta.scope === undefined ? {} : { scope: meta.scope }),
    },
    signingKey.key,
  );
  const forged = await forgeNextVersion('checkout', recordFields(objects, { ...meta, signature }));
  expect(forged).toBe(version);

  // taken (the signature holds), then refused before anything is applied, and shown by the hub
  const status = await waitFor(
    'the scope violation shown by the hub',
    async () => {
      const s = await statusOf('checkout');
      return s?.reportedVersion === version && s.error?.code === 'SCOPE_VIOLATION' ? s : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  expect(status).toMatchObject({ desiredVersion: version, delivered: true, sync: 'Failed' });
  const error = status.error?.message ?? '';
  expect(error).toContain('2 of 4 objects are outside project "payments"');
  expect(error).toContain('ConfigMap/other/stolen');
  expect(error).toContain('[rule namespaces]');
  expect(error).toContain('ClusterRole/payments/payments-escape');
  expect(error).toContain('[rule kinds.allowClusterScoped]');
  const report = agent?.agent.reportOf('checkout');
  expect(report?.error?.code).toBe('SCOPE_VIOLATION');
  expect(
    report?.objects
      .filter((o) => o.action === 'failed')
      .map((o) => o.ref.name)
      .sort(),
  ).toEqual(['payments-escape', 'stolen']);

  // nothing of the app was applied: not the objects outside, not the change inside
  expect(await message('other', 'stolen')).toBeUndefined();
  expect(await exists('/apis/rbac.authorization.k8s.io/v1/clusterroles/payments-escape')).toBe(
    false,
  );
  expect(await message('payments', 'checkout')).toBe('v1');

  // the next pass writes the state from Git again (the forged fingerprint is not the hub's)
  expect(await resolveAndSettle('checkout')).toBeGreaterThan(version);
  await waitFor(
    'checkout reported without error',
    async () => (await statusOf('checkout'))?.error === undefined,
    {
      timeoutMs: 20_000,
    },
  );
  expect(await message('payments', 'checkout')).toBe('v1');
}, 90_000);
