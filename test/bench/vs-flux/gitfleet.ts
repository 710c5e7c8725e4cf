/**
 * The gitfleet phase of the vs-flux benchmark: a hub and an agent on the `gitfleet` cluster, the
 * common scenarios, drift with the agent's defaults, and the agent's periodic no-op resyncs.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TestFleet } from '../../src/fleet/fleet.ts';
import type { KubeCluster } from '../../src/fleet/kube.ts';
import { waitFor } from '../../src/fleet/wait.ts';
import { startGitfleet, type GitfleetEngine } from '../../src/flux/gitfleet-engine.ts';
import { memoryOf } from '../../src/flux/proc-stats.ts';
import { median, round, sleep } from '../lib/common.ts';
import { requestCounts, writesBetween } from '../lib/cluster.ts';
import {
  NOOP_PASSES,
  POLL_MS,
  RESYNC_MS,
  commonScenarios,
  drift,
  expectCount,
  log,
  need,
  type Engine,
  type EngineResult,
  type Memory,
  type NoopResult,
} from './scenarios.ts';
import type { Workload } from './workload.ts';

/** Runs every scenario on gitfleet (hub + agent) and stops it again. */
export async function runGitfleet(
  fleet: TestFleet,
  cluster: KubeCluster,
  repo: string,
  dir: string,
  load: Workload,
): Promise<EngineResult> {
  const git = need(fleet.git, 'git');
  const redis = need(fleet.redis, 'redis');
  const t0 = performance.now();
  const engineDir = path.join(dir, 'gitfleet');
  await mkdir(engineDir, { recursive: true });
  let g: GitfleetEngine | undefined;
  try {
    g = await startGitfleet({
      cluster,
      target: cluster.name,
      repoUrl: git.repoUrl(repo),
      redisUrl: redis.url,
      dir: engineDir,
      pollIntervalMs: POLL_MS,
      resyncIntervalMs: RESYNC_MS,
    });
    const eng = g;
    const head = need(await git.head(repo), 'head');
    await Promise.all((['cm', 'mix'] as const).map((a) => eng.waitReady(a, head, 60_000)));
    log('gitfleet: hub and agent up, placeholders Synced and Healthy');
    const e: Engine = {
      name: 'gitfleet',
      cluster,
      repo,
      trigger: (sha) => eng.webhook(sha),
      waitReady: (app, sha, timeoutMs) => eng.waitReady(app, sha, timeoutMs),
      logMark: () => eng.agentLog().length,
      ownMs: (app, _sha, mark) => {
        const passes = eng
          .agentLog()
          .slice(mark)
          .filter((r) => r.msg === 'sync pass' && r['app'] === app && r['mode'] === 'apply');
        return passes.length === 0 ? undefined : passes.reduce((s, r) => s + Number(r['ms']), 0);
      },
      hubMark: () => eng.hubLog().length,
      hubMs: (mark) => {
        const passes = eng
          .hubLog()
          .slice(mark)
          .filter((r) => r.msg === 'resolve pass' && Number(r['changed']) > 0);
        return passes.length === 0 ? undefined : passes.reduce((s, r) => s + Number(r['ms']), 0);
      },
    };
    const common = await commonScenarios(git, e, load);
    await sleep(1_000);
    const d = await drift(e, load, 10_000, 30_000);

    // no-op: the agent's periodic resync passes of the unchanged 1,000 (and the mix app)
    const from = eng.agentLog().length;
    const before = await requestCounts(cluster);
    const passes: number[] = [];
    await waitFor(
      `${NOOP_PASSES} resync passes of cm`,
      () => {
        const got = eng
          .agentLog()
          .slice(from)
          .filter((r) => r.msg === 'sync pass' && r['app'] === 'cm' && r['mode'] === 'resync');
        if (got.length < NOOP_PASSES) return false;
        passes.push(...got.slice(0, NOOP_PASSES).map((r) => Number(r['ms'])));
        return true;
      },
      { timeoutMs: RESYNC_MS * (NOOP_PASSES + 2), intervalMs: 50, abortIf: () => eng.gone() },
    );
    await sleep(500);
    const w = writesBetween(before, await requestCounts(cluster), ['configmaps']);
    const noop: NoopResult = {
      ms: median(passes),
      passes_ms: passes,
      writes: w.selected,
      dry_runs: w.dryRuns,
      window_writes: w.byKey,
    };
    log(
      `gitfleet: no-op resync passes ${JSON.stringify(passes)} ms, ${w.selected} writes on configmaps`,
    );
    await expectCount(cluster, load.n, 'at the end');
    const memory: Memory = { agent: memoryOf(eng.agentPid()), hub: memoryOf(eng.hubPid()) };
    return {
      ...common,
      drift: { default: d },
      noop,
      memory,
      settings: {
        processes: eng.settings,
        trigger: 'signed GitHub push webhook POSTed to the hub right after the commit',
        poll: `hub --poll-interval-ms ${POLL_MS}`,
        resync: `agent --resync-interval-ms ${RESYNC_MS} (default 300000; shortened so the run sees resync passes; drift correction does not depend on it)`,
        drift: 'agent defaults: drift policy correct (watch-driven), no interval',
        ready:
          'hub GET /api/v1/status: desiredRevision = revision = the commit, reportedVersion = desiredVersion, Synced, Healthy',
      },
      phase_s: round((performance.now() - t0) / 1000, 0),
    };
  } finally {
    await g?.stop();
  }
}
