/**
 * Rollouts across real clusters: the real hub (Git over HTTP, Redis, BullMQ, gRPC)
 * and three real agents on three real clusters — dev, staging, prod — one application rolled out
 * in waves: canary (dev, soak 2 s) → staging → prod (manual gate).
 *
 * - A healthy revision advances wave by wave: staging moves only after dev is healthy and has
 *   soaked; prod waits for an approval (a token is required to give it), then completes.
 * - A revision that breaks health (a Deployment that never becomes available) fails on the canary
 *   within the progress deadline; the rollout rolls the moved target back to the last revision
 *   healthy everywhere, and the later waves never see the broken revision.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { waitFor } from '../fleet/wait.ts';

const ENVS = ['dev', 'staging', 'prod'] as const;
const API_TOKEN = `api-${randomBytes(12).toString('hex')}`;
let fleet: TestFleet;
let hub: RunningHub | undefined;
const agents: RunningAgent[] = [];
const clusters = new Map<string, KubeCluster>();
let dir: string;
let api = '';

function files(message: string, broken = false): Record<string, string | null> {
  const doc = (...lines: string[]): string =>
    ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
  return {
    'fleet/targets.yaml': ENVS.map((e) =>
      doc('kind: Target', `metadata: { name: ${e}, labels: { env: ${e} } }`),
    ).join('---\n'),
    'fleet/environments.yaml': ENVS.map((e) =>
      doc(
        'kind: Environment',
        `metadata: { name: ${e} }`,
        'spec:',
        `  selector: { matchLabels: { env: ${e} } }`,
      ),
    ).join('---\n'),
    'fleet/web.yaml': doc(
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web }',
      '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }',
      '  rollout:',
      '    waves:',
      '      - { name: canary, selector: { matchLabels: { env: dev } }, soak: 2s }',
      '      - { name: staging, selector: { matchLabels: { env: staging } } }',
      '      - { name: prod, selector: { matchLabels: { env: prod } }, gate: manual }',
      '    progressDeadline: 6s',
      '    failureBudget: 0',
      '    onFailure: rollback',
    ),
    'apps/web/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: "${message}" }\n`,
    // never available: no node matches
    'apps/web/deploy.yaml': broken
      ? [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: { name: web, namespace: default }',
          'spec:',
          '  replicas: 1',
          '  selector: { matchLabels: { app: web } }',
          '  template:',
          '    metadata: { labels: { app: web } }',
          '    spec:',
          '      nodeSelector: { gitfleet.dev/no-such-node: "true" }',
          '      containers: [{ name: web, image: example.invalid/web:broken }]',
          '',
        ].join('\n')
      : null,
  };
}

async function messageOn(env: string): Promise<string | undefined> {
  const c = clusters.get(env);
  if (c === undefined) throw new Error(env);
  const r = await c.request<{ data?: Record<string, string> }>(
    'GET',
    '/api/v1/namespaces/default/configmaps/web',
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

interface RolloutView {
  state: {
    phase: string;
    toRevision: string;
    fromRevision: string;
    history: { kind: string; targets?: string[]; atMs: number }[];
  };
  explanation: {
    summary: string;
    targets: { target: string; wave: string; state: string; reason: string }[];
  };
}
async function rollout(): Promise<RolloutView> {
  // the token of --api-token-file: scope admin, which reads too
  const res = await fetch(`${api}/api/v1/rollout?app=web`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  if (!res.ok) throw new Error(`GET rollout: ${res.status} ${await res.text()}`);
  return (await res.json()) as RolloutView;
}
const command = (q: string, token?: string): Promise<Response> =>
  fetch(`${api}/api/v1/rollout/command?app=web&${q}`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-rollout-'));
  fleet = await startFleet({ clusterNames: [...ENVS] });
  const { git, redis, kube } = fleet;
  if (git === undefined || redis === undefined || kube === undefined) throw new Error('fleet');
  const repoUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: files('v1'), message: 'v1' });
  const pki = await createTestPki(ENVS, { dir: path.join(dir, 'pki') });
  await writeFile(path.join(dir, 'api.token'), API_TOKEN);
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', redis.url],
        ...pki.hubArgs(),
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000', '--rollout-interval-ms', '200'],
        ...['--api-token-file', path.join(dir, 'api.token'), '--heartbeat-interval-ms', '1000'],
      ],
      env: {},
    }),
    silentLogger,
  );
  api = `http://127.0.0.1:${hub.httpPort}`;
  for (const [i, env] of ENVS.entries()) {
    const c = kube.clusters[i];
    if (c === undefined) throw new Error('cluster');
    clusters.set(env, c);
    agents.push(
      await runAgent(
        loadAgentConfig({
          argv: [
            ...['--target', env, '--hub', `127.0.0.1:${hub.grpcPort}`],
            ...pki.agentArgs(env),
            ...['--kubeconfig', c.kubeconfigPath],
          ],
          env: {},
        }),
        silentLogger,
      ),
    );
  }
  // the first revision is the baseline: everywhere at once
  await waitFor(
    'v1 everywhere',
    async () => (await Promise.all(ENVS.map(messageOn))).every((m) => m === 'v1'),
    {
      timeoutMs: 60_000,
    },
  );
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(agents.map((a) => a.close()));
  await hub?.close();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('a healthy revision goes wave by wave: canary, soak, staging, then prod after approval', async () => {
  const v2 = (await fleet.git?.commit('fleet', { files: files('v2'), message: 'v2' })) ?? '';
  await hub?.resolver.trigger();
  await waitFor('canary on v2', async () => (await messageOn('dev')) === 'v2', {
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  const canaryAt = Date.now();
  // the later waves have not moved: dev must be healthy and soak 2 s first
  expect(await messageOn('staging')).toBe('v1');
  expect(await messageOn('prod')).toBe('v1');
  await waitFor('staging on v2', async () => (await messageOn('staging')) === 'v2', {
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  expect(Date.now() - canaryAt).toBeGreaterThanOrEqual(1_500);
  // prod waits for its gate, and says so
  await waitFor(
    'waiting for approval',
    async () => (await rollout()).state.phase === 'WaitingApproval',
    {
      timeoutMs: 20_000,
    },
  );
  const waiting = await rollout();
  expect(waiting.state.toRevision).toBe(v2);
  expect(waiting.explanation.targets.find((t) => t.target === 'prod')).toMatchObject({
    wave: 'prod',
  });
  expect(waiting.explanation.summary).toMatch(/approv/i);
  expect(await messageOn('prod')).toBe('v1');
  // approving takes the API token
  expect((await command('command=approve&wave=prod')).status).toBe(401);
  expect((await command('command=approve&wave=prod', 'wrong-token-000000000000')).status).toBe(401);
  expect((await command('command=approve', API_TOKEN)).status).toBe(400);
  expect((await command('command=approve&wave=prod&by=alice', API_TOKEN)).status).toBe(400);
  expect((await command('command=approve&wave=prod', API_TOKEN)).status).toBe(202);
  await waitFor('prod on v2', async () => (await messageOn('prod')) === 'v2', {
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  await waitFor('completed', async () => (await rollout()).state.phase === 'Completed', {
    timeoutMs: 20_000,
  });
  const done = await rollout();
  const moves = done.state.history
    .filter((e) => e.kind === 'moved')
    .map((e) => e.targets?.join(','));
  expect(moves).toEqual(['dev', 'staging', 'prod']);
  expect(done.state.history.some((e) => e.kind === 'approved')).toBe(true);
}, 90_000);

it('a revision that breaks health halts on the canary and rolls it back; later waves never see it', async () => {
  await fleet.git?.commit('fleet', { files: files('v3', true), message: 'v3 (broken)' });
  await hub?.resolver.trigger();
  await waitFor('canary on v3', async () => (await messageOn('dev')) === 'v3', {
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  // not healthy within the 6 s progress deadline → failure → rollback to v2
  await waitFor('rolled back', async () => (await rollout()).state.phase === 'RolledBack', {
    timeoutMs: 40_000,
  });
  await waitFor('canary back on v2', async () => (await messageOn('dev')) === 'v2', {
    timeoutMs: 20_000,
  });
  const r = await rollout();
  expect(r.state.fromRevision).not.toBe(r.state.toRevision);
  expect(r.state.history.map((e) => e.kind)).toEqual(
    expect.arrayContaining(['failed', 'rollback-started', 'rolled-back']),
  );
  expect(await messageOn('staging')).toBe('v2');
  expect(await messageOn('prod')).toBe('v2');
  // the broken Deployment was pruned with the rollback
  expect(
    (await clusters.get('dev')?.request('GET', '/apis/apps/v1/namespaces/default/deployments/web'))
      ?.status,
  ).toBe(404);
}, 90_000);
