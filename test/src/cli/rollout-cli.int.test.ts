/**
 * `gitfleet rollout …` as an operator runs it — the real `hub/bin/gitfleet` binary as a child
 * process — against a real fleet: a Git server over HTTP, Redis, a real hub (with an API token and
 * a 200 ms rollout interval) and real agents on three real clusters. The application rolls out in
 * two waves: canary (dev, soak 1 s), then prod (prd-1 and prd-2, one at a time, gate: manual).
 *
 * - `rollout plan` shows the waves and which target is in which and why.
 * - A new revision: `rollout watch --revision` (as JSON, and one line per change when stdout is
 *   not a terminal) follows the canary, then stops at the gate; `rollout status` says so; prod
 *   still runs the old revision.
 * - `rollout approve` without a token is exit 2, with a wrong one exit 1 (the hub answers 401),
 *   with a read token exit 1 (403, the CLI names the scope operate), for an unknown wave or
 *   application exit 4; with an operate token it is applied, in the name of that token, the
 *   rollout completes and both watchers exit 0.
 * - `rollout list`, a command the hub ignores (exit 1), the redraw on a terminal, and completion.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { testLogger } from '../agent/harness.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { waitFor } from '../fleet/wait.ts';

const run = promisify(execFile);
const GITFLEET = path.join(REPO_ROOT, 'hub/bin/gitfleet');
const SUPERVISE = path.join(REPO_ROOT, 'scripts/lib/supervise');
const TARGETS = { dev: 'dev', 'prd-1': 'prod', 'prd-2': 'prod' } as const;
type Target = keyof typeof TARGETS;

let fleet: TestFleet;
let hub: RunningHub;
let dir = '';
let api = '';
let tokenFile = '';
/** read is named read, operate alice, admin bob: the hub records them as the senders. */
let apiTokens: ApiTokens;
const agents: RunningAgent[] = [];
const clusters = new Map<string, KubeCluster>();

function files(message: string): Record<string, string> {
  const doc = (...lines: string[]): string =>
    ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
  return {
    'targets.yaml': Object.entries(TARGETS)
      .map(([t, env]) => doc('kind: Target', `metadata: { name: ${t}, labels: { env: ${env} } }`))
      .join('---\n'),
    'environments.yaml': ['dev', 'prod']
      .map((e) =>
        doc(
          'kind: Environment',
          `metadata: { name: ${e} }`,
          'spec:',
          `  selector: { matchLabels: { env: ${e} } }`,
        ),
      )
      .join('---\n'),
    'apps/web.yaml': doc(
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web }',
      '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }',
      '  rollout:',
      '    waves:',
      '      - { name: canary, selector: { matchLabels: { env: dev } }, soak: 1s }',
      '      - { name: prod, selector: { matchLabels: { env: prod } }, maxUnavailable: 1, gate: manual }',
      '    progressDeadline: 30s',
      '    failureBudget: 0',
      '    onFailure: halt',
    ),
    'apps/web/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: "${message}" }\n`,
  };
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `gitfleet` whose output is read while it runs. */
interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly done: Promise<Result>;
}

