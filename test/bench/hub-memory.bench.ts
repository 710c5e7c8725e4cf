/**
 * `npm run bench -- hub-memory [--agents=5000] [--first=1000] [--apps=1] [--settle-s=20]`: the
 * hub's resident memory per connected, idle agent.
 *
 * The gitfleet-hub binary (its node process: VmRSS from /proc) with a fleet of `agents` targets
 * and `apps` small app(s) on each, default settings (heartbeat 10 s, log level info). Measured
 * after the fleet was accepted and every desired state stored, with 0 agents; then with `first`
 * simulated agents connected (test/src/sim/sim-agents.ts, one HTTP/2 connection each), every app
 * synced; then with all `agents`. Each reading: a settling pause of `settle-s` seconds (GC,
 * heartbeats only), the median of 5 readings a second apart; then (unless `--no-gc`) two full
 * garbage collections in the hub (test/bench/lib/gc-on-signal.ts, preloaded; SIGUSR2) and the
 * median of 5 more readings: the figures use these, as the 0-agent RSS right after the start is
 * mostly garbage of the first resolve passes, which connected agents would reuse and so look
 * free. kb_per_agent = (rss_N − rss_0) / N. Goal < 150 KB/agent.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import { freePorts } from '../src/fleet/ports.ts';
import { stopAll } from '../src/fleet/processes.ts';
import { waitFor } from '../src/fleet/wait.ts';
import {
  establishedOn,
  fetchFleetStatus,
  logRecords,
  procStatusKb,
  simFleetFiles,
  simTargetName,
  startHubProcess,
  startSimAgents,
  writeAgentTokens,
  type HubProcess,
  type SimAgents,
} from '../src/sim/sim-fleet.ts';
import {
  benchLog,
  bounded,
  cpuMs,
  flag,
  machine,
  median,
  numberArg,
  round,
  sleep,
  stringArgs,
} from './lib/common.ts';

const log = benchLog('hub-memory');
const GC_PRELOAD = path.join(import.meta.dirname, 'lib/gc-on-signal.ts');

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const total = numberArg(args, 'agents', 5000);
  const first = Math.min(total, numberArg(args, 'first', 1000));
  const apps = numberArg(args, 'apps', 1);
  const settleS = numberArg(args, 'settle-s', 20);
  const forceGc = !flag(args, 'no-gc');
  const hubEnv: Record<string, string> = Object.fromEntries(
    stringArgs(args, 'hub-env').map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`--hub-env=${kv}: expected KEY=VALUE`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  if (forceGc) {
    hubEnv['NODE_OPTIONS'] =
      `${hubEnv['NODE_OPTIONS'] ?? ''} --expose-gc --import=${GC_PRELOAD}`.trim();
  }
  let fleet: TestFleet | undefined;
  let hub: HubProcess | undefined;
  const sims: SimAgents[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-hubmem-'));
  try {
    return await bounded('hub-memory benchmark', 40 * 60_000, async () => {
      fleet = await startFleet({ clusters: 0 });
      const { git, redis } = fleet;
      if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
      const repoUrl = await git.createRepo('fleet');
      const sha = await git.commit('fleet', {
        files: simFleetFiles({ targets: total, apps, message: 'v0' }),
        message: 'v0',
      });
      const tokensDir = path.join(dir, 'tokens');
      await writeAgentTokens(
        tokensDir,
        Array.from({ length: total }, (_, i) => simTargetName(i)),
      );
      const secretFile = path.join(dir, 'webhook.secret');
      await writeFile(secretFile, randomBytes(16).toString('hex'));
      const [grpcPort = 0, httpPort = 0] = await freePorts(2);
      const t0 = performance.now();
      hub = await startHubProcess({
        name: 'hub',
        logDir: dir,
        fleetRepo: repoUrl,
        redisUrl: redis.url,
        tokensDir,
        grpcPort,
        httpPort,
        cacheDir: path.join(dir, 'hub-git'),
        webhookSecretFile: secretFile,
        env: hubEnv,
      });
      const h = hub;
      await h.waitReady(600_000);
      const fs0 = await waitFor(
        'the first resolve pass',
        async () => {
          const s = await fetchFleetStatus(h);
          return s.lastPassAtMs !== undefined && s.fleetCommit === sha ? s : undefined;
        },
        { timeoutMs: 600_000, intervalMs: 200, abortIf: h.gone },
      );
      log(
        `hub ready ${Math.round(performance.now() - t0)} ms after start (${total} targets × ${apps} app(s); last pass ${fs0.lastPassMs} ms)`,
      );
      const pid = h.nodePid();
      if (pid === undefined) throw new Error('hub node process not found');

      const samples5 = async (): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < 5; i++) {
          if (i > 0) await sleep(1_000);
          out.push(procStatusKb(pid, 'VmRSS'));
        }
        return out;
      };
      const mb = (kb: number): number => round(kb / 1024);
      /** kb: the figure used (after the forced GC when on); settledKb: before it. */
      const reading = async (
        what: string,
      ): Promise<{
        kb: number;
        settledKb: number;
        cpuPct: number;
        heap: Record<string, number> | undefined;
      }> => {
        const cpu0 = cpuMs(pid);
        const w0 = performance.now();
        log(`${what}: settling ${settleS} s`);
        await sleep(settleS * 1000);
        const settled = await samples5();
        const cpuPct = ((cpuMs(pid) - cpu0) / (performance.now() - w0)) * 100;
        const settledKb = median(settled);
        let kb = settledKb;
        let gcNote = '';
        let heap: Record<string, number> | undefined;
        if (forceGc) {
          const before = logRecords(h.proc).length;
          process.kill(pid, 'SIGUSR2');
          await sleep(3_000);
          const after = await samples5();
          kb = median(after);
          const usage = logRecords(h.proc)
            .slice(before)
            .find((x) => x['gcOnSignal'] !== undefined)?.['gcOnSignal'] as
            Record<string, number> | undefined;
          if (usage !== undefined) {
            heap = Object.fromEntries(
              Object.entries(usage).map(([k, v]) => [`${k}_mb`, round(v / 1024 ** 2)]),
            );
          }
          gcNote = `; after a forced full GC ${mb(kb)} MB (${after.map(mb).join(', ')}), ${JSON.stringify(heap ?? {})}`;
        }
        const gone = h.gone();
        if (gone !== undefined) throw new Error(gone);
        log(
          `${what}: hub RSS settled ${mb(settledKb)} MB (${settled.map(mb).join(', ')})${gcNote}; CPU ${round(cpuPct)} % of a core`,
        );
        return { kb, settledKb, cpuPct, heap };
      };

      const r0 = await reading('0 agents');
      const connect = async (from: number, count: number, name: string): Promise<void> => {
        const s0 = performance.now();
        const sim = await startSimAgents({
          name,
          logDir: dir,
          hub: h.grpcAddress,
          tokensDir,
          from,
          count,
        });
        sims.push(sim);
        await sim.waitFor(
          `${count} agents connected, every app synced`,
          (p) => p.ready === count && (p.revisions[sha]?.reported ?? 0) === count * apps,
          { timeoutMs: 600_000, abortIf: h.gone },
        );
        log(
          `${count} more agents connected and synced in ${Math.round(performance.now() - s0)} ms`,
        );
      };
      await connect(0, first, 'sim-a');
      const r1 = await reading(`${first} agents`);
      let rN = r1;
      if (total > first) {
        await connect(first, total - first, 'sim-b');
        rN = await reading(`${total} agents`);
      }
      const connections = establishedOn(grpcPort);
      log(`${connections} TCP connections established on the hub's gRPC port`);
      const drops = sims.reduce((n, s) => n + (s.progress()?.drops ?? 0), 0);
      const simRssMb = sims.reduce((n, s) => {
        const p = s.nodePid();
        return n + (p === undefined ? 0 : procStatusKb(p, 'VmRSS') / 1024);
      }, 0);
      return {
        agents: total,
        kb_per_agent: round((rN.kb - r0.kb) / total),
        kb_per_agent_1000: round((r1.kb - r0.kb) / first),
        rss_mb_0: round(r0.kb / 1024),
        rss_mb_5000: round(rN.kb / 1024),
        rss_mb_1000: round(r1.kb / 1024),
        forced_gc: forceGc,
        settled_before_gc_mb: forceGc
          ? { 0: mb(r0.settledKb), [first]: mb(r1.settledKb), [total]: mb(rN.settledKb) }
          : null,
        kb_per_agent_marginal: round((rN.kb - r1.kb) / Math.max(1, total - first)),
        memory_usage_after_gc: forceGc ? { 0: r0.heap, [first]: r1.heap, [total]: rN.heap } : null,
        goal: 'kb_per_agent < 150',
        first,
        apps_per_target: apps,
        hub_peak_rss_mb: round(procStatusKb(pid, 'VmHWM') / 1024),
        hub_idle_cpu_pct: {
          0: round(r0.cpuPct),
          [first]: round(r1.cpuPct),
          [total]: round(rN.cpuPct),
        },
        hub_grpc_connections: connections,
        sim_drops: drops,
        sim_rss_mb: round(simRssMb),
        settings: {
          hub: 'gitfleet-hub binary, heartbeat 10 s, log level info',
          settle_s: settleS,
          reading: forceGc
            ? 'median of 5 VmRSS readings 1 s apart, after the settling pause and a forced full GC'
            : 'median of 5 VmRSS readings 1 s apart, after the settling pause',
          env: hubEnv,
        },
        machine: machine(),
      };
    });
  } finally {
    for (const s of sims) await s.stop().catch(() => undefined);
    await hub?.stop().catch(() => undefined);
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    if (process.env['GITFLEET_BENCH_KEEP'] === '1') log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}
