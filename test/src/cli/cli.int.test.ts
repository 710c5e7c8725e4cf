/**
 * The `gitfleet` CLI as an operator runs it — the real `hub/bin/gitfleet` binary as a child
 * process — against a real fleet: a Git server over HTTP with token auth, Redis, a real hub and
 * real agents on two real clusters (stg in environment staging, prd in prod). Status as JSON;
 * a diff of a revision rendered by the hub; a pin that becomes a Git commit (author, message,
 * comments of the file kept) and reaches the cluster; a promotion refused while a staging target
 * is away and made once it is back; freeze and thaw as commits; exit codes for an unreachable hub
 * (3) and unknown names (4); a push that races another writer (re-applied once, then exit 5);
 * and the bash completion script.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { CliError } from '../../../hub/src/cli/errors.ts';
import { commitToFleet, type EditFleet } from '../../../hub/src/cli/fleet-repo.ts';
import { DocumentValidator } from '../../../hub/src/http/api/validate.ts';
import { OPENAPI } from '../../../hub/src/http/server.ts';
import { testLogger } from '../agent/harness.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki, type TestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePort } from '../fleet/ports.ts';
import { waitFor } from '../fleet/wait.ts';

const run = promisify(execFile);
const GITFLEET = path.join(REPO_ROOT, 'hub/bin/gitfleet');
const SUPERVISE = path.join(REPO_ROOT, 'scripts/lib/supervise');
const GIT_TOKEN = `git-${randomBytes(12).toString('hex')}`;
const TARGETS = { stg: 'staging', prd: 'prod' } as const;

let fleet: TestFleet;
let hub: RunningHub;
let dir = '';
let api = '';
let repoUrl = '';
let gitDir = '';
let tokenFile = '';
let apiTokens: ApiTokens;
let pki: TestPki;
const agents = new Map<string, RunningAgent>();
const clusters = new Map<string, KubeCluster>();

const ENVIRONMENTS = `# Environments of the test fleet. Keep this comment.
apiVersion: gitfleet.dev/v1alpha1
kind: Environment
metadata: { name: staging }
spec:
  selector: { matchLabels: { env: staging } }   # every staging cluster
---
apiVersion: gitfleet.dev/v1alpha1
kind: Environment
metadata: { name: prod }
spec:
  selector: { matchLabels: { env: prod } }
`;

function fleetFiles(): Record<string, string> {
  const targets = Object.entries(TARGETS).map(
    ([t, env]) =>
      `apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: ${t}, labels: { env: ${env} } }\n`,
  );
  return {
    'targets.yaml': targets.join('---\n'),
    'environments.yaml': ENVIRONMENTS,
    'apps/web.yaml': [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web }',
      '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }',
      '',
    ].join('\n'),
  };
}

function appFiles(message: string): Record<string, string> {
  return {
    'apps/web/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata:\n  message: "${message}"\n`,
  };
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs hub/bin/gitfleet (supervised: it dies with this process) and collects its output. */
function gitfleet(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(SUPERVISE, [GITFLEET, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GITFLEET_HUB_URL: api,
        // every command reads the hub: a read token unless a test says otherwise
        GITFLEET_API_TOKEN: apiTokens.read,
        GITFLEET_API_TOKEN_FILE: undefined,
        GITFLEET_FLEET_REPO: repoUrl,
        GITFLEET_FLEET_TOKEN_FILE: tokenFile,
        GITFLEET_FLEET_BRANCH: undefined,
        GITFLEET_AUTHOR: undefined,
        NO_COLOR: undefined,
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<Result> {
  const r = await gitfleet(args, env);
  expect(r.code, `gitfleet ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r;
}

/** `git log` of the fleet repository on the server: "author <email>\tsubject", newest first. */
async function serverLog(n = 20): Promise<string[]> {
  const { stdout } = await run('git', [
    '--git-dir',
    gitDir,
    'log',
    `-${String(n)}`,
    '--format=%an <%ae>%x09%s',
    'main',
  ]);
  return stdout.trim().split('\n');
}

async function serverFile(file: string): Promise<string> {
  const { stdout } = await run('git', ['--git-dir', gitDir, 'show', `main:${file}`]);
  return stdout;
}

async function liveMessage(target: string): Promise<string | undefined> {
  const c = clusters.get(target);
  if (c === undefined) throw new Error(`no cluster ${target}`);
  const r = await c.request<{ data?: Record<string, string> }>(
    'GET',
    '/api/v1/namespaces/default/configmaps/web',
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

interface Row {
  target: string;
  app: string;
  environment?: string;
  revision?: string;
  desiredRevision: string;
  sync: string;
  health: string;
  connection: string;
}

async function rows(): Promise<Row[]> {
  const res = await fetch(`${api}/api/v1/status?app=web`, { headers: bearer(apiTokens.read) });
  return ((await res.json()) as { items: Row[] }).items;
}

async function healthyAt(target: string, revision?: string): Promise<boolean> {
  const r = (await rows()).find((x) => x.target === target);
  return (
    r !== undefined &&
    r.sync === 'Synced' &&
    r.health === 'Healthy' &&
    r.connection === 'Connected' &&
    r.revision === r.desiredRevision &&
    (revision === undefined || r.revision === revision)
  );
}

async function startAgent(target: string): Promise<void> {
  const c = clusters.get(target);
  if (c === undefined) throw new Error(`no cluster ${target}`);
  agents.set(
    target,
    await runAgent(
      loadAgentConfig({
        argv: [
          '--target',
          target,
          '--hub',
          `127.0.0.1:${String(hub.grpcPort)}`,
          ...pki.agentArgs(target),
          '--kubeconfig',
          c.kubeconfigPath,
        ],
        env: {},
      }),
      testLogger(),
    ),
  );
}

let v1 = '';
let next = '';

beforeAll(async () => {
  fleet = await startFleet({
    clusterNames: Object.keys(TARGETS),
    git: { auth: { token: GIT_TOKEN } },
  });
  const git = fleet.git;
  if (git === undefined || fleet.redis === undefined || fleet.kube === undefined)
    throw new Error('fleet incomplete');
  for (const c of fleet.kube.clusters) clusters.set(c.name, c);
  repoUrl = await git.createRepo('fleet');
  gitDir = path.join(git.dir, 'fleet.git');
  v1 = await git.commit('fleet', {
    files: { ...fleetFiles(), ...appFiles('v1') },
    message: 'web v1',
  });
  next = await git.commit('fleet', {
    branch: 'next',
    files: { ...fleetFiles(), ...appFiles('v2') },
    message: 'web v2 on branch next',
  });
  await git.commit('fleet', {
    branch: 'broken',
    files: {
      ...fleetFiles(),
      'apps/web/configmap.yaml': 'kind: ConfigMap\nmetadata: { name: web }\n',
    },
    message: 'web without an apiVersion: does not render',
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-cli-int-'));
  tokenFile = path.join(dir, 'git.token');
  await writeFile(tokenFile, `${GIT_TOKEN}\n`, { mode: 0o600 });
  apiTokens = await writeApiTokens(dir);
  pki = await createTestPki(Object.keys(TARGETS), { dir: path.join(dir, 'pki') });
  hub = await runHub(
    loadHubConfig({
      argv: [
        '--fleet-repo',
        repoUrl,
        '--fleet-token-file',
        tokenFile,
        '--redis-url',
        fleet.redis.url,
        '--redis-prefix',
        `gf-${randomBytes(4).toString('hex')}:`,
        ...pki.hubArgs(),
        '--grpc-address',
        '127.0.0.1:0',
        '--http-address',
        '127.0.0.1:0',
        '--poll-interval-ms',
        '1000',
        '--cache-dir',
        path.join(dir, 'hub-git'),
        '--heartbeat-interval-ms',
        '1000',
        '--api-tokens-file',
        apiTokens.file,
      ],
      env: {},
    }),
    testLogger(),
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  for (const t of Object.keys(TARGETS)) await startAgent(t);
  await waitFor(
    'web Synced and Healthy at v1 on stg and prd',
    async () => (await healthyAt('stg', v1)) && (await healthyAt('prd', v1)),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
});

afterAll(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()));
  await hub?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('gitfleet, the binary, against a real fleet', () => {
  it('sends its API token: without one, or with an unknown one, the hub refuses and the CLI names the scope', async () => {
    const file = path.join(dir, 'read.token');
    await writeFile(file, `${apiTokens.read}\n`, { mode: 0o600 });
    const [none, unknown, fromFile] = await Promise.all([
      gitfleet(['status'], { GITFLEET_API_TOKEN: undefined }),
      gitfleet(['status'], { GITFLEET_API_TOKEN: 'not-a-token-of-this-hub' }),
      gitfleet(['status', '-o', 'json', '--api-token-file', file], { GITFLEET_API_TOKEN: 'x' }),
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('the hub refused the request (401 UNAUTHORIZED)');
    expect(none.stderr).toContain('give the hub a token of scope read');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('check the API token');
    expect(unknown.stderr).not.toContain('not-a-token-of-this-hub');
    expect(fromFile.code, fromFile.stderr).toBe(0);
  });

  it('status: -o json shows every (app, target); the table marks connection; --exit-code 0 when healthy', async () => {
    const json = JSON.parse((await ok(['status', '-o', 'json'])).stdout) as { items: Row[] };
    expect(
      json.items.map((r) => [r.app, r.target, r.environment, r.sync, r.health, r.connection]),
    ).toEqual([
      ['web', 'prd', 'prod', 'Synced', 'Healthy', 'Connected'],
      ['web', 'stg', 'staging', 'Synced', 'Healthy', 'Connected'],
    ]);
    expect(json.items.every((r) => r.revision === v1)).toBe(true);
    const table = (await ok(['status', '--env', 'prod', '--exit-code'])).stdout;
    expect(table).toMatch(/^APP\s+TARGET\s+ENV\s+REVISION\s+SYNC\s+HEALTH\s+DRIFT\s+CONNECTION$/m);
    expect(table).toMatch(
      new RegExp(
        `^web\\s+prd\\s+prod\\s+${v1.slice(0, 7)}\\s+Synced\\s+Healthy\\s+0\\s+Connected$`,
        'm',
      ),
    );
    expect(table).not.toContain('stg');
    expect(table).not.toContain('\u001b['); // not a terminal: no colours
  });

  it('diff: what branch next would change on prd, as JSON and as a unified diff', async () => {
    // the route itself answers what its OpenAPI schema says (200, 404, 422 cases)
    const validator = new DocumentValidator(OPENAPI);
    for (const [query, status] of [
      ['app=web&target=prd&revision=next', 200],
      ['app=web&target=prd&revision=no-such-branch', 404],
      ['app=web&target=nowhere&revision=main', 404],
      ['app=web&target=prd', 400],
      ['app=web&target=prd&revision=broken', 422],
    ] as const) {
      const res = await fetch(`${api}/api/v1/diff?${query}`, {
        headers: bearer(apiTokens.read),
      });
      expect(res.status, query).toBe(status);
      expect(validator.response('get', '/api/v1/diff', status, await res.json()), query).toEqual(
        [],
      );
    }
    const broken = await gitfleet(['pin', 'web', 'broken', '--env', 'prod', '--reason', 'x']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /not pinning: the hub answered 422 MANIFEST_INVALID: web does not render for prd at [0-9a-f]{12}: /,
    );
    const r = await gitfleet([
      'diff',
      'web',
      '--target',
      'prd',
      '--revision',
      'next',
      '-o',
      'json',
      '--exit-code',
    ]);
    expect(r.code, r.stderr).toBe(1); // --exit-code: it would change something
    const body = JSON.parse(r.stdout) as {
      commit: string;
      current?: { revision: string };
      objects: { ref: { kind: string; name: string }; change: string; diff: string }[];
      summary: Record<string, number>;
    };
    expect(body.commit).toBe(next);
    expect(body.current?.revision).toBe(v1);
    expect(body.summary).toEqual({ added: 0, removed: 0, changed: 1, unchanged: 0 });
    expect(body.objects.map((o) => [o.ref.kind, o.ref.name, o.change])).toEqual([
      ['ConfigMap', 'web', 'changed'],
    ]);
    expect(body.objects[0]?.diff).toContain('-  message: v1\n+  message: v2\n');
    const table = (await ok(['diff', 'web', '--target', 'prd', '--revision', next.slice(0, 10)]))
      .stdout;
    expect(table).toContain(
      `web on prd (prod): ${next.slice(0, 7)} vs what it is meant to run now, ${v1.slice(0, 7)}`,
    );
    expect(table).toContain('~ v1 ConfigMap default/web (changed)');
    expect(table).toContain(`--- ${v1.slice(0, 7)}/ConfigMap/default/web`);
    expect(table).toContain('+  message: v2');
  });

  it('exit codes: 3 for an unreachable hub, 4 for unknown names, 1 for a refused fleet, 2 for bad usage', async () => {
    const closed = await freePort();
    // independent and read-only: run them side by side
    const [unreachable, app, diffApp, history, env, rev, refused, usage, badUrl] =
      await Promise.all([
        gitfleet(['status', '--hub', `http://127.0.0.1:${String(closed)}`]),
        gitfleet(['status', '--app', 'nope']),
        gitfleet(['diff', 'nope', '--target', 'prd', '--revision', 'main']),
        gitfleet(['history', 'web', 'nowhere']),
        gitfleet(['status', '--env', 'qa']),
        gitfleet(['pin', 'web', 'no-such-tag', '--env', 'prod', '--reason', 'x']),
        // the hub would refuse it: stg is not a target of prod (nothing is pushed, the problem is named)
        gitfleet(['pin', 'web', 'main', '--env', 'prod', '--target', 'stg', '--reason', 'x']),
        gitfleet(['pin', 'web', '--env', 'prod']),
        gitfleet(['status', '--hub', 'not a url']),
      ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(
      /cannot reach the hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    expect(unreachable.stderr).toContain('--hub (or GITFLEET_HUB_URL)');
    expect(app.code).toBe(4);
    expect(app.stderr).toContain('application "nope" is not known to the hub (declared: web)');
    expect(diffApp.code).toBe(4);
    expect(diffApp.stderr).toContain('application "nope" is not declared in the fleet in force');
    expect(history.code).toBe(4);
    expect(env.code).toBe(4);
    expect(rev.code).toBe(4);
    expect(rev.stderr).toContain('revision "no-such-tag" is not in');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'the hub would refuse the fleet after this change (1 error(s)); nothing was pushed',
    );
    expect(refused.stderr).toContain(`target "stg" is not selected by this environment's selector`);
    expect(usage.code).toBe(2);
    expect(badUrl.code).toBe(2);
    expect((await serverLog()).length).toBe(1); // nothing was committed
  });

  it('pin: a commit by the operator, comments kept, and staging runs the pinned revision', async () => {
    const r = await ok(
      ['pin', 'web', 'next', '--env', 'staging', '--reason', 'try v2 in staging', '-o', 'json'],
      { GITFLEET_AUTHOR: 'Alice Operator <alice@example.com>' },
    );
    const out = JSON.parse(r.stdout) as {
      changed: boolean;
      commit: string;
      file: string;
      message: string;
    };
    expect(out).toMatchObject({
      changed: true,
      file: 'environments.yaml',
      environment: 'staging',
      app: 'web',
    });
    expect((await serverLog())[0]).toBe(
      'Alice Operator <alice@example.com>\tpin web to next in staging: try v2 in staging',
    );
    const { stdout: head } = await run('git', ['--git-dir', gitDir, 'rev-parse', 'main']);
    expect(head.trim()).toBe(out.commit);
    const { stdout: body } = await run('git', [
      '--git-dir',
      gitDir,
      'log',
      '-1',
      '--format=%b',
      'main',
    ]);
    expect(body.trim().split('\n')).toEqual([
      'Previous-Pin: (none)',
      'Environment: staging (environments.yaml)',
      'Gitfleet-Command: gitfleet pin web next --env staging',
    ]);
    expect(await serverFile('environments.yaml')).toBe(
      ENVIRONMENTS.replace(
        '  selector: { matchLabels: { env: staging } }   # every staging cluster\n',
        '  selector: { matchLabels: { env: staging } }   # every staging cluster\n  pins:\n    web: next\n',
      ),
    );
    await waitFor('stg runs v2', async () => (await liveMessage('stg')) === 'v2', {
      timeoutMs: 20_000,
    });
    await waitFor('stg Synced and Healthy at next', () => healthyAt('stg', next), {
      timeoutMs: 20_000,
    });
    expect(await liveMessage('prd')).toBe('v1');
    // the same pin again: nothing to commit
    const again = await ok(['pin', 'web', 'next', '--env', 'staging', '--reason', 'again']);
    expect(again.stdout).toContain('web is already pinned to next in staging: nothing to commit');
    expect((await serverLog()).length).toBe(2);
  });

  it('promote: refused while a staging target is away, made once it is back', async () => {
    await agents.get('stg')?.close();
    agents.delete('stg');
    await waitFor(
      'stg not Connected',
      async () => (await rows()).find((x) => x.target === 'stg')?.connection !== 'Connected',
      { timeoutMs: 10_000 },
    );
    const refused = await gitfleet([
      'promote',
      'web',
      '--from',
      'staging',
      '--to',
      'prod',
      '--reason',
      'v2 looks good',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not promoting web from staging to prod');
    expect(refused.stderr).toMatch(/stg: the target is (Disconnected|Stale)/);
    expect((await serverLog()).length).toBe(2);

    await startAgent('stg');
    await waitFor('stg back, Synced and Healthy at next', () => healthyAt('stg', next), {
      timeoutMs: 20_000,
    });
    const done = await ok([
      'promote',
      'web',
      '--from',
      'staging',
      '--to',
      'prod',
      '--reason',
      'v2 looks good',
    ]);
    expect(done.stdout).toContain(
      `promoted web to ${next.slice(0, 7)} in prod: it runs Synced and Healthy on stg in staging`,
    );
    expect((await serverLog())[0]).toBe(
      `gitfleet-cli <gitfleet-cli@gitfleet.invalid>\tpromote web to ${next.slice(0, 7)} in prod (healthy in staging): v2 looks good`,
    );
    expect(await serverFile('environments.yaml')).toContain(
      `  selector: { matchLabels: { env: prod } }\n  pins:\n    web: ${next}\n`,
    );
    await waitFor('prd runs v2', async () => (await liveMessage('prd')) === 'v2', {
      timeoutMs: 20_000,
    });
  });

  it('freeze and thaw: commits, and the hub sees the environment frozen', async () => {
    await ok(['freeze', 'prod', '--reason', 'release weekend']);
    expect(await serverFile('environments.yaml')).toContain(`    web: ${next}\n  frozen: true\n`);
    await waitFor(
      'the hub sees prod frozen',
      async () => {
        const res = await fetch(`${api}/api/v1/environments`, {
          headers: bearer(apiTokens.read),
        });
        const { items } = (await res.json()) as { items: { name: string; frozen: boolean }[] };
        return items.find((e) => e.name === 'prod')?.frozen === true;
      },
      { timeoutMs: 10_000 },
    );
    const twice = await ok(['freeze', 'prod']);
    expect(twice.stdout).toContain('prod is already frozen: nothing to commit');
    await ok(['thaw', 'prod']);
    expect(await serverFile('environments.yaml')).not.toContain('frozen');
    await ok(['unpin', 'web', '--env', 'staging', '--reason', 'back to main']);
    expect(await serverFile('environments.yaml')).not.toContain('web: next');
    await ok([
      'pin',
      'web',
      'main',
      '--env',
      'prod',
      '--target',
      'prd',
      '--reason',
      'prd follows main',
    ]);
    expect(await serverFile('environments.yaml')).toContain(
      '  targetPins:\n    prd:\n      web: main\n',
    );
    await ok(['unpin', 'web', '--env', 'prod', '--target', 'prd']);
    expect(await serverFile('environments.yaml')).not.toContain('targetPins');
    expect((await serverLog()).map((l) => l.split('\t')[1])).toEqual([
      'unpin web on prd (prod)',
      'pin web to main on prd (prod): prd follows main',
      'unpin web in staging: back to main',
      'thaw prod',
      'freeze prod: release weekend',
      `promote web to ${next.slice(0, 7)} in prod (healthy in staging): v2 looks good`,
      'pin web to next in staging: try v2 in staging',
      'web v1',
    ]);
  });

  it('a push that loses a race is re-applied on the new tip once, then exit 5', async () => {
    const git = fleet.git;
    if (git === undefined) throw new Error('no git');
    const opts = {
      url: repoUrl,
      branch: 'main',
      token: GIT_TOKEN,
      author: { name: 'Race Test', email: 'race@example.com' },
      timeoutMs: 15_000,
    };
    const edit: EditFleet = (files) => {
      const text = files.get('environments.yaml') ?? '';
      return { path: 'environments.yaml', text: `${text}# touched\n`, message: 'touch' };
    };
    let raced = 0;
    const other = async (attempt: number): Promise<void> => {
      raced++;
      await git.commit('fleet', {
        files: { [`other-${String(attempt)}-${String(raced)}.txt`]: 'x' },
        message: `other writer ${String(raced)}`,
      });
    };
    const once = await commitToFleet(opts, edit, {
      beforePush: (a) => (a === 1 ? other(a) : Promise.resolve()),
    });
    expect(once).toMatchObject({ changed: true, attempts: 2 });
    expect((await serverLog(2)).map((l) => l.split('\t')[1])).toEqual(['touch', 'other writer 1']);

    const err = await commitToFleet(opts, edit, { beforePush: other }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ exitCode: 5 });
    expect((err as CliError).message).toContain(
      'main moved on while we pushed, twice; nothing was pushed',
    );
    expect((await serverLog(1))[0]).toContain('other writer 3');
  });

  it('completion: the bash script loads and completes commands and names from the hub', async () => {
    const script = (await ok(['completion', 'bash'])).stdout;
    const file = path.join(dir, 'gitfleet.bash');
    await writeFile(file, script);
    await run('bash', ['-n', file]);
    const complete = async (words: string[]): Promise<string> => {
      const { stdout } = await run(
        'bash',
        [
          '-c',
          `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${String(words.length - 1)}; _gitfleet; echo "\${COMPREPLY[@]}"`,
        ],
        {
          env: {
            ...process.env,
            PATH: `${path.join(REPO_ROOT, 'hub/bin')}:${process.env['PATH'] ?? ''}`,
            GITFLEET_HUB_URL: api,
            GITFLEET_API_TOKEN: apiTokens.read,
          },
        },
      );
      return stdout.trim();
    };
    expect(await complete(['gitfleet', 'pr'])).toBe('promote');
    expect(await complete(['gitfleet', 'status', '-o', ''])).toBe('table json');
    expect(await complete(['gitfleet', 'status', '--app', ''])).toBe('web');
    expect(await complete(['gitfleet', 'freeze', ''])).toBe('prod staging');
    expect(await complete(['gitfleet', 'history', 'web', ''])).toBe('prd stg');
  });
});
