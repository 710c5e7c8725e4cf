/**
 * Rendered manifests in Git (`spec.hydrateTo`) with the real hub (runHub: Git over HTTP, Redis)
 * and the test fleet's Git server; no cluster and no agent: targets without an agent get their
 * desired state resolved all the same, and that is what hydration writes.
 *
 * The fleet repository is private (--fleet-token-file) and holds the application `web` (plain
 * YAML, a fleet overlay per environment) with `hydrateTo: { branch: rendered, path: hydrated/web }`;
 * two environments (dev: dev-1, dev-2; prod: prod-1, prod-2) and edge-1 in none.
 * - after the first pass the branch holds one manifest per environment and one for edge-1, with
 *   the rendered objects, and a README naming the source commit, in a commit by gitfleet, beside
 *   those of `api` (same branch, another path) in the orphan commit before it;
 * - a pass with nothing changed adds no commit;
 * - a change to the prod overlay changes only prod's manifest (and the README) in one new commit
 *   whose message names the new source commit;
 * - `locked`, whose repository refuses pushes (HTTP 403), is a `hydrate` problem in
 *   GET /api/v1/fleet naming the application and the branch, while its desired state is resolved.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { GitServer } from '../fleet/git-server.ts';

const run = promisify(execFile);
const FLEET_TOKEN = `fleet-${randomBytes(12).toString('hex')}`;
const TARGETS = { 'dev-1': 'dev', 'dev-2': 'dev', 'prod-1': 'prod', 'prod-2': 'prod' };
const DIR = 'hydrated/web';

let fleet: TestFleet;
let git: GitServer;
let hub: RunningHub;
let dir = '';
let api = '';
let tokens: ApiTokens;
let firstCommit = '';

const doc = (...lines: string[]): string =>
  ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');

function webApp(prodReplicas: number): string {
  return doc(
    'kind: Application',
    'metadata: { name: web }',
    'spec:',
    '  source: { path: apps/web/manifests }',
    '  placement: { selector: {} }',
    `  hydrateTo: { branch: rendered, path: ${DIR} }`,
    '  overlays:',
    '    - environment: prod',
    '      patches:',
    '        - target: { group: apps, kind: Deployment, name: web }',
    `          merge: { spec: { replicas: ${String(prodReplicas)} } }`,
  );
}

const DEPLOYMENT = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: { name: web, namespace: web }',
  'spec:',
  '  replicas: 1',
  '  selector: { matchLabels: { app: web } }',
  '  template:',
  '    metadata: { labels: { app: web } }',
  '    spec: { containers: [{ name: web, image: "nginx:1.27" }] }',
  '',
].join('\n');
const CONFIGMAP =
  'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: web }\ndata: { greeting: "on" }\n';

/** The manifest of `web` with `replicas`, as the hub writes it (canonical order and keys). */
function webManifest(replicas: number): string {
  return [
    'apiVersion: v1\ndata:\n  greeting: "on"\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: web\n',
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  namespace: web',
      'spec:',
      `  replicas: ${String(replicas)}`,
      '  selector:',
      '    matchLabels:',
      '      app: web',
      '  template:',
      '    metadata:',
      '      labels:',
      '        app: web',
      '    spec:',
      '      containers:',
      '        - image: nginx:1.27',
      '          name: web',
      '',
    ].join('\n'),
  ].join('---\n');
}

async function bare(name: string, ...args: string[]): Promise<string> {
  return (await run('git', ['--git-dir', path.join(git.dir, `${name}.git`), ...args])).stdout;
}

async function filesOn(name: string, ref: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const list = await bare(name, 'ls-tree', '-r', '--name-only', ref);
  for (const file of list.split('\n').filter((l) => l !== '')) {
    out[file] = await bare(name, 'show', `${ref}:${file}`);
  }
  return out;
}

interface Problem {
  readonly stage: string;
  readonly code: string;
  readonly message: string;
  readonly action: string;
  readonly repo?: string;
  readonly field?: string;
}
interface FleetBody {
  readonly fleetAccepted: boolean;
  readonly problems: Problem[];
  readonly failures: { app: string; target: string }[];
}

async function getJson<T>(route: string): Promise<T> {
  const res = await fetch(`${api}${route}`, { headers: bearer(tokens.read) });
  if (!res.ok) throw new Error(`GET ${route}: ${String(res.status)} ${await res.text()}`);
  return (await res.json()) as T;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))) {
    sum += Number(m[1]);
  }
  return sum;
}

