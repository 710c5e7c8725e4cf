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
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import { freePorts } from '../src/fleet/ports.ts';
import { spawnManaged, stopAll, type ManagedProcess } from '../src/fleet/processes.ts';
import {
  logRecords,
  simTargetName,
  startHubProcess,
  startSimAgents,
  writeAgentTokens,
  type HubProcess,
  type SimAgents,
} from '../src/sim/sim-fleet.ts';
import { bounded, machine, median, numberArg, stringArgs } from './lib/common.ts';
import {
  AGENT_BIN,
  CLUSTERS,
  REPO,
  WAVES,
  fleetFiles,
  log,
  waitIdle,
  waitSettled,
  type World,
} from './rollout/fleet.ts';
import { rolloutRound, type RoundResult, type WaveResult } from './rollout/round.ts';

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
                  // one hub for real and simulated agents: plaintext on loopback, static tokens
                  ...['--insecure-plaintext'],
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
