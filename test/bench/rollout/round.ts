/**
 * One round of the rollout benchmark and its figures: per wave from the rollout's history, the
 * hub's log, the simulated agents' events and the real agents' logs; the hub's CPU and RSS from
 * /proc.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { waitFor } from '../../src/fleet/wait.ts';
import {
  fetchStatus,
  logRecords,
  postPushWebhook,
  procStatusKb,
  readSimEvents,
  type LogRecord,
} from '../../src/sim/sim-fleet.ts';
import { cpuMs, round, sleep } from '../lib/common.ts';
import {
  APP,
  CLUSTERS,
  CONFIGMAP_FILE,
  REPO,
  STOPPED_PHASES,
  WAVES,
  alive,
  configMap,
  getRollout,
  liveMessage,
  log,
  type World,
} from './fleet.ts';

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

/** One wave of one round. */
export interface WaveResult {
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

/** One round: a commit rolled out through every wave. */
export interface RoundResult {
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

/** Time of a JSON log record (ISO `time`), in ms. */
function timeOf(r: LogRecord): number {
  return typeof r.time === 'string' ? Date.parse(r.time) : Number.NaN;
}

/**
 * One round: a commit changes the ConfigMap, the webhook is POSTed, and the round ends when the
 * rollout is Completed at that commit; then every figure of the round and of its waves.
 */
export async function rolloutRound(
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
            const [row] = await fetchStatus(h, { app: APP, target: c });
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
      const v = await getRollout(h);
      return v?.state.toRevision === sha && v.state.phase === 'Completed' ? v : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, abortIf },
  );
  const hubCpuMs = cpuMs(pid) - cpu0;
  const v0 = performance.now();
  await getRollout(h);
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