beforeAll(async () => {
  fleet = await startFleet({ clusters: 0 });
  const { redis } = fleet;
  if (fleet.git === undefined || redis === undefined) throw new Error('fleet incomplete');
  git = fleet.git;
  const fleetUrl = await git.createRepo('ops/fleet', { auth: { token: FLEET_TOKEN } });
  const lockedUrl = await git.createRepo('team/locked');
  await git.commit('team/locked', { files: { 'm/cm.yaml': CONFIGMAP }, message: 'locked' });
  // the server serves fetches of this repository and refuses every push (HTTP 403)
  await bare('team/locked', 'config', 'http.receivepack', 'false');
  firstCommit = await git.commit('ops/fleet', {
    message: 'web, hydrated',
    files: {
      'targets.yaml': [
        ...Object.entries(TARGETS).map(([t, env]) =>
          doc('kind: Target', `metadata: { name: ${t}, labels: { env: ${env} } }`),
        ),
        doc('kind: Target', 'metadata: { name: edge-1, labels: { env: edge } }'),
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
      'apps/web/application.yaml': webApp(3),
      'apps/web/manifests/deployment.yaml': DEPLOYMENT,
      'apps/web/manifests/configmap.yaml': CONFIGMAP,
      // a second application writing to the same branch, beside web
      'apps/api.yaml': doc(
        'kind: Application',
        'metadata: { name: api }',
        'spec:',
        '  source: { path: apps/web/manifests }',
        '  placement: { selector: { matchLabels: { env: dev } } }',
        '  hydrateTo: { branch: rendered, path: hydrated/api }',
      ),
      'apps/locked.yaml': doc(
        'kind: Application',
        'metadata: { name: locked }',
        'spec:',
        `  source: { repoURL: ${lockedUrl}, path: m }`,
        '  placement: { selector: { matchLabels: { env: dev } } }',
        '  hydrateTo: { branch: rendered, path: locked }',
      ),
    },
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-hydrate-'));
  await mkdir(path.join(dir, 'tokens'));
  for (const t of [...Object.keys(TARGETS), 'edge-1']) {
    await writeFile(path.join(dir, 'tokens', `${t}.token`), randomBytes(16).toString('hex'));
  }
  await writeFile(path.join(dir, 'fleet.token'), `${FLEET_TOKEN}\n`, { mode: 0o600 });
  tokens = await writeApiTokens(dir);
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', fleetUrl, '--fleet-token-file', path.join(dir, 'fleet.token')],
        ...['--redis-url', redis.url, '--redis-prefix', `gf-${randomBytes(4).toString('hex')}:`],
        // no agent in this file: the AgentLink port on loopback, plaintext, static tokens
        ...['--insecure-plaintext', '--allow-static-tokens'],
        ...['--agent-tokens-dir', path.join(dir, 'tokens')],
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '600000', '--api-tokens-file', tokens.file],
      ],
      env: {},
    }),
    silentLogger,
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('rendered manifests in Git', () => {
  it('the first pass writes one manifest per environment, one per target in none, and a README', async () => {
    // runHub's first pass has run (hydration included) when it returns
    const files = await filesOn('ops/fleet', 'refs/heads/rendered');
    expect(Object.keys(files).sort()).toEqual([
      'hydrated/api/README.md',
      'hydrated/api/dev/manifest.yaml',
      `${DIR}/README.md`,
      `${DIR}/_targets/edge-1/manifest.yaml`,
      `${DIR}/dev/manifest.yaml`,
      `${DIR}/prod/manifest.yaml`,
    ]);
    expect(files[`${DIR}/dev/manifest.yaml`]).toBe(webManifest(1));
    expect(files['hydrated/api/dev/manifest.yaml']).toBe(webManifest(1));
    expect(files[`${DIR}/_targets/edge-1/manifest.yaml`]).toBe(webManifest(1));
    expect(files[`${DIR}/prod/manifest.yaml`]).toBe(webManifest(3));
    expect(files[`${DIR}/README.md`]).toContain(
      `| prod | \`${firstCommit}\` | prod-1, prod-2 | \`prod/manifest.yaml\` |`,
    );
    // a commit per application (api first: by name) by gitfleet at the source commit's time,
    // naming it; the first an orphan
    const sourceTime = (await bare('ops/fleet', 'log', '-1', '--format=%ct', firstCommit)).trim();
    const format = '--format=%P|%an <%ae>|%cn <%ce>|%ct|%B';
    const api = await bare('ops/fleet', 'log', '-1', format, 'refs/heads/rendered~1');
    const web = await bare('ops/fleet', 'log', '-1', format, 'refs/heads/rendered');
    const by = `gitfleet <gitfleet@localhost>|gitfleet <gitfleet@localhost>|${sourceTime}`;
    expect(api.trim()).toBe(
      [`|${by}|hydrate api: ${firstCommit.slice(0, 12)}`, '', `dev: ${firstCommit}`].join('\n'),
    );
    const apiCommit = (await bare('ops/fleet', 'rev-parse', 'refs/heads/rendered~1')).trim();
    expect(web.trim()).toBe(
      [
        `${apiCommit}|${by}|hydrate web: ${firstCommit.slice(0, 12)}`,
        '',
        `dev: ${firstCommit}`,
        `prod: ${firstCommit}`,
        `(no environment): ${firstCommit}`,
      ].join('\n'),
    );
    expect(await git.head('ops/fleet', 'main')).toBe(firstCommit);
    expect(await metric('gitfleet_hub_hydration_commits_total')).toBe(2);
  });

  it('a pass with nothing changed adds no commit', async () => {
    const before = await git.head('ops/fleet', 'rendered');
    await hub.resolver.trigger();
    await hub.resolver.trigger();
    expect(await git.head('ops/fleet', 'rendered')).toBe(before);
    expect(await metric('gitfleet_hub_hydration_commits_total')).toBe(2);
  });

  it("a change to prod's overlay changes prod's manifest alone, in a commit naming the new source commit", async () => {
    const before = await git.head('ops/fleet', 'rendered');
    if (before === undefined) throw new Error('no rendered branch');
    const source = await git.commit('ops/fleet', {
      files: { 'apps/web/application.yaml': webApp(5) },
      message: 'prod: 5 replicas',
    });
    await hub.resolver.trigger();
    const after = await git.head('ops/fleet', 'rendered');
    expect(after).not.toBe(before);
    expect(
      (await bare('ops/fleet', 'log', '-1', '--format=%P', 'refs/heads/rendered')).trim(),
    ).toBe(before);
    expect(
      (await bare('ops/fleet', 'diff', '--name-only', before, 'refs/heads/rendered'))
        .split('\n')
        .filter((l) => l !== ''),
    ).toEqual([`${DIR}/README.md`, `${DIR}/prod/manifest.yaml`]);
    const files = await filesOn('ops/fleet', 'refs/heads/rendered');
    expect(files[`${DIR}/prod/manifest.yaml`]).toBe(webManifest(5));
    expect(files[`${DIR}/dev/manifest.yaml`]).toBe(webManifest(1));
    // dev and edge-1 render what they did: their desired state (and its commit) stays
    const message = await bare('ops/fleet', 'log', '-1', '--format=%B', 'refs/heads/rendered');
    expect(message.split('\n')[0]).toMatch(/^hydrate web: /);
    expect(message.split('\n')[0]).toContain(source.slice(0, 12));
    expect(message).toContain(`\nprod: ${source}\n`);
    expect(message).toContain(`\ndev: ${firstCommit}\n`);
    expect(await metric('gitfleet_hub_hydration_commits_total')).toBe(3);
  });

  it('a repository that refuses the push is a hydrate problem; delivery goes on', async () => {
    const body = await getJson<FleetBody>('/api/v1/fleet');
    expect(body.fleetAccepted).toBe(true);
    expect(body.failures).toEqual([]);
    const hydrate = body.problems.filter((p) => p.stage === 'hydrate');
    expect(hydrate).toEqual([
      expect.objectContaining({
        code: 'GIT_AUTH_FAILED',
        repo: git.repoUrl('team/locked'),
        field: 'spec.hydrateTo',
      }),
    ]);
    expect(hydrate[0]?.message).toMatch(
      /^rendered manifests of locked → branch rendered, locked\//,
    );
    expect(hydrate[0]?.message).toContain('HTTP 403');
    expect(hydrate[0]?.action).toMatch(
      /--repo-creds-file.*push.*delivery to agents is not affected/,
    );
    expect(await git.head('team/locked', 'rendered')).toBeUndefined();
    // its desired state is resolved on its targets as for any application
    const rows = (
      await getJson<{ items: { app: string; target: string; desiredVersion: number }[] }>(
        '/api/v1/status?limit=500',
      )
    ).items.filter((r) => r.app === 'locked');
    expect(rows.map((r) => [r.target, r.desiredVersion >= 1])).toEqual([
      ['dev-1', true],
      ['dev-2', true],
    ]);
    expect(await metric('gitfleet_hub_hydration_failures_total')).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(body)).not.toContain(FLEET_TOKEN);
  });
});
