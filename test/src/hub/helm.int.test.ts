/**
 * Helm applications end to end: the real hub (runHub: Git over HTTP, Redis, gRPC with mTLS)
 * rendering with the real `helm template` (helm v4 from the test cache), and real agents on two
 * real clusters (dev-1, prod-1) plus prod targets without an agent.
 *
 * The application repository holds a chart shaped like what `helm create` writes (a Deployment,
 * a Service and a ServiceAccount with _helpers.tpl and values.yaml) with a vendored subchart
 * under charts/. The fleet deploys it everywhere with values per environment from overlays.
 *
 * - everything is Synced and Healthy on both clusters, with the values of each environment;
 * - one helm run per distinct values digest for all targets, and none in a later pass;
 * - a template error keeps the last good state, and the failure names the template file;
 * - a dependency that is not vendored is refused at its Chart.yaml line before helm runs;
 * - a change in one environment's values file moves only that environment's targets.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { helmBinary } from '../deploy/render.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { waitFor } from '../fleet/wait.ts';

const CLUSTERS = ['dev-1', 'prod-1'] as const;
const PROD_WITHOUT_AGENT = ['prod-2', 'prod-3', 'prod-4'];
const APP_REPO = 'web/charts';

let fleet: TestFleet;
let hub: RunningHub;
const agents: RunningAgent[] = [];
const clusters = new Map<string, KubeCluster>();
let dir = '';
let api = '';
let appUrl = '';
let tokens: ApiTokens;

const lines = (...l: string[]): string => [...l, ''].join('\n');

const SERVICE = lines(
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: {{ include "web.fullname" . }}',
  '  namespace: {{ .Release.Namespace }}',
  '  labels:',
  '    {{- include "web.labels" . | nindent 4 }}',
  'spec:',
  '  type: {{ .Values.service.type }}',
  '  ports:',
  '    - port: {{ .Values.service.port }}',
  '      targetPort: http',
  '      protocol: TCP',
  '      name: http',
  '  selector:',
  '    {{- include "web.selectorLabels" . | nindent 4 }}',
);

const CHART: Record<string, string> = {
  'charts/web/Chart.yaml': lines(
    'apiVersion: v2',
    'name: web',
    'description: A Helm chart for Kubernetes',
    'type: application',
    'version: 0.1.0',
    'appVersion: "1.16.0"',
    'dependencies:',
    '  - name: greeting',
    '    version: 0.1.0',
    '    repository: https://charts.example.com',
  ),
  'charts/web/values.yaml': lines(
    'replicaCount: 1',
    'image:',
    '  repository: nginx',
    '  tag: ""',
    'serviceAccount:',
    '  create: true',
    '  name: ""',
    'service:',
    '  type: ClusterIP',
    '  port: 80',
    'env: none',
    'greeting:',
    '  text: hello',
  ),
  'charts/web/templates/_helpers.tpl': lines(
    '{{- define "web.name" -}}',
    '{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}',
    '{{- end }}',
    '{{- define "web.fullname" -}}',
    '{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}',
    '{{- end }}',
    '{{- define "web.chart" -}}',
    '{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}',
    '{{- end }}',
    '{{- define "web.selectorLabels" -}}',
    'app.kubernetes.io/name: {{ include "web.name" . }}',
    'app.kubernetes.io/instance: {{ .Release.Name }}',
    '{{- end }}',
    '{{- define "web.labels" -}}',
    'helm.sh/chart: {{ include "web.chart" . }}',
    '{{ include "web.selectorLabels" . }}',
    'app.kubernetes.io/managed-by: {{ .Release.Service }}',
    'env: {{ .Values.env | quote }}',
    '{{- end }}',
    '{{- define "web.serviceAccountName" -}}',
    '{{- if .Values.serviceAccount.create }}',
    '{{- default (include "web.fullname" .) .Values.serviceAccount.name }}',
    '{{- else }}',
    '{{- default "default" .Values.serviceAccount.name }}',
    '{{- end }}',
    '{{- end }}',
  ),
  'charts/web/templates/deployment.yaml': lines(
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ include "web.fullname" . }}',
    '  namespace: {{ .Release.Namespace }}',
    '  labels:',
    '    {{- include "web.labels" . | nindent 4 }}',
    'spec:',
    '  replicas: {{ .Values.replicaCount }}',
    '  selector:',
    '    matchLabels:',
    '      {{- include "web.selectorLabels" . | nindent 6 }}',
    '  template:',
    '    metadata:',
    '      labels:',
    '        {{- include "web.selectorLabels" . | nindent 8 }}',
    '    spec:',
    '      serviceAccountName: {{ include "web.serviceAccountName" . }}',
    '      containers:',
    '        - name: {{ .Chart.Name }}',
    '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
    '          ports:',
    '            - name: http',
    '              containerPort: 80',
  ),
  'charts/web/templates/service.yaml': SERVICE,
  'charts/web/templates/serviceaccount.yaml': lines(
    '{{- if .Values.serviceAccount.create -}}',
    'apiVersion: v1',
    'kind: ServiceAccount',
    'metadata:',
    '  name: {{ include "web.serviceAccountName" . }}',
    '  namespace: {{ .Release.Namespace }}',
    '  labels:',
    '    {{- include "web.labels" . | nindent 4 }}',
    '{{- end }}',
  ),
  'charts/web/values-shop.yaml': lines('serviceAccount:', '  name: shop-sa'),
  'env/common.yaml': lines('service:', '  port: 8080'),
  'charts/web/charts/greeting/Chart.yaml': lines(
    'apiVersion: v2',
    'name: greeting',
    'version: 0.1.0',
  ),
  'charts/web/charts/greeting/values.yaml': lines('text: hi'),
  'charts/web/charts/greeting/templates/configmap.yaml': lines(
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-greeting',
    '  namespace: {{ .Release.Namespace }}',
    'data:',
    '  text: {{ .Values.text | quote }}',
  ),
  'charts/needs-dep/Chart.yaml': lines(
    'apiVersion: v2',
    'name: needs-dep',
    'version: 0.1.0',
    'dependencies:',
    '  - name: redis',
    '    version: 19.0.0',
    '    repository: oci://registry-1.docker.io/bitnamicharts',
  ),
  'charts/needs-dep/templates/cm.yaml': lines(
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: { name: needs-dep }',
  ),
};

const doc = (...l: string[]): string => ['apiVersion: gitfleet.dev/v1alpha1', ...l, ''].join('\n');

function fleetFiles(appRepo: string): Record<string, string> {
  const target = (name: string, env: string): string =>
    doc('kind: Target', `metadata: { name: ${name}, labels: { env: ${env} } }`);
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
    'apps/web.yaml': doc(
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source:',
      `    repoURL: ${appRepo}`,
      '    path: charts/web',
      '    helm:',
      '      releaseName: shop',
      '      valueFiles: [values-shop.yaml, ../../env/common.yaml]',
      '      values: { image: { tag: "1.27" } }',
      '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }',
      '  overlays:',
      '    - environment: dev',
      '      helm:',
      '        values: { env: "${environment.name}", greeting: { text: hi-dev } }',
      '    - environment: prod',
      '      helm:',
      '        values: { env: "${environment.name}", replicaCount: 2 }',
      '        parameters: [{ name: image.tag, value: "1.28" }]',
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
  readonly failures: {
    app: string;
    target: string;
    code: string;
    message: string;
    file?: string;
    line?: number;
  }[];
}

async function getJson<T>(route: string): Promise<T> {
  const res = await fetch(`${api}${route}`, { headers: bearer(tokens.read) });
  if (!res.ok) throw new Error(`GET ${route}: ${String(res.status)} ${await res.text()}`);
  return (await res.json()) as T;
}

async function rows(): Promise<StatusRow[]> {
  return (await getJson<{ items: StatusRow[] }>('/api/v1/status?limit=500')).items;
}

async function versions(): Promise<Map<string, number>> {
  return new Map((await rows()).map((r) => [`${r.app}@${r.target}`, r.desiredVersion]));
}

/** The helm runs so far by outcome, from GET /metrics. */
async function renders(): Promise<Record<string, number>> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^gitfleet_hub_source_renders_total\{type="helm",outcome="(\w+)"\} (\d+)/gm,
  )) {
    out[m[1] ?? ''] = Number(m[2]);
  }
  return out;
}

