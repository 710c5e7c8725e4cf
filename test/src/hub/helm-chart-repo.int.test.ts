/**
 * Helm dependencies from chart repositories end to end: a real chart repository on 127.0.0.1
 * (charts packaged and indexed by the real helm: ../fleet/chart-repo-server.ts), the real hub
 * (runHub: Git over HTTP, Redis, gRPC with mTLS) fetching the dependencies and rendering with the
 * real `helm template`, and real agents on three real clusters (dev-1, prod-1, prod-2).
 *
 * The application's chart (in Git) depends on `greeting` (`^0.2.0`) from a public repository and
 * on `settings` (alias `config`) from a private one that needs HTTP Basic credentials, given to the
 * hub with --repo-creds-file. Its project allows the Git repository and those two chart
 * repositories.
 *
 * - everything is Synced and Healthy on the three clusters with the values of each environment,
 *   rendered from the highest matching version, each archive fetched once for every target;
 * - a chart repository outside the project is refused (SCOPE_VIOLATION naming the project and the
 *   URL) before anything is fetched from it;
 * - a constraint no version meets is refused naming the constraint and the versions available;
 * - an archive whose sha256 is not the index's digest is refused;
 * - a new matching version in the repository is a new render on every target;
 * - the private repository's password is in no log line and no API answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { jsonLogger, silentLogger } from '@gitfleet/proto';
import { helmBinary } from '../deploy/render.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startChartRepo, type ChartRepoServer } from '../fleet/chart-repo-server.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { waitFor } from '../fleet/wait.ts';

const CLUSTERS = ['dev-1', 'prod-1', 'prod-2'] as const;
const APP_REPO = 'web/charts';
const USER = 'chart-robot';
const PASSWORD = `chart-pw-${randomBytes(8).toString('hex')}`;
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
/** The index is fetched again after this (a new version is seen within it). */
const INDEX_TTL = '1s';

let fleet: TestFleet;
let hub: RunningHub;
let charts: ChartRepoServer;
const agents: RunningAgent[] = [];
const clusters = new Map<string, KubeCluster>();
const logs: string[] = [];
let dir = '';
let api = '';
let appUrl = '';
let tokens: ApiTokens;

const lines = (...l: string[]): string => [...l, ''].join('\n');

/** A published chart: one ConfigMap `<release>-<cm>` with `text` and the chart's version. */
function published(name: string, version: string, cm: string): Record<string, string> {
  return {
    'Chart.yaml': lines('apiVersion: v2', `name: ${name}`, `version: ${version}`),
    'values.yaml': lines('text: default'),
    'templates/configmap.yaml': lines(
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      `  name: {{ .Release.Name }}-${cm}`,
      '  namespace: {{ .Release.Namespace }}',
      'data:',
      '  text: {{ .Values.text | quote }}',
      '  version: {{ .Chart.Version | quote }}',
    ),
  };
}

/** A chart in Git depending on `deps` (Chart.yaml lines), with one Deployment of its own. */
function chartInGit(dirName: string, ...deps: string[]): Record<string, string> {
  return {
    [`charts/${dirName}/Chart.yaml`]: lines(
      'apiVersion: v2',
      `name: ${dirName}`,
      'version: 0.1.0',
      'dependencies:',
      ...deps,
    ),
    [`charts/${dirName}/values.yaml`]: lines('env: none', 'replicas: 1'),
    [`charts/${dirName}/templates/deployment.yaml`]: lines(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}',
      '  namespace: {{ .Release.Namespace }}',
      '  labels: { env: {{ .Values.env | quote }} }',
      'spec:',
      '  replicas: {{ .Values.replicas }}',
      '  selector: { matchLabels: { app: {{ .Release.Name }} } }',
      '  template:',
      '    metadata: { labels: { app: {{ .Release.Name }} } }',
      '    spec: { containers: [{ name: web, image: "nginx:1.27" }] }',
    ),
  };
}

const doc = (...l: string[]): string => ['apiVersion: gitfleet.dev/v1alpha1', ...l, ''].join('\n');

