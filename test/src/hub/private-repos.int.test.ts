/**
 * Private repositories with the gitfleet-hub binary and the real agent on a real cluster: the
 * fleet repository with its own token (--fleet-token-file), a private application repository
 * whose token comes from --repo-creds-file by URL prefix, and a public one next to it all sync; an
 * application whose entry holds a wrong token fails with GIT_AUTH_FAILED naming its URL in the
 * hub's status (a `source` problem), nothing of it is applied, and the others are unaffected. A
 * commit in an application repository alone is polled and applied; a repository that fetched
 * before and then refuses is a `source` problem while its application keeps running. No secret
 * ever appears in the hub's log or its API answers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki, type TestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { GitServer } from '../fleet/git-server.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { NO_HUB_ENV } from '../fleet/hub-env.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePorts } from '../fleet/ports.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';

const HUB_BIN = path.join(REPO_ROOT, 'hub/bin/gitfleet-hub');
const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
const FLEET_TOKEN = `fleet-${randomBytes(12).toString('hex')}`;
const TEAM_A_TOKEN = `team-a-${randomBytes(12).toString('hex')}`;
const TEAM_B_TOKEN = `team-b-${randomBytes(12).toString('hex')}`;
const WRONG_TOKEN = `wrong-${randomBytes(12).toString('hex')}`;
const SECRETS = [FLEET_TOKEN, TEAM_A_TOKEN, TEAM_B_TOKEN, WRONG_TOKEN];

let fleet: TestFleet;
let git: GitServer;
let cluster: KubeCluster;
let dir: string;
let pki: TestPki;
let tokens: ApiTokens;
const procs: ManagedProcess[] = [];
const urls: Record<string, string> = {};

function configMap(ns: string, message: string): Record<string, string> {
  return {
    'manifests/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n`,
    'manifests/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: app, namespace: ${ns} }\ndata: { message: "${message}" }\n`,
  };
}

function app(name: string, source: string): string {
  return [
    'apiVersion: gitfleet.dev/v1alpha1',
    'kind: Application',
    `metadata: { name: ${name} }`,
    'spec:',
    `  source: { ${source} }`,
    '  placement: { selector: { matchLabels: {} } }',
    '',
  ].join('\n');
}

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: ['edge'] });
  const c = fleet.kube?.clusters[0];
  if (c === undefined || fleet.git === undefined || fleet.redis === undefined)
    throw new Error('fleet incomplete');
  cluster = c;
  git = fleet.git;
  urls['fleet'] = await git.createRepo('ops/fleet', { auth: { token: FLEET_TOKEN } });
  urls['private'] = await git.createRepo('team-a/private', { auth: { token: TEAM_A_TOKEN } });
  urls['public'] = await git.createRepo('team-ab/public');
  urls['wrong'] = await git.createRepo('team-b/private', { auth: { token: TEAM_B_TOKEN } });
  await git.commit('team-a/private', { files: configMap('priv', 'private'), message: 'p' });
  await git.commit('team-ab/public', { files: configMap('pub', 'public'), message: 'q' });
  await git.commit('team-b/private', { files: configMap('wrong', 'never'), message: 'r' });
  await git.commit('ops/fleet', {
    message: 'edge gets four apps',
    files: {
      'targets/edge.yaml':
        'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: edge }\n',
      'apps/web/application.yaml': app('web', 'path: apps/web/manifests'),
      ...Object.fromEntries(
        Object.entries(configMap('fleet-web', 'fleet')).map(([p, t]) => [`apps/web/${p}`, t]),
      ),
      'apps/priv.yaml': app('priv', `repoURL: ${urls['private']}, path: manifests`),
      'apps/pub.yaml': app('pub', `repoURL: ${urls['public']}, path: manifests`),
      'apps/wrong.yaml': app('wrong', `repoURL: ${urls['wrong']}, path: manifests`),
    },
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-private-repos-'));
  pki = await createTestPki(['edge'], { dir: path.join(dir, 'pki') });
  tokens = await writeApiTokens(dir);
  await writeFile(path.join(dir, 'fleet.token'), `${FLEET_TOKEN}\n`, { mode: 0o600 });
  await writeFile(path.join(dir, 'team-a.token'), `${TEAM_A_TOKEN}\n`, { mode: 0o600 });
  await writeFile(path.join(dir, 'team-b.token'), `${WRONG_TOKEN}\n`, { mode: 0o600 });
  await writeFile(
    path.join(dir, 'repo-creds.yaml'),
    [
      `- urlPrefix: ${git.url}/team-a/`,
      '  tokenFile: team-a.token',
      `- urlPrefix: ${git.url}/team-b/`,
      '  username: deploy',
      '  passwordFile: team-b.token',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function message(ns: string): Promise<string | undefined> {
  const r = await cluster.request<{ data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${ns}/configmaps/app`,
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

it('fleet, private and public repositories sync and are polled; a wrong token fails that app alone, loudly and without secrets', async () => {
  const redis = fleet.redis;
  if (redis === undefined) throw new Error('no redis');
  const [grpcPort = 0, httpPort = 0] = await freePorts(2);
  const api = `http://127.0.0.1:${String(httpPort)}`;
  const hub = await spawnManaged('gitfleet-hub', HUB_BIN, {
    logDir: dir,
    env: {
      ...NO_HUB_ENV,
      GITFLEET_FLEET_REPO: urls['fleet'],
      GITFLEET_FLEET_TOKEN_FILE: path.join(dir, 'fleet.token'),
      GITFLEET_REPO_CREDS_FILE: path.join(dir, 'repo-creds.yaml'),
      GITFLEET_REDIS_URL: redis.url,
      ...pki.hubEnv(),
      GITFLEET_GRPC_ADDRESS: `127.0.0.1:${String(grpcPort)}`,
      GITFLEET_HTTP_ADDRESS: `127.0.0.1:${String(httpPort)}`,
      GITFLEET_POLL_INTERVAL_MS: '1000',
      GITFLEET_HUB_CACHE_DIR: path.join(dir, 'hub-git-cache'),
      GITFLEET_HEARTBEAT_INTERVAL_MS: '1000',
      GITFLEET_API_TOKENS_FILE: tokens.file,
      GITFLEET_LOG_LEVEL: 'debug',
    },
  });
  procs.push(hub);
  const agent = await spawnManaged('gitfleet-agent-edge', AGENT_BIN, {
    logDir: dir,
    env: {
      GITFLEET_TARGET: 'edge',
      GITFLEET_HUB_ADDRESS: `127.0.0.1:${String(grpcPort)}`,
      ...pki.agentEnv('edge'),
      KUBECONFIG: cluster.kubeconfigPath,
      GITFLEET_CONFIG: undefined,
      GITFLEET_HTTP_ADDRESS: undefined,
    },
  });
  procs.push(agent);
  const alive = (): string | undefined =>
    hub.running
      ? agent.running
        ? undefined
        : `the agent exited: ${agent.tail()}`
      : `the hub exited: ${hub.tail()}`;
  const read = { headers: bearer(tokens.read) };

  // the fleet (its own token), the private app (team-a/ entry) and the public one all arrive
  await waitFor(
    'web, priv and pub on edge',
    async () =>
      (await message('fleet-web')) === 'fleet' &&
      (await message('priv')) === 'private' &&
      (await message('pub')) === 'public',
    { timeoutMs: 30_000, intervalMs: 200, abortIf: alive },
  );

  // the wrong token: GIT_AUTH_FAILED in the status, naming the URL and the entry
  type Failure = { app: string; target: string; code: string; message: string };
  const fleetStatus = await waitFor(
    'the failure of wrong in /api/v1/fleet',
    async () => {
      const body = (await (await fetch(`${api}/api/v1/fleet`, read)).json()) as {
        fleetAccepted: boolean;
        failures: Failure[];
      };
      return body.failures.some((f) => f.app === 'wrong') ? body : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 200, abortIf: alive },
  );
  expect(fleetStatus.fleetAccepted).toBe(true);
  const failure = fleetStatus.failures.find((f) => f.app === 'wrong');
  expect(failure).toMatchObject({ target: 'edge', code: 'GIT_AUTH_FAILED' });
  expect(failure?.message).toContain(urls['wrong']);
  expect(failure?.message).toContain(`the repository credentials for ${git.url}/team-b/`);
  expect(failure?.message).toContain('repo-creds.yaml line 3');
  expect(fleetStatus.failures.map((f) => f.app)).toEqual(['wrong']);
  // the repository's own failure is a problem of the pass, the fleet stays accepted
  type Problem = { stage: string; code: string; repo?: string; action: string };
  const problems = (fleetStatus as unknown as { problems: Problem[] }).problems;
  expect(problems.filter((p) => p.stage === 'source')).toEqual([
    expect.objectContaining({ code: 'GIT_AUTH_FAILED', repo: urls['wrong'] }),
  ]);
  expect(problems.find((p) => p.stage === 'source')?.action).toMatch(/--repo-creds-file/);
  // nothing of it was applied
  const ns = await cluster.request('GET', '/api/v1/namespaces/wrong');
  expect(ns.status).toBe(404);
  expect(git.requests('team-b/private').unauthorized).toBeGreaterThan(0);

  // no secret in any API answer, nor in the hub's log
  const answers = await Promise.all(
    ['/api/v1/fleet', '/api/v1/status', '/api/v1/targets'].map(async (p) =>
      (await fetch(`${api}${p}`, read)).text(),
    ),
  );
  const log = await readFile(path.join(dir, 'gitfleet-hub.log'), 'utf8');
  expect(log).toContain('GIT_AUTH_FAILED');
  for (const text of [...answers, log]) {
    for (const s of SECRETS) expect(text).not.toContain(s);
    for (const s of SECRETS) {
      for (const user of ['x-access-token', 'deploy']) {
        expect(text).not.toContain(Buffer.from(`${user}:${s}`).toString('base64'));
      }
    }
  }

  // a commit in an application repository alone (the fleet does not change) is polled and applied
  await git.commit('team-ab/public', { files: configMap('pub', 'public, later'), message: 's' });
  await waitFor(
    "the public repository's new commit on edge",
    async () => (await message('pub')) === 'public, later',
    {
      timeoutMs: 15_000,
      intervalMs: 200,
      abortIf: alive,
    },
  );

  // a repository that fetched before and now refuses: its problem is shown, its app stays
  await writeFile(path.join(dir, 'team-a.token'), `${WRONG_TOKEN}\n`, { mode: 0o600 });
  const later = await waitFor(
    'the private repository refused in /api/v1/fleet',
    async () => {
      const body = (await (await fetch(`${api}/api/v1/fleet`, read)).json()) as {
        fleetAccepted: boolean;
        problems: Problem[];
      };
      return body.problems.some((p) => p.stage === 'source' && p.repo === urls['private'])
        ? body
        : undefined;
    },
    { timeoutMs: 15_000, intervalMs: 200, abortIf: alive },
  );
  expect(later.fleetAccepted).toBe(true);
  expect(later.problems.find((p) => p.repo === urls['private'])).toMatchObject({
    code: 'GIT_AUTH_FAILED',
  });
  expect(await message('priv')).toBe('private');
  const laterText = JSON.stringify(later);
  for (const s of SECRETS) expect(laterText).not.toContain(s);
});
