/**
 * `npm run bench -- rollout [--targets=1000] [--intervals=1000,200] [--rounds=3]
 * [--max-unavailable=100%] [--hub-env=KEY=VALUE]`: one application rolled out in 5 waves.
 *
 * The fleet: 3 real clusters (r1, r2, r3: kube-apiserver & co, the real agent binary each) and
 * `targets` simulated agents (test/src/sim/sim-agents.ts: real gRPC streams, no cluster, every
 * assignment "applied" at once) on the gitfleet-hub binary (its own process, log level info).
 * One application `web` (a Namespace and a ConfigMap) is placed on all of them with
 *
 *   rollout:
 *     waves:   w1 (the 3 real clusters: the canary), w2 … w5 (the simulated targets, sim-i in
 *              w(2 + i mod 4): 250 each for 1,000), each `maxUnavailable: 100%` (or
 *              --max-unavailable), `soak: 0s`, no gate
 *     progressDeadline: 10m, failureBudget: 0, onFailure: halt, staleTargets: block
 *
 * A round: a commit changes the ConfigMap, a signed push webhook is POSTed (`start`), and the
 * round ends when the rollout is Completed at that commit (GET /api/v1/rollout?app=web). Per
 * wave, from the rollout's history (`wave-started`, `wave-completed`, `completed`, atMs), the hub's
 * log (`desired state changed` per target), the simulated agents' events file (per target: the
 * assignment taken, the Synced/Healthy report acked by the hub) and, for the real clusters, the
 * agent's log (`assignment accepted`) and the hub's status row (`reportedAtMs`: when the agent
 * observed it Synced/Healthy, polled every 50 ms while wave w1 runs):
 *
 * - `wave_ms`: wave-started → the last of its targets healthy at the new revision.
 * - `resolve_ms`: wave-started → the last of its targets' desired state written (the resolve pass
 *   the controller's move triggered); `delivered_ms`: → the last of its targets took the assignment.
 * - `agent_ms`: the agents' own time, max over the wave's targets of (healthy − assignment taken):
 *   apply + report for a real cluster, ack + report round trip for a simulated one.
 * - `notice_ms`: the last target healthy → the controller's step that saw the wave healthy (with
 *   zero soak the same step starts the next wave: wave-completed and the next wave-started share
 *   atMs). Pure controller latency: waiting for the next tick, plus the tick's own work.
 * - `total_ms`: webhook POST → `completed`. `overhead_ms_per_wave` = (total_ms − Σ agent_ms) /
 *   waves: everything that is not an agent applying or acknowledging (webhook, fetch, the resolve
 *   pass per wave, delivery, waiting for the controller's tick), per wave.
 *
 * Hub RSS: VmRSS sampled every 100 ms during each round and VmHWM (reset through
 * /proc/<pid>/clear_refs before the POST); `hub_rss_mb` is the highest. The hub is started once per
 * `--rollout-interval-ms` in `intervals` (same ports, Redis, Git cache; the agents reconnect);
 * the headline figures are those of the first interval (1000 = the hub's default). Also measured
 * before each round: the hub's idle CPU with the rollout Completed (the controller still steps it
 * every interval).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import type { KubeCluster } from '../src/fleet/kube.ts';
import { REPO_ROOT } from '../src/fleet/paths.ts';
import { freePorts } from '../src/fleet/ports.ts';
import { spawnManaged, stopAll, type ManagedProcess } from '../src/fleet/processes.ts';
import { waitFor } from '../src/fleet/wait.ts';
import {
  fetchStatus,
  logRecords,
  postPushWebhook,
  procStatusKb,
  readSimEvents,
  simTargetName,
  startHubProcess,
  startSimAgents,
  writeAgentTokens,
  type HubProcess,
  type LogRecord,
  type SimAgents,
} from '../src/sim/sim-fleet.ts';
import {
  benchLog,
  bounded,
  cpuMs,
  machine,
  median,
  numberArg,
  round,
  sleep,
  stringArgs,
} from './lib/common.ts';

const log = benchLog('rollout');

const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
const CLUSTERS = ['r1', 'r2', 'r3'] as const;
const WAVES = ['w1', 'w2', 'w3', 'w4', 'w5'] as const;
const APP = 'web';
const NAMESPACE = 'rollout-bench';
const REPO = 'fleet';
const CONFIGMAP_FILE = `apps/${APP}/manifests/configmap.yaml`;

// ------------------------------------------------------------------------------ the fleet

/** The wave label of simulated target i: w2 … w5 in turn. */
function simWave(i: number): string {
  return WAVES[1 + (i % (WAVES.length - 1))] ?? 'w5';
}

