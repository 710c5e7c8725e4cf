/**
 * The gitfleet-hub binary as a user runs it, with the real agent binary on a real cluster: its
 * configuration from environment variables, readiness once the fleet is accepted, fleet status,
 * a signed GitHub push webhook that brings a commit to the cluster at once (the poll interval is
 * a minute), drift reporting, Prometheus metrics, a JSON log without secrets, and a graceful
 * shutdown on SIGTERM. And a bad configuration: every problem at once, exit code 2.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DriftRecord } from '@gitfleet/proto';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki, type TestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePorts } from '../fleet/ports.ts';
import { parseExposition } from '../metrics/exposition.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';
import { NO_HUB_ENV } from '../fleet/hub-env.ts';

const HUB_BIN = path.join(REPO_ROOT, 'hub/bin/gitfleet-hub');
const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
const WEBHOOK_SECRET = `webhook-${randomBytes(12).toString('hex')}`;

interface StatusRow {
  target: string;
  app: string;
  desiredRevision: string;
  revision?: string;
  sync: string;
  health: string;
  drift: number;
  connection: string;
}

let fleet: TestFleet;
let cluster: KubeCluster;
let dir: string;
let repoUrl = '';
let v1 = '';
let tokens: ApiTokens;
let pki: TestPki;
const procs: ManagedProcess[] = [];

function fleetFiles(message: string): Record<string, string> {
  return {
    'targets/edge.yaml': [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Target',
      'metadata: { name: edge, labels: { env: edge } }',
      '',
    ].join('\n'),
    'apps/web/application.yaml': [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web/manifests }',
      '  placement: { selector: { matchLabels: {} } }',
      '',
    ].join('\n'),
    'apps/web/manifests/namespace.yaml':
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: web }\n',
    'apps/web/manifests/configmap.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: web, namespace: web }',
      'data:',
      `  message: "${message}"`,
      '',
    ].join('\n'),
  };
}

async function liveMessage(): Promise<string | undefined> {
  const r = await cluster.request<{ data?: Record<string, string> }>(
    'GET',
    '/api/v1/namespaces/web/configmaps/web',
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

function signedPush(body: string, secret: string): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomBytes(8).toString('hex'),
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  };
}

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: ['edge'] });
  const c = fleet.kube?.clusters[0];
  if (c === undefined || fleet.git === undefined || fleet.redis === undefined)
    throw new Error('fleet incomplete');
  cluster = c;
  repoUrl = await fleet.git.createRepo('fleet');
  v1 = await fleet.git.commit('fleet', { files: fleetFiles('v1'), message: 'edge gets web v1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-hub-bin-'));
  pki = await createTestPki(['edge'], { dir: path.join(dir, 'pki') });
  await writeFile(path.join(dir, 'webhook.secret'), WEBHOOK_SECRET, { mode: 0o600 });
  tokens = await writeApiTokens(dir);
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('runs from environment config: ready, status, webhook, drift, metrics, clean SIGTERM', async () => {
  const redis = fleet.redis;
  if (redis === undefined) throw new Error('no redis');
  const [grpcPort = 0, httpPort = 0] = await freePorts(2);
  const api = `http://127.0.0.1:${httpPort}`;
  const hub = await spawnManaged('gitfleet-hub', HUB_BIN, {
    logDir: dir,
    env: {
      ...NO_HUB_ENV,
      GITFLEET_FLEET_REPO: repoUrl,
      GITFLEET_REDIS_URL: redis.url,
      ...pki.hubEnv(),
      GITFLEET_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
      GITFLEET_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
      GITFLEET_POLL_INTERVAL_MS: '60000',
      GITFLEET_WEBHOOK_SECRET_FILE: path.join(dir, 'webhook.secret'),
      GITFLEET_HUB_CACHE_DIR: path.join(dir, 'hub-git-cache'),
      GITFLEET_HEARTBEAT_INTERVAL_MS: '1000',
      GITFLEET_API_TOKENS_FILE: tokens.file,
    },
  });
  procs.push(hub);
  const read = { headers: bearer(tokens.read) };
  const hubAlive = (): string | undefined =>
    hub.running ? undefined : `the hub exited: ${hub.tail()}`;

  await waitFor('hub /readyz 200', async () => (await fetch(`${api}/readyz`)).status === 200, {
    timeoutMs: 20_000,
    intervalMs: 100,
    abortIf: hubAlive,
  });
  expect(await (await fetch(`${api}/healthz`)).text()).toBe('ok');
  expect((await fetch(`${api}/api/v1/fleet`)).status).toBe(401);
  const fleetStatus = (await (await fetch(`${api}/api/v1/fleet`, read)).json()) as {
    fleetAccepted: boolean;
    fleetCommit?: string;
  };
  expect(fleetStatus).toMatchObject({ fleetAccepted: true, fleetCommit: v1 });

  const agent = await spawnManaged('gitfleet-agent-edge', AGENT_BIN, {
    logDir: dir,
    env: {
      GITFLEET_TARGET: 'edge',
      GITFLEET_HUB_ADDRESS: `127.0.0.1:${grpcPort}`,
      ...pki.agentEnv('edge'),
      KUBECONFIG: cluster.kubeconfigPath,
      GITFLEET_CONFIG: undefined,
      GITFLEET_HTTP_ADDRESS: undefined,
    },
  });
  procs.push(agent);
  const bothAlive = (): string | undefined =>
    hubAlive() ?? (agent.running ? undefined : `the agent exited: ${agent.tail()}`);

  const statusOf = async (): Promise<StatusRow | undefined> => {
    const res = await fetch(`${api}/api/v1/status?target=edge&app=web`, read);
    const { items } = (await res.json()) as { items: StatusRow[] };
    expect(items.length).toBeLessThanOrEqual(1);
    return items[0];
  };
  const row = await waitFor(
    'web Synced, Healthy and Connected on edge',
    async () => {
      const r = await statusOf();
      return r?.sync === 'Synced' && r.health === 'Healthy' && r.connection === 'Connected'
        ? r
        : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, abortIf: bothAlive },
  );
  expect(row).toMatchObject({ target: 'edge', app: 'web', desiredRevision: v1, revision: v1 });
  expect(await liveMessage()).toBe('v1');

  // A commit; the hub polls once a minute, so only the webhook can bring it in this quickly.
  const git = fleet.git;
  if (git === undefined) throw new Error('no git');
  const v2 = await git.commit('fleet', { files: fleetFiles('v2'), message: 'web v2' });
  await new Promise((r) => setTimeout(r, 500));
  expect((await statusOf())?.desiredRevision).toBe(v1);

  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: v1,
    after: v2,
    repository: { full_name: 'gitfleet/fleet', clone_url: repoUrl },
  });
  const forged = await fetch(`${api}/webhook`, signedPush(body, 'not-the-secret'));
  expect(forged.status).toBe(401);
  expect(((await forged.json()) as { error: string }).error).toMatch(/does not match/);
  const unsigned = signedPush(body, WEBHOOK_SECRET);
  unsigned.headers = { 'content-type': 'application/json', 'x-github-event': 'push' };
  expect((await fetch(`${api}/webhook`, unsigned)).status).toBe(401);
  await new Promise((r) => setTimeout(r, 300));
  expect(await liveMessage()).toBe('v1');

  const t0 = Date.now();
  const res = await fetch(`${api}/webhook`, signedPush(body, WEBHOOK_SECRET));
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ accepted: true, ref: 'refs/heads/main' });
  await waitFor('edge has web v2', async () => (await liveMessage()) === 'v2', {
    timeoutMs: 10_000,
    intervalMs: 50,
    abortIf: bothAlive,
  });
  expect(Date.now() - t0).toBeLessThan(10_000);
  await waitFor(
    'status reports v2 Synced',
    async () => {
      const r = await statusOf();
      return r?.revision === v2 && r.desiredRevision === v2 && r.sync === 'Synced';
    },
    { timeoutMs: 10_000, intervalMs: 100, abortIf: bothAlive },
  );

  // Drift: an edit by hand is corrected by the agent and reported to the hub.
  await cluster.kubectl([
    '-n',
    'web',
    'patch',
    'configmap',
    'web',
    '--type=merge',
    '-p',
    '{"data":{"message":"edited-by-hand"}}',
  ]);
  type DriftItem = DriftRecord & { target: string; app: string };
  const drift = await waitFor(
    'the corrected drift in /api/v1/drift',
    async () => {
      const r = await fetch(`${api}/api/v1/drift?target=edge&app=web`, read);
      const { items } = (await r.json()) as { items: DriftItem[] };
      return items.find((d) => d.fieldManager === 'kubectl-patch' && d.action === 'corrected');
    },
    { timeoutMs: 15_000, intervalMs: 100, abortIf: bothAlive },
  );
  expect(drift).toMatchObject({
    target: 'edge',
    app: 'web',
    ref: { kind: 'ConfigMap', name: 'web', namespace: 'web' },
  });
  expect(drift.changes).toContainEqual(
    expect.objectContaining({ path: '/data/message', desired: 'v2', live: 'edited-by-hand' }),
  );
  expect(await liveMessage()).toBe('v2');
  const filtered = (await (
    await fetch(`${api}/api/v1/drift?manager=kubectl-patch&kind=ConfigMap`, read)
  ).json()) as { items: DriftItem[] };
  expect(filtered.items.length).toBeGreaterThan(0);
  expect(
    (
      (await (await fetch(`${api}/api/v1/drift?manager=nobody`, read)).json()) as {
        items: DriftItem[];
      }
    ).items,
  ).toEqual([]);

  const metrics = await waitFor(
    'metrics: web synced on edge',
    async () => {
      const m = await (await fetch(`${api}/metrics`)).text();
      return /^gitfleet_hub_app_synced\{target="edge",app="web"\} 1$/m.test(m) ? m : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100, abortIf: bothAlive },
  );
  expect(parseExposition(metrics).map((f) => f.name)).toContain('process_cpu_seconds_total');
  expect(metrics).toMatch(/^gitfleet_hub_streams 1$/m);
  // every delivery so far was acked: the latency histogram counted them
  expect(metrics).toMatch(/^# TYPE gitfleet_hub_delivery_latency_seconds histogram$/m);
  expect(metrics).toMatch(/^gitfleet_hub_delivery_latency_seconds_count [1-9]\d*$/m);
  expect(metrics).toMatch(/^gitfleet_hub_app_healthy\{target="edge",app="web"\} 1$/m);
  expect((await fetch(`${api}/nowhere`)).status).toBe(404);

  // Redis wiped: the hub notices, rebuilds desired state from Git, makes the agent resync (which
  // moves the lost version counters past what the agent holds), and a later commit still lands.
  await fleet.redis?.wipe();
  await waitFor(
    'status rebuilt after the wipe',
    async () => (await statusOf())?.desiredRevision === v2,
    { timeoutMs: 15_000, intervalMs: 200, abortIf: bothAlive },
  );
  const v3 = await git.commit('fleet', { files: fleetFiles('v3'), message: 'web v3 after a wipe' });
  const push3 = JSON.stringify({
    ref: 'refs/heads/main',
    before: v2,
    after: v3,
    repository: { full_name: 'gitfleet/fleet', clone_url: repoUrl },
  });
  expect((await fetch(`${api}/webhook`, signedPush(push3, WEBHOOK_SECRET))).status).toBe(202);
  await waitFor('edge has web v3 after the wipe', async () => (await liveMessage()) === 'v3', {
    timeoutMs: 20_000,
    intervalMs: 100,
    abortIf: bothAlive,
  });

  await hub.stop();
  expect(await hub.exited).toBe(0);
  await agent.stop();

  const log = (await readFile(hub.logFile, 'utf8')).trim();
  const records = log
    .split('\n')
    .map((l) => JSON.parse(l) as { level: string; msg: string; component?: string });
  expect(records.some((r) => r.msg === 'hub started')).toBe(true);
  expect(records.some((r) => r.msg === 'shutting down')).toBe(true);
  expect(log).not.toMatch(/PRIVATE KEY/);
  expect(log).not.toContain(WEBHOOK_SECRET);
  for (const token of [tokens.read, tokens.operate, tokens.admin]) expect(log).not.toContain(token);
});

it('refuses a bad configuration with every problem at once and exit code 2', async () => {
  const proc = await spawnManaged('gitfleet-hub-bad', HUB_BIN, {
    logDir: dir,
    args: ['--poll-interval-ms', '5', '--redis-url', 'http://nope'],
    env: NO_HUB_ENV,
  });
  procs.push(proc);
  expect(await proc.exited).toBe(2);
  const out = await readFile(proc.logFile, 'utf8');
  expect(out).toMatch(/invalid hub configuration/);
  expect(out).toMatch(/fleetRepo is required/);
  expect(out).toMatch(
    /the AgentLink port serves TLS .*missing: --tls-cert-file, --tls-key-file, --client-ca-file/,
  );
  expect(out).toMatch(/--poll-interval-ms=5: must be an integer from 1000/);
  expect(out).toMatch(/redis URL http:\/\/nope/);
  expect(out).toMatch(/gitfleet-hub: reads the fleet from Git/);
});
