/**
 * `gitfleet render` as an operator runs it — the real `hub/bin/gitfleet` binary as a child
 * process — against a Git server over HTTP with token auth (the fleet repository by
 * --fleet-token-file, the application repository by --repo-creds-file), with the real kubectl
 * (kustomize) and helm, compared with what a real hub (runHub: the same repositories, Redis)
 * stores for the same targets. No cluster: targets without an agent are resolved all the same.
 *
 * The fleet has two targets, dev-1 (environment dev) and prod-1 (prod), and three applications
 * on both: `plain` (YAML in the fleet repository, `${target.name}` in it; prod pinned to the
 * first fleet commit), `kz` (a kustomize base with per-environment images from fleet overlays)
 * and `chart` (a `helm create`-shaped chart with per-environment values from fleet overlays).
 *
 * - every (application, target) prints the objects the hub stores for it, as JSON and as YAML;
 * - --revision renders an older commit: what the hub stored before that commit moved on;
 * - unknown application, target or revision: exit 4 naming it; a broken chart: exit 1 naming
 *   the template file.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger, type KubeObject } from '@gitfleet/proto';
import { RedisHubStore } from '../../../hub/src/store/redis-store.ts';
import { helmBinary } from '../deploy/render.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { kubeBinaries, REPO_ROOT } from '../fleet/paths.ts';

const GITFLEET = path.join(REPO_ROOT, 'hub/bin/gitfleet');
const SUPERVISE = path.join(REPO_ROOT, 'scripts/lib/supervise');
const FLEET_TOKEN = `fleet-${randomBytes(12).toString('hex')}`;
const APP_TOKEN = `app-${randomBytes(12).toString('hex')}`;
const APP_REPO = 'team/web';
const TARGETS = ['dev-1', 'prod-1'] as const;
const APPS = ['plain', 'kz', 'chart'] as const;

let fleet: TestFleet;
let hub: RunningHub | undefined;
let redis: Redis | undefined;
let store: RedisHubStore;
let dir = '';
let fleetUrl = '';
let appUrl = '';
let tokenFile = '';
let credsFile = '';
let firstAppCommit = '';
/** What the hub stored after the first pass, and after the second, by `app@target`. */
const storedBefore = new Map<string, readonly KubeObject[]>();
const storedAfter = new Map<string, readonly KubeObject[]>();

const lines = (...l: string[]): string => [...l, ''].join('\n');
const doc = (...l: string[]): string => lines('apiVersion: gitfleet.dev/v1alpha1', ...l);

function appFiles(replicas: number): Record<string, string> {
  return {
    'kz/base/kustomization.yaml': lines(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namespace: web',
      'resources: [deployment.yaml, service.yaml]',
    ),
    'kz/base/deployment.yaml': lines(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: guestbook }',
      'spec:',
      `  replicas: ${String(replicas)}`,
      '  selector: { matchLabels: { app: guestbook } }',
      '  template:',
      '    metadata: { labels: { app: guestbook } }',
      '    spec:',
      '      containers:',
      '        - name: guestbook',
      '          image: registry.example.com/guestbook:0.1',
    ),
    'kz/base/service.yaml': lines(
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: guestbook }',
      'spec: { selector: { app: guestbook }, ports: [{ port: 80 }] }',
    ),
    'charts/web/Chart.yaml': lines(
      'apiVersion: v2',
      'name: web',
      'type: application',
      'version: 0.1.0',
      'appVersion: "1.16.0"',
    ),
    'charts/web/values.yaml': lines(
      `replicaCount: ${String(replicas)}`,
      'image: { repository: nginx, tag: "" }',
      `service: { type: ClusterIP, port: ${String(8079 + replicas)} }`,
      'env: none',
    ),
    'charts/web/templates/_helpers.tpl': lines(
      '{{- define "web.fullname" -}}',
      '{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}',
      '{{- end }}',
      '{{- define "web.labels" -}}',
      'app.kubernetes.io/name: {{ .Chart.Name }}',
      'app.kubernetes.io/instance: {{ .Release.Name }}',
      'env: {{ .Values.env | quote }}',
      '{{- end }}',
    ),
    'charts/web/templates/deployment.yaml': lines(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ include "web.fullname" . }}',
      '  labels:',
      '    {{- include "web.labels" . | nindent 4 }}',
      'spec:',
      '  replicas: {{ .Values.replicaCount }}',
      '  selector:',
      '    matchLabels: { app.kubernetes.io/instance: {{ .Release.Name }} }',
      '  template:',
      '    metadata:',
      '      labels: { app.kubernetes.io/instance: {{ .Release.Name }} }',
      '    spec:',
      '      containers:',
      '        - name: {{ .Chart.Name }}',
      '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
    ),
    'charts/web/templates/service.yaml': SERVICE,
  };
}

const SERVICE = lines(
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: {{ include "web.fullname" . }}',
  '  labels:',
  '    {{- include "web.labels" . | nindent 4 }}',
  'spec:',
  '  type: {{ .Values.service.type }}',
  '  ports: [{ port: {{ .Values.service.port }} }]',
);

