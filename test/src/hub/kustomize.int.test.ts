/**
 * Kustomize applications end to end: the real hub (runHub: Git over HTTP, Redis, gRPC with mTLS)
 * rendering with the real `kubectl kustomize` (the test fleet's cached kubectl), and real agents
 * on two real clusters (dev-1, prod-1) plus ten prod targets without an agent.
 *
 * The application repository is shaped like argocd-example-apps' `kustomize-guestbook` and the
 * kustomize examples: `base/` (a Deployment and a Service) and `overlays/dev`, `overlays/prod`
 * (images, a patch file, a generated ConfigMap). The fleet deploys
 * - `gb-dev` / `gb-prod`: the third party's overlays, one per environment;
 * - `gb`: the base, with per-environment images from fleet overlays (`kustomize.images`, with a
 *   `${target.*}` variable), and a target overlay giving prod-2 options of its own.
 *
 * - everything is Synced and Healthy on both clusters, with what the overlays say;
 * - one kustomize run per distinct (app, options) for all targets, and none in a later pass;
 * - a commit changing only overlays/prod moves only the prod targets;
 * - a broken kustomization keeps the last good state, and the failure names the file;
 * - a remote base is refused at its file and line, and nothing of it is applied;
 * - an output over --render-max-output-bytes is refused, naming the limit.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { kubeBinaries } from '../fleet/paths.ts';
import { waitFor } from '../fleet/wait.ts';

const CLUSTERS = ['dev-1', 'prod-1'] as const;
const PROD_WITHOUT_AGENT = Array.from({ length: 10 }, (_, i) => `prod-${String(i + 2)}`);
const APP_REPO = 'web/guestbook';
const MAX_OUTPUT = 256 * 1024;

let fleet: TestFleet;
let hub: RunningHub;
const agents: RunningAgent[] = [];
const clusters = new Map<string, KubeCluster>();
let dir = '';
let api = '';
let appUrl = '';
let tokens: ApiTokens;

const K = (...lines: string[]): string =>
  ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', ...lines, ''].join('\n');

const BASE: Record<string, string> = {
  'kustomize-guestbook/base/kustomization.yaml': K(
    'namespace: default',
    'resources:',
    '  - guestbook-ui-deployment.yaml',
    '  - guestbook-ui-svc.yaml',
  ),
  'kustomize-guestbook/base/guestbook-ui-deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: guestbook-ui',
    'spec:',
    '  replicas: 1',
    '  revisionHistoryLimit: 3',
    '  selector:',
    '    matchLabels: { app: guestbook-ui }',
    '  template:',
    '    metadata:',
    '      labels: { app: guestbook-ui }',
    '    spec:',
    '      containers:',
    '        - name: guestbook-ui',
    '          image: gcr.io/heptio-images/ks-guestbook-demo:0.1',
    '          ports: [{ containerPort: 80 }]',
    '',
  ].join('\n'),
  'kustomize-guestbook/base/guestbook-ui-svc.yaml': [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: guestbook-ui',
    'spec:',
    '  ports: [{ port: 80, targetPort: 80 }]',
    '  selector: { app: guestbook-ui }',
    '',
  ].join('\n'),
  'kustomize-guestbook/overlays/dev/kustomization.yaml': K(
    'namePrefix: dev-',
    'resources: [../../base]',
    'commonLabels: { env: dev }',
  ),
};

function prodOverlay(tag: string, replicas: number): Record<string, string> {
  return {
    'kustomize-guestbook/overlays/prod/kustomization.yaml': K(
      'namespace: default',
      'namePrefix: prod-',
      'resources:',
      '  - ../../base',
      'images:',
      '  - name: gcr.io/heptio-images/ks-guestbook-demo',
      `    newTag: "${tag}"`,
      'patches:',
      '  - path: replicas.yaml',
      'configMapGenerator:',
      '  - name: guestbook-config',
      '    literals: [GREETING=hello]',
    ),
    'kustomize-guestbook/overlays/prod/replicas.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: guestbook-ui }',
      `spec: { replicas: ${String(replicas)} }`,
      '',
    ].join('\n'),
  };
}

const doc = (...lines: string[]): string =>
  ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');

function fleetFiles(appRepo: string): Record<string, string> {
  const target = (name: string, env: string): string =>
    doc('kind: Target', `metadata: { name: ${name}, labels: { env: ${env}, region: r-${name} } }`);
  const app = (name: string, path: string, env: string, extra: string[] = []): string =>
    doc(
      'kind: Application',
      `metadata: { name: ${name} }`,
      'spec:',
      `  source: { repoURL: ${appRepo}, path: ${path} }`,
      `  placement: { selector: { matchLabels: { env: ${env} } } }`,
      ...extra,
    );
  return {
    'targets.yaml': [
      target('dev-1', 'dev'),
      target('prod-1', 'prod'),
      ...PROD_WITHOUT_AGENT.map((t) => target(t, 'prod')),
    ].join('---\n'),
    'environments.yaml': ['dev', 'prod']
      .map((e) =>
        doc(
          'kind: Environment',
          `metadata: { name: ${e} }`,
          `spec: { selector: { matchLabels: { env: ${e} } } }`,
        ),
      )
      .join('---\n'),
    'apps/gb-dev.yaml': app('gb-dev', 'kustomize-guestbook/overlays/dev', 'dev'),
    'apps/gb-prod.yaml': app('gb-prod', 'kustomize-guestbook/overlays/prod', 'prod'),
    'apps/gb.yaml': doc(
      'kind: Application',
      'metadata: { name: gb }',
      'spec:',
      '  source:',
      `    repoURL: ${appRepo}`,
      '    path: kustomize-guestbook/base',
      '    kustomize:',
      '      namePrefix: fleet-',
      '      commonLabels: { app.kubernetes.io/part-of: guestbook }',
      '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }',
      '  overlays:',
      '    - environment: dev',
      '      kustomize:',
      '        images: ["gcr.io/heptio-images/ks-guestbook-demo=registry.example.com/guestbook:1.0-${environment.name}"]',
      '    - environment: prod',
      '      kustomize:',
      '        images: ["gcr.io/heptio-images/ks-guestbook-demo=registry.example.com/guestbook:2.0"]',
      '    - target: prod-2',
      '      kustomize:',
      '        commonAnnotations: { canary: "${target.name}" }',
    ),
  };
}

interface StatusRow {
  readonly target: string;
  readonly app: string;
  readonly desiredVersion: number;
  readonly sync: string;
  readonly health: string;
  readonly error?: { readonly code: string; readonly message: string };
}
interface FleetBody {
  readonly failures: {
    app: string;
    target: string;
    code: string;
    message: string;
    file?: string;
    line?: number;
    limit?: string;
  }[];
  readonly lastPassAtMs?: number;
}

async function getJson<T>(route: string): Promise<T> {
  const res = await fetch(`${api}${route}`, { headers: bearer(tokens.read) });
  if (!res.ok) throw new Error(`GET ${route}: ${String(res.status)} ${await res.text()}`);
  return (await res.json()) as T;
}

async function rows(): Promise<StatusRow[]> {
  return (await getJson<{ items: StatusRow[] }>('/api/v1/status?limit=500')).items;
}

/** `app@target` → desired version. */
async function versions(): Promise<Map<string, number>> {
  return new Map((await rows()).map((r) => [`${r.app}@${r.target}`, r.desiredVersion]));
}

