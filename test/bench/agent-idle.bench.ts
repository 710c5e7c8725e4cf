/**
 * `npm run bench -- agent-idle [--idle-s=20] [--objects=1000]`: the agent's memory when it holds a
 * large app and has nothing to do.
 *
 * The gitfleet-agent binary (default settings: resync every 300 s, unmanaged scan every 60 s,
 * `--log-level warn`) as a supervised process; its RSS is VmRSS of its node process (found below
 * the supervisor: the bin script and with-node exec into node). Measured: connected with no app
 * (after 3 s), then one app of 1,000 ConfigMaps synced, then idle for `idle-s` seconds sampled
 * every second. Also the peak (VmHWM) and the CPU the idle agent used. `--agent-env=K=V`
 * (repeatable) adds to the agent's environment, for experiments.
 */
import { startAgentBinary, waitConnected, type AgentUnderTest } from './lib/agent.ts';
import {
  benchLog,
  bounded,
  cpuMs,
  machine,
  numberArg,
  peakRssMb,
  round,
  rssMb,
  sleep,
  stringArgs,
} from './lib/common.ts';
import { configMaps, createNamespace, withWorld } from './lib/cluster.ts';

const log = benchLog('agent-idle');
const NS = 'bench-idle';
const APP = 'idle';

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const n = numberArg(args, 'objects', 1000);
  const idleS = numberArg(args, 'idle-s', 20);
  // experiments: --agent-env=MALLOC_ARENA_MAX=2 --agent-env=NODE_OPTIONS=--max-old-space-size=64
  const env = Object.fromEntries(
    stringArgs(args, 'agent-env').map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`--agent-env=${kv}: expected KEY=VALUE`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  return withWorld(log, (w) =>
    bounded('agent-idle benchmark', 180_000 + idleS * 1000, async () => {
      await createNamespace(w.cluster, NS);
      let agent: AgentUnderTest | undefined;
      try {
        agent = await startAgentBinary(w.cluster, w.hub, w.dir, { logLevel: 'warn', env });
        await waitConnected(w.hub, agent);
        await sleep(3_000);
        const pid = agent.nodePid();
        if (pid === undefined) throw new Error('agent node process not found');
        const emptyMb = rssMb(pid);
        log(`agent node pid ${pid}: ${round(emptyMb)} MB connected, no app`);

        const t0 = performance.now();
        const a = w.hub.assign('c1', APP, configMaps(NS, n));
        await w.hub.waitForReport(
          'c1',
          APP,
          (r) => r.assignmentVersion === a.version && r.syncState === 'Synced',
          120_000,
        );
        const syncedMb = rssMb(pid);
        log(
          `${n} ConfigMaps synced in ${Math.round(performance.now() - t0)} ms; RSS ${round(syncedMb)} MB; idling ${idleS} s`,
        );

        const cpu0 = cpuMs(pid);
        const idle0 = performance.now();
        const samples: number[] = [];
        for (let s = 0; s < idleS; s++) {
          await sleep(1_000);
          const mb = rssMb(pid);
          if (mb === 0) throw new Error('the agent process went away');
          samples.push(mb);
          if ((s + 1) % 5 === 0) log(`idle ${s + 1} s: ${round(mb)} MB`);
        }
        const idleCpuPct = ((cpuMs(pid) - cpu0) / (performance.now() - idle0)) * 100;
        const finalMb = samples.at(-1) ?? 0;
        return {
          objects: n,
          rss_mb: round(finalMb),
          goal_rss_mb: 100,
          rss_idle_min_mb: round(Math.min(...samples)),
          rss_idle_max_mb: round(Math.max(...samples)),
          rss_empty_mb: round(emptyMb),
          rss_at_synced_mb: round(syncedMb),
          rss_peak_mb: round(peakRssMb(pid)),
          idle_cpu_pct_of_one_core: round(idleCpuPct, 2),
          settings: {
            agent: 'binary (node process below the supervisor)',
            idle_s: idleS,
            flags:
              'defaults + --log-level warn (resync 300 s, unmanaged scan 60 s, apply concurrency 32)',
            env,
            object: 'ConfigMap, 3 keys (~250 B of data), 2 labels',
          },
          machine: machine(),
        };
      } finally {
        await agent?.stop();
      }
    }),
  );
}
