/**
 * `GET /api/v1/pins` and `POST /api/v1/promote` against a real hub (runHub: Git over HTTP with
 * token auth, Redis) and simulated agents (test/src/sim: real AgentLink streams that report what
 * they are assigned Synced and Healthy), no cluster:
 * - two pins committed by different authors (and a later commit by a third that leaves them
 *   alone): the pins list names, for each, the author, commit and message that set it, with its
 *   file and line; a second call is served from the cache;
 * - promote web dev → staging while dev runs it healthily: a commit on the fleet branch with the
 *   new pin, authored by the operate token's name, committed by gitfleet, in the message shape of
 *   `gitfleet promote`; the hub resolves it at once (it polls only every 10 minutes) and the
 *   staging target is assigned the revision; the pins list shows who set the new pin;
 * - promote from qa, whose target has no agent: 409 PREREQUISITE_MISSING naming the target;
 * - the Git server refusing the push: 502 GIT_AUTH_FAILED naming the repository, nothing pushed;
 * - a read token: 403, nothing committed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { DocumentValidator } from '../../../hub/src/http/api/validate.ts';
import { OPENAPI } from '../../../hub/src/http/server.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { waitFor } from '../fleet/wait.ts';
import {
  simTargetName,
  startSimAgents,
  writeAgentTokens,
  type SimAgents,
} from '../sim/sim-fleet.ts';

const run = promisify(execFile);
const GIT_TOKEN = `git-${randomBytes(12).toString('hex')}`;
/** dev and staging each have one simulated agent; qa's target `far` has none. */
const DEV = simTargetName(0);
const STAGING = simTargetName(1);
const ALICE = { name: 'Alice Example', email: 'alice@example.com' };
const BOB = { name: 'Bob Example', email: 'bob@example.com' };
const CAROL = { name: 'Carol Example', email: 'carol@example.com' };

let fleet: TestFleet;
let hub: RunningHub | undefined;
let sim: SimAgents | undefined;
let dir = '';
let api = '';
let gitDir = '';
let tokens: ApiTokens;
const validator = new DocumentValidator(OPENAPI);
let c1 = '';
let c2 = '';
let c3 = '';
let c4 = '';

const doc = (kind: string, body: string): string =>
  `apiVersion: gitfleet.dev/v1alpha1\nkind: ${kind}\n${body}`;

function environments(pins: { dev?: string; qa?: string; staging?: string }): string {
  const env = (name: string, pin: string | undefined): string =>
    doc(
      'Environment',
      `metadata: { name: ${name} }\nspec:\n  selector: { matchLabels: { env: ${name} } }\n${pin === undefined ? '' : `  pins:\n    web: ${pin}\n`}`,
    );
  return `# the environments\n${[env('dev', pins.dev), env('staging', pins.staging), env('qa', pins.qa)].join('---\n')}`;
}

function fleetFiles(message: string): Record<string, string> {
  return {
    'targets.yaml': [
      doc('Target', `metadata: { name: ${DEV}, labels: { env: dev } }\n`),
      doc('Target', `metadata: { name: ${STAGING}, labels: { env: staging } }\n`),
      doc('Target', 'metadata: { name: far, labels: { env: qa } }\n'),
    ].join('---\n'),
    'apps/web.yaml': doc(
      'Application',
      'metadata: { name: web }\nspec:\n  source: { path: apps/web }\n  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }\n',
    ),
    'apps/web/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: "${message}" }\n`,
  };
}

async function get(pathAndQuery: string, token: string): Promise<Response> {
  return fetch(`${api}${pathAndQuery}`, { headers: bearer(token) });
}

async function post(pathAndQuery: string, token: string): Promise<Response> {
  return fetch(`${api}${pathAndQuery}`, { method: 'POST', headers: bearer(token) });
}

interface Pin {
  environment: string;
  app: string;
  target?: string;
  value: string;
  file: string;
  line: number;
  setBy?: { commit: string; author: string; email: string; atMs: number; message: string };
  truncated?: boolean;
}

async function pins(): Promise<{ items: Pin[]; commit?: string; ms: number }> {
  const t0 = performance.now();
  const res = await get('/api/v1/pins', tokens.read);
  const ms = performance.now() - t0;
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(validator.response('get', '/api/v1/pins', 200, body)).toEqual([]);
  return { ...(body as { items: Pin[]; commit?: string }), ms };
}

interface Row {
  target: string;
  desiredRevision: string;
  revision?: string;
  sync: string;
  health: string;
  connection: string;
}