function app(name: string, chartDir: string, envs: string, ...rest: string[]): string {
  return doc(
    'kind: Application',
    `metadata: { name: ${name} }`,
    'spec:',
    '  project: web',
    `  source: { repoURL: ${appUrl}, path: charts/${chartDir}, helm: { releaseName: ${name} } }`,
    `  placement: { selector: { matchExpressions: [{ key: env, operator: In, values: [${envs}] }] } }`,
    ...rest,
  );
}

function fleetFiles(): Record<string, string> {
  return {
    'targets.yaml': [
      doc('kind: Target', 'metadata: { name: dev-1, labels: { env: dev } }'),
      doc('kind: Target', 'metadata: { name: prod-1, labels: { env: prod } }'),
      doc('kind: Target', 'metadata: { name: prod-2, labels: { env: prod } }'),
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
    'projects/web.yaml': doc(
      'kind: Project',
      'metadata: { name: web }',
      'spec:',
      '  sourceRepos:',
      `    - ${appUrl}`,
      `    - ${charts.repoUrl('stable')}`,
      `    - ${charts.repoUrl('private')}`,
      `    - ${charts.repoUrl('tamper')}`,
      '  namespaces: [default]',
      '  targets: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }',
    ),
    'apps/web.yaml': app(
      'web',
      'web',
      'dev, prod',
      '  overlays:',
      '    - environment: dev',
      '      helm:',
      '        values: { env: "${environment.name}", greeting: { text: hi-dev }, config: { text: dev-settings } }',
      '    - environment: prod',
      '      helm:',
      '        values: { env: "${environment.name}", replicas: 2, greeting: { text: hi-prod } }',
    ),
  };
}

interface StatusRow {
  readonly target: string;
  readonly app: string;
  readonly desiredVersion: number;
  readonly sync: string;
  readonly health: string;
}
interface FleetBody {
  readonly problems: {
    stage: string;
    code: string;
    message: string;
    details?: Record<string, unknown>;
  }[];
  readonly failures: {
    app: string;
    target: string;
    code: string;
    message: string;
    file?: string;
    line?: number;
  }[];
}

async function getText(route: string): Promise<string> {
  const res = await fetch(`${api}${route}`, { headers: bearer(tokens.read) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${route}: ${String(res.status)} ${text}`);
  return text;
}

async function getJson<T>(route: string): Promise<T> {
  return JSON.parse(await getText(route)) as T;
}

async function rows(): Promise<StatusRow[]> {
  return (await getJson<{ items: StatusRow[] }>('/api/v1/status?limit=500')).items;
}

async function versions(appName: string): Promise<Map<string, number>> {
  return new Map(
    (await rows()).filter((r) => r.app === appName).map((r) => [r.target, r.desiredVersion]),
  );
}

async function pass(): Promise<FleetBody> {
  await hub.resolver.trigger();
  return getJson<FleetBody>('/api/v1/fleet');
}

async function configMap(
  target: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const c = clusters.get(target);
  if (c === undefined) throw new Error(`no cluster ${target}`);
  const r = await c.request<{ data: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/default/configmaps/${name}`,
  );
  return r.status === 200 ? r.body.data : undefined;
}

/** Requests the chart repository answered for `file` (a path below it). */
const requestsFor = (file: string): { status: number; authorized: boolean }[] =>
  charts.requests
    .filter((r) => r.path === `/${file}`)
    .map((r) => ({ status: r.status, authorized: r.authorized }));

/** The helm runs by outcome, from GET /metrics. */
async function helmRuns(): Promise<Record<string, number>> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^gitfleet_hub_source_renders_total\{type="helm",outcome="(\w+)"\} (\d+)/gm,
  )) {
    out[m[1] ?? ''] = Number(m[2]);
  }
  return out;
}

