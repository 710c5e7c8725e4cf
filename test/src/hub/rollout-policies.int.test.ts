/**
 * Rollout policies on real clusters: the real hub (Git over HTTP, Redis, BullMQ, gRPC)
 * and four real agents on four real clusters — dev-1, dev-2 (env=dev), staging, prod — one
 * application rolled out in waves dev → staging → prod, no soak (except where said), so each
 * revision takes a few seconds.
 *
 * - maxUnavailable: the dev wave has two targets and `maxUnavailable: 1`: dev-2 moves only once
 *   dev-1 is healthy at the new revision, seen on the clusters, in the explanation while dev-1 is
 *   in flight, and in the rollout's `moved` events (one target each).
 * - staleTargets: with staging's agent gone, `block` stops the rollout at the staging wave (the
 *   explanation says who blocks, prod keeps the old revision); switching the strategy to `skip`
 *   (a fleet commit) lists staging as skipped and prod proceeds; the agent back, staging is
 *   caught up.
 * - Sync windows: prod's Environment has a deny window active now: the rollout reaches prod's
 *   wave and holds prod there, the explanation names the window; a fleet commit removes the
 *   window and prod moves.
 * - Liveness at a short heartbeat: the hub restarted with `--heartbeat-interval-ms 500` (the
 *   agents reconnect on the same port); agents that heartbeat must never look Stale, neither to
 *   the targets API nor to the rollout (where Stale means unhealthy, or blocking). The rollout
 *   tests above run at 1 s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { createTestPki, type TestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { waitFor } from '../fleet/wait.ts';

const TARGETS = [
  { name: 'dev-1', env: 'dev' },
  { name: 'dev-2', env: 'dev' },
  { name: 'staging', env: 'staging' },
  { name: 'prod', env: 'prod' },
] as const;
type TargetName = (typeof TARGETS)[number]['name'];
const NAMES = TARGETS.map((t) => t.name);
const ENVS = ['dev', 'staging', 'prod'] as const;
const DENY = { kind: 'deny', schedule: '* * * * *', duration: '1h' } as const;
const API_TOKEN = `api-${randomBytes(12).toString('hex')}`;
/** The token of --api-token-file (scope admin): every read of the API sends it. */
const AUTH = { headers: { authorization: `Bearer ${API_TOKEN}` } };

let fleet: TestFleet;
let hub: RunningHub | undefined;
const agents = new Map<TargetName, RunningAgent>();
const clusters = new Map<TargetName, KubeCluster>();
let dir: string;
let pki: TestPki;
let api = '';
let repo = '';
/** Heartbeat of the rollout tests: 3 missed and a target is Stale. */
const HEARTBEAT_MS = 500;

interface FleetOptions {
  readonly message: string;
  readonly staleTargets?: 'block' | 'skip';
  /** Soak of the prod wave (default none). */
  readonly prodSoak?: string;
  /** A deny window on prod's Environment, active now. */
  readonly prodDenyWindow?: boolean;
}

function files(o: FleetOptions): Record<string, string> {
  const doc = (...lines: string[]): string =>
    ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
  return {
    'fleet/targets.yaml': TARGETS.map((t) =>
      doc('kind: Target', `metadata: { name: ${t.name}, labels: { env: ${t.env} } }`),
    ).join('---\n'),
    'fleet/environments.yaml': ENVS.map((e) =>
      doc(
        'kind: Environment',
        `metadata: { name: ${e} }`,
        'spec:',
        `  selector: { matchLabels: { env: ${e} } }`,
        ...(e === 'prod' && o.prodDenyWindow === true
          ? [
              '  syncWindows:',
              `    - { kind: ${DENY.kind}, schedule: "${DENY.schedule}", duration: ${DENY.duration} }`,
            ]
          : []),
      ),
    ).join('---\n'),
    'fleet/web.yaml': doc(
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web }',
      '  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }',
      '  rollout:',
      '    waves:',
      '      - { name: dev, selector: { matchLabels: { env: dev } }, maxUnavailable: 1 }',
      '      - { name: staging, selector: { matchLabels: { env: staging } } }',
      `      - { name: prod, selector: { matchLabels: { env: prod } }${o.prodSoak === undefined ? '' : `, soak: ${o.prodSoak}`} }`,
      '    progressDeadline: 30s',
      '    failureBudget: 0',
      '    onFailure: halt',
      `    staleTargets: ${o.staleTargets ?? 'block'}`,
    ),
    'apps/web/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: "${o.message}" }\n`,
  };
}

