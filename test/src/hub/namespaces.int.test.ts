/**
 * Destination namespaces end to end with real components: a fleet repository on a real Git
 * server, the hub's resolver and Redis store signing the desired state, the AgentLink server and
 * a real agent on a fresh real cluster.
 *
 * - the guestbook-ui Deployment and Service of argoproj/argocd-example-apps, kept as users keep
 *   third-party manifests (no namespace), deployed with `destination.namespace: guestbook` and
 *   `syncPolicy.createNamespace: true`: the agent creates the Namespace (labelled managed-by
 *   gitfleet, created-for the app, reported as created), puts both objects in it, and the app is
 *   Synced and Healthy;
 * - removing the application deletes its objects but keeps the Namespace;
 * - without createNamespace, a destination namespace that does not exist fails the app, saying so
 *   and how to fix it;
 * - a destination namespace outside the application's project is a located SCOPE_VIOLATION at
 *   the hub, and nothing is delivered.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import type { StatusReport } from '@gitfleet/proto';
import { IsomorphicGitSource } from '../../../hub/src/git/git-source.ts';
import { AgentLinkServer } from '../../../hub/src/link/agent-link-server.ts';
import { Resolver } from '../../../hub/src/resolve/resolver.ts';
import { RedisHubStore } from '../../../hub/src/store/redis-store.ts';
import { testLogger } from '../agent/harness.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { writeSigningKey } from '../fleet/signing.ts';
import { waitFor } from '../fleet/wait.ts';

const GIT_TOKEN = 'git-token-for-the-hub-4567';
const AGENT_TOKEN = `agent-c1-${randomBytes(8).toString('hex')}`;

let fleet: TestFleet;
let cluster: KubeCluster;
let redis: Redis;
let store: RedisHubStore;
let server: AgentLinkServer;
let resolver: Resolver;
let dir = '';
let agent: RunningAgent | undefined;

const doc = (...lines: string[]): string =>
  ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');

/** argoproj/argocd-example-apps guestbook/guestbook-ui-deployment.yaml, as published. */
const GUESTBOOK_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook-ui
spec:
  replicas: 1
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app: guestbook-ui
  template:
    metadata:
      labels:
        app: guestbook-ui
    spec:
      containers:
      - image: gcr.io/heptio-images/ks-guestbook-demo:0.2
        name: guestbook-ui
        ports:
        - containerPort: 80
`;
/** argoproj/argocd-example-apps guestbook/guestbook-ui-svc.yaml, as published. */
const GUESTBOOK_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: guestbook-ui
spec:
  ports:
  - port: 80
    targetPort: 80
  selector:
    app: guestbook-ui
`;

const PROJECT = 'projects/team.yaml';
const PROJECT_TEAM = doc(
  'kind: Project',
  'metadata: { name: team }',
  'spec:',
  "  sourceRepos: ['**']",
  '  namespaces: [team-*]',
  '  targets: { selector: { matchLabels: {} } }',
);

function app(name: string, ...spec: string[]): string {
  return doc(
    'kind: Application',
    `metadata: { name: ${name} }`,
    'spec:',
    `  source: { path: apps/${name} }`,
    '  placement: { selector: { matchLabels: {} } }',
    ...spec.map((l) => `  ${l}`),
  );
}

const FILES: Record<string, string> = {
  'targets/c1.yaml': doc('kind: Target', 'metadata: { name: c1, labels: { env: prod } }'),
  [PROJECT]: PROJECT_TEAM,
  'guestbook.yaml': app(
    'guestbook',
    'destination: { namespace: guestbook }',
    'syncPolicy: { createNamespace: true }',
  ),
  'apps/guestbook/guestbook-ui-deployment.yaml': GUESTBOOK_DEPLOYMENT,
  'apps/guestbook/guestbook-ui-svc.yaml': GUESTBOOK_SERVICE,
  'settings.yaml': app('settings', 'destination: { namespace: not-there }'),
  'apps/settings/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { mode: "on" }\n',
  'outside.yaml': app('outside', 'project: team', 'destination: { namespace: guestbook }'),
  'apps/outside/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: outside }\ndata: { mode: "on" }\n',
};

async function live<T = Record<string, unknown>>(apiPath: string): Promise<T | undefined> {
  const r = await cluster.request<T>('GET', apiPath);
  return r.status === 200 ? r.body : undefined;
}