beforeAll(async () => {
  const helm = helmBinary();
  charts = await startChartRepo({
    helm,
    auth: { private: { username: USER, password: PASSWORD } },
  });
  for (const version of ['0.1.0', '0.2.0', '0.2.1', '1.0.0']) {
    await charts.publish('stable', published('greeting', version, 'greeting'));
  }
  await charts.publish('private', published('settings', '0.3.0', 'settings'));
  await charts.publish('other', published('elsewhere', '1.0.0', 'elsewhere'));
  await charts.publish('tamper', published('broken', '0.1.0', 'broken'));
  await charts.overwrite('tamper', 'broken-0.1.0.tgz', 'not the archive the index describes');

  fleet = await startFleet({ clusterNames: [...CLUSTERS] });
  const { git, redis, kube } = fleet;
  if (git === undefined || redis === undefined || kube === undefined) throw new Error('fleet');
  for (const c of kube.clusters) clusters.set(c.name, c);
  appUrl = await git.createRepo(APP_REPO);
  await git.commit(APP_REPO, {
    files: {
      ...chartInGit(
        'web',
        '  - name: greeting',
        '    version: ^0.2.0',
        `    repository: ${charts.repoUrl('stable')}`,
        '  - name: settings',
        '    alias: config',
        '    version: 0.3.x',
        `    repository: ${charts.repoUrl('private')}/`,
      ),
      ...chartInGit(
        'outside',
        '  - name: elsewhere',
        '    version: 1.0.0',
        `    repository: ${charts.repoUrl('other')}`,
      ),
      ...chartInGit(
        'nomatch',
        '  - name: greeting',
        '    version: ^9.0.0',
        `    repository: ${charts.repoUrl('stable')}`,
      ),
      ...chartInGit(
        'tampered',
        '  - name: broken',
        '    version: 0.1.0',
        `    repository: ${charts.repoUrl('tamper')}`,
      ),
    },
    message: 'charts',
  });
  const fleetUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: fleetFiles(), message: 'web app' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-chart-repo-'));
  tokens = await writeApiTokens(dir);
  await writeFile(path.join(dir, 'charts.pw'), `${PASSWORD}\n`, { mode: 0o600 });
  const credsFile = path.join(dir, 'repo-creds.yaml');
  await writeFile(
    credsFile,
    lines(
      `- urlPrefix: ${charts.repoUrl('private')}/`,
      `  username: ${USER}`,
      '  passwordFile: charts.pw',
    ),
  );
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
        ...['--helm-command', helm],
        ...['--repo-creds-file', credsFile],
        ...['--chart-repo-index-ttl', INDEX_TTL],
        ...['--log-level', 'debug'],
      ],
      env: {},
    }),
    jsonLogger((l) => logs.push(l), { level: 'debug' }),
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
}, 240_000);

