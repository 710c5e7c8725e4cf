/**
 * `npm run bench -- noop [--passes=5]`: what a resync of 1,000 unchanged objects costs.
 *
 * The gitfleet-agent binary, started with `--resync-interval-ms 3000`, syncs one app of 1,000
 * ConfigMaps (MiniHub default policies). Then:
 * 1. periodic resync: for `passes` consecutive resync passes, the pass time the agent logs
 *    ('sync pass', mode 'resync', ms: re-list of every kind + compare + persist), and the
 *    apiserver's own count of mutating requests (apiserver_request_total, verbs POST, PUT,
 *    PATCH, APPLY, DELETE, DELETECOLLECTION; dry runs apart) from just after the previous pass to
 *    just after this one. `writes` counts those on the resources the agent writes (configmaps,
 *    secrets, namespaces); everything else in the window (leases, events, …) is the cluster's own
 *    background and is listed in `resync_window_writes`.
 * 2. cold restart: SIGTERM the agent, start a new one (default resync interval, so no periodic
 *    pass interferes) on the same cluster with the objects and its persisted state in place;
 *    time from spawn to the hub's first report from it and to its first Synced report, the
 *    agent's own pass time, and the writes of the whole restart.
 * 3. baseline: `kubectl apply --server-side -f` of a file of 1,000 identical ConfigMaps (another
 *    namespace) once to create them, then again unchanged: the second run is timed as a whole
 *    process, with its writes.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { StatusReport } from '@gitfleet/proto';
import {
  STATE_NAMESPACE,
  startAgentBinary,
  waitConnected,
  type AgentUnderTest,
} from './lib/agent.ts';
import { benchLog, bounded, machine, median, numberArg } from './lib/common.ts';
import {
  configMaps,
  createNamespace,
  requestCounts,
  timedKubectlApply,
  withWorld,
  writesBetween,
  type WriteDelta,
} from './lib/cluster.ts';
import { waitFor } from '../src/fleet/wait.ts';

const log = benchLog('noop');
const APP = 'noop';
const NS = 'bench-noop';
const NS_KUBECTL = 'bench-noop-kubectl';
const RESYNC_MS = 3_000;
/** Resources the agent writes: its objects, its state Secret, its state namespace. */
const AGENT_RESOURCES = ['configmaps', 'secrets', 'namespaces'];

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const n = numberArg(args, 'objects', 1000);
  const passes = numberArg(args, 'passes', 5);
  return withWorld(log, (w) =>
    bounded('noop benchmark', 300_000, async () => {
      await createNamespace(w.cluster, NS);
      await createNamespace(w.cluster, NS_KUBECTL);
      let agent: AgentUnderTest | undefined;
      try {
        agent = await startAgentBinary(w.cluster, w.hub, w.dir, {
          resyncIntervalMs: RESYNC_MS,
          logLevel: 'info',
          name: 'agent-1',
        });
        await waitConnected(w.hub, agent);
        const a = w.hub.assign('c1', APP, configMaps(NS, n));
        await w.hub.waitForReport(
          'c1',
          APP,
          (r) => r.assignmentVersion === a.version && r.syncState === 'Synced',
          120_000,
        );
        log(`${n} ConfigMaps synced by the agent (binary, resync every ${RESYNC_MS} ms)`);

        // 1. periodic resync passes
        const isResync = (r: { msg: string; [k: string]: unknown }): boolean =>
          r.msg === 'sync pass' && r['mode'] === 'resync';
        let last = await agent.waitForLog(isResync, 0, RESYNC_MS * 3);
        let counts = await requestCounts(w.cluster);
        const stateSecret = async (): Promise<{ rv: string; bytes: number }> => {
          const r = await w.cluster.request<{
            metadata?: { resourceVersion?: string };
            data?: Record<string, string>;
          }>('GET', `/api/v1/namespaces/${STATE_NAMESPACE}/secrets/gitfleet-app-${APP}`);
          return {
            rv: r.body.metadata?.resourceVersion ?? '?',
            bytes: Object.values(r.body.data ?? {}).reduce((s, v) => s + v.length, 0),
          };
        };
        let secret = await stateSecret();
        const stateBytes = secret.bytes;
        const stateRvChanged: boolean[] = [];
        const passMs: number[] = [];
        const windows: WriteDelta[] = [];
        const reportsBefore = w.hub.reports('c1', APP).length;
        for (let i = 0; i < passes; i++) {
          const next = await agent.waitForLog(isResync, last.index + 1, RESYNC_MS * 3);
          const after = await requestCounts(w.cluster);
          const d = writesBetween(counts, after, AGENT_RESOURCES);
          windows.push(d);
          const nowSecret = await stateSecret();
          stateRvChanged.push(nowSecret.rv !== secret.rv);
          secret = nowSecret;
          passMs.push(Number(next.record['ms']));
          log(
            `resync pass ${i + 1}: ${String(next.record['ms'])} ms, writes on agent resources ${d.selected} (${JSON.stringify(d.byKey)})`,
          );
          counts = after;
          last = next;
        }
        const reportsDuringResync = w.hub
          .reports('c1', APP)
          .slice(reportsBefore)
          .map((r) => r.syncState);
        const passesLogged = agent.logRecords().filter((r) => r.msg === 'sync pass');

        // 2. cold restart with the objects and the persisted state in place
        await agent.stop();
        agent = undefined;
        const reportsBeforeRestart = w.hub.reports('c1', APP).length;
        const beforeRestart = await requestCounts(w.cluster);
        const t0 = performance.now();
        const wall0 = Date.now();
        agent = await startAgentBinary(w.cluster, w.hub, w.dir, {
          logLevel: 'info',
          name: 'agent-2',
        });
        const newReports = (): readonly StatusReport[] =>
          w.hub.reports('c1', APP).slice(reportsBeforeRestart);
        await waitFor('a report from the restarted agent', () => newReports().length > 0, {
          timeoutMs: 60_000,
          intervalMs: 5,
        });
        const firstReportMs = performance.now() - t0;
        const firstState = newReports()[0]?.syncState;
        await waitFor(
          'a Synced report from the restarted agent',
          () => newReports().some((r) => r.syncState === 'Synced'),
          { timeoutMs: 60_000, intervalMs: 5 },
        );
        const syncedMs = performance.now() - t0;
        const restartPass = await agent.waitForLog((r) => r.msg === 'sync pass', 0, 10_000);
        const started = await agent.waitForLog((r) => r.msg === 'agent started', 0, 10_000);
        await new Promise((r) => setTimeout(r, 500));
        const restartWrites = writesBetween(
          beforeRestart,
          await requestCounts(w.cluster),
          AGENT_RESOURCES,
        );
        log(
          `restart: first report after ${Math.round(firstReportMs)} ms (${firstState}), Synced after ${Math.round(syncedMs)} ms; pass ${String(restartPass.record['ms'])} ms; writes ${JSON.stringify(restartWrites.byKey)}`,
        );

        // 3. kubectl baseline
        const cacheDir = path.join(w.dir, 'kubectl-cache');
        await mkdir(cacheDir, { recursive: true });
        const file = path.join(w.dir, 'configmaps.yaml');
        const objects = configMaps(NS_KUBECTL, n, {
          'app.kubernetes.io/managed-by': 'kubectl-bench',
          'bench.gitfleet.dev/app': 'kubectl',
        });
        const create = await timedKubectlApply(w, objects, file, cacheDir);
        const beforeNoop = await requestCounts(w.cluster);
        const noop = await timedKubectlApply(w, objects, file, cacheDir);
        const kubectlWrites = writesBetween(beforeNoop, await requestCounts(w.cluster), [
          'configmaps',
        ]);
        log(
          `kubectl: create ${Math.round(create.ms)} ms, no-op re-apply ${Math.round(noop.ms)} ms, ${kubectlWrites.selected} writes`,
        );

        const stateWrites = (d: WriteDelta): number =>
          Object.entries(d.byKey)
            .filter(([k]) => / secrets$/.test(k))
            .reduce((s, [, v]) => s + v, 0);
        return {
          objects: n,
          ms: median(passMs),
          writes: median(windows.map((d) => d.selected)),
          baseline_ms: Math.round(noop.ms),
          baseline_writes: kubectlWrites.selected,
          goal: '< 500 ms and 0 writes',
          resync_pass_ms: passMs,
          resync_writes_per_pass: windows.map((d) => d.selected),
          resync_state_secret_writes_per_pass: windows.map(stateWrites),
          resync_state_secret_changed_per_pass: stateRvChanged,
          state_secret_bytes: stateBytes,
          resync_window_writes: windows.map((d) => d.byKey),
          reports_during_resync_passes: reportsDuringResync,
          restart_first_report_ms: Math.round(firstReportMs),
          restart_first_report_state: firstState,
          restart_synced_ms: Math.round(syncedMs),
          restart_agent_started_after_ms: Date.parse(started.record.time) - wall0,
          restart_pass_ms: Number(restartPass.record['ms']),
          restart_pass_mode: restartPass.record['mode'],
          restart_writes: restartWrites.selected,
          restart_writes_by_request: restartWrites.byKey,
          sync_passes_before_restart: passesLogged.map(
            (r) => `${String(r['mode'])}:${String(r['ms'])}ms`,
          ),
          baseline_create_ms: Math.round(create.ms),
          settings: {
            agent: 'binary',
            resync_interval_ms: RESYNC_MS,
            passes,
            object: 'ConfigMap, 3 keys (~250 B of data), 2 labels',
            writes: `mutating requests (not dry runs) on ${AGENT_RESOURCES.join(', ')} from apiserver_request_total`,
            baseline: 'second kubectl apply --server-side -f of the same file, whole process',
          },
          machine: machine(),
        };
      } finally {
        await agent?.stop();
      }
    }),
  );
}