function configMap(message: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${APP}, namespace: ${NAMESPACE} }\ndata: { message: "${message}" }\n`;
}

function fleetFiles(n: number, maxUnavailable: string, message: string): Record<string, string> {
  const target = (name: string, wave: string): string =>
    `apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: ${name}, labels: { bench: rollout, wave: ${wave} } }\n`;
  return {
    'targets/real.yaml': CLUSTERS.map((c) => target(c, 'w1')).join('---\n'),
    'targets/sim.yaml': Array.from({ length: n }, (_, i) =>
      target(simTargetName(i), simWave(i)),
    ).join('---\n'),
    [`apps/${APP}/application.yaml`]: [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      `metadata: { name: ${APP} }`,
      'spec:',
      `  source: { path: apps/${APP}/manifests }`,
      '  placement: { selector: { matchLabels: { bench: rollout } } }',
      '  rollout:',
      '    waves:',
      ...WAVES.map(
        (w) =>
          `      - { name: ${w}, selector: { matchLabels: { wave: ${w} } }, maxUnavailable: ${JSON.stringify(maxUnavailable)}, soak: 0s }`,
      ),
      '    progressDeadline: 10m',
      '    failureBudget: 0',
      '    onFailure: halt',
      '    staleTargets: block',
      '',
    ].join('\n'),
    [`apps/${APP}/manifests/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${NAMESPACE} }\n`,
    [CONFIGMAP_FILE]: configMap(message),
  };
}

// ------------------------------------------------------------------------------ the hub's API

interface HistoryEvent {
  readonly atMs: number;
  readonly kind: string;
  readonly message: string;
  readonly wave?: string;
  readonly targets?: readonly string[];
}

interface RolloutView {
  readonly state: {
    readonly id: string;
    readonly phase: string;
    readonly fromRevision: string;
    readonly toRevision: string;
    readonly startedAtMs: number;
    readonly moved: Readonly<Record<string, number>>;
    readonly history: readonly HistoryEvent[];
  };
  readonly explanation: {
    readonly summary: string;
    readonly waves: readonly {
      readonly name: string;
      readonly targets: readonly string[];
      readonly maxUnavailable: number;
    }[];
  };
}

async function getRollout(api: string): Promise<RolloutView | undefined> {
  const res = await fetch(`${api}/api/v1/rollout?app=${APP}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /api/v1/rollout: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as RolloutView;
}

const STOPPED_PHASES = new Set(['Halted', 'RollingBack', 'RolledBack', 'Aborted', 'Paused']);

// ------------------------------------------------------------------------------ /proc

/** Resets VmHWM of `pid` to its current RSS (Linux ≥ 4.0); false when that is not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Polls VmRSS of `pid` every 100 ms; `stop()` returns the peak (with VmHWM) in kB. */
function rssSampler(pid: number): { stop: () => number } {
  let max = procStatusKb(pid, 'VmRSS');
  const timer = setInterval(() => {
    max = Math.max(max, procStatusKb(pid, 'VmRSS'));
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(max, procStatusKb(pid, 'VmRSS'), procStatusKb(pid, 'VmHWM'));
    },
  };
}

// ------------------------------------------------------------------------------ one round

interface WaveResult {
  readonly wave: string;
  readonly targets: number;
  /** Moves (one per `moved` event; more than one when maxUnavailable < the wave). */
  readonly moves: number;
  /** All times in ms, relative to the wave's `wave-started` unless said otherwise. */
  readonly started_at_ms: number;
  readonly resolve_ms: number;
  readonly delivered_ms: number;
  readonly wave_ms: number;
  readonly agent_ms: number;
  readonly notice_ms: number;
}

