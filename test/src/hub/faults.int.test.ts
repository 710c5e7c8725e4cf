/**
 * Faults in the middle of a delivery, with real processes only: the gitfleet-hub binary, three
 * real clusters each with its own gitfleet-agent binary, Redis with AOF and Git over HTTP.
 *
 * One commit changes every ConfigMap of every application (APPS × CMS_PER_APP objects per
 * cluster, on all three targets) and is announced by a signed webhook. As soon as the first
 * changed object shows up in any cluster (a kube watch sees it), the fault strikes — the
 * resolver is then still walking the 48 (application, target) pairs and most assignments are not
 * yet stored, sent, acked or applied:
 *
 * (a) the hub is SIGKILLed (its whole process group) and started again on the same ports;
 * (b) Redis is SIGKILLed and started again on its data dir (AOF replay) while the hub keeps running.
 *
 * That the fault really came mid-delivery is asserted from the hub's JSON log ("desired state
 * changed" lines): in (a) the killed hub stored the new desired state of only some pairs and the
 * restarted one stored the rest; in (b) pairs were still being stored after Redis died.
 * (a) runs first, see the note above the tests.
 *
 * Convergence: the hub's /api/v1/status shows every (target, app) Synced and Healthy at the new
 * revision, with the reported version equal to the desired one, and every object in every cluster
 * holds the new content.
 *
 * "Nothing applied twice", from the clusters' own records (two independent witnesses):
 * - a watch on every managed ConfigMap of each cluster (list, then watch from the list's
 *   resourceVersion, so no event is missed) must show, from the commit until a quiet period after
 *   convergence, exactly one event per object: MODIFIED, carrying the new content. A write that
 *   changes nothing bumps no resourceVersion and emits no event, so this alone would miss a
 *   repeated no-op apply; hence
 * - the apiserver's own request counter (apiserver_request_total, mutating verbs on configmaps,
 *   dry runs excluded) must grow by exactly the number of managed ConfigMaps on each cluster:
 *   one request per object, not one more. The agent keeps its own state in Secrets and nothing
 *   else in these clusters writes ConfigMaps while the test runs (no namespace is created), so
 *   every counted request is an apply of one of the app objects.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, writeApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePorts } from '../fleet/ports.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';
import { NO_HUB_ENV } from '../fleet/hub-env.ts';
import {
  ConfigMapWatch,
  configMapWrites,
  writesDelta as delta,
  type CmEvent,
} from '../faults/witness.ts';

const HUB_BIN = path.join(REPO_ROOT, 'hub/bin/gitfleet-hub');
const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
const WEBHOOK_SECRET = `webhook-${randomBytes(12).toString('hex')}`;
const TARGETS = ['east', 'west', 'north'] as const;
const APPS = Array.from({ length: 16 }, (_, i) => `shop-${String(i + 1).padStart(2, '0')}`);
const CMS_PER_APP = 6;
const OBJECTS_PER_CLUSTER = APPS.length * CMS_PER_APP;
/** After convergence, how long a late duplicate write has to show up before we count. */
const QUIET_MS = 2_000;

interface StatusRow {
  target: string;
  app: string;
  desiredVersion: number;
  desiredRevision: string;
  reportedVersion?: number;
  revision?: string;
  sync: string;
  health: string;
  connection: string;
}

let fleet: TestFleet;
let clusters: readonly KubeCluster[] = [];
let dir: string | undefined;
let readToken = '';
let repoUrl = '';
let api = '';
let hubEnv: Record<string, string | undefined> = {};
let hub: ManagedProcess | undefined;
let hubStarts = 0;
let head = '';
const agents: ManagedProcess[] = [];
const procs: ManagedProcess[] = [];
const watches: ConfigMapWatch[] = [];

// ------------------------------------------------------------------ the fleet repository

