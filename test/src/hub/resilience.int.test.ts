/**
 * The hub never dies from content, and stops within its deadline whatever its dependencies do —
 * with the real gitfleet-hub binary, a real Redis, a real Git server over HTTP, and simulated
 * agents speaking the real protocol over real gRPC streams (test/src/sim/sim-agents.ts).
 *
 * 1. A 5 MB YAML file lands in the fleet repository (a vendored CRD bundle): the fleet read
 *    crosses the size limit. The hub stays up (/healthz, /readyz), `GET /api/v1/fleet` says the
 *    head is not in force and names the file and the limit, agents stay connected, and the
 *    desired state in force is still served (agents connecting afresh get it).
 * 2. The hub is restarted while the head is broken, with an empty Git cache: it loads the last
 *    good fleet from Redis at once — agents are accepted and served.
 * 3. Redis hangs (SIGSTOP: connected, never answering), then the hub gets SIGTERM: it exits 0
 *    in half its shutdown deadline, and every line it wrote is JSON.
 *
 * The tests run in order: each starts from where the previous one left the fleet.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { freePorts } from '../fleet/ports.ts';
import { waitFor } from '../fleet/wait.ts';
import { parseExposition } from '../metrics/exposition.ts';
import {
  fetchStatus,
  simFleetFiles,
  simTargetName,
  startHubProcess,
  startSimAgents,
  writeAgentTokens,
  type HubProcess,
  type SimAgents,
} from '../sim/sim-fleet.ts';

const TARGETS = 2;
const APPS = 2;
const PAIRS = TARGETS * APPS;
/** The hub's default shutdown deadline (proto/src/run-binary.ts). */
const SHUTDOWN_DEADLINE_MS = 10_000;

interface Problem {
  stage: string;
  code: string;
  message: string;
  action: string;
  file?: string;
  limit?: string;
}
interface FleetStatus {
  fleetCommit?: string;
  fleetAccepted: boolean;
  inForceCommit?: string;
  inForceFrom?: string;
  problems: Problem[];
}

let fleet: TestFleet;
let dir: string;
let repoUrl = '';
let grpcPort = 0;
let httpPort = 0;
let v1 = '';
let v2 = '';
let hubStarts = 0;
let hub: HubProcess | undefined;
let sims: SimAgents | undefined;
const stopped: HubProcess[] = [];

/** A YAML file of 5 MB (comments: valid YAML, and compressible, as vendored bundles are). */
function bigYaml(): string {
  const line = '# apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, padding\n';
  return line.repeat(Math.ceil((5 * 1024 * 1024) / line.length));
}

async function startHub(cacheDir: string): Promise<HubProcess> {
  const h = await startHubProcess({
    name: `gitfleet-hub-${String(++hubStarts)}`,
    logDir: dir,
    fleetRepo: repoUrl,
    redisUrl: fleet.redis?.url ?? '',
    tokensDir: path.join(dir, 'tokens'),
    grpcPort,
    httpPort,
    cacheDir,
    pollIntervalMs: 1_000,
    heartbeatIntervalMs: 1_000,
  });
  hub = h;
  return h;
}

async function fleetStatus(h: HubProcess): Promise<FleetStatus> {
  const res = await fetch(`${h.api}/api/v1/fleet`, {
    headers: { authorization: `Bearer ${h.token}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as FleetStatus;
}

/** Every line of a process's log, parsed as JSON (throws naming the first line that is not). */
async function jsonLines(file: string): Promise<Record<string, unknown>[]> {
  const text = (await readFile(file, 'utf8')).trimEnd();
  return text.split('\n').map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${String(i + 1)} is not JSON: ${line.slice(0, 200)}`);
    }
  });
}

function allHeldAt(s: SimAgents, rev: string): boolean {
  const p = s.progress();
  return p !== undefined && p.ready === TARGETS && (p.revisions[rev]?.held ?? 0) === PAIRS;
}

