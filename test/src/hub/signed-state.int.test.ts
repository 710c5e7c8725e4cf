/**
 * Signed desired state end to end (docs/security.md, "Signed desired state"): the real hub
 * (runHub: Git over HTTP, Redis, BullMQ, gRPC with mTLS) signing with `--signing-key-file`, and a
 * real agent on a real cluster pinning its key with `--hub-public-key-file`.
 *
 * Whoever writes Redis directly — the objects of an assignment (with the digest recomputed), its
 * policies (unmanaged: prune), a removal, a rollout approval (a command, or the rollout state) —
 * changes nothing on the cluster, and the refusal comes back to the hub: its status API and its
 * log. An older signed version delivered again is refused as a replay. The next resolve pass
 * writes the state from Git again, signed; a real approval through the API still works.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { contentDigest, jsonLogger, silentLogger, type KubeObject } from '@gitfleet/proto';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { writeSigningKey } from '../fleet/signing.ts';
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
let dir: string;
let api = '';
/** The hub's log, one parsed JSON line each. */
const hubLog: Record<string, unknown>[] = [];

const doc = (...lines: string[]): string =>
  ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
const cm = (ns: string, name: string, message: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, namespace: ${ns} }\ndata: { message: "${message}" }\n`;

function files(site: string, web: string): Record<string, string> {
  return {
    'fleet/target.yaml': doc('kind: Target', 'metadata: { name: c1, labels: { env: prod } }'),
    'fleet/site.yaml': doc(
      'kind: Application',
      'metadata: { name: site }',
      'spec:',
      '  source: { path: apps/site }',
      '  placement: { selector: { matchLabels: { env: prod } } }',
    ),
    'fleet/web.yaml': doc(
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web }',
      '  placement: { selector: { matchLabels: { env: prod } } }',
      '  rollout:',
      '    waves:',
      '      - { name: prod, selector: { matchLabels: { env: prod } }, gate: manual }',
    ),
    'apps/site/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: site }\n',
    'apps/site/cm.yaml': cm('site', 'site', site),
    'apps/web/cm.yaml': cm('default', 'web', web),
  };
}

async function message(ns: string, name: string): Promise<string | undefined> {
  const r = await cluster.request<{ data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${ns}/configmaps/${name}`,
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

const authorized = { headers: { authorization: `Bearer ${API_TOKEN}` } };

interface StatusRow {
  readonly app: string;
  readonly desiredVersion: number;
  readonly delivered: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}
async function statusOf(app: string): Promise<StatusRow | undefined> {
  const res = await fetch(`${api}/api/v1/status?target=c1`, authorized);
  if (!res.ok) throw new Error(`GET status: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { items: StatusRow[] }).items.find((r) => r.app === app);
}

async function rolloutPhase(): Promise<string> {
  const res = await fetch(`${api}/api/v1/rollout?app=web`, authorized);
  if (!res.ok) throw new Error(`GET rollout: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { state: { phase: string } }).state.phase;
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

/**
 * What an attacker with Redis access does: the app's record at the next version with `fields`,
 * made pending; then the hub delivers it (as its next pending sweep would).
 */
async function forgeNextVersion(
  app: string,
  fields: Record<string, string | Buffer>,
  drop: readonly string[] = [],
): Promise<number> {
  const version = await redis.hincrby(appKey(app), 'counter', 1);
  await redis.hset(appKey(app), { ...fields, version: String(version) });
  await redis.hdel(appKey(app), 'rejected', ...drop);
  await redis.sadd(PENDING, app);
  await hub?.link.deliver('c1', app);
  return version;
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

function logged(msg: string, pred: (r: Record<string, unknown>) => boolean): boolean {
  return hubLog.some((r) => r['msg'] === msg && pred(r));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-signed-'));
  fleet = await startFleet({ clusterNames: ['c1'] });
  const { git, kube } = fleet;
  const c = kube?.clusters[0];
  if (git === undefined || fleet.redis === undefined || c === undefined) throw new Error('fleet');
  cluster = c;
  redis = new Redis(fleet.redis.url);
  const repoUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: files('v1', 'v1'), message: 'v1' });
  const pki = await createTestPki(['c1'], { dir: path.join(dir, 'pki') });
  const signing = await writeSigningKey(dir);
  await writeFile(path.join(dir, 'api.token'), API_TOKEN);
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', fleet.redis.url],
        ...pki.hubArgs(),
        ...['--signing-key-file', signing.keyFile],
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000', '--rollout-interval-ms', '200'],
        ...['--api-token-file', path.join(dir, 'api.token'), '--heartbeat-interval-ms', '1000'],
      ],
      env: {},
    }),
    jsonLogger((line) => hubLog.push(JSON.parse(line) as Record<string, unknown>), {
      level: 'info',
    }),
  );
  api = `http://127.0.0.1:${hub.httpPort}`;
  agent = await runAgent(
    loadAgentConfig({
      argv: [
        ...['--target', 'c1', '--hub', `127.0.0.1:${hub.grpcPort}`],
        ...pki.agentArgs('c1'),
        ...['--kubeconfig', c.kubeconfigPath, '--unmanaged-scan-interval-ms', '500'],
        ...['--hub-public-key-file', signing.publicKeyFile],
      ],
      env: {},
    }),
    silentLogger,
  );
  await waitFor(
    'v1 on the cluster',
    async () =>
      (await message('site', 'site')) === 'v1' && (await message('default', 'web')) === 'v1',
    { timeoutMs: 60_000 },
  );
  expect(logged('desired state is signed', (r) => r['keyId'] === signing.signing.key.keyId)).toBe(
    true,
  );
}, 180_000);