function fleetFiles(rev: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const t of TARGETS) {
    files[`targets/${t}.yaml`] =
      `apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: ${t}, labels: { env: ${t} } }\n`;
  }
  for (const app of APPS) {
    files[`apps/${app}/application.yaml`] = [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      `metadata: { name: ${app} }`,
      'spec:',
      `  source: { path: apps/${app}/manifests }`,
      '  placement: { selector: { matchLabels: {} } }',
      '',
    ].join('\n');
    const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: { name: ${app} }\n`];
    for (let i = 1; i <= CMS_PER_APP; i++) {
      docs.push(
        [
          'apiVersion: v1',
          'kind: ConfigMap',
          `metadata: { name: settings-${i}, namespace: ${app} }`,
          'data:',
          `  rev: "${rev}"`,
          `  greeting: "hello from ${app} ${i} at ${rev}"`,
          '',
        ].join('\n'),
      );
    }
    files[`apps/${app}/manifests/objects.yaml`] = docs.join('---\n');
  }
  return files;
}

function signedPush(before: string, after: string): RequestInit {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before,
    after,
    repository: { full_name: 'gitfleet/fleet', clone_url: repoUrl },
  });
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomBytes(8).toString('hex'),
      'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
    },
    body,
  };
}

// ------------------------------------------------------------------ processes

function everyoneAlive(): string | undefined {
  if (hub !== undefined && !hub.running) return `the hub exited: ${hub.tail()}`;
  const dead = agents.find((a) => !a.running);
  return dead === undefined ? undefined : `${dead.name} exited: ${dead.tail()}`;
}

/** Starts the hub binary (same env, so same ports, every time) and waits until it is ready. */
async function startHub(): Promise<ManagedProcess> {
  const p = await spawnManaged(`gitfleet-hub-${++hubStarts}`, HUB_BIN, {
    logDir: dir ?? os.tmpdir(),
    env: hubEnv,
  });
  procs.push(p);
  hub = p;
  await waitFor('hub /readyz 200', async () => (await fetch(`${api}/readyz`)).status === 200, {
    timeoutMs: 30_000,
    intervalMs: 50,
    abortIf: () => (p.running ? undefined : `the hub exited: ${p.tail()}`),
  });
  return p;
}

async function status(): Promise<StatusRow[]> {
  const res = await fetch(`${api}/api/v1/status`, { headers: bearer(readToken) });
  if (res.status !== 200) throw new Error(`GET /api/v1/status: HTTP ${res.status}`);
  return ((await res.json()) as { items: StatusRow[] }).items;
}

/** Why the fleet is not converged on `rev` (undefined when it is). */
function notConverged(rows: readonly StatusRow[], rev: string): string | undefined {
  if (rows.length !== TARGETS.length * APPS.length)
    return `${rows.length} status rows, expected ${TARGETS.length * APPS.length}`;
  const bad = rows.filter(
    (r) =>
      r.desiredRevision !== rev ||
      r.revision !== rev ||
      r.reportedVersion !== r.desiredVersion ||
      r.sync !== 'Synced' ||
      r.health !== 'Healthy' ||
      r.connection !== 'Connected',
  );
  return bad.length === 0
    ? undefined
    : `${bad.length} rows not Synced at ${rev.slice(0, 8)}, e.g. ${JSON.stringify(bad[0])}`;
}

async function waitConverged(rev: string, timeoutMs: number): Promise<StatusRow[]> {
  let why = '';
  try {
    return await waitFor(
      `every (target, app) Synced at ${rev.slice(0, 8)}`,
      async () => {
        const rows = await status();
        why = notConverged(rows, rev) ?? '';
        return why === '' ? rows : undefined;
      },
      { timeoutMs, intervalMs: 100, abortIf: everyoneAlive },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)} (last: ${why})`, {
      cause: err,
    });
  }
}

// ------------------------------------------------------------------ the clusters' witnesses