function start(args: readonly string[], env: Record<string, string | undefined> = {}): Running {
  const child = spawn(SUPERVISE, [GITFLEET, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GITFLEET_HUB_URL: api,
      // every command reads the hub: a read token unless a test says otherwise
      GITFLEET_API_TOKEN: apiTokens.read,
      GITFLEET_API_TOKEN_FILE: undefined,
      GITFLEET_AUTHOR: undefined,
      GITFLEET_TIMEOUT_MS: undefined,
      NO_COLOR: undefined,
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
  const done = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin?.end();
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

function gitfleet(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<Result> {
  return start(args, env).done;
}

async function ok(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<Result> {
  const r = await gitfleet(args, env);
  expect(r.code, `gitfleet ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r;
}

async function messageOn(target: Target): Promise<string | undefined> {
  const c = clusters.get(target);
  if (c === undefined) throw new Error(`no cluster ${target}`);
  const r = await c.request<{ data?: Record<string, string> }>(
    'GET',
    '/api/v1/namespaces/default/configmaps/web',
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

async function phase(): Promise<string | undefined> {
  const res = await fetch(`${api}/api/v1/rollout?app=web`, { headers: bearer(apiTokens.read) });
  if (!res.ok) return undefined;
  return ((await res.json()) as { state: { phase: string; toRevision: string } }).state.phase;
}

interface WatchRecord {
  phase: string;
  toRevision: string;
  waves: { name: string; total: number; moved: number; healthy: number; status: string }[];
  targets: { target: string; wave: string; state: string; reason: string }[];
}

function records(stdout: string): WatchRecord[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as WatchRecord);
}

let v1 = '';

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: Object.keys(TARGETS) });
  const { git, redis, kube } = fleet;
  if (git === undefined || redis === undefined || kube === undefined)
    throw new Error('fleet incomplete');
  for (const c of kube.clusters) clusters.set(c.name, c);
  const repoUrl = await git.createRepo('fleet');
  v1 = await git.commit('fleet', { files: files('v1'), message: 'web v1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-rollout-cli-'));
  apiTokens = await writeApiTokens(dir, { operate: 'alice', admin: 'bob' });
  tokenFile = path.join(dir, 'operate.token');
  await writeFile(tokenFile, `${apiTokens.operate}\n`, { mode: 0o600 });
  const pki = await createTestPki(Object.keys(TARGETS), { dir: path.join(dir, 'pki') });
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', redis.url],
        ...pki.hubArgs(),
        ...['--cache-dir', path.join(dir, 'hub-git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000', '--rollout-interval-ms', '200'],
        ...['--heartbeat-interval-ms', '1000', '--api-tokens-file', apiTokens.file],
      ],
      env: {},
    }),
    testLogger(),
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  for (const t of Object.keys(TARGETS)) {
    const c = clusters.get(t);
    if (c === undefined) throw new Error(`no cluster ${t}`);
    agents.push(
      await runAgent(
        loadAgentConfig({
          argv: [
            ...['--target', t, '--hub', `127.0.0.1:${String(hub.grpcPort)}`],
            ...pki.agentArgs(t),
            ...['--kubeconfig', c.kubeconfigPath],
          ],
          env: {},
        }),
        testLogger(),
      ),
    );
  }
  // the first revision is the baseline: everywhere at once, a rollout Completed from v1 to v1
  await waitFor(
    'v1 everywhere',
    async () =>
      (await Promise.all((Object.keys(TARGETS) as Target[]).map(messageOn))).every(
        (m) => m === 'v1',
      ),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  await waitFor('the baseline rollout', async () => (await phase()) === 'Completed', {
    timeoutMs: 10_000,
  });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(agents.map((a) => a.close()));
  await hub?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('gitfleet rollout, the binary, against a real fleet', () => {
  it('plan: the waves, and which target is in which wave and why', async () => {
    const table = (await ok(['rollout', 'plan', 'web'])).stdout;
    expect(table).toContain('plan of web: 2 wave(s): canary: 1 target (env=dev)');
    expect(table).toMatch(/^canary\s+1: dev\s+100% \(=1\)\s+1s\s+-\s+pending$/m);
    expect(table).not.toContain('unmatched'); // the implicit wave has no target: no row
    expect(table).toMatch(/^prod\s+2: prd-1, prd-2\s+1\s+-\s+manual\s+pending$/m);
    expect(table).toMatch(/^dev\s+canary\s+selector matched wave canary \(env=dev\)\s+ready /m);
    expect(table).toMatch(/^prd-2\s+prod\s+selector matched wave prod \(env=prod\)\s+ready /m);
    const plan = JSON.parse((await ok(['rollout', 'plan', 'web', '-o', 'json'])).stdout) as {
      waves: { name: string; targets: string[]; gate?: string }[];
      targets: { target: string; wave: string; membership: string }[];
    };
    expect(
      plan.waves.filter((w) => w.targets.length > 0).map((w) => [w.name, w.targets, w.gate]),
    ).toEqual([
      ['canary', ['dev'], undefined],
      ['prod', ['prd-1', 'prd-2'], 'manual'],
    ]);
    expect(plan.targets.map((t) => [t.target, t.wave])).toEqual([
      ['dev', 'canary'],
      ['prd-1', 'prod'],
      ['prd-2', 'prod'],
    ]);
    // names that do not exist: exit 4
    const unknown = await gitfleet(['rollout', 'plan', 'nope']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('application "nope" has no rollout');
  });

  it('a new revision: watch follows the canary to the gate; approve takes the token; watch exits 0', async () => {
    const git = fleet.git;
    if (git === undefined) throw new Error('no git');
    const v2 = await git.commit('fleet', { files: files('v2'), message: 'web v2' });
    const follow = [
      'rollout',
      'watch',
      'web',
      '--revision',
      v2.slice(0, 10),
      '--interval',
      '200ms',
    ];
    const json = start([...follow, '-o', 'json', '--timeout', '50s']);
    const lines = start([...follow, '--timeout', '50s']);
    // both wait past the baseline rollout (v1, Completed) for the one of v2
    await waitFor(
      'the watchers wait for the rollout of v2',
      () => [json, lines].every((w) => w.stderr().includes('waiting for the rollout of web to')),
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(json.stdout()).toBe('');
    await hub.resolver.trigger();

    // the canary moves and soaks, then the rollout stops at prod's gate
    await waitFor(
      'watch shows the gate',
      () => records(json.stdout()).some((r) => r.phase === 'WaitingApproval'),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const seen = records(json.stdout());
    expect(seen.every((r) => r.toRevision === v2)).toBe(true);
    expect(seen[0]?.phase).not.toBe('WaitingApproval');
    const gate = seen.find((r) => r.phase === 'WaitingApproval');
    expect(gate?.waves.map((w) => [w.name, w.status, w.total, w.moved, w.healthy])).toEqual([
      ['canary', 'done', 1, 1, 1],
      ['prod', 'current', 2, 0, 0],
    ]);
    expect(gate?.targets.find((t) => t.target === 'prd-1')).toMatchObject({
      state: 'waiting',
      reason: 'waiting: gate needs approval (wave prod, gate: manual)',
    });
    expect(await messageOn('dev')).toBe('v2');
    expect(await messageOn('prd-1')).toBe('v1');
    expect(await messageOn('prd-2')).toBe('v1');
    await waitFor(
      'the line watcher shows the gate',
      () => lines.stdout().includes('WaitingApproval'),
      {
        timeoutMs: 5_000,
      },
    );
    expect(lines.stdout()).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WaitingApproval \[canary 1\/1 · prod 0\/2\] wave \d\/\d prod waits for approval \(gate: manual\)$/m,
    );
    expect(lines.stdout()).toContain(
      '  prd-1: waiting: gate needs approval (wave prod, gate: manual)\n',
    );

    // status says where it is and what to type
    const status = (await ok(['rollout', 'status', 'web'])).stdout;
    expect(status).toContain(
      `rollout of web ${v1.slice(0, 7)} → ${v2.slice(0, 7)}  WaitingApproval`,
    );
    expect(status).toMatch(
      /^prod\s+2: prd-1, prd-2\s+1\s+-\s+manual\s+current\s+0\/2 moved, 0\/2 healthy$/m,
    );
    expect(status).toMatch(/^dev\s+canary\s+healthy\s+/m);
    expect(status).toContain('approve it: gitfleet rollout approve web --wave prod');

    // approving takes an API token of scope operate
    const approve = ['rollout', 'approve', 'web', '--wave', 'prod'];
    const [none, wrong, readOnly, badWave, badApp] = await Promise.all([
      gitfleet(approve, { GITFLEET_API_TOKEN: undefined }),
      gitfleet(approve, { GITFLEET_API_TOKEN: 'not-the-token' }),
      gitfleet(approve),
      gitfleet(['rollout', 'approve', 'web', '--wave', 'qa', '--api-token-file', tokenFile]),
      gitfleet(['rollout', 'approve', 'nope', '--wave', 'prod', '--api-token-file', tokenFile]),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('which API token?');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'gitfleet rollout approve: the hub refused the request (401 UNAUTHORIZED): GET /api/v1/rollout needs a token of scope read, operate or admin: the bearer token is not one this hub accepts',
    );
    expect(wrong.stderr).toContain('check the API token: it must be one the hub accepts');
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toContain(
      'gitfleet rollout approve: the hub refused the request (403 FORBIDDEN): POST /api/v1/rollout/command needs a token of scope operate or admin; the token of read has scope read',
    );
    expect(readOnly.stderr).toContain('this needs a token of scope operate (or a stronger one)');
    expect(badWave.code).toBe(4);
    expect(badWave.stderr).toContain(
      `wave "qa" is not a wave of web's rollout (waves: canary, prod)`,
    );
    expect(badApp.code).toBe(4);
    expect(await phase()).toBe('WaitingApproval');
    expect(await messageOn('prd-1')).toBe('v1');

    const approved = await ok([...approve, '--api-token-file', tokenFile], {
      GITFLEET_AUTHOR: 'mallory', // not the sender: the token's name is
    });
    expect(approved.stdout.trim()).toBe('web: wave prod approved by alice');

    // the watchers follow prod to the end and exit 0
    const [j, l] = await Promise.all([json.done, lines.done]);
    expect(j.code, j.stderr).toBe(0);
    expect(l.code, l.stderr).toBe(0);
    const all = records(j.stdout);
    const last = all.at(-1);
    expect(last?.phase).toBe('Completed');
    expect(last?.waves.map((w) => [w.name, w.moved, w.healthy])).toEqual([
      ['canary', 1, 1],
      ['prod', 2, 2],
    ]);
    // prod moved one at a time (maxUnavailable 1): never both moving and unhealthy at once
    for (const r of all) {
      const prod = r.waves.find((w) => w.name === 'prod');
      if (prod !== undefined) expect(prod.moved - prod.healthy).toBeLessThanOrEqual(1);
    }
    expect(l.stdout.trim().split('\n').at(-1)).toMatch(
      /Completed \[canary 1\/1 · prod 2\/2\] completed: 3 target\(s\) moved$/,
    );
    expect(await messageOn('prd-1')).toBe('v2');
    expect(await messageOn('prd-2')).toBe('v2');
  });

  it('list; a command the hub ignores is exit 1; a terminal gets progress bars; completion', async () => {
    const list = JSON.parse((await ok(['rollout', 'list', '-o', 'json'])).stdout) as {
      items: { app: string; phase: string }[];
    };
    expect(list.items.map((i) => [i.app, i.phase])).toEqual([['web', 'Completed']]);
    expect((await ok(['rollout', 'list'])).stdout).toMatch(
      /^web\s+Completed\s+[0-9a-f]{7}\s+[0-9a-f]{7}\s+completed: 3 target\(s\) moved$/m,
    );

    const paused = await gitfleet(['rollout', 'pause', 'web'], {
      GITFLEET_API_TOKEN: apiTokens.admin,
    });
    expect(paused.code).toBe(1);
    expect(paused.stderr).toContain(
      'gitfleet rollout pause: the hub ignored pause of web: pause by bob ignored: the rollout is Completed',
    );

    // on a terminal (a pseudo-terminal from script(1)): a frame with a bar per wave
    const { stdout: tty } = await run(
      'script',
      ['-qec', `${GITFLEET} rollout watch web --no-color`, '/dev/null'],
      {
        env: {
          ...process.env,
          GITFLEET_HUB_URL: api,
          GITFLEET_API_TOKEN: apiTokens.read,
          COLUMNS: '120',
          TERM: 'xterm',
        },
      },
    );
    expect(tty).toContain('Completed');
    expect(tty).toMatch(/canary\s+\[█{24}\]\s+1\/1 moved, 1\/1 healthy\s+done/);
    expect(tty).toMatch(
      /prod\s+\[█{24}\]\s+2\/2 moved, 2\/2 healthy\s+done, gate manual \(approved\)/,
    );

    const script = (await ok(['completion', 'bash'])).stdout;
    const file = path.join(dir, 'gitfleet.bash');
    await writeFile(file, script);
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
    expect(await complete(['gitfleet', 'ro'])).toBe('rollout');
    expect(await complete(['gitfleet', 'rollout', 'a'])).toBe('approve abort');
    expect(await complete(['gitfleet', 'rollout', 'watch', ''])).toBe('web');
    expect(await complete(['gitfleet', 'rollout', 'approve', 'web', '--a'])).toBe(
      '--api-token-file',
    );
  });
});