function fleetFiles(plainMessage: string, prodPin?: string): Record<string, string> {
  const target = (name: string, env: string): string =>
    doc('kind: Target', `metadata: { name: ${name}, labels: { env: ${env} } }`);
  const env = (name: string, extra: string[] = []): string =>
    doc(
      'kind: Environment',
      `metadata: { name: ${name} }`,
      'spec:',
      `  selector: { matchLabels: { env: ${name} } }`,
      ...extra,
    );
  const everywhere =
    '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }';
  return {
    'targets.yaml': [target('dev-1', 'dev'), target('prod-1', 'prod')].join('---\n'),
    'environments.yaml': [
      env('dev'),
      env('prod', prodPin === undefined ? [] : [`  pins: { plain: ${prodPin} }`]),
    ].join('---\n'),
    'apps/plain.yaml': doc(
      'kind: Application',
      'metadata: { name: plain }',
      'spec:',
      '  source: { path: apps/plain/manifests }',
      everywhere,
    ),
    'apps/plain/manifests/configmap.yaml': lines(
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: plain, namespace: web }',
      'data:',
      `  message: "${plainMessage}"`,
      '  target: "${target.name}"',
    ),
    'apps/kz.yaml': doc(
      'kind: Application',
      'metadata: { name: kz }',
      'spec:',
      `  source: { repoURL: ${appUrl}, path: kz/base }`,
      everywhere,
      '  overlays:',
      '    - environment: dev',
      '      kustomize:',
      '        images: ["registry.example.com/guestbook=registry.example.com/guestbook:1.0-${environment.name}"]',
      '    - environment: prod',
      '      kustomize:',
      '        images: ["registry.example.com/guestbook=registry.example.com/guestbook:2.0"]',
    ),
    'apps/chart.yaml': doc(
      'kind: Application',
      'metadata: { name: chart }',
      'spec:',
      '  source:',
      `    repoURL: ${appUrl}`,
      '    path: charts/web',
      '    helm: { releaseName: shop, namespace: web }',
      everywhere,
      '  overlays:',
      '    - environment: dev',
      '      helm:',
      '        values: { env: "${environment.name}" }',
      '    - environment: prod',
      '      helm:',
      '        values: { env: "${environment.name}", replicaCount: 3 }',
      '        parameters: [{ name: image.tag, value: "1.28" }]',
    ),
  };
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `hub/bin/gitfleet render ARGS` (supervised: it dies with this process, which holds its stdin open) and
 * collects its output.
 */