beforeAll(async () => {
  fleet = await startFleet({ clusters: 0 });
  if (fleet.git === undefined || fleet.redis === undefined) throw new Error('fleet incomplete');
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-resilience-'));
  await writeAgentTokens(
    path.join(dir, 'tokens'),
    Array.from({ length: TARGETS }, (_, i) => simTargetName(i)),
  );
  repoUrl = await fleet.git.createRepo('fleet');
  v1 = await fleet.git.commit('fleet', {
    files: simFleetFiles({ targets: TARGETS, apps: APPS, message: 'v1' }),
    message: 'v1',
  });
  [grpcPort = 0, httpPort = 0] = await freePorts(2);
});
afterAll(async () => {
  await sims?.stop();
  for (const h of [hub, ...stopped]) await h?.stop();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('a 5 MB file in the fleet repository: the hub stays up, names the file and the limit, agents stay served', async () => {
  const h = await startHub(path.join(dir, 'cache-1'));
  await h.waitReady(30_000);
  sims = await startSimAgents({
    name: 'sim-agents-1',
    logDir: dir,
    hub: h.grpcAddress,
    tokensDir: path.join(dir, 'tokens'),
    count: TARGETS,
  });
  const s = sims;
  await s.waitFor('every sim agent holds v1', (p) => allHeldAt(s, v1) && p.ready === TARGETS, {
    timeoutMs: 30_000,
    abortIf: h.gone,
  });
  const drops = s.progress()?.drops ?? 0;

  const git = fleet.git;
  if (git === undefined) throw new Error('no git');
  v2 = await git.commit('fleet', {
    files: { 'vendor/crds.yaml': bigYaml() },
    message: 'vendor a CRD bundle',
  });
  // the poller (every second) brings v2 in; its fleet read crosses maxFileBytes
  const status = await waitFor(
    'GET /api/v1/fleet to report the head over the limit',
    async () => {
      const f = await fleetStatus(h);
      return f.fleetCommit === v2 ? f : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, abortIf: h.gone },
  );
  expect(status.fleetAccepted).toBe(false);
  expect(status.inForceCommit).toBe(v1);
  expect(status.problems).toHaveLength(1);
  expect(status.problems[0]).toMatchObject({
    stage: 'read',
    file: 'vendor/crds.yaml',
    limit: 'maxFileBytes',
  });
  expect(status.problems[0]?.message).toContain('vendor/crds.yaml');
  expect(status.problems[0]?.message).toContain('maxFileBytes');
  expect(status.problems[0]?.action).toContain('vendor/crds.yaml');

  // a few more polls and passes: still up, still ready, nothing dropped
  await new Promise((r) => setTimeout(r, 2_500));
  expect(h.gone()).toBeUndefined();
  expect(await (await fetch(`${h.api}/healthz`)).text()).toBe('ok');
  expect((await fetch(`${h.api}/readyz`)).status).toBe(200);
  const metrics = await (await fetch(`${h.api}/metrics`)).text();
  // valid exposition, HELP and TYPE for every family, the process metrics with the hub's
  expect(parseExposition(metrics).map((f) => f.name)).toContain('process_cpu_seconds_total');
  expect(metrics).toMatch(/^gitfleet_unexpected_errors_total 0$/m);
  expect(metrics).toMatch(/^gitfleet_hub_fleet_accepted 0$/m);
  expect(metrics).toMatch(/^gitfleet_hub_streams 2$/m);
  expect(s.progress()).toMatchObject({ ready: TARGETS, drops });
  const rows = await fetchStatus(h);
  expect(rows).toHaveLength(PAIRS);
  for (const r of rows) {
    expect(r).toMatchObject({ desiredRevision: v1, revision: v1, connection: 'Connected' });
  }

  // agents connecting afresh are served the desired state in force
  await s.stop();
  sims = await startSimAgents({
    name: 'sim-agents-2',
    logDir: dir,
    hub: h.grpcAddress,
    tokensDir: path.join(dir, 'tokens'),
    count: TARGETS,
  });
  const fresh = sims;
  await fresh.waitFor('fresh sim agents are given v1', () => allHeldAt(fresh, v1), {
    timeoutMs: 30_000,
    abortIf: h.gone,
  });
  expect(h.gone()).toBeUndefined();
});

it('restarted while the head is broken (and with an empty Git cache): serves the last good fleet from Redis at once', async () => {
  const old = hub;
  const s = sims;
  if (old === undefined || s === undefined) throw new Error('the first test did not run');
  // sessions so far: the agents reconnect as soon as the new hub listens (before it is ready)
  const sessions = s.progress()?.sessions ?? 0;
  await old.stop();
  stopped.push(old);
  expect(await old.proc.exited).toBe(0);

  const h = await startHub(path.join(dir, 'cache-2'));
  await h.waitReady(30_000);
  const status = await fleetStatus(h);
  expect(status).toMatchObject({
    fleetAccepted: false,
    fleetCommit: v2,
    inForceCommit: v1,
    inForceFrom: 'redis',
  });
  expect(status.problems.map((p) => [p.stage, p.file])).toEqual([['read', 'vendor/crds.yaml']]);
  // at once: in force before the first pass, before agents were even listened for
  const msgs = (await jsonLines(h.proc.logFile)).map((r) => r['msg']);
  const loaded = msgs.indexOf(
    'last good fleet loaded from Redis; it is in force until Git is read',
  );
  expect(loaded).toBeGreaterThanOrEqual(0);
  expect(loaded).toBeLessThan(msgs.indexOf('resolve pass'));
  // the agents of the saved fleet's targets are accepted again (without it: "the hub has not read
  // the fleet yet") and keep what they hold
  await s.waitFor(
    'every sim agent reconnected and holding v1',
    (p) => p.sessions >= sessions + TARGETS && allHeldAt(s, v1),
    // their reconnect backoff grew while no hub listened
    { timeoutMs: 45_000, abortIf: h.gone },
  );
  const rows = await fetchStatus(h);
  expect(rows.filter((r) => r.connection === 'Connected' && r.desiredRevision === v1)).toHaveLength(
    PAIRS,
  );
});

it('Redis hung (SIGSTOP), then SIGTERM: the hub exits 0 in half its deadline, logging only JSON', async () => {
  const h = hub;
  const redis = fleet.redis;
  if (h === undefined || redis === undefined) throw new Error('the previous test did not run');
  // the hub as it runs, not as it starts: its first pass (a fetch into an empty cache, above)
  // done, so that the signal finds the shutdown sequence and not a start blocked on Redis
  await waitFor(
    'the restarted hub started',
    async () => (await jsonLines(h.proc.logFile)).some((r) => r['msg'] === 'hub started'),
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  const info = await redis.command('INFO', 'server');
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  expect(pid).toBeGreaterThan(0);
  // hung, not gone: its sockets stay open, so the client still says "ready" and no command
  // is ever answered — every shutdown step that touches Redis would wait its whole time
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((r) => setTimeout(r, 2_000));
    expect(h.gone()).toBeUndefined();

    const t0 = Date.now();
    process.kill(-h.proc.pid, 'SIGTERM');
    const code = await Promise.race([
      h.proc.exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), SHUTDOWN_DEADLINE_MS + 5_000)),
    ]);
    const ms = Date.now() - t0;
    const records = await jsonLines(h.proc.logFile);
    // on failure: what the hub logged from the signal on (the deadline's line names what hung)
    const since = records.findIndex((r) => r['msg'] === 'shutting down');
    const shutdownLog = JSON.stringify(records.slice(since), null, 1);
    expect(code, shutdownLog).toBe(0);
    // half the deadline (a hung Redis used to take most of it): the rest is margin for a
    // loaded machine
    expect(ms, shutdownLog).toBeLessThan(SHUTDOWN_DEADLINE_MS / 2);
    expect(
      records.some(
        (r) => r['msg'] === 'Redis is unreachable at shutdown: its connections close first',
      ),
      shutdownLog,
    ).toBe(true);
  } finally {
    process.kill(pid, 'SIGKILL');
  }
  // every log of every hub of this file was JSON
  for (const old of stopped) await jsonLines(old.proc.logFile);
});