/** The kustomize runs so far by outcome, from GET /metrics. */
async function renders(): Promise<Record<string, number>> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^gitfleet_hub_source_renders_total\{type="kustomize",outcome="(\w+)"\} (\d+)/gm,
  )) {
    out[m[1] ?? ''] = Number(m[2]);
  }
  return out;
}

async function deployment(
  target: string,
  name: string,
): Promise<{ image?: string; replicas?: number; labels?: Record<string, string> } | undefined> {
  const c = clusters.get(target);
  if (c === undefined) throw new Error(`no cluster ${target}`);
  const r = await c.request<{
    metadata: { labels?: Record<string, string> };
    spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
  }>('GET', `/apis/apps/v1/namespaces/default/deployments/${name}`);
  if (r.status !== 200) return undefined;
  return {
    image: r.body.spec.template.spec.containers[0]?.image,
    replicas: r.body.spec.replicas,
    ...(r.body.metadata.labels === undefined ? {} : { labels: r.body.metadata.labels }),
  };
}

async function pass(): Promise<FleetBody> {
  await hub.resolver.trigger();
  return getJson<FleetBody>('/api/v1/fleet');
}

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: [...CLUSTERS] });
  const { git, redis, kube } = fleet;
  if (git === undefined || redis === undefined || kube === undefined) throw new Error('fleet');
  for (const c of kube.clusters) clusters.set(c.name, c);
  appUrl = await git.createRepo(APP_REPO);
  await git.commit(APP_REPO, {
    files: { ...BASE, ...prodOverlay('0.2', 2) },
    message: 'guestbook',
  });
  const fleetUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: fleetFiles(appUrl), message: 'guestbook apps' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-kustomize-'));
  tokens = await writeApiTokens(dir);
  const pki = await createTestPki([...CLUSTERS], { dir: path.join(dir, 'pki') });
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', fleetUrl, '--redis-url', redis.url],
        ...['--redis-prefix', `gf-${randomBytes(4).toString('hex')}:`],
        ...pki.hubArgs(),
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '600000', '--heartbeat-interval-ms', '1000'],
        ...['--api-tokens-file', tokens.file],
        ...['--kubectl-command', kubeBinaries().kubectl],
        ...['--render-max-output-bytes', String(MAX_OUTPUT)],
      ],
      env: {},
    }),
    silentLogger,
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  for (const name of CLUSTERS) {
    const c = clusters.get(name);
    if (c === undefined) throw new Error(name);
    agents.push(
      await runAgent(
        loadAgentConfig({
          argv: [
            ...['--target', name, '--hub', `127.0.0.1:${String(hub.grpcPort)}`],
            ...pki.agentArgs(name),
            ...['--kubeconfig', c.kubeconfigPath],
          ],
          env: {},
        }),
        silentLogger,
      ),
    );
  }
}, 180_000);