function gitfleet(args: readonly string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(SUPERVISE, [GITFLEET, 'render', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // nothing asks a hub: the fleet repository is given
        GITFLEET_HUB_URL: 'http://127.0.0.1:1',
        GITFLEET_FLEET_REPO: fleetUrl,
        GITFLEET_FLEET_TOKEN_FILE: tokenFile,
        GITFLEET_FLEET_BRANCH: undefined,
        GITFLEET_REPO_CREDS_FILE: credsFile,
        GITFLEET_KUBECTL_COMMAND: kubeBinaries().kubectl,
        GITFLEET_HELM_COMMAND: helmBinary(),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(args: readonly string[]): Promise<Result> {
  const r = await gitfleet(args);
  expect(
    r.code,
    `gitfleet render ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  ).toBe(0);
  return r;
}

async function renderJson(args: readonly string[]): Promise<KubeObject[]> {
  return JSON.parse((await ok([...args, '-o', 'json'])).stdout) as KubeObject[];
}

/** Resolves once and reads what the hub stores for every (application, target). */
async function snapshot(into: Map<string, readonly KubeObject[]>): Promise<void> {
  if (hub === undefined) throw new Error('no hub');
  await hub.resolver.trigger();
  const failures = hub.resolver.status.failures;
  if (failures.length > 0)
    throw new Error(`the hub failed to resolve: ${JSON.stringify(failures)}`);
  for (const app of APPS) {
    for (const target of TARGETS) {
      const desired = await store.getDesired(target, app);
      if (desired === undefined) throw new Error(`the hub stores nothing for ${app}@${target}`);
      into.set(`${app}@${target}`, desired.assignment.objects);
    }
  }
}

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: [] });
  const { git } = fleet;
  if (git === undefined || fleet.redis === undefined) throw new Error('fleet incomplete');
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-render-'));
  tokenFile = path.join(dir, 'fleet.token');
  await writeFile(tokenFile, FLEET_TOKEN, { mode: 0o600 });
  await writeFile(path.join(dir, 'app.token'), APP_TOKEN, { mode: 0o600 });
  credsFile = path.join(dir, 'repo-creds.yaml');
  await writeFile(credsFile, lines(`- urlPrefix: ${git.url}/team/`, '  tokenFile: app.token'));
  fleetUrl = await git.createRepo('ops/fleet', { auth: { token: FLEET_TOKEN } });
  appUrl = await git.createRepo(APP_REPO, { auth: { token: APP_TOKEN } });
  firstAppCommit = await git.commit(APP_REPO, { files: appFiles(1), message: 'web v1' });
  const firstFleetCommit = await git.commit('ops/fleet', {
    files: fleetFiles('v1'),
    message: 'fleet v1',
  });
  const prefix = `gf-${randomBytes(4).toString('hex')}:`;
  redis = new Redis(fleet.redis.url);
  store = new RedisHubStore({ redis, prefix });
  const pki = await createTestPki([], { dir: path.join(dir, 'pki') });
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', fleetUrl, '--fleet-token-file', tokenFile],
        ...['--repo-creds-file', credsFile],
        ...['--redis-url', fleet.redis.url, '--redis-prefix', prefix],
        ...pki.hubArgs(),
        ...['--cache-dir', path.join(dir, 'hub-git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '600000'],
        ...['--kubectl-command', kubeBinaries().kubectl, '--helm-command', helmBinary()],
      ],
      env: {},
    }),
    silentLogger,
  );
  await snapshot(storedBefore);
  // the application moves on; prod pins `plain` to the first fleet commit
  await git.commit(APP_REPO, { files: appFiles(2), message: 'web v2' });
  await git.commit('ops/fleet', {
    files: fleetFiles('v2', firstFleetCommit),
    message: 'fleet v2',
  });
  await snapshot(storedAfter);
  // a branch whose chart does not render
  await git.commit(APP_REPO, {
    branch: 'broken',
    files: {
      ...appFiles(2),
      'charts/web/templates/service.yaml': SERVICE.replace(
        '{{ .Values.service.type }}',
        '{{ .Values.service.type | nosuchfunction }}',
      ),
    },
    message: 'web: broken service',
  });
}, 240_000);

afterAll(async () => {
  await hub?.close();
  redis?.disconnect();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('gitfleet render', () => {
  it.each(APPS.flatMap((app) => TARGETS.map((target) => ({ app, target }))))(
    '$app for $target: the objects the hub stores',
    async ({ app, target }) => {
      const objects = await renderJson([app, '--target', target]);
      expect(objects.length).toBeGreaterThan(0);
      expect(objects).toEqual(storedAfter.get(`${app}@${target}`));
    },
    60_000,
  );

  it('renders what the overlays say per environment, and the pin of prod', async () => {
    const image = (objects: readonly KubeObject[] | undefined): unknown =>
      (objects ?? [])
        .filter((o) => o['kind'] === 'Deployment')
        .map(
          (o) =>
            (o as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec
              .template.spec.containers[0]?.image,
        );
    expect(image(storedAfter.get('kz@dev-1'))).toEqual(['registry.example.com/guestbook:1.0-dev']);
    expect(image(storedAfter.get('kz@prod-1'))).toEqual(['registry.example.com/guestbook:2.0']);
    expect(image(storedAfter.get('chart@prod-1'))).toEqual(['nginx:1.28']);
    expect(image(storedAfter.get('chart@dev-1'))).toEqual(['nginx:1.16.0']);
    // prod is pinned to the first fleet commit: its plain ConfigMap did not move
    const message = (objects: readonly KubeObject[] | undefined): unknown =>
      (objects?.[0] as { data?: { message?: string } } | undefined)?.data?.message;
    expect(message(storedAfter.get('plain@prod-1'))).toBe('v1');
    expect(message(storedAfter.get('plain@dev-1'))).toBe('v2');
    const r = await ok(['plain', '--target', 'prod-1']);
    expect(r.stderr).toContain('the environment pin');
  }, 60_000);

  it('prints a YAML stream of the same objects by default', async () => {
    const r = await ok(['chart', '--target', 'prod-1']);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as unknown);
    expect(objects).toEqual(storedAfter.get('chart@prod-1'));
    expect(r.stderr).toContain(`# chart for prod-1: ${appUrl} at `);
  }, 60_000);

  it('--revision renders an older commit: what the hub stored before the application moved on', async () => {
    for (const app of ['kz', 'chart'] as const) {
      for (const target of TARGETS) {
        const key = `${app}@${target}`;
        const old = await renderJson([app, '--target', target, '--revision', firstAppCommit]);
        expect(old, key).toEqual(storedBefore.get(key));
        expect(old, key).not.toEqual(storedAfter.get(key));
      }
    }
  }, 120_000);

  it.each<{ args: string[]; code: number; text: string }>([
    {
      args: ['nope', '--target', 'dev-1'],
      code: 4,
      text: 'application "nope" is not declared in the fleet repository (declared: ',
    },
    {
      args: ['kz', '--target', 'nowhere'],
      code: 4,
      text: 'target "nowhere" is not declared in the fleet repository (declared: dev-1, prod-1)',
    },
    {
      args: ['kz', '--target', 'dev-1', '--revision', 'v9.9.9'],
      code: 4,
      text: 'revision "v9.9.9" (--revision) is not a branch, tag or commit of',
    },
    {
      args: ['chart', '--target', 'dev-1', '--revision', 'broken'],
      code: 1,
      text: 'templates/service.yaml',
    },
  ])(
    'gitfleet render $args → exit $code',
    async ({ args, code, text }) => {
      const r = await gitfleet(args);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(text);
    },
    60_000,
  );
});