async function report(appName: string): Promise<StatusReport | undefined> {
  return (await store.listReports({ app: appName }))[0];
}

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: ['c1'], git: { auth: { token: GIT_TOKEN } } });
  const git = fleet.git;
  const c1 = fleet.kube?.clusters[0];
  if (git === undefined || fleet.redis === undefined || c1 === undefined)
    throw new Error('fleet incomplete');
  cluster = c1;
  await git.createRepo('fleet');
  await git.commit('fleet', { files: FILES, message: 'guestbook' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-ns-'));
  redis = new Redis(fleet.redis.url);
  const signing = await writeSigningKey(dir);
  store = new RedisHubStore({
    redis,
    prefix: `gf-${randomBytes(4).toString('hex')}:`,
    signingKey: signing.signing.key,
  });
  const logger = testLogger();
  server = new AgentLinkServer(
    { replica: 'hub-a', heartbeatIntervalMs: 1_000, resendAfterMs: 1_000 },
    {
      store,
      authenticate: (t) => (t === AGENT_TOKEN ? 'c1' : undefined),
      isDeclared: (t) => resolver.fleet?.targets.some((x) => x.name === t) === true,
      logger,
    },
  );
  resolver = new Resolver(
    { fleet: { url: git.repoUrl('fleet'), token: GIT_TOKEN, branch: 'main' } },
    {
      git: new IsomorphicGitSource({ cacheDir: path.join(dir, 'git-cache') }, { logger }),
      store,
      changed: async (target, appName) => {
        await server.deliver(target, appName);
      },
      logger,
    },
  );
  const port = await server.listen('127.0.0.1:0');
  const tokenFile = path.join(dir, 'c1.token');
  await writeFile(tokenFile, AGENT_TOKEN);
  const config = loadAgentConfig({
    argv: [
      '--target',
      'c1',
      '--hub',
      `127.0.0.1:${port}`,
      '--insecure-plaintext',
      '--token-file',
      tokenFile,
      '--kubeconfig',
      cluster.kubeconfigPath,
      '--hub-public-key-file',
      signing.publicKeyFile,
    ],
    env: {},
  });
  agent = await runAgent(config, logger);
  await resolver.trigger();
});

afterAll(async () => {
  await agent?.close();
  await server?.close();
  redis?.disconnect();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('destination namespaces', () => {
  it('creates the destination namespace, labelled, and puts objects without a namespace in it', async () => {
    expect(resolver.status.fleetAccepted).toBe(true);
    const synced = await waitFor(
      'guestbook Synced and Healthy',
      async () => {
        const r = await report('guestbook');
        return r?.syncState === 'Synced' && r.health.status === 'Healthy' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const ns = await live<{ metadata: { labels: Record<string, string> } }>(
      '/api/v1/namespaces/guestbook',
    );
    expect(ns?.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'gitfleet',
      'gitfleet.dev/created-for': 'guestbook',
    });
    // never the app's ownership label: prune and removal do not see it as the app's
    expect(ns?.metadata.labels['gitfleet.dev/app']).toBeUndefined();
    expect(await live('/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui')).toBeDefined();
    expect(await live('/api/v1/namespaces/guestbook/services/guestbook-ui')).toBeDefined();
    expect(await live('/apis/apps/v1/namespaces/default/deployments/guestbook-ui')).toBeUndefined();
    const byKind = Object.fromEntries(
      synced.objects.map((o) => [`${o.ref.kind}/${o.ref.namespace}/${o.ref.name}`, o.action]),
    );
    expect(byKind).toEqual({
      'Deployment/guestbook/guestbook-ui': 'created',
      'Service/guestbook/guestbook-ui': 'created',
      'Namespace//guestbook': 'created',
    });
  });

  it('without createNamespace, a missing destination namespace fails the app saying what to do', async () => {
    const failed = await waitFor(
      'settings Failed',
      async () => {
        const r = await report('settings');
        return r?.syncState === 'Failed' ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(failed.error?.code).toBe('NOT_FOUND');
    expect(failed.error?.message).toMatch(/namespace "not-there" .* does not exist on this target/);
    expect(failed.error?.message).toContain('spec.syncPolicy.createNamespace: true');
    expect(await live('/api/v1/namespaces/not-there')).toBeUndefined();
  });

  it('a destination namespace outside the project is a located SCOPE_VIOLATION; nothing is delivered', async () => {
    const problem = resolver.status.problems.find(
      (p) => p.stage === 'scope' && p.details?.['app'] === 'outside',
    );
    expect(problem).toMatchObject({
      code: 'SCOPE_VIOLATION',
      file: PROJECT,
      field: 'spec.namespaces',
      details: expect.objectContaining({
        target: 'c1',
        project: 'team',
        rule: 'namespaces',
      }) as object,
    });
    expect(problem?.line).toBe(
      PROJECT_TEAM.split('\n').findIndex((l) => l.includes('namespaces:')) + 1,
    );
    expect(problem?.message).toContain(
      'destination namespace "guestbook" (spec.destination.namespace) is not allowed by project "team"',
    );
    expect(await store.getDesired('c1', 'outside')).toBeUndefined();
  });

  it('removing the application deletes its objects and keeps the namespace', async () => {
    const git = fleet.git;
    if (git === undefined) throw new Error('no git');
    await git.commit('fleet', {
      files: {
        'guestbook.yaml': null,
        'apps/guestbook/guestbook-ui-deployment.yaml': null,
        'apps/guestbook/guestbook-ui-svc.yaml': null,
      },
      message: 'remove guestbook',
    });
    await resolver.trigger();
    await waitFor(
      'guestbook objects deleted',
      async () =>
        (await live('/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui')) === undefined &&
        (await live('/api/v1/namespaces/guestbook/services/guestbook-ui')) === undefined,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const ns = await live<{ status?: { phase?: string } }>('/api/v1/namespaces/guestbook');
    expect(ns?.status?.phase).toBe('Active');
  });
});