afterAll(async () => {
  await agent?.close();
  await hub?.close();
  redis?.disconnect();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('changed objects written to Redis (digest recomputed) are refused and reported; the next pass heals', async () => {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'site' } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'site', namespace: 'site' },
      data: { message: 'written to Redis' },
    },
  ];
  const digest = contentDigest(objects);
  const meta = JSON.parse((await redis.hget(appKey('site'), 'meta')) ?? '{}') as object;
  const version = await forgeNextVersion('site', {
    objects: gzipSync(Buffer.from(JSON.stringify(objects))),
    digest,
    fp: `${digest} forged`,
    meta: JSON.stringify({ ...meta, contentDigest: digest }),
  });
  const refused = await rejection('site', version);
  expect(refused.code).toBe('SIGNATURE_INVALID');
  expect(refused.message).toContain('does not match its content');
  // shown by the status API at that version, and logged
  expect(await statusOf('site')).toMatchObject({
    desiredVersion: version,
    delivered: false,
    error: { code: 'SIGNATURE_INVALID' },
  });
  expect(
    logged(
      'agent rejected a message',
      (r) => r['app'] === 'site' && r['code'] === 'SIGNATURE_INVALID',
    ),
  ).toBe(true);
  expect(await message('site', 'site')).toBe('v1');

  const healed = await resolveAndSettle('site');
  expect(healed).toBeGreaterThan(version);
  expect((await statusOf('site'))?.error).toBeUndefined();
  expect(await message('site', 'site')).toBe('v1');
}, 60_000);

it('changed policies written to Redis (unmanaged: prune) are refused: nothing is pruned', async () => {
  const bystander = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'bystander', namespace: 'site' },
    data: { message: 'not gitfleet’s' },
  };
  expect(
    (await cluster.request('POST', '/api/v1/namespaces/site/configmaps', bystander)).status,
  ).toBe(201);
  const meta = JSON.parse((await redis.hget(appKey('site'), 'meta')) ?? '{}') as {
    policies: Record<string, unknown>;
  };
  const version = await forgeNextVersion('site', {
    meta: JSON.stringify({
      ...meta,
      policies: { ...meta.policies, unmanaged: { mode: 'prune', allow: [] } },
    }),
  });
  expect((await rejection('site', version)).code).toBe('SIGNATURE_INVALID');
  // several unmanaged scans later (every 500 ms), the bystander is still there
  await new Promise((r) => setTimeout(r, 2_000));
  expect(await message('site', 'bystander')).toBe('not gitfleet’s');
  expect(await message('site', 'site')).toBe('v1');
  // the fingerprint was left as it was: the pass still sees that the signature no longer holds
  expect(await resolveAndSettle('site')).toBeGreaterThan(version);
}, 60_000);