async function row(target: string): Promise<Row | undefined> {
  const res = await get(`/api/v1/status?app=web&target=${target}`, tokens.read);
  return ((await res.json()) as { items: Row[] }).items[0];
}

/** `git log` of the fleet branch on the server: author, committer, subject, newest first. */
async function serverLog(n = 10): Promise<string[]> {
  const { stdout } = await run('git', [
    '--git-dir',
    gitDir,
    'log',
    `-${String(n)}`,
    '--format=%an <%ae>|%cn <%ce>|%s',
    'main',
  ]);
  return stdout.trim().split('\n');
}

async function serverShow(what: string): Promise<string> {
  return (await run('git', ['--git-dir', gitDir, 'show', '-s', '--format=%B', what])).stdout;
}

beforeAll(async () => {
  fleet = await startFleet({ clusters: 0, git: { auth: { token: GIT_TOKEN } } });
  const { redis, git } = fleet;
  if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
  const repoUrl = await git.createRepo('fleet');
  gitDir = path.join(git.dir, 'fleet.git');
  c1 = await git.commit('fleet', {
    files: { ...fleetFiles('v1'), 'environments.yaml': environments({}) },
    message: 'the fleet',
    author: ALICE,
  });
  c2 = await git.commit('fleet', {
    files: { 'environments.yaml': environments({ dev: c1 }) },
    message: 'pin web in dev to the first release\n\nit passed the smoke tests',
    author: ALICE,
  });
  c3 = await git.commit('fleet', {
    files: { 'environments.yaml': environments({ dev: c1, qa: c1 }) },
    message: 'pin web in qa',
    author: BOB,
  });
  c4 = await git.commit('fleet', {
    files: { 'apps/web/cm.yaml': fleetFiles('v2')['apps/web/cm.yaml'] ?? '' },
    message: 'web v2',
    author: CAROL,
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-pins-'));
  tokens = await writeApiTokens(dir, { operate: 'dana' });
  const tokenFile = path.join(dir, 'git.token');
  await writeFile(tokenFile, `${GIT_TOKEN}\n`, { mode: 0o600 });
  await writeAgentTokens(path.join(dir, 'agent-tokens'), [DEV, STAGING]);
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--fleet-token-file', tokenFile],
        ...['--redis-url', redis.url, '--redis-prefix', `gf-${randomBytes(4).toString('hex')}:`],
        ...['--insecure-plaintext', '--allow-static-tokens'],
        ...['--agent-tokens-dir', path.join(dir, 'agent-tokens')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '600000', '--cache-dir', path.join(dir, 'hub-git')],
        ...['--heartbeat-interval-ms', '1000', '--api-tokens-file', tokens.file],
      ],
      env: {},
    }),
    silentLogger,
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  sim = await startSimAgents({
    name: 'pins-sim',
    logDir: dir,
    hub: `127.0.0.1:${String(hub.grpcPort)}`,
    tokensDir: path.join(dir, 'agent-tokens'),
    count: 2,
  });
  await waitFor(
    'web Synced and Healthy on the dev target at its pin',
    async () => {
      const r = await row(DEV);
      return r?.revision === c1 && r.sync === 'Synced' && r.health === 'Healthy';
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await hub?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('pins and promotion through the hub', () => {
  it('lists each pin with the author, commit and message that set it; the second call is cached', async () => {
    const cold = await pins();
    expect(cold.commit).toBe(c4);
    expect(cold.items).toEqual([
      {
        environment: 'dev',
        app: 'web',
        value: c1,
        file: 'environments.yaml',
        line: 8,
        setBy: {
          commit: c2,
          author: ALICE.name,
          email: ALICE.email,
          atMs: expect.any(Number) as number,
          message: 'pin web in dev to the first release\n\nit passed the smoke tests',
        },
      },
      {
        environment: 'qa',
        app: 'web',
        value: c1,
        file: 'environments.yaml',
        line: 22,
        setBy: {
          commit: c3,
          author: BOB.name,
          email: BOB.email,
          atMs: expect.any(Number) as number,
          message: 'pin web in qa',
        },
      },
    ]);
    const warm = await pins();
    expect(warm.items).toEqual(cold.items);
    console.log(
      `GET /api/v1/pins: cold ${cold.ms.toFixed(1)} ms, warm ${warm.ms.toFixed(1)} ms (${String(cold.items.length)} pins, 4 commits)`,
    );
    expect(warm.ms).toBeLessThan(cold.ms + 50);
  });

  it('refuses a read token (403) and commits nothing', async () => {
    const res = await post('/api/v1/promote?app=web&from=dev&to=staging', tokens.read);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect((await serverLog(1))[0]).toContain('|web v2');
  });

  it('refuses a promotion from an environment that does not run the app healthily (409)', async () => {
    const res = await post('/api/v1/promote?app=web&from=qa&to=staging', tokens.operate);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { reasons: string[] } };
    };
    expect(res.status, JSON.stringify(body)).toBe(409);
    expect(validator.response('post', '/api/v1/promote', 409, body)).toEqual([]);
    expect(body.error.code).toBe('PREREQUISITE_MISSING');
    expect(body.error.details.reasons).toEqual([
      expect.stringMatching(/^far: the target is Disconnected, sync is \w+, health is \w+/),
    ]);
    expect(body.error.message).toContain('not promoting web from qa to staging');
    expect((await serverLog(1))[0]).toContain('|web v2');
  });

  it('answers 502 naming the repository when the Git server refuses the push', async () => {
    await run('git', ['--git-dir', gitDir, 'config', 'http.receivepack', 'false']);
    try {
      const res = await post('/api/v1/promote?app=web&from=dev&to=staging', tokens.operate);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, JSON.stringify(body)).toBe(502);
      expect(validator.response('post', '/api/v1/promote', 502, body)).toEqual([]);
      expect(body.error.code).toBe('GIT_AUTH_FAILED');
      expect(body.error.message).toContain('fleet.git');
      expect(body.error.message).toMatch(/may push to the repository/);
      expect(body.error.message).not.toContain(GIT_TOKEN);
    } finally {
      await run('git', ['--git-dir', gitDir, 'config', 'http.receivepack', 'true']);
    }
    expect((await serverLog(1))[0]).toContain('|web v2');
  });

  it('promotes dev to staging as a commit the hub resolves at once', async () => {
    const before = await row(STAGING);
    expect(before?.desiredRevision).toBe(c4);
    const t0 = performance.now();
    const res = await post(
      '/api/v1/promote?app=web&from=dev&to=staging&reason=soaked+in+dev',
      tokens.operate,
    );
    const body = (await res.json()) as { commit: string; revision: string; targets: string[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(validator.response('post', '/api/v1/promote', 200, body)).toEqual([]);
    expect(body).toEqual({
      commit: expect.stringMatching(/^[0-9a-f]{40}$/) as string,
      revision: c1,
      environment: 'staging',
      app: 'web',
      targets: [DEV],
      changed: true,
    });
    expect((await serverLog(2))[0]).toBe(
      `dana <dana@gitfleet.invalid>|gitfleet <gitfleet@localhost>|promote web to ${c1.slice(0, 7)} in staging (healthy in dev): soaked in dev`,
    );
    expect((await run('git', ['--git-dir', gitDir, 'rev-parse', 'main'])).stdout.trim()).toBe(
      body.commit,
    );
    expect(await serverShow(body.commit)).toBe(
      [
        `promote web to ${c1.slice(0, 7)} in staging (healthy in dev): soaked in dev`,
        '',
        'Previous-Pin: (none)',
        'Environment: staging (environments.yaml)',
        'Gitfleet-Api: POST /api/v1/promote by dana',
        '',
        '',
      ].join('\n'),
    );
    const file = (await run('git', ['--git-dir', gitDir, 'show', 'main:environments.yaml'])).stdout;
    expect(file).toBe(environments({ dev: c1, staging: c1, qa: c1 }));
    await waitFor(
      'the staging target assigned the promoted revision',
      async () => (await row(STAGING))?.desiredRevision === c1,
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    const resolvedMs = performance.now() - t0;
    console.log(`promote → staging assigned: ${resolvedMs.toFixed(0)} ms`);
    // the commit in force is set when the pass ends, after the targets' desired state
    const after = await waitFor(
      'the promotion commit in force',
      async () => {
        const p = await pins();
        return p.commit === body.commit ? p : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(after.items.find((p) => p.environment === 'staging')).toMatchObject({
      value: c1,
      line: 16,
      setBy: { commit: body.commit, author: 'dana', email: 'dana@gitfleet.invalid' },
    });
    expect(after.items.find((p) => p.environment === 'dev')?.setBy?.commit).toBe(c2);

    const again = await post('/api/v1/promote?app=web&from=dev&to=staging', tokens.operate);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ commit: body.commit, changed: false });
  });
});