interface RoundResult {
  readonly interval_ms: number;
  readonly round: number;
  readonly revision: string;
  readonly total_ms: number;
  /** POST → the step that started the rollout (and moved w1). */
  readonly first_move_ms: number;
  readonly overhead_ms_per_wave: number;
  readonly notice_ms_mean: number;
  readonly move_to_delivered_ms_mean: number;
  readonly agent_ms_total: number;
  readonly waves: readonly WaveResult[];
  readonly resolve_passes: readonly { ms: number; changed: number }[];
  readonly hub_rss_mb: number;
  readonly hub_rss_before_mb: number;
  readonly peak_reset: boolean;
  readonly hub_cpu_ms: number;
  readonly idle_cpu_pct: number;
  readonly rollout_view_ms: number;
  readonly clusters_live: boolean;
  /** os.loadavg()[0] at the POST: anything else running on the machine shows here. */
  readonly load_avg_1m: number;
}

interface World {
  readonly n: number;
  readonly fleet: TestFleet;
  readonly clusters: readonly KubeCluster[];
  readonly repoUrl: string;
  readonly secret: string;
  readonly eventsFile: string;
  readonly hub: HubProcess;
  readonly sim: SimAgents;
  readonly agents: readonly ManagedProcess[];
}

function alive(w: World): () => string | undefined {
  return () =>
    w.hub.gone() ??
    (w.sim.proc.running ? undefined : `the simulated agents exited: ${w.sim.proc.tail()}`) ??
    w.agents.map((a) => (a.running ? undefined : `${a.name} exited: ${a.tail()}`)).find(Boolean);
}

/** Time of a JSON log record (ISO `time`), in ms. */
function timeOf(r: LogRecord): number {
  return typeof r.time === 'string' ? Date.parse(r.time) : Number.NaN;
}