afterAll(async () => {
  for (const a of agents) await a.close();
  await hub?.close();
  await fleet?.stop();
  await charts?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('helm dependencies from chart repositories', () => {
  it('are Synced and Healthy on three clusters, with the values of each environment', async () => {
    await waitFor(
      'web Synced and Healthy on dev-1, prod-1 and prod-2',
      async () => {
        const on = (await rows()).filter((r) => r.app === 'web');
        return on.length === 3 && on.every((r) => r.sync === 'Synced' && r.health === 'Healthy');
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    ).catch(async (err: unknown) => {
      throw new Error(
        `${String(err)}; status: ${JSON.stringify(await rows())}; fleet: ${await getText('/api/v1/fleet')}`,
      );
    });
    // ^0.2.0: the highest 0.x.y at or above 0.2.0, not 1.0.0
    expect(await configMap('dev-1', 'web-greeting')).toEqual({ text: 'hi-dev', version: '0.2.1' });
    expect(await configMap('prod-1', 'web-greeting')).toEqual({
      text: 'hi-prod',
      version: '0.2.1',
    });
    expect(await configMap('prod-2', 'web-greeting')).toEqual({
      text: 'hi-prod',
      version: '0.2.1',
    });
    // the private chart, under its alias
    expect(await configMap('dev-1', 'web-settings')).toEqual({
      text: 'dev-settings',
      version: '0.3.0',
    });
    expect(await configMap('prod-2', 'web-settings')).toEqual({
      text: 'default',
      version: '0.3.0',
    });
    const prod = await clusters
      .get('prod-2')
      ?.request<{ spec: { replicas: number }; metadata: { labels: Record<string, string> } }>(
        'GET',
        '/apis/apps/v1/namespaces/default/deployments/web',
      );
    expect(prod?.body.spec.replicas).toBe(2);
    expect(prod?.body.metadata.labels['env']).toBe('prod');
  }, 150_000);

  it('fetches each archive once and runs helm once per environment for every target; credentials only to the private repository', async () => {
    await hub.resolver.trigger();
    // dev and prod values: two runs for three targets, none in a later pass
    expect(await helmRuns()).toEqual({ ok: 2 });
    expect(requestsFor('stable/greeting-0.2.1.tgz')).toEqual([{ status: 200, authorized: false }]);
    // anonymous first; the credentials after the 401
    expect(requestsFor('private/settings-0.3.0.tgz')).toEqual([
      { status: 401, authorized: false },
      { status: 200, authorized: true },
    ]);
    expect(
      charts.requests.filter((r) => r.authorized).every((r) => r.path.startsWith('/private/')),
    ).toBe(true);
    expect(requestsFor('stable/greeting-1.0.0.tgz')).toEqual([]);
  });

  it('refuses a repository outside the project, a constraint nothing meets and a tampered archive', async () => {
    await fleet.git?.commit('fleet', {
      files: {
        'apps/outside.yaml': app('outside', 'outside', 'dev'),
        'apps/nomatch.yaml': app('nomatch', 'nomatch', 'dev'),
        'apps/tampered.yaml': app('tampered', 'tampered', 'dev'),
      },
      message: 'three apps that cannot render',
    });
    const body = await pass();
    const failure = (name: string) => body.failures.find((f) => f.app === name);

    expect(failure('outside')).toMatchObject({ target: 'dev-1', code: 'SCOPE_VIOLATION' });
    expect(failure('outside')?.message).toContain(
      `chart repository ${charts.repoUrl('other')} (dependency "elsewhere", charts/outside/Chart.yaml:5) is not allowed by project "web"`,
    );
    const scope = body.problems.find(
      (p) => p.stage === 'scope' && p.details?.['app'] === 'outside',
    );
    expect(scope).toMatchObject({
      code: 'SCOPE_VIOLATION',
      details: { project: 'web', rule: 'sourceRepos' },
    });
    expect(requestsFor('other/index.yaml')).toEqual([]);

    expect(failure('nomatch')).toMatchObject({
      target: 'dev-1',
      code: 'MANIFEST_INVALID',
      file: 'charts/nomatch/Chart.yaml',
      line: 5,
    });
    expect(failure('nomatch')?.message).toContain(
      'no version satisfies the constraint "^9.0.0" (versions available: 1.0.0, 0.2.1, 0.2.0, 0.1.0)',
    );

    expect(failure('tampered')).toMatchObject({
      target: 'dev-1',
      code: 'MANIFEST_INVALID',
      file: 'charts/tampered/Chart.yaml',
      line: 5,
    });
    expect(failure('tampered')?.message).toMatch(
      /dependency "broken" \(version "0\.1\.0"\) from chart repository http:\/\/127\.0\.0\.1:\d+\/tamper: version 0\.1\.0: the archive .*broken-0\.1\.0\.tgz has sha256 [0-9a-f]{64}, but the index says [0-9a-f]{64}/,
    );
    const delivered = (await rows()).map((r) => r.app);
    for (const name of ['outside', 'nomatch', 'tampered']) expect(delivered).not.toContain(name);
    // the others render on
    expect(body.failures.filter((f) => f.app === 'web')).toEqual([]);
  }, 60_000);

  it('renders a new matching version on every target once the repository lists it', async () => {
    const before = await versions('web');
    await charts.publish('stable', published('greeting', '0.2.2', 'greeting'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const body = await pass();
    expect(body.failures.filter((f) => f.app === 'web')).toEqual([]);
    const after = await versions('web');
    for (const target of CLUSTERS)
      expect(after.get(target)).toBeGreaterThan(before.get(target) ?? 0);
    await waitFor(
      'greeting 0.2.2 on prod-2',
      async () => (await configMap('prod-2', 'web-greeting'))?.['version'] === '0.2.2',
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(requestsFor('stable/greeting-0.2.2.tgz')).toEqual([{ status: 200, authorized: false }]);
  }, 60_000);

  it('keeps the private repository password out of every log line and API answer', async () => {
    const answers = await Promise.all(
      ['/api/v1/fleet', '/api/v1/status?limit=500'].map((r) => getText(r)),
    );
    expect(logs.some((l) => l.includes('chart archive fetched'))).toBe(true);
    for (const text of [...logs, ...answers]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(BASIC);
    }
  });
});