it('a removal written to Redis is refused: the app and its objects stay', async () => {
  const version = await forgeNextVersion(
    'site',
    {
      kind: 'removal',
      deletion: 'delete',
      meta: JSON.stringify({ trace: {}, storedAtMs: Date.now() }),
    },
    ['fp', 'digest', 'objects'],
  );
  expect((await rejection('site', version)).code).toBe('SIGNATURE_INVALID');
  expect(
    logged(
      'agent rejected a message',
      (r) => r['app'] === 'site' && r['version'] === version && r['code'] === 'SIGNATURE_INVALID',
    ),
  ).toBe(true);
  expect(agent?.agent.appNames()).toContain('site');
  expect(await message('site', 'site')).toBe('v1');
  expect(await resolveAndSettle('site')).toBeGreaterThan(version);
}, 60_000);

it('an older signed version delivered again is refused as a replay', async () => {
  // the record of the version in force, signed by the hub: what an attacker copies
  const old = await redis.hgetallBuffer(appKey('site'));
  const oldVersion = Number(old['version']?.toString());
  await fleet.git?.commit('fleet', { files: files('v2', 'v1'), message: 'site v2' });
  const v2 = await resolveAndSettle('site');
  await waitFor('site v2 on the cluster', async () => (await message('site', 'site')) === 'v2', {
    timeoutMs: 20_000,
  });
  // the old record written back, made pending
  const { counter: _counter, acked: _acked, rejected: _rejected, ...fields } = old;
  await redis.hset(appKey('site'), fields);
  await redis.hdel(appKey('site'), 'acked', 'rejected');
  await redis.sadd(PENDING, 'site');
  await hub?.link.deliver('c1', 'site');
  const refused = await rejection('site', oldVersion);
  expect(refused.code).toBe('REPLAYED');
  expect(refused.message).toContain(`already passed v${String(v2)}`);
  expect(await message('site', 'site')).toBe('v2');
}, 60_000);

it('a rollout approval written to Redis approves nothing; one through the API does', async () => {
  await fleet.git?.commit('fleet', { files: files('v2', 'v2'), message: 'web v2' });
  await hub?.resolver.trigger();
  await waitFor(
    'the rollout waits for approval',
    async () => (await rolloutPhase()) === 'WaitingApproval',
    {
      timeoutMs: 20_000,
    },
  );
  // 1. an approve command pushed to Redis
  await redis.rpush(`${P}rollout-commands:web`, JSON.stringify({ kind: 'approve', wave: 'prod' }));
  await waitFor(
    'the forged command refused',
    () =>
      logged(
        'rollout command refused: not sealed by this hub for the current rollout (written to Redis outside the hub, or sent for an earlier rollout)',
        (r) => r['app'] === 'web',
      ),
    { timeoutMs: 10_000 },
  );
  expect(await rolloutPhase()).toBe('WaitingApproval');
  expect(await message('default', 'web')).toBe('v1');

  // 2. the approval written into the rollout state
  const stateKey = `${P}rollout:web`;
  const state = (await redis.get(stateKey)) ?? '';
  const approved = JSON.stringify({ ...(JSON.parse(state) as object), approvals: ['prod'] });
  await redis.set(stateKey, approved);
  await hub?.resolver.trigger();
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await message('default', 'web')).toBe('v1');
  expect(
    logged('rollout step failed', (r) =>
      String(r['error']).includes("does not carry this hub's seal"),
    ),
  ).toBe(true);
  const fleetStatus = (await (await fetch(`${api}/api/v1/fleet`, authorized)).json()) as {
    problems: { code: string }[];
  };
  expect(fleetStatus.problems.map((p) => p.code)).toContain('SIGNATURE_INVALID');

  // the state as the hub wrote it, and a real approval: the target moves
  await redis.set(stateKey, state);
  const res = await fetch(`${api}/api/v1/rollout/command?app=web&command=approve&wave=prod`, {
    method: 'POST',
    ...authorized,
  });
  expect(res.status).toBe(202);
  await waitFor('web v2 on the cluster', async () => (await message('default', 'web')) === 'v2', {
    timeoutMs: 20_000,
  });
}, 90_000);