async function get<T>(target: string, route: string): Promise<T | undefined> {
  const c = clusters.get(target);
  if (c === undefined) throw new Error(`no cluster ${target}`);
  const r = await c.request<T>('GET', route);
  return r.status === 200 ? r.body : undefined;
}

interface Deployment {
  metadata: { labels?: Record<string, string> };
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
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
  await git.commit(APP_REPO, { files: CHART, message: 'web chart' });
  const fleetUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: fleetFiles(appUrl), message: 'web app' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-helm-'));
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
        ...['--helm-command', helmBinary()],
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

describe('helm applications', () => {
  it('are Synced and Healthy on both clusters, with the values of each environment', async () => {
    await waitFor(
      'web Synced and Healthy on dev-1 and prod-1',
      async () => {
        const on = (await rows()).filter((r) => (CLUSTERS as readonly string[]).includes(r.target));
        return on.length === 2 && on.every((r) => r.sync === 'Synced' && r.health === 'Healthy');
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    ).catch(async (err: unknown) => {
      const body = await getJson<FleetBody>('/api/v1/fleet');
      throw new Error(
        `${String(err)}; status: ${JSON.stringify(await rows())}; failures: ${JSON.stringify(body.failures)}`,
      );
    });
    const dev = await get<Deployment>(
      'dev-1',
      '/apis/apps/v1/namespaces/default/deployments/shop-web',
    );
    expect(dev?.spec.replicas).toBe(1);
    expect(dev?.spec.template.spec.containers[0]?.image).toBe('nginx:1.27');
    expect(dev?.metadata.labels).toMatchObject({
      env: 'dev',
      'app.kubernetes.io/instance': 'shop',
    });
    const prod = await get<Deployment>(
      'prod-1',
      '/apis/apps/v1/namespaces/default/deployments/shop-web',
    );
    expect(prod?.spec.replicas).toBe(2);
    expect(prod?.spec.template.spec.containers[0]?.image).toBe('nginx:1.28');
    expect(prod?.metadata.labels).toMatchObject({ env: 'prod' });
    // value files: one in the chart directory, one elsewhere in the repository
    const svc = await get<{ spec: { ports: { port: number }[] } }>(
      'prod-1',
      '/api/v1/namespaces/default/services/shop-web',
    );
    expect(svc?.spec.ports[0]?.port).toBe(8080);
    expect(await get('prod-1', '/api/v1/namespaces/default/serviceaccounts/shop-sa')).toBeDefined();
    const cm = await get<{ data: { text: string } }>(
      'dev-1',
      '/api/v1/namespaces/default/configmaps/shop-greeting',
    );
    expect(cm?.data.text).toBe('hi-dev');
  }, 120_000);

  it('costs one helm run per distinct values digest for all targets, and none in a later pass', async () => {
    // dev (1 target) and prod (4 targets, identical values)
    expect(await renders()).toEqual({ ok: 2 });
    await pass();
    await pass();
    expect(await renders()).toEqual({ ok: 2 });
  });

  it('a template error keeps the last good state; the failure names the template file', async () => {
    const before = await versions();
    await fleet.git?.commit(APP_REPO, {
      files: {
        'charts/web/templates/service.yaml': SERVICE.replace(
          '{{ .Values.service.type }}',
          '{{ .Values.service.type | nosuchfunction }}',
        ),
      },
      message: 'web: broken service',
    });
    const body = await pass();
    const failures = body.failures.filter((f) => f.app === 'web');
    expect(failures.map((f) => f.target).sort()).toEqual(
      ['dev-1', 'prod-1', ...PROD_WITHOUT_AGENT].sort(),
    );
    expect(failures[0]).toMatchObject({
      code: 'MANIFEST_INVALID',
      file: 'charts/web/templates/service.yaml',
    });
    expect(failures[0]?.message).toMatch(/helm template failed: .*nosuchfunction/);
    expect(failures[0]?.message).not.toContain(os.tmpdir());
    expect(await versions()).toEqual(before);
    const prod = await get<Deployment>(
      'prod-1',
      '/apis/apps/v1/namespaces/default/deployments/shop-web',
    );
    expect(prod?.spec.replicas).toBe(2);
  }, 60_000);

  it('a dependency that is not vendored is refused at its Chart.yaml line before helm runs', async () => {
    await fleet.git?.commit('fleet', {
      files: {
        'apps/needs.yaml': doc(
          'kind: Application',
          'metadata: { name: needs }',
          'spec:',
          `  source: { repoURL: ${appUrl}, path: charts/needs-dep, helm: {} }`,
          '  placement: { selector: { matchLabels: { env: dev } } }',
        ),
      },
      message: 'needs app',
    });
    const runs = await renders();
    const body = await pass();
    expect(body.failures.find((f) => f.app === 'needs')).toMatchObject({
      target: 'dev-1',
      code: 'MANIFEST_INVALID',
      file: 'charts/needs-dep/Chart.yaml',
      line: 7,
    });
    expect(body.failures.find((f) => f.app === 'needs')?.message).toMatch(
      /"redis" is not vendored.*helm dependency build/,
    );
    expect((await rows()).some((r) => r.app === 'needs')).toBe(false);
    expect((await renders())['refused']).toBe((runs['refused'] ?? 0) + 1);
    expect((await renders())['ok']).toBe(runs['ok']);
  }, 60_000);

  it("a change in one environment's values file moves only the targets of that environment", async () => {
    // value files named by environment: values-dev.yaml for dev, values-prod.yaml for prod
    await fleet.git?.commit(APP_REPO, {
      files: {
        'charts/web/templates/service.yaml': SERVICE,
        'charts/web/values-dev.yaml': lines('service:', '  port: 8080'),
        'charts/web/values-prod.yaml': lines('service:', '  port: 8080'),
      },
      message: 'web: value files per environment',
    });
    await fleet.git?.commit('fleet', {
      files: {
        'apps/web.yaml':
          fleetFiles(appUrl)['apps/web.yaml']?.replace(
            'valueFiles: [values-shop.yaml, ../../env/common.yaml]',
            'valueFiles: [values-shop.yaml, ../../env/common.yaml, "values-${environment.name}.yaml"]',
          ) ?? '',
      },
      message: 'web: a value file per environment',
    });
    const first = await pass();
    expect(first.failures.filter((f) => f.app === 'web')).toEqual([]);
    const before = await versions();
    const runs = await renders();

    await fleet.git?.commit(APP_REPO, {
      files: { 'charts/web/values-prod.yaml': lines('service:', '  port: 9090') },
      message: 'web: prod listens on 9090',
    });
    const body = await pass();
    expect(body.failures.filter((f) => f.app === 'web')).toEqual([]);
    const after = await versions();
    const moved = [...after]
      .filter(([pair, v]) => pair.startsWith('web@') && v !== before.get(pair))
      .map(([pair]) => pair.slice('web@'.length))
      .sort();
    expect(moved).toEqual(['prod-1', ...PROD_WITHOUT_AGENT].sort());
    expect(after.get('web@dev-1')).toBe(before.get('web@dev-1'));
    // a new commit renders each distinct values digest again: dev and prod, once each
    expect((await renders())['ok']).toBe((runs['ok'] ?? 0) + 2);
    await waitFor(
      'prod-1 serves on 9090',
      async () =>
        (
          await get<{ spec: { ports: { port: number }[] } }>(
            'prod-1',
            '/api/v1/namespaces/default/services/shop-web',
          )
        )?.spec.ports[0]?.port === 9090,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const dev = await get<{ spec: { ports: { port: number }[] } }>(
      'dev-1',
      '/api/v1/namespaces/default/services/shop-web',
    );
    expect(dev?.spec.ports[0]?.port).toBe(8080);
  }, 90_000);
});