afterAll(async () => {
  for (const a of agents) await a.close();
  await hub?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('kustomize applications', () => {
  it('are Synced and Healthy on both clusters, as the third-party and fleet overlays say', async () => {
    await waitFor(
      'gb-dev, gb-prod and gb Synced and Healthy on dev-1 and prod-1',
      async () => {
        const on = (await rows()).filter((r) => (CLUSTERS as readonly string[]).includes(r.target));
        return on.length === 4 && on.every((r) => r.sync === 'Synced' && r.health === 'Healthy');
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    ).catch(async (err: unknown) => {
      const on = (await rows()).filter((r) => (CLUSTERS as readonly string[]).includes(r.target));
      throw new Error(`${String(err)}; status: ${JSON.stringify(on)}`);
    });
    expect((await rows()).map((r) => `${r.app}@${r.target}`).sort()).toEqual(
      [
        'gb-dev@dev-1',
        'gb@dev-1',
        ...['prod-1', ...PROD_WITHOUT_AGENT].flatMap((t) => [`gb-prod@${t}`, `gb@${t}`]),
      ].sort(),
    );
    expect(await deployment('prod-1', 'prod-guestbook-ui')).toMatchObject({
      image: 'gcr.io/heptio-images/ks-guestbook-demo:0.2',
      replicas: 2,
    });
    expect(await deployment('dev-1', 'dev-guestbook-ui')).toMatchObject({
      image: 'gcr.io/heptio-images/ks-guestbook-demo:0.1',
      replicas: 1,
      labels: { env: 'dev' },
    });
    expect(await deployment('dev-1', 'fleet-guestbook-ui')).toMatchObject({
      image: 'registry.example.com/guestbook:1.0-dev',
      labels: { 'app.kubernetes.io/part-of': 'guestbook' },
    });
    expect(await deployment('prod-1', 'fleet-guestbook-ui')).toMatchObject({
      image: 'registry.example.com/guestbook:2.0',
    });
    const cm = await clusters
      .get('prod-1')
      ?.request<{ items: { metadata: { name: string } }[] }>(
        'GET',
        '/api/v1/namespaces/default/configmaps',
      );
    expect(cm?.body.items.map((i) => i.metadata.name)).toContainEqual(
      expect.stringMatching(/^prod-guestbook-config-[a-z0-9]{10}$/),
    );
  }, 120_000);

  it('costs one kustomize run per distinct (app, options) for all 12 targets, and none in a later pass', async () => {
    // gb-dev, gb-prod (11 targets, one run), gb for dev, gb for prod (10 targets), gb for prod-2
    expect(await renders()).toEqual({ ok: 5 });
    await pass();
    await pass();
    expect(await renders()).toEqual({ ok: 5 });
    const diff = await getJson<{ summary: { changed: number; added: number; removed: number } }>(
      '/api/v1/diff?app=gb&target=prod-2&revision=main',
    );
    expect(diff.summary).toMatchObject({ changed: 0, added: 0, removed: 0 });
  });

  it('a commit that changes only the prod overlay moves only the prod targets', async () => {
    const before = await versions();
    const runs = (await renders())['ok'] ?? 0;
    await fleet.git?.commit(APP_REPO, { files: prodOverlay('0.3', 3), message: 'prod: 0.3' });
    const body = await pass();
    expect(body.failures).toEqual([]);
    const after = await versions();
    for (const [key, version] of after) {
      const moved = key.startsWith('gb-prod@');
      expect(version, key).toBe((before.get(key) ?? 0) + (moved ? 1 : 0));
    }
    await waitFor(
      'prod-1 running 0.3 with 3 replicas',
      async () =>
        (await deployment('prod-1', 'prod-guestbook-ui'))?.image?.endsWith(':0.3') === true,
      { timeoutMs: 30_000 },
    );
    expect(await deployment('prod-1', 'prod-guestbook-ui')).toMatchObject({ replicas: 3 });
    // a new commit is a new key for each of the five distinct renders
    expect((await renders())['ok']).toBe(runs + 5);
  }, 60_000);

  it('a broken kustomization keeps the last good state; the failure names the file', async () => {
    const before = await versions();
    await fleet.git?.commit(APP_REPO, {
      files: {
        'kustomize-guestbook/overlays/prod/kustomization.yaml': K(
          'resources:',
          '  - ../../base',
          'patches:',
          '  - path: replicas-missing.yaml',
        ),
      },
      message: 'prod: broken',
    });
    const body = await pass();
    const failures = body.failures.filter((f) => f.app === 'gb-prod');
    expect(failures.map((f) => f.target).sort()).toEqual(['prod-1', ...PROD_WITHOUT_AGENT].sort());
    expect(failures[0]).toMatchObject({
      code: 'MANIFEST_INVALID',
      file: 'kustomize-guestbook/overlays/prod/kustomization.yaml',
    });
    expect(failures[0]?.message).toMatch(/kustomize failed: .*replicas-missing\.yaml/);
    expect(failures[0]?.message).not.toContain(os.tmpdir());
    // the same objects at a new commit are not a new version; gb-prod keeps its last good one
    expect(await versions()).toEqual(before);
    expect(await deployment('prod-1', 'prod-guestbook-ui')).toMatchObject({ replicas: 3 });
  }, 60_000);

  it('a remote base is refused at its file and line before running; nothing of it is applied', async () => {
    await fleet.git?.commit(APP_REPO, {
      files: {
        'remote/kustomization.yaml': K(
          'resources:',
          '  - https://github.com/argoproj/argocd-example-apps//kustomize-guestbook?ref=master',
        ),
      },
      message: 'a remote base',
    });
    await fleet.git?.commit('fleet', {
      files: {
        'apps/remote.yaml': doc(
          'kind: Application',
          'metadata: { name: remote }',
          'spec:',
          `  source: { repoURL: ${appUrl}, path: remote }`,
          '  placement: { selector: { matchLabels: { env: dev } } }',
        ),
      },
      message: 'remote app',
    });
    const runs = await renders();
    const body = await pass();
    expect(body.failures.find((f) => f.app === 'remote')).toMatchObject({
      target: 'dev-1',
      code: 'MANIFEST_INVALID',
      file: 'remote/kustomization.yaml',
      line: 4,
    });
    expect(body.failures.find((f) => f.app === 'remote')?.message).toMatch(
      /remote bases are not fetched by the render step/,
    );
    expect((await rows()).some((r) => r.app === 'remote')).toBe(false);
    expect((await renders())['refused']).toBe((runs['refused'] ?? 0) + 1);
  }, 60_000);

  it('an output over --render-max-output-bytes is refused, naming the limit', async () => {
    const chunk = `${'x'.repeat(99)}\n`.repeat(1500); // 150 KB per file, two files
    await fleet.git?.commit(APP_REPO, {
      files: {
        'big/kustomization.yaml': K(
          'configMapGenerator:',
          '  - name: big',
          '    files: [a.txt, b.txt]',
        ),
        'big/a.txt': chunk,
        'big/b.txt': chunk,
      },
      message: 'a big generated ConfigMap',
    });
    await fleet.git?.commit('fleet', {
      files: {
        'apps/big.yaml': doc(
          'kind: Application',
          'metadata: { name: big }',
          'spec:',
          `  source: { repoURL: ${appUrl}, path: big }`,
          '  placement: { selector: { matchLabels: { env: dev } } }',
        ),
      },
      message: 'big app',
    });
    const body = await pass();
    expect(body.failures.find((f) => f.app === 'big')).toMatchObject({
      target: 'dev-1',
      code: 'MANIFEST_INVALID',
      file: 'big/kustomization.yaml',
      limit: 'renderMaxOutputBytes',
    });
    expect((await rows()).some((r) => r.app === 'big')).toBe(false);
    expect((await renders())['too_large']).toBe(1);
  }, 60_000);
});