async function commit(o: FleetOptions, message: string): Promise<string> {
  const sha = (await fleet.git?.commit('fleet', { files: files(o), message })) ?? '';
  await hub?.resolver.trigger();
  return sha;
}

async function messageOn(target: TargetName): Promise<string | undefined> {
  const c = clusters.get(target);
  if (c === undefined) throw new Error(target);
  const r = await c.request<{ data?: Record<string, string> }>(
    'GET',
    '/api/v1/namespaces/default/configmaps/web',
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

const messages = async (): Promise<Record<TargetName, string | undefined>> => {
  const [d1, d2, s, p] = await Promise.all(NAMES.map(messageOn));
  return { 'dev-1': d1, 'dev-2': d2, staging: s, prod: p };
};

interface TargetExplanation {
  target: string;
  wave: string;
  state: string;
  revision: string;
  reason: string;
}
interface RolloutView {
  state: {
    phase: string;
    wave: number;
    fromRevision: string;
    toRevision: string;
    moved: Record<string, number>;
    healthySinceMs: Record<string, number>;
    history: { kind: string; wave?: string; targets?: string[]; atMs: number; message: string }[];
  };
  explanation: { summary: string; targets: TargetExplanation[] };
}
async function rollout(): Promise<RolloutView> {
  const res = await fetch(`${api}/api/v1/rollout?app=web`, AUTH);
  if (!res.ok) throw new Error(`GET rollout: ${res.status} ${await res.text()}`);
  return (await res.json()) as RolloutView;
}
async function plan(): Promise<{ summary: string; targets: TargetExplanation[] }> {
  const res = await fetch(`${api}/api/v1/rollout/plan?app=web`, AUTH);
  if (!res.ok) throw new Error(`GET rollout/plan: ${res.status} ${await res.text()}`);
  return (await res.json()) as { summary: string; targets: TargetExplanation[] };
}
const explained = (v: { targets: TargetExplanation[] }, target: TargetName): TargetExplanation => {
  const t = v.targets.find((x) => x.target === target);
  if (t === undefined) throw new Error(`no explanation for ${target}`);
  return t;
};
async function connectionOf(target: TargetName): Promise<string | undefined> {
  const res = await fetch(`${api}/api/v1/targets`, AUTH);
  if (!res.ok) throw new Error(`GET targets: ${res.status}`);
  const body = (await res.json()) as { items: { name: string; connection: string }[] };
  return body.items.find((t) => t.name === target)?.connection;
}
/** The `moved` events of the rollout, one list of targets per event, in order. */
const movedEvents = (v: RolloutView): string[][] =>
  v.state.history.filter((e) => e.kind === 'moved').map((e) => e.targets ?? []);

async function startAgent(target: TargetName): Promise<void> {
  const c = clusters.get(target);
  if (c === undefined || hub === undefined) throw new Error(target);
  agents.set(
    target,
    await runAgent(
      loadAgentConfig({
        argv: [
          ...['--target', target, '--hub', `127.0.0.1:${hub.grpcPort}`],
          ...pki.agentArgs(target),
          ...['--kubeconfig', c.kubeconfigPath],
        ],
        env: {},
      }),
      silentLogger,
    ),
  );
}

/**
 * The hub, on `grpcPort` (0: any; the agents keep the port they were given across a restart).
 * The rollout tests run at a 500 ms heartbeat (3 missed = Stale after 1.5 s).
 */
async function startHub(o: { grpcPort: number; heartbeatIntervalMs: number }): Promise<void> {
  const redis = fleet.redis;
  if (redis === undefined) throw new Error('redis');
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repo, '--redis-url', redis.url],
        ...pki.hubArgs(),
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', `127.0.0.1:${String(o.grpcPort)}`],
        ...['--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000', '--rollout-interval-ms', '200'],
        ...['--api-token-file', path.join(dir, 'api.token')],
        ...['--heartbeat-interval-ms', String(o.heartbeatIntervalMs)],
      ],
      env: {},
    }),
    silentLogger,
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fast = { timeoutMs: 20_000, intervalMs: 50 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-rollout-policies-'));
  fleet = await startFleet({ clusterNames: NAMES });
  const { git, kube } = fleet;
  if (git === undefined || kube === undefined) throw new Error('fleet');
  repo = await git.createRepo('fleet');
  await git.commit('fleet', { files: files({ message: 'v1' }), message: 'v1' });
  pki = await createTestPki(NAMES, { dir: path.join(dir, 'pki') });
  await writeFile(path.join(dir, 'api.token'), API_TOKEN);
  await startHub({ grpcPort: 0, heartbeatIntervalMs: HEARTBEAT_MS });
  for (const [i, name] of NAMES.entries()) {
    const c = kube.clusters[i];
    if (c === undefined) throw new Error('cluster');
    clusters.set(name, c);
    await startAgent(name);
  }
  // the first revision is the baseline: everywhere at once
  await waitFor(
    'v1 everywhere',
    async () => Object.values(await messages()).every((m) => m === 'v1'),
    { timeoutMs: 60_000 },
  );
  await waitFor('baseline rollout', async () => (await rollout()).state.phase === 'Completed', {
    timeoutMs: 20_000,
  });
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([...agents.values()].map((a) => a.close()));
  await hub?.close();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('maxUnavailable 1: the two dev targets move one after the other, then staging, then prod', async () => {
  const v2 = await commit({ message: 'v2' }, 'v2');
  // watch both dev clusters and the explanation until dev-2 has moved
  const samples: { dev1?: string; dev2?: string }[] = [];
  const dev2Reasons: string[] = [];
  await waitFor(
    'both dev targets on v2',
    async () => {
      const [dev1, dev2, view] = await Promise.all([
        messageOn('dev-1'),
        messageOn('dev-2'),
        rollout(),
      ]);
      samples.push({ dev1, dev2 });
      if (view.state.toRevision === v2) {
        const e = explained(view.explanation, 'dev-2');
        if (e.state === 'waiting') dev2Reasons.push(e.reason);
      }
      return dev1 === 'v2' && dev2 === 'v2';
    },
    { timeoutMs: 20_000, intervalMs: 25 },
  );
  // on the clusters: dev-1 first, dev-2 never ahead of it
  expect(samples.some((s) => s.dev1 === 'v2' && s.dev2 === 'v1')).toBe(true);
  expect(samples.some((s) => s.dev1 !== 'v2' && s.dev2 === 'v2')).toBe(false);
  // the hub said why dev-2 waited while dev-1 was in flight
  expect(dev2Reasons).toContainEqual(
    expect.stringMatching(/^waiting: maxUnavailable 1 reached \(moving: dev-1\)/),
  );

  await waitFor(
    'v2 everywhere',
    async () => Object.values(await messages()).every((m) => m === 'v2'),
    fast,
  );
  await waitFor('completed', async () => (await rollout()).state.phase === 'Completed', fast);
  const done = await rollout();
  expect(done.state.toRevision).toBe(v2);
  // one target per move, in name order within the wave, then the later waves
  expect(movedEvents(done)).toEqual([['dev-1'], ['dev-2'], ['staging'], ['prod']]);
  const { moved, healthySinceMs } = done.state;
  const at = (r: Record<string, number>, t: TargetName): number => r[t] ?? NaN;
  // never two dev targets moved-but-not-healthy at once: dev-2 moved once dev-1 was healthy
  expect(at(moved, 'dev-2')).toBeGreaterThan(at(moved, 'dev-1'));
  expect(at(moved, 'dev-2')).toBeGreaterThanOrEqual(at(healthySinceMs, 'dev-1'));
  expect(at(moved, 'staging')).toBeGreaterThanOrEqual(at(healthySinceMs, 'dev-2'));
  expect(at(moved, 'prod')).toBeGreaterThanOrEqual(at(healthySinceMs, 'staging'));
  expect(done.explanation.targets.map((t) => [t.target, t.state])).toEqual(
    NAMES.map((n) => [n, 'healthy']),
  );
}, 60_000);

it('staleTargets: block stops at a disconnected target; skip lists it and goes on; it catches up', async () => {
  const v2 = (await rollout()).state.toRevision;
  await agents.get('staging')?.close();
  agents.delete('staging');
  await waitFor(
    'staging not Connected',
    async () => (await connectionOf('staging')) !== 'Connected',
    fast,
  );
  // the plan says so before the revision is even committed
  expect(explained(await plan(), 'staging')).toMatchObject({
    state: 'blocked',
    reason: expect.stringMatching(/would be blocking: .*staleTargets: block/) as unknown,
  });

  const v3 = await commit({ message: 'v3', staleTargets: 'block' }, 'v3');
  await waitFor(
    'dev on v3',
    async () => (await messageOn('dev-1')) === 'v3' && (await messageOn('dev-2')) === 'v3',
    fast,
  );
  const blocked = await waitFor(
    'blocked by staging',
    async () => {
      const v = await rollout();
      return v.state.toRevision === v3 &&
        v.state.wave === 1 &&
        explained(v.explanation, 'staging').state === 'blocked'
        ? v
        : undefined;
    },
    fast,
  );
  expect(blocked.state.phase).toBe('Progressing');
  expect(blocked.state.wave).toBe(1);
  expect(blocked.explanation.summary).toMatch(
    /wave 2\/\d staging: .*blocked by staging \(not Connected, staleTargets: block\)/,
  );
  expect(explained(blocked.explanation, 'staging').reason).toMatch(
    /^target staging is (Stale|Disconnected): blocking \(staleTargets: block\)$/,
  );
  expect(explained(blocked.explanation, 'prod')).toMatchObject({ state: 'pending', revision: v2 });
  // it stays blocked (no deadline: not the revision's fault) and prod does not move
  await sleep(1_500);
  const still = await rollout();
  expect(still.state).toMatchObject({ phase: 'Progressing', wave: 1, toRevision: v3 });
  expect(Object.keys(still.state.moved).sort()).toEqual(['dev-1', 'dev-2']);
  expect(await messageOn('prod')).toBe('v2');
  expect(await messageOn('staging')).toBe('v2');

  // the same revision under `skip` (a fleet-only commit: the rollout goes on, not restarted); prod
  // soaks a while so the rollout still runs when staging comes back
  await commit({ message: 'v3', staleTargets: 'skip', prodSoak: '4s' }, 'staleTargets: skip');
  await waitFor('prod on v3', async () => (await messageOn('prod')) === 'v3', fast);
  const skipped = await rollout();
  expect(skipped.state.toRevision).toBe(v3);
  expect(skipped.state.history.map((e) => e.kind)).not.toContain('superseded');
  expect(skipped.state.history).toContainEqual(
    expect.objectContaining({
      kind: 'wave-completed',
      wave: 'staging',
      targets: ['staging'],
      message: expect.stringMatching(/skipped \(not Connected\): staging/) as unknown,
    }),
  );
  expect(explained(skipped.explanation, 'staging')).toMatchObject({
    state: 'skipped',
    revision: v2,
    reason: expect.stringMatching(
      /moved once Connected again \(wave staging already passed\)/,
    ) as unknown,
  });
  expect(await messageOn('staging')).toBe('v2');

  // the agent comes back during prod's soak: staging is caught up
  await startAgent('staging');
  await waitFor('staging on v3', async () => (await messageOn('staging')) === 'v3', fast);
  await waitFor('completed', async () => (await rollout()).state.phase === 'Completed', fast);
  const done = await rollout();
  expect(movedEvents(done)).toEqual([['dev-1'], ['dev-2'], ['prod']]);
  const caughtUp = done.state.history.findIndex((e) => e.kind === 'caught-up');
  expect(done.state.history[caughtUp]?.targets).toEqual(['staging']);
  expect(caughtUp).toBeLessThan(done.state.history.findIndex((e) => e.kind === 'completed'));
  expect(explained(done.explanation, 'staging').state).toBe('healthy');
  expect(Object.values(await messages())).toEqual(['v3', 'v3', 'v3', 'v3']);
}, 60_000);

it('a deny sync window holds prod in its wave, says which window; removing it lets prod move', async () => {
  const v3 = (await rollout()).state.toRevision;
  const v4 = await commit({ message: 'v4', prodDenyWindow: true }, 'v4, prod frozen by a window');
  await waitFor(
    'v4 up to staging',
    async () => {
      const m = await messages();
      return m['dev-1'] === 'v4' && m['dev-2'] === 'v4' && m.staging === 'v4';
    },
    fast,
  );
  const held = await waitFor(
    'prod held',
    async () => {
      const v = await rollout();
      return v.state.toRevision === v4 &&
        v.state.wave === 2 &&
        explained(v.explanation, 'prod').state === 'held'
        ? v
        : undefined;
    },
    fast,
  );
  const window = `deny ${DENY.schedule} for ${DENY.duration}, UTC`;
  expect(held.state).toMatchObject({ phase: 'Progressing', wave: 2 });
  expect(explained(held.explanation, 'prod')).toMatchObject({ revision: v3 });
  expect(explained(held.explanation, 'prod').reason).toContain(
    `held: sync window closed (${window})`,
  );
  expect(held.explanation.summary).toContain(`1 held: sync window closed (${window})`);
  expect(explained(await plan(), 'prod').reason).toContain(window);
  // held, not failed: it stays so, and prod keeps v3
  await sleep(1_500);
  const still = await rollout();
  expect(still.state).toMatchObject({ phase: 'Progressing', wave: 2, toRevision: v4 });
  expect(Object.hasOwn(still.state.moved, 'prod')).toBe(false);
  expect(await messageOn('prod')).toBe('v3');

  // the window removed (a fleet-only commit): prod moves
  await commit({ message: 'v4' }, 'prod window removed');
  await waitFor('prod on v4', async () => (await messageOn('prod')) === 'v4', fast);
  await waitFor('completed', async () => (await rollout()).state.phase === 'Completed', fast);
  const done = await rollout();
  expect(done.state.toRevision).toBe(v4);
  expect(movedEvents(done)).toEqual([['dev-1'], ['dev-2'], ['staging'], ['prod']]);
  expect(Object.values(await messages())).toEqual(['v4', 'v4', 'v4', 'v4']);
}, 60_000);

it('agents that heartbeat stay Connected at a 500 ms heartbeat (3 missed = Stale)', async () => {
  // same Redis, same gRPC port: the agents reconnect to the new hub by themselves
  const grpcPort = hub?.grpcPort ?? 0;
  await hub?.close();
  hub = undefined;
  await startHub({ grpcPort, heartbeatIntervalMs: 500 });
  const connections = async (): Promise<{ name: string; connection: string }[]> => {
    const res = await fetch(`${api}/api/v1/targets`, AUTH);
    if (!res.ok) throw new Error(`GET targets: ${res.status}`);
    return ((await res.json()) as { items: { name: string; connection: string }[] }).items;
  };
  await waitFor(
    'every agent reconnected',
    async () => (await connections()).every((t) => t.connection === 'Connected'),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  // every agent is alive and heartbeating: none may ever look Stale, to the status API or to
  // the rollout (where a Stale target is unhealthy, and blocks a wave under staleTargets: block)
  const notConnected: string[] = [];
  const notHealthy: string[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < 6_000) {
    const [targets, view] = await Promise.all([connections(), rollout()]);
    const at = `+${String(Date.now() - t0)}ms`;
    for (const t of targets) {
      if (t.connection !== 'Connected') notConnected.push(`${at} ${t.name} ${t.connection}`);
    }
    for (const t of view.explanation.targets) {
      if (t.state !== 'healthy') notHealthy.push(`${at} ${t.target}: ${t.reason}`);
    }
    await sleep(50);
  }
  expect({ notConnected, notHealthy }).toEqual({ notConnected: [], notHealthy: [] });
}, 60_000);
