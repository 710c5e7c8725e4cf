/**
 * `npm run bench -- apply [--in-process] [--objects=1000]`: how fast the agent creates a large app.
 *
 * One cluster, one agent (the gitfleet-agent binary by default; `--in-process` runs it in this
 * process through the same composition root), the MiniHub's default policies (automated sync,
 * validation gate on). Three measurements in one run, each in its own pre-created namespace:
 * 1. cold: the agent's first assignment since it started — 1,000 ConfigMaps — timed from
 *    `hub.assign` until the hub holds a report of that version, Synced, with all 1,000 `created`
 *    (includes discovery, the OpenAPI fetch for validation, starting the ConfigMap watch);
 * 2. baseline: `kubectl apply --server-side -f` of one file with 1,000 ConfigMaps of the same
 *    shape, timed as a whole process (the fleet's cached kubectl, fresh discovery cache);
 * 3. warm: a second app of 1,000 ConfigMaps on the same agent (caches and watch already there).
 * Each ConfigMap has three keys, about 250 bytes of data, and two labels.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { StatusReport } from '@gitfleet/proto';
import { startAgentUnderTest, waitConnected, type AgentUnderTest } from './lib/agent.ts';
import { benchLog, bounded, cpuMs, flag, machine, numberArg, round } from './lib/common.ts';
import {
  configMaps,
  createNamespace,
  requestCounts,
  timedKubectlApply,
  withWorld,
  writesBetween,
  type BenchWorld,
} from './lib/cluster.ts';

const log = benchLog('apply');

function allCreated(version: number, n: number): (r: StatusReport) => boolean {
  return (r) =>
    r.assignmentVersion === version &&
    r.syncState === 'Synced' &&
    r.objects.length === n &&
    r.objects.every((o) => o.action === 'created');
}

interface AgentRun {
  readonly ms: number;
  readonly passMs: number | undefined;
  readonly writes: Readonly<Record<string, number>>;
  readonly dryRuns: number;
  /** Reports the hub received for the app until (and including) the Synced one. */
  readonly reports: number;
  /** JSON size of the final report. */
  readonly reportBytes: number;
  /** CPU time the agent process used (binary only). */
  readonly cpuMs: number | undefined;
}

async function agentApply(
  w: BenchWorld,
  agent: AgentUnderTest,
  app: string,
  ns: string,
  n: number,
): Promise<AgentRun> {
  const objects = configMaps(ns, n);
  const logFrom = agent.logRecords().length;
  const before = await requestCounts(w.cluster);
  const pid = agent.nodePid();
  const cpu0 = pid === undefined ? 0 : cpuMs(pid);
  const t0 = performance.now();
  const a = w.hub.assign('c1', app, objects);
  await w.hub.waitForReport('c1', app, allCreated(a.version, n), 120_000);
  const ms = performance.now() - t0;
  const cpu = pid === undefined ? undefined : cpuMs(pid) - cpu0;
  const writes = writesBetween(before, await requestCounts(w.cluster), []);
  let passMs: number | undefined;
  if (agent.mode === 'binary') {
    const pass = await agent.waitForLog(
      (r) => r.msg === 'sync pass' && r['app'] === app,
      logFrom,
      5_000,
    );
    passMs = Number(pass.record['ms']);
  }
  const reports = w.hub.reports('c1', app);
  return {
    ms,
    passMs,
    writes: writes.byKey,
    dryRuns: writes.dryRuns,
    reports: reports.length,
    reportBytes: JSON.stringify(reports.at(-1) ?? {}).length,
    cpuMs: cpu,
  };
}

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const inProcess = flag(args, 'in-process');
  const n = numberArg(args, 'objects', 1000);
  return withWorld(log, (w) =>
    bounded('apply benchmark', 300_000, async () => {
      for (const ns of ['bench-apply-cold', 'bench-apply-kubectl', 'bench-apply-warm'])
        await createNamespace(w.cluster, ns);
      let agent: AgentUnderTest | undefined;
      try {
        agent = await startAgentUnderTest(inProcess, w.cluster, w.hub, w.dir, {
          logLevel: 'info',
        });
        await waitConnected(w.hub, agent);
        log(`agent (${agent.mode}) connected`);

        log(`cold: assigning ${n} ConfigMaps`);
        const cold = await agentApply(w, agent, 'apply-cold', 'bench-apply-cold', n);
        log(
          `cold: ${Math.round(cold.ms)} ms (${round(n / (cold.ms / 1000), 0)} objects/s; agent's pass ${cold.passMs ?? '?'} ms)`,
        );

        log(`baseline: kubectl apply --server-side of ${n} ConfigMaps`);
        const cacheDir = path.join(w.dir, 'kubectl-cache');
        await mkdir(cacheDir, { recursive: true });
        const before = await requestCounts(w.cluster);
        const kubectl = await timedKubectlApply(
          w,
          configMaps('bench-apply-kubectl', n, {
            'app.kubernetes.io/managed-by': 'kubectl-bench',
            'bench.gitfleet.dev/app': 'kubectl',
          }),
          path.join(w.dir, 'configmaps.yaml'),
          cacheDir,
        );
        const kubectlWrites = writesBetween(before, await requestCounts(w.cluster), []);
        if (kubectl.lines !== n)
          throw new Error(`kubectl printed ${kubectl.lines} lines, not ${n}`);
        log(
          `baseline: ${Math.round(kubectl.ms)} ms (${round(n / (kubectl.ms / 1000), 0)} objects/s)`,
        );

        log(`warm: assigning another ${n} ConfigMaps to the same agent`);
        const warm = await agentApply(w, agent, 'apply-warm', 'bench-apply-warm', n);
        log(
          `warm: ${Math.round(warm.ms)} ms (${round(n / (warm.ms / 1000), 0)} objects/s; agent's pass ${warm.passMs ?? '?'} ms)`,
        );

        const ops = n / (cold.ms / 1000);
        const baseline = n / (kubectl.ms / 1000);
        return {
          objects: n,
          objects_per_s: round(ops, 0),
          baseline_objects_per_s: round(baseline, 0),
          ratio: round(ops / baseline, 2),
          ms: Math.round(cold.ms),
          baseline_ms: Math.round(kubectl.ms),
          agent_pass_ms: cold.passMs,
          warm_objects_per_s: round(n / (warm.ms / 1000), 0),
          warm_ms: Math.round(warm.ms),
          warm_agent_pass_ms: warm.passMs,
          goal: '>= 500 objects/s and >= 2x baseline',
          reports_during_apply: cold.reports,
          warm_reports_during_apply: warm.reports,
          report_bytes: cold.reportBytes,
          agent_cpu_ms: cold.cpuMs,
          warm_agent_cpu_ms: warm.cpuMs,
          agent_requests: cold.writes,
          agent_dry_runs: cold.dryRuns,
          warm_agent_requests: warm.writes,
          kubectl_requests: kubectlWrites.byKey,
          settings: {
            agent: agent.mode,
            policies: 'MiniHub defaults (automated, validation gate on, conflict force)',
            apply_concurrency: 32,
            object: 'ConfigMap, 3 keys (~250 B of data), 2 labels',
            namespace: 'pre-created, not part of the app',
            timed:
              'hub.assign -> hub holds a Synced report with every object created (report poll 20 ms)',
            baseline:
              'kubectl apply --server-side -f <one file>, whole process, fresh discovery cache',
          },
          machine: machine(),
        };
      } finally {
        await agent?.stop();
      }
    }),
  );
}