/** Resolves (synchronously in the watch callback, so the fault strikes at once) on the first object at `rev`. */
function firstObjectAt(rev: string, timeoutMs: number): Promise<{ cluster: string; key: string }> {
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const off of offs) off();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no object reached ${rev.slice(0, 8)} within ${timeoutMs} ms`));
    }, timeoutMs);
    for (const w of watches) {
      offs.push(
        w.onEvent((e) => {
          if (e.rev !== rev) return;
          done();
          resolve({ cluster: w.cluster.name, key: e.key });
        }),
      );
    }
  });
}

// ------------------------------------------------------------------ one change, one fault

interface FaultRun {
  /** The commit. */
  readonly rev: string;
  /** When the fault struck (ms since the epoch, the watch callback's clock). */
  readonly faultAtMs: number;
  /** Objects (all clusters) already at the new content when the fault struck. */
  readonly atFault: number;
  readonly faultAfterMs: number;
  readonly convergedAfterMs: number;
}

/**
 * Commits a change of every object on every target (ConfigMap data `rev: <label>`), announces it
 * by webhook, runs `fault` the moment the first changed object appears in a cluster, then checks
 * convergence and that every object was written exactly once.
 */
async function changeWithFault(label: string, fault: () => Promise<void>): Promise<FaultRun> {
  const git = fleet.git;
  if (git === undefined) throw new Error('no git');
  for (const w of watches) if (w.failure !== undefined) throw new Error(w.failure);
  const before = await Promise.all(clusters.map(configMapWrites));
  const marks = watches.map((w) => w.events.length);
  const rev = await git.commit('fleet', { files: fleetFiles(label), message: label });
  const first = firstObjectAt(label, 20_000);
  const t0 = Date.now();
  const res = await fetch(`${api}/webhook`, signedPush(head, rev));
  expect(res.status).toBe(202);
  head = rev;

  await first;
  const faultAtMs = Date.now();
  const atFault = watches.reduce((n, w) => n + w.countAt(label), 0);
  await fault();

  await waitConverged(rev, 60_000);
  await waitFor(
    `every managed ConfigMap at ${label} in every cluster`,
    () =>
      watches.every(
        (w) => w.countAt(label) === OBJECTS_PER_CLUSTER && w.live.size === OBJECTS_PER_CLUSTER,
      ),
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  const run: FaultRun = {
    rev,
    faultAtMs,
    atFault,
    faultAfterMs: faultAtMs - t0,
    convergedAfterMs: Date.now() - t0,
  };

  // a late duplicate has time to show
  await new Promise((r) => setTimeout(r, QUIET_MS));
  expect(notConverged(await status(), rev)).toBeUndefined();
  const after = await Promise.all(clusters.map(configMapWrites));
  for (const [i, w] of watches.entries()) {
    expect(w.failure).toBeUndefined();
    const name = w.cluster.name;
    const events = w.events.slice(marks[i]);
    const byKey = new Map<string, CmEvent[]>();
    for (const e of events) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
    // one event per object, and it is the change: nothing re-created, nothing written twice
    expect(
      [...byKey]
        .filter(([, es]) => es.length !== 1)
        .map(([k, es]) => `${name} ${k}: ${es.map((e) => `${e.type}@${e.rev ?? '-'}`).join(', ')}`),
    ).toEqual([]);
    expect(byKey.size).toBe(OBJECTS_PER_CLUSTER);
    expect(events.filter((e) => e.type !== 'MODIFIED' || e.rev !== label)).toEqual([]);
    // one apply request per object, not one more (no-op re-applies included)
    expect({
      cluster: name,
      writes: delta(before[i] ?? new Map<string, number>(), after[i] ?? new Map<string, number>()),
    }).toEqual({ cluster: name, writes: { APPLY: OBJECTS_PER_CLUSTER } });
  }
  return run;
}

/** The (target, app) pairs a hub process resolved to `rev`, with when, from its JSON log. */
async function resolvedBy(
  p: ManagedProcess,
  rev: string,
): Promise<{ pair: string; atMs: number }[]> {
  const out: { pair: string; atMs: number }[] = [];
  for (const line of (await readFile(p.logFile, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as {
      time?: string;
      msg?: string;
      target?: string;
      app?: string;
      revision?: string;
    };
    if (r.msg === 'desired state changed' && r.revision === rev)
      out.push({ pair: `${r.target}/${r.app}`, atMs: Date.parse(r.time ?? '') });
  }
  return out;
}

// ------------------------------------------------------------------ setup

beforeAll(async () => {
  const t0 = Date.now();
  fleet = await startFleet({ clusterNames: [...TARGETS] });
  if (fleet.git === undefined || fleet.redis === undefined || fleet.kube === undefined)
    throw new Error('fleet incomplete');
  clusters = fleet.kube.clusters;
  repoUrl = await fleet.git.createRepo('fleet');
  head = await fleet.git.commit('fleet', { files: fleetFiles('r1'), message: 'r1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-faults-'));
  const pki = await createTestPki(TARGETS, { dir: path.join(dir, 'pki') });
  await writeFile(path.join(dir, 'webhook.secret'), WEBHOOK_SECRET, { mode: 0o600 });
  const apiTokens = await writeApiTokens(dir);
  readToken = apiTokens.read;
  const [grpcPort = 0, httpPort = 0] = await freePorts(2);
  api = `http://127.0.0.1:${httpPort}`;
  hubEnv = {
    ...NO_HUB_ENV,
    GITFLEET_FLEET_REPO: repoUrl,
    GITFLEET_REDIS_URL: fleet.redis.url,
    ...pki.hubEnv(),
    GITFLEET_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
    GITFLEET_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
    // the webhook brings each change; polling must not race it
    GITFLEET_POLL_INTERVAL_MS: '600000',
    GITFLEET_WEBHOOK_SECRET_FILE: path.join(dir, 'webhook.secret'),
    GITFLEET_HUB_CACHE_DIR: path.join(dir, 'hub-git-cache'),
    GITFLEET_HEARTBEAT_INTERVAL_MS: '1000',
    GITFLEET_API_TOKENS_FILE: apiTokens.file,
  };
  await startHub();
  for (const [i, t] of TARGETS.entries()) {
    const c = clusters[i];
    if (c === undefined) throw new Error(`no cluster for ${t}`);
    const a = await spawnManaged(`gitfleet-agent-${t}`, AGENT_BIN, {
      logDir: dir,
      env: {
        GITFLEET_TARGET: t,
        GITFLEET_HUB_ADDRESS: `127.0.0.1:${grpcPort}`,
        ...pki.agentEnv(t),
        KUBECONFIG: c.kubeconfigPath,
        GITFLEET_CONFIG: undefined,
        GITFLEET_HTTP_ADDRESS: undefined,
        GITFLEET_STATE_NAMESPACE: undefined,
        GITFLEET_RESYNC_INTERVAL_MS: undefined,
        GITFLEET_LOG_LEVEL: undefined,
      },
    });
    procs.push(a);
    agents.push(a);
  }
  await waitConverged(head, 90_000);
  for (const c of clusters) {
    const w = new ConfigMapWatch(c);
    watches.push(w);
    await w.start();
    expect(w.countAt('r1')).toBe(OBJECTS_PER_CLUSTER);
  }
  console.info(`[faults] fleet up, converged on r1: ${Date.now() - t0} ms`);
});