async function liveMessage(c: KubeCluster): Promise<string | undefined> {
  const r = await c.request<{ data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${NAMESPACE}/configmaps/${APP}`,
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

/** Every (target, web) row Synced, Healthy and Connected at `sha`, and the rollout at rest there. */
async function waitSettled(w: World, sha: string, what: string): Promise<void> {
  const total = w.n + CLUSTERS.length;
  let last = '';
  try {
    await waitFor(
      what,
      async () => {
        const p = w.sim.progress();
        if (p === undefined || p.ready !== w.n || (p.revisions[sha]?.held ?? 0) !== w.n) {
          last = `sim: ${p?.ready ?? 0} ready, ${p?.revisions[sha]?.held ?? 0} hold ${sha.slice(0, 8)}`;
          return false;
        }
        const rows = await fetchStatus(w.hub.api, { app: APP });
        const good = rows.filter(
          (r) =>
            r.revision === sha &&
            r.sync === 'Synced' &&
            r.health === 'Healthy' &&
            r.connection === 'Connected',
        ).length;
        if (rows.length !== total || good !== total) {
          last = `status: ${good}/${rows.length} rows Synced, Healthy, Connected at ${sha.slice(0, 8)}`;
          return false;
        }
        const v = await getRollout(w.hub.api);
        last = `rollout: ${v === undefined ? 'none yet' : `${v.state.phase} at ${v.state.toRevision.slice(0, 8)}`}`;
        return v?.state.phase === 'Completed' && v.state.toRevision === sha;
      },
      { timeoutMs: 300_000, intervalMs: 500, abortIf: alive(w) },
    );
  } catch (err) {
    log(`not settled: ${last}`);
    throw err;
  }
}

/**
 * Waits until the hub's resolve passes after log record `from` are over: the newest changed
 * nothing, or no pass was logged for 3 s. At most 60 s. Then 1 s more.
 */
async function waitIdle(h: HubProcess, from: number): Promise<void> {
  let count = 0;
  let since = Date.now();
  try {
    await waitFor(
      'the hub to finish its resolve passes',
      () => {
        const passes = logRecords(h.proc)
          .slice(from)
          .filter((x) => x.msg === 'resolve pass');
        if (passes.length !== count) {
          count = passes.length;
          since = Date.now();
        }
        const last = passes.at(-1);
        if (last !== undefined && Number(last['changed']) === 0) return true;
        return Date.now() - since > 3_000;
      },
      { timeoutMs: 60_000, intervalMs: 200, abortIf: h.gone },
    );
  } catch (err) {
    log(`not idle: ${String(err)}`);
  }
  await sleep(1_000);
}

async function rolloutRound(
  w: World,
  intervalMs: number,
  r: number,
  maxUnavailable: string,
): Promise<RoundResult> {
  const { hub: h, sim } = w;
  const git = w.fleet.git;
  if (git === undefined) throw new Error('fleet incomplete');
  const pid = h.nodePid();
  if (pid === undefined) throw new Error('hub node process not found');
  const abortIf = alive(w);

  // the hub at rest with the rollout Completed: its CPU over 5 s
  const idle0 = cpuMs(pid);
  const idleT0 = performance.now();
  await sleep(5_000);
  const idleCpuPct = (100 * (cpuMs(pid) - idle0)) / (performance.now() - idleT0);

  const message = `i${intervalMs}-r${r}`;
  const sha = await git.commit(REPO, { files: { [CONFIGMAP_FILE]: configMap(message) }, message });
  const hubFrom = logRecords(h.proc).length;
  const agentFrom = w.agents.map((a) => logRecords(a).length);
  const rssBeforeKb = procStatusKb(pid, 'VmRSS');
  const peakReset = resetPeak(pid);
  const sampler = rssSampler(pid);
  const cpu0 = cpuMs(pid);
  let peakKb: number;
  let realSeen: { target: string; reportedAtMs: number; seenAtMs: number }[];
  const loadAvg = os.loadavg()[0] ?? 0;
  const start = Date.now();
  try {
    await postPushWebhook(h.api, w.secret, w.repoUrl, sha);
    // the 3 canaries, as the hub sees them (a filtered status read: 3 Redis reads)
    const real = Promise.all(
      CLUSTERS.map((c) =>
        waitFor(
          `${c} healthy at ${sha.slice(0, 8)}`,
          async () => {
            const [row] = await fetchStatus(h.api, { app: APP, target: c });
            return row !== undefined &&
              row.revision === sha &&
              row.sync === 'Synced' &&
              row.health === 'Healthy'
              ? { target: c, reportedAtMs: row.reportedAtMs ?? Date.now(), seenAtMs: Date.now() }
              : undefined;
          },
          { timeoutMs: 300_000, intervalMs: 50, abortIf },
        ),
      ),
    );
    real.catch(() => undefined); // awaited below; not unhandled if the wait for the sim throws
    // a rollout that stops (a failure) would otherwise be waited for until the timeout
    let checkedAt = 0;
    let stopped: string | undefined;
    const stoppedOrDead = (): string | undefined => {
      const dead = abortIf();
      if (dead !== undefined) return dead;
      if (Date.now() - checkedAt > 2_000) {
        checkedAt = Date.now();
        const phase = logRecords(h.proc)
          .slice(hubFrom)
          .filter((x) => x.msg === 'rollout')
          .at(-1)?.['phase'];
        if (typeof phase === 'string' && STOPPED_PHASES.has(phase))
          stopped = `the rollout is ${phase}`;
      }
      return stopped;
    };
    let lastLogged = 0;
    await sim.waitFor(
      `${w.n} simulated targets healthy at ${sha.slice(0, 8)}`,
      (p) => {
        const done = p.revisions[sha]?.reported ?? 0;
        if (done !== lastLogged && done % (w.n / (WAVES.length - 1)) === 0) {
          lastLogged = done;
          log(`  ${done}/${w.n} simulated targets healthy after ${Date.now() - start} ms`);
        }
        return done === w.n;
      },
      { timeoutMs: 600_000, abortIf: stoppedOrDead },
    );
    realSeen = await real;
  } finally {
    peakKb = sampler.stop();
  }
  const view = await waitFor(
    `rollout Completed at ${sha.slice(0, 8)}`,
    async () => {
      const v = await getRollout(h.api);
      return v?.state.toRevision === sha && v.state.phase === 'Completed' ? v : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, abortIf },
  );
  const hubCpuMs = cpuMs(pid) - cpu0;
  const v0 = performance.now();
  await getRollout(h.api);
  const viewMs = performance.now() - v0;
  const clustersLive = (await Promise.all(w.clusters.map(liveMessage))).every((m) => m === message);

  // ---------------------------------------------------------------- per-target moments
  const hubLog = logRecords(h.proc).slice(hubFrom);
  const desiredAt = new Map<string, number>();
  for (const x of hubLog) {
    if (x.msg === 'desired state changed' && x['app'] === APP && x['revision'] === sha)
      desiredAt.set(String(x['target']), timeOf(x));
  }
  const passes = hubLog
    .filter((x) => x.msg === 'resolve pass')
    .map((x) => ({ ms: Number(x['ms']), changed: Number(x['changed']) }));
  const assignedAt = new Map<string, number>();
  const healthyAt = new Map<string, number>();
  for (const e of readSimEvents(w.eventsFile)) {
    if (e.app !== APP || e.revision !== sha) continue;
    const m = e.kind === 'assigned' ? assignedAt : healthyAt;
    if (!m.has(e.target)) m.set(e.target, e.atMs); // the first: a resent report is acked again
  }
  w.agents.forEach((a, i) => {
    const target = CLUSTERS[i] ?? '';
    const rec = logRecords(a)
      .slice(agentFrom[i] ?? 0)
      .find((x) => x.msg === 'assignment accepted' && x['app'] === APP && x['revision'] === sha);
    if (rec !== undefined) assignedAt.set(target, timeOf(rec));
  });
  for (const s of realSeen) healthyAt.set(s.target, s.reportedAtMs);

  // ---------------------------------------------------------------- per wave
  const history = view.state.history;
  const at = (kind: string, wave?: string): number => {
    const e = history.find((x) => x.kind === kind && (wave === undefined || x.wave === wave));
    if (e === undefined) throw new Error(`no ${kind}${wave === undefined ? '' : ` ${wave}`} event`);
    return e.atMs;
  };
  const completedAt = at('completed');
  const startedAt = at('started');
  const waves: WaveResult[] = WAVES.map((name) => {
    const members = view.explanation.waves.find((x) => x.name === name)?.targets ?? [];
    const waveStart = at('wave-started', name);
    const noticed = at('wave-completed', name);
    const max = (m: Map<string, number>): number =>
      Math.max(
        ...members.map((t) => {
          const v = m.get(t);
          if (v === undefined || !Number.isFinite(v))
            throw new Error(`no time for ${t} (${name}) at ${sha.slice(0, 8)}`);
          return v;
        }),
      );
    const lastHealthy = max(healthyAt);
    const agentMs = Math.max(
      ...members.map((t) => (healthyAt.get(t) ?? 0) - (assignedAt.get(t) ?? 0)),
    );
    return {
      wave: name,
      targets: members.length,
      moves: history.filter((x) => x.kind === 'moved' && x.wave === name).length,
      started_at_ms: waveStart - start,
      resolve_ms: max(desiredAt) - waveStart,
      delivered_ms: max(assignedAt) - waveStart,
      wave_ms: lastHealthy - waveStart,
      agent_ms: agentMs,
      notice_ms: noticed - lastHealthy,
    };
  });
  const totalMs = completedAt - start;
  const agentTotal = waves.reduce((a, x) => a + x.agent_ms, 0);
  const mean = (f: (x: WaveResult) => number): number =>
    round(waves.reduce((a, x) => a + f(x), 0) / waves.length, 0);
  const result: RoundResult = {
    interval_ms: intervalMs,
    round: r,
    revision: sha,
    total_ms: totalMs,
    first_move_ms: startedAt - start,
    overhead_ms_per_wave: round((totalMs - agentTotal) / WAVES.length, 0),
    notice_ms_mean: mean((x) => x.notice_ms),
    move_to_delivered_ms_mean: mean((x) => x.delivered_ms),
    agent_ms_total: agentTotal,
    waves,
    resolve_passes: passes,
    hub_rss_mb: round(peakKb / 1024),
    hub_rss_before_mb: round(rssBeforeKb / 1024),
    peak_reset: peakReset,
    hub_cpu_ms: hubCpuMs,
    idle_cpu_pct: round(idleCpuPct),
    rollout_view_ms: Math.round(viewMs),
    clusters_live: clustersLive,
    load_avg_1m: round(loadAvg, 2),
  };
  log(
    `interval ${intervalMs} ms, round ${r} (maxUnavailable ${maxUnavailable}): Completed ${totalMs} ms after the POST; first move at ${result.first_move_ms} ms; overhead ${result.overhead_ms_per_wave} ms/wave; hub CPU ${hubCpuMs} ms; peak RSS ${result.hub_rss_mb} MB (before ${result.hub_rss_before_mb} MB); idle CPU before ${result.idle_cpu_pct} %; GET rollout ${result.rollout_view_ms} ms; load ${result.load_avg_1m}; ${passes.length} resolve passes (${passes.map((p) => `${p.ms} ms/${p.changed}`).join(', ')})`,
  );
  for (const x of waves) {
    log(
      `  ${x.wave} (${x.targets} targets, ${x.moves} move${x.moves === 1 ? '' : 's'}) started at +${x.started_at_ms} ms: desired written +${x.resolve_ms}, delivered +${x.delivered_ms}, all healthy +${x.wave_ms} ms (agents ${x.agent_ms} ms); seen by the controller ${x.notice_ms} ms later`,
    );
  }
  if (!clustersLive) log('  WARNING: the new ConfigMap is not live in every real cluster');
  return result;
}

// ------------------------------------------------------------------------------ the benchmark

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const n = numberArg(args, 'targets', 1000);
  const rounds = numberArg(args, 'rounds', 3);
  const intervals = (stringArgs(args, 'intervals').at(-1) ?? '1000,200')
    .split(',')
    .map((s) => Number(s.trim()));
  if (intervals.some((i) => !Number.isInteger(i) || i < 50))
    throw new Error('--intervals: whole numbers of ms ≥ 50, comma-separated');
  if (n % (WAVES.length - 1) !== 0)
    throw new Error(`--targets must be a multiple of ${WAVES.length - 1}`);
  const maxUnavailable = stringArgs(args, 'max-unavailable').at(-1) ?? '100%';
  // experiments: --hub-env=NODE_OPTIONS=--cpu-prof (with GITFLEET_BENCH_KEEP=1 to keep the profile)
  const hubEnv = Object.fromEntries(
    stringArgs(args, 'hub-env').map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`--hub-env=${kv}: expected KEY=VALUE`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  let fleet: TestFleet | undefined;
  let hub: HubProcess | undefined;
  let sim: SimAgents | undefined;
  const agents: ManagedProcess[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-rollout-'));
  try {
    return await bounded('rollout benchmark', 40 * 60_000, async () => {
      const t0 = performance.now();
      log('starting Git, Redis and 3 clusters');
      fleet = await startFleet({ clusterNames: CLUSTERS });
      const { git, redis, kube } = fleet;
      const clusters = kube?.clusters ?? [];
      if (git === undefined || redis === undefined || clusters.length !== CLUSTERS.length)
        throw new Error('fleet incomplete');
      log(`fleet up in ${Math.round(performance.now() - t0)} ms`);
      const secret = randomBytes(16).toString('hex');
      const secretFile = path.join(dir, 'webhook.secret');
      await writeFile(secretFile, secret, { mode: 0o600 });
      const repoUrl = await git.createRepo(REPO);
      let sha = await git.commit(REPO, {
        files: fleetFiles(n, maxUnavailable, 'v0'),
        message: 'v0',
      });
      const tokensDir = path.join(dir, 'tokens');
      await writeAgentTokens(tokensDir, [
        ...CLUSTERS,
        ...Array.from({ length: n }, (_, i) => simTargetName(i)),
      ]);
      const eventsFile = path.join(dir, 'sim-events.jsonl');
      const [grpcPort = 0, httpPort = 0] = await freePorts(2);

      const results: RoundResult[] = [];
      for (const intervalMs of intervals) {
        const hubFrom = performance.now();
        hub = await startHubProcess({
          name: `hub-${intervalMs}`,
          logDir: dir,
          fleetRepo: repoUrl,
          redisUrl: redis.url,
          tokensDir,
          grpcPort,
          httpPort,
          cacheDir: path.join(dir, 'hub-git'),
          webhookSecretFile: secretFile,
          rolloutIntervalMs: intervalMs,
          env: hubEnv,
        });
        const h = hub;
        await h.waitReady(120_000);
        log(
          `hub (--rollout-interval-ms ${intervalMs}) ready in ${Math.round(performance.now() - hubFrom)} ms`,
        );
        if (sim === undefined) {
          for (const c of clusters) {
            agents.push(
              await spawnManaged(`agent-${c.name}`, AGENT_BIN, {
                logDir: dir,
                env: { GITFLEET_CONFIG: undefined, GITFLEET_HTTP_ADDRESS: undefined },
                args: [
                  ...['--target', c.name, '--hub', h.grpcAddress],
                  ...['--token-file', path.join(tokensDir, `${c.name}.token`)],
                  ...['--kubeconfig', c.kubeconfigPath, '--log-level', 'info'],
                ],
              }),
            );
          }
          sim = await startSimAgents({
            name: 'sim-agents',
            logDir: dir,
            hub: h.grpcAddress,
            tokensDir,
            count: n,
            eventsFile,
          });
        }
        const w: World = {
          n,
          fleet,
          clusters,
          repoUrl,
          secret,
          eventsFile,
          hub: h,
          sim,
          agents,
        };
        const s0 = performance.now();
        await waitSettled(w, sha, `${n + CLUSTERS.length} targets healthy at ${sha.slice(0, 8)}`);
        log(
          `${n + CLUSTERS.length} targets connected, Synced and Healthy, rollout at rest, after ${Math.round(performance.now() - s0)} ms`,
        );
        await waitIdle(h, 0);
        for (let r = 1; r <= rounds; r++) {
          const res = await rolloutRound(w, intervalMs, r, maxUnavailable);
          results.push(res);
          sha = res.revision;
          await waitIdle(h, logRecords(h.proc).length);
        }
        await h.stop();
        hub = undefined;
      }

      const summary = (intervalMs: number): Record<string, unknown> => {
        const rs = results.filter((x) => x.interval_ms === intervalMs);
        const med = (f: (x: RoundResult) => number): number => median(rs.map(f));
        const perWave = WAVES.map((name) => {
          const ws = rs.map((x) => x.waves.find((y) => y.wave === name));
          const m = (f: (x: WaveResult) => number): number =>
            median(ws.filter((x): x is WaveResult => x !== undefined).map(f));
          return {
            wave: name,
            targets: ws[0]?.targets ?? 0,
            wave_ms: m((x) => x.wave_ms),
            resolve_ms: m((x) => x.resolve_ms),
            delivered_ms: m((x) => x.delivered_ms),
            agent_ms: m((x) => x.agent_ms),
            notice_ms: m((x) => x.notice_ms),
          };
        });
        return {
          interval_ms: intervalMs,
          rounds: rs.length,
          total_ms: med((x) => x.total_ms),
          overhead_ms_per_wave: med((x) => x.overhead_ms_per_wave),
          first_move_ms: med((x) => x.first_move_ms),
          notice_ms_mean: med((x) => x.notice_ms_mean),
          move_to_delivered_ms_mean: med((x) => x.move_to_delivered_ms_mean),
          agent_ms_total: med((x) => x.agent_ms_total),
          hub_rss_mb: Math.max(...rs.map((x) => x.hub_rss_mb)),
          hub_cpu_ms: med((x) => x.hub_cpu_ms),
          idle_cpu_pct: med((x) => x.idle_cpu_pct),
          rollout_view_ms: med((x) => x.rollout_view_ms),
          waves: perWave,
        };
      };
      const head = intervals[0] ?? 1000;
      const main = summary(head);
      return {
        targets: n + CLUSTERS.length,
        waves: WAVES.length,
        overhead_ms_per_wave: main['overhead_ms_per_wave'],
        hub_rss_mb: main['hub_rss_mb'],
        total_ms: main['total_ms'],
        interval_ms: head,
        max_unavailable: maxUnavailable,
        per_interval: intervals.map(summary),
        rounds: results,
        definitions: {
          start: 'the signed push webhook POST',
          wave_ms:
            'wave-started (history atMs) → the last of its targets healthy at the new revision (simulated: its report acked by the hub; real: the report observedAt)',
          resolve_ms: 'wave-started → the last of its targets’ "desired state changed" (hub log)',
          delivered_ms: 'wave-started → the last of its targets took the assignment',
          agent_ms: 'max over the wave’s targets of (healthy − assignment taken)',
          notice_ms:
            'the wave’s last target healthy → wave-completed (same step as the next wave-started with zero soak)',
          overhead_ms_per_wave: '(POST → completed − Σ agent_ms) / waves',
          hub_rss_mb:
            'max of VmRSS sampled every 100 ms and VmHWM (reset before the POST) during the rounds',
        },
        settings: {
          fleet: `${CLUSTERS.length} real clusters (wave w1) + ${n} simulated targets (w2…w5, ${n / (WAVES.length - 1)} each)`,
          rollout: `maxUnavailable ${maxUnavailable}, soak 0s, no gate, progressDeadline 10m, failureBudget 0, onFailure halt`,
          hub: 'gitfleet-hub binary, log level info, heartbeat 10 s, poll 60 s (webhook only)',
          env: hubEnv,
        },
        machine: machine(),
      };
    });
  } finally {
    await sim?.stop().catch(() => undefined);
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
    await hub?.stop().catch(() => undefined);
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    if (process.env['GITFLEET_BENCH_KEEP'] === '1') log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
