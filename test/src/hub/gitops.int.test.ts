/**
 * Git to clusters, end to end with real components: a fleet repository on a real Git server over
 * HTTP (token auth), the hub's resolver (isomorphic-git), the Redis store, the AgentLink server,
 * and three real agents on three real clusters. A commit reaches every cluster; pinning one
 * environment to an older commit moves only that environment; an invalid fleet change keeps the
 * last good fleet in force and says why.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { IsomorphicGitSource } from '../../../hub/src/git/git-source.ts';
import { AgentLinkServer } from '../../../hub/src/link/agent-link-server.ts';
import { Resolver } from '../../../hub/src/resolve/resolver.ts';
import { RedisHubStore } from '../../../hub/src/store/redis-store.ts';
import { testLogger } from '../agent/harness.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { writeSigningKey } from '../fleet/signing.ts';
import { waitFor } from '../fleet/wait.ts';

const TARGETS = ['dev', 'staging', 'prod'] as const;
const GIT_TOKEN = 'git-token-for-the-hub-0123';
const tokens: Record<string, string> = Object.fromEntries(
  TARGETS.map((t) => [t, `agent-${t}-${randomBytes(8).toString('hex')}`]),
);

let fleet: TestFleet;
let redis: Redis;
let store: RedisHubStore;
let server: AgentLinkServer;
let resolver: Resolver;
let dir: string;
const agents: RunningAgent[] = [];

function fleetFiles(pins: { staging?: string } = {}): Record<string, string | null> {
  const env = (name: string, pin?: string): string =>
    [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Environment',
      `metadata: { name: ${name} }`,
      'spec:',
      `  selector: { matchLabels: { env: ${name} } }`,
      ...(pin === undefined ? [] : ['  pins:', `    web: ${pin}`]),
      '',
    ].join('\n');
  const files: Record<string, string | null> = {
    'environments.yaml': [env('dev'), env('staging', pins.staging), env('prod')].join('---\n'),
    'app.yaml': [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web }',
      '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }',
      '  overlays:',
      '    - environment: prod',
      '      patches:',
      '        - target: { kind: ConfigMap, name: web }',
      '          merge: { data: { tier: gold } }',
      '',
    ].join('\n'),
  };
  for (const t of TARGETS) {
    files[`targets/${t}.yaml`] =
      `apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: ${t}, labels: { env: ${t}, region: local } }\n`;
  }
  return files;
}

function appFiles(message: string): Record<string, string> {
  return {
    'apps/web/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: web }\n',
    'apps/web/configmap.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: web, namespace: web }',
      'data:',
      `  message: "${message}"`,
      '  target: "${target.name}"',
      '',
    ].join('\n'),
  };
}

async function liveConfigMap(c: KubeCluster): Promise<Record<string, string> | undefined> {
  const r = await c.request<{ data: Record<string, string> }>(
    'GET',
    '/api/v1/namespaces/web/configmaps/web',
  );
  return r.status === 200 ? r.body.data : undefined;
}

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: [...TARGETS], git: { auth: { token: GIT_TOKEN } } });
  const git = fleet.git;
  if (git === undefined || fleet.redis === undefined || fleet.kube === undefined)
    throw new Error('fleet incomplete');
  await git.createRepo('fleet');
  await git.commit('fleet', { files: { ...fleetFiles(), ...appFiles('v1') }, message: 'v1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-hub-'));
  redis = new Redis(fleet.redis.url);
  // desired state signed by the hub, verified by every agent
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
      authenticate: (t) => Object.entries(tokens).find(([, v]) => v === t)?.[0],
      isDeclared: (t) => resolver.fleet?.targets.some((x) => x.name === t) === true,
      logger,
    },
  );
  resolver = new Resolver(
    { fleet: { url: git.repoUrl('fleet'), token: GIT_TOKEN, branch: 'main' } },
    {
      git: new IsomorphicGitSource({ cacheDir: path.join(dir, 'git-cache') }, { logger }),
      store,
      changed: async (target, app) => {
        await server.deliver(target, app);
      },
      logger,
    },
  );
  const port = await server.listen('127.0.0.1:0');
  for (const c of fleet.kube.clusters) {
    const tokenFile = path.join(dir, `${c.name}.token`);
    await writeFile(tokenFile, tokens[c.name] ?? '');
    const config = loadAgentConfig({
      argv: [
        '--target',
        c.name,
        '--hub',
        `127.0.0.1:${port}`,
        // this server is plaintext on loopback and knows agents by static tokens
        '--insecure-plaintext',
        '--token-file',
        tokenFile,
        '--kubeconfig',
        c.kubeconfigPath,
        '--hub-public-key-file',
        signing.publicKeyFile,
      ],
      env: {},
    });
    agents.push(await runAgent(config, logger));
  }
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  await server?.close();
  redis?.disconnect();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('Git → hub → agents', () => {
  let v1 = '';

  it('a commit reaches all 3 clusters, with per-environment overlays and substitution', async () => {
    await resolver.trigger();
    expect(resolver.status.fleetAccepted).toBe(true);
    v1 = resolver.status.fleetCommit ?? '';
    for (const c of fleet.kube?.clusters ?? []) {
      const data = await waitFor(
        `${c.name} has web v1`,
        async () => {
          const d = await liveConfigMap(c);
          return d?.['message'] === 'v1' ? d : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(data['target']).toBe(c.name);
      expect(data['tier']).toBe(c.name === 'prod' ? 'gold' : undefined);
    }
    await waitFor(
      'reports in the store',
      async () =>
        (await store.listReports({ app: 'web' })).filter(
          (r) => r.syncState === 'Synced' && r.revision === v1,
        ).length === 3,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  });

  it('pinning staging to the old commit moves only staging', async () => {
    const git = fleet.git;
    if (git === undefined) throw new Error('no git');
    await git.commit('fleet', {
      files: { ...fleetFiles({ staging: v1 }), ...appFiles('v2') },
      message: 'v2, staging pinned to v1',
    });
    await resolver.trigger();
    const [dev, staging, prod] = fleet.kube?.clusters ?? [];
    if (dev === undefined || staging === undefined || prod === undefined)
      throw new Error('clusters');
    await waitFor(
      'dev and prod on v2',
      async () =>
        (await liveConfigMap(dev))?.['message'] === 'v2' &&
        (await liveConfigMap(prod))?.['message'] === 'v2',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect((await liveConfigMap(staging))?.['message']).toBe('v1');
    expect((await store.getDesired('staging', 'web'))?.assignment.revision).toBe(v1);
  });

  it('an invalid fleet change is rejected with file and line, and the last good fleet stays in force', async () => {
    const git = fleet.git;
    if (git === undefined) throw new Error('no git');
    const before = resolver.fleet;
    await git.commit('fleet', {
      files: {
        'app.yaml':
          'apiVersion: gitfleet.dev/v1alpha1\nkind: Application\nmetadata: { name: web }\nspec:\n  sourc: { path: apps/web }\n',
      },
      message: 'typo',
    });
    await resolver.trigger();
    expect(resolver.status.fleetAccepted).toBe(false);
    const problem = resolver.status.fleetProblems.find((p) => p.field === 'spec.sourc');
    expect(problem).toMatchObject({ file: 'app.yaml', line: 5, severity: 'error' });
    expect(problem?.message).toMatch(/unknown field/);
    expect(resolver.fleet).toBe(before);
    // nothing was removed from any cluster
    for (const c of fleet.kube?.clusters ?? []) expect(await liveConfigMap(c)).toBeDefined();
  });
});