afterAll(async () => {
  for (const w of watches) w.close();
  await Promise.allSettled(procs.map((p) => p.stop()));
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ the tests
// The hub kill runs first: a SIGKILLed hub can leave a BullMQ delivery job active under a dead
// lock, and the change after it (the Redis test's) must still arrive at once — the link server
// sends whatever is pending in Redis that no job brought (pendingSweepMs), and delivery locks
// are short. Before that fix, 4 runs in 10 stalled ~60–90 s here.

it('the hub is killed mid-delivery and restarted: every target converges, nothing lost or applied twice', async () => {
  let killed: ManagedProcess | undefined;
  let restartMs = 0;
  const run = await changeWithFault('r2', async () => {
    killed = hub;
    if (killed === undefined) throw new Error('no hub');
    const t = Date.now();
    process.kill(-killed.pid, 'SIGKILL');
    expect(await killed.exited).toBeNull();
    await startHub();
    restartMs = Date.now() - t;
  });
  const restarted = hub;
  if (killed === undefined || restarted === undefined) throw new Error('no hub');
  const byKilled = await resolvedBy(killed, run.rev);
  const byRestarted = await resolvedBy(restarted, run.rev);
  console.info(
    `[faults] hub SIGKILL: ${JSON.stringify({ ...run, rev: run.rev.slice(0, 8), restartMs, pairsResolvedByKilledHub: byKilled.length, pairsResolvedByRestartedHub: byRestarted.length })}`,
  );
  // the kill really came mid-delivery: the killed hub had stored the new desired state of only
  // some (target, app) pairs, the restarted one did the rest
  expect(run.atFault).toBeLessThan(OBJECTS_PER_CLUSTER * TARGETS.length);
  expect(byKilled.length).toBeLessThan(TARGETS.length * APPS.length);
  expect(byRestarted.length).toBeGreaterThan(0);
  expect(agents.every((a) => a.running)).toBe(true);
});

it('Redis restarts mid-delivery (kill -9 + AOF reload): converges', async () => {
  const redis = fleet.redis;
  const hubBefore = hub;
  if (redis === undefined || hubBefore === undefined) throw new Error('setup');
  let killAtMs = 0;
  let outageMs = 0;
  const run = await changeWithFault('r3', async () => {
    killAtMs = Date.now();
    await redis.restart({ kill: true });
    outageMs = Date.now() - killAtMs;
  });
  const resolved = await resolvedBy(hubBefore, run.rev);
  const afterKill = resolved.filter((r) => r.atMs >= killAtMs).length;
  console.info(
    `[faults] redis kill -9: ${JSON.stringify({ ...run, rev: run.rev.slice(0, 8), outageMs, pairsResolvedAfterKill: afterKill })}`,
  );
  // the fault really came mid-delivery: few objects changed yet, and the resolver was still
  // storing desired states when Redis died
  expect(run.atFault).toBeLessThan(OBJECTS_PER_CLUSTER * TARGETS.length);
  expect(afterKill).toBeGreaterThan(0);
  // the hub rode it out: same process, agents too
  expect(hub).toBe(hubBefore);
  expect(hubBefore.running).toBe(true);
  expect(agents.every((a) => a.running)).toBe(true);
});
