/**
 * The Flux phase of the vs-flux benchmark: source-controller and kustomize-controller on the
 * `flux` cluster, measured once as shipped and then with their client limits raised, the common
 * scenarios, drift at the Kustomization intervals 10s and 1m, and no-op reconciles on request.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TestFleet } from '../../src/fleet/fleet.ts';
import type { KubeCluster } from '../../src/fleet/kube.ts';
import { waitFor } from '../../src/fleet/wait.ts';
import type { FluxBuild } from '../../src/flux/build.ts';
import { startFluxControllers, type FluxControllers } from '../../src/flux/controllers.ts';
import { memoryOf, pidOf } from '../../src/flux/proc-stats.ts';
import {
  applyFluxObject,
  gitRepository,
  kustomization,
  reconcileFinished,
  requestReconcile,
  setKustomizationInterval,
  waitKustomizationReady,
} from '../../src/flux/resources.ts';
import { median, round, sleep } from '../lib/common.ts';
import { requestCounts, writesBetween } from '../lib/cluster.ts';
import {
  NOOP_PASSES,
  POLL_MS,
  QUIET_INTERVAL,
  TIMEOUT_MS,
  commitAndWait,
  commonScenarios,
  drift,
  expectCount,
  log,
  need,
  type DriftResult,
  type Engine,
  type EngineResult,
  type Memory,
  type NoopResult,
  type Timed,
} from './scenarios.ts';
import type { App, Workload } from './workload.ts';

/** kustomize-controller's client limits for the headline figures: raised so they never bind. */
export const FLUX_TUNED_ARGS = ['--kube-api-qps=500', '--kube-api-burst=1000'];

/** Flux's no-op: reconciles of the unchanged Kustomization on request. */
async function fluxNoop(
  cluster: KubeCluster,
  fx: FluxControllers,
  passes: number,
  ready: (when: { handled: string }) => Promise<number>,
): Promise<NoopResult> {
  const before = await requestCounts(cluster);
  const own: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < passes; i++) {
    const mark = fx.kustomizeLog().length;
    const s = performance.now();
    const token = await requestReconcile(cluster, 'Kustomization', 'cm');
    const at = await ready({ handled: token });
    wall.push(round(at - s, 0));
    const fin = await waitFor(
      'kustomize-controller to log the reconcile',
      () => reconcileFinished(fx, 'cm', mark),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    own.push(round(fin.ms, 0));
    await sleep(500);
  }
  const w = writesBetween(before, await requestCounts(cluster), ['configmaps']);
  return {
    ms: median(own),
    passes_ms: own,
    wall_ms: median(wall),
    passes_wall_ms: wall,
    writes: w.selected,
    dry_runs: w.dryRuns,
    window_writes: w.byKey,
  };
}

/** Flux as shipped (client limits 50/300): the sync, a no-op and the prune of the 1,000. */
interface FluxDefaults {
  readonly args: readonly string[];
  readonly sync: Timed;
  readonly noop: NoopResult;
  readonly prune: Timed;
}

/** Runs every scenario on Flux, first as shipped and then with FLUX_TUNED_ARGS, and stops it. */
export async function runFlux(
  fleet: TestFleet,
  cluster: KubeCluster,
  repo: string,
  dir: string,
  load: Workload,
  build: FluxBuild,
  crds: string[],
  skip1m: boolean,
): Promise<EngineResult & { shipped_defaults: FluxDefaults }> {
  const git = need(fleet.git, 'git');
  const t0 = performance.now();
  const engineDir = path.join(dir, 'flux');
  await mkdir(engineDir, { recursive: true });
  let flux: FluxControllers | undefined;
  const current = (): FluxControllers => need(flux, 'Flux controllers');
  const source = gitRepository('bench', { url: git.repoUrl(repo), interval: `${POLL_MS / 1000}s` });
  const ks = (app: App): Record<string, unknown> =>
    kustomization(app, {
      path: `./apps/${app}`,
      sourceName: 'bench',
      interval: QUIET_INTERVAL,
      prune: true,
      wait: app === 'mix',
      timeout: '5m',
    });
  const ready = (
    app: App,
    when: Parameters<typeof waitKustomizationReady>[2],
    timeoutMs: number,
  ): Promise<number> =>
    waitKustomizationReady(cluster, app, when, { timeoutMs, abortIf: () => current().gone() });
  const e: Engine = {
    name: 'flux',
    cluster,
    repo,
    trigger: async (_sha) => {
      await requestReconcile(cluster, 'GitRepository', 'bench');
    },
    waitReady: (app, sha, timeoutMs) => ready(app, { sha }, timeoutMs),
    logMark: () => current().kustomizeLog().length,
    ownMs: (app, sha, mark) => reconcileFinished(current(), app, mark, sha)?.ms,
  };
  /** Waits until a freshly started kustomize-controller has reconciled both apps at HEAD. */
  const settled = async (): Promise<void> => {
    const head = need(await git.head(repo), 'head');
    for (const app of ['cm', 'mix'] as const) {
      await waitFor(`a first reconcile of ${app}`, () => reconcileFinished(current(), app, 0), {
        timeoutMs: TIMEOUT_MS,
        intervalMs: 50,
        abortIf: () => current().gone(),
      });
      await ready(app, { sha: head }, TIMEOUT_MS);
    }
  };
  try {
    // A. kustomize-controller as shipped (client limits --kube-api-qps=50, --kube-api-burst=300)
    flux = await startFluxControllers(cluster, build, { logDir: engineDir });
    await applyFluxObject(cluster, source);
    await applyFluxObject(cluster, ks('cm'));
    await applyFluxObject(cluster, ks('mix'));
    const head0 = need(await git.head(repo), 'head');
    await Promise.all((['cm', 'mix'] as const).map((a) => ready(a, { sha: head0 }, 60_000)));
    log('flux (shipped defaults): controllers up, placeholders Ready');
    const dSync = await commitAndWait(
      git,
      e,
      'cm',
      load.allConfigMaps(),
      `add ${load.n} ConfigMaps`,
      true,
    );
    await expectCount(cluster, load.n, 'after the sync (shipped defaults)');
    const dNoop = await fluxNoop(cluster, current(), 1, (w) => ready('cm', w, TIMEOUT_MS));
    log(`flux (shipped defaults): no-op reconcile ${JSON.stringify(dNoop.passes_ms)} ms`);
    const dPrune = await commitAndWait(
      git,
      e,
      'cm',
      load.removeConfigMaps(),
      `remove ${load.n} ConfigMaps`,
      true,
    );

    // B. the headline: client limits raised so they never bind
    await current().restartKustomizeController(FLUX_TUNED_ARGS);
    await settled();
    log(`flux (${FLUX_TUNED_ARGS.join(' ')}): controllers up, placeholders Ready`);
    const common = await commonScenarios(git, e, load);

    // drift at interval 10s, then 1m: each interval change is itself reconciled first
    const driftAt = async (interval: string, ms: number): Promise<DriftResult> => {
      const gen = await setKustomizationInterval(cluster, 'cm', interval);
      await ready('cm', { generation: gen }, TIMEOUT_MS);
      return drift(e, load, ms, 2 * ms + 60_000);
    };
    await sleep(1_000);
    const d10 = await driftAt('10s', 10_000);
    const d60 = skip1m ? undefined : await driftAt('1m', 60_000);
    const gen = await setKustomizationInterval(cluster, 'cm', QUIET_INTERVAL);
    await ready('cm', { generation: gen }, TIMEOUT_MS);
    await sleep(1_000);

    const noop = await fluxNoop(cluster, current(), NOOP_PASSES, (w) => ready('cm', w, TIMEOUT_MS));
    log(
      `flux: no-op reconciles ${JSON.stringify(noop.passes_ms)} ms (wall ${JSON.stringify(noop.passes_wall_ms)} ms), ${noop.writes} writes on configmaps`,
    );
    await expectCount(cluster, load.n, 'at the end');
    const fx = current();
    const memory: Memory = {
      source_controller: memoryOf(pidOf(fx.sourceController, 'source-controller')),
      kustomize_controller: memoryOf(pidOf(fx.kustomizeController, 'kustomize-controller')),
    };
    return {
      ...common,
      drift: d60 === undefined ? { '10s': d10 } : { '10s': d10, '1m': d60 },
      noop,
      memory,
      shipped_defaults: { args: [], sync: dSync, noop: dNoop, prune: dPrune },
      settings: {
        processes: fx.settings,
        client_limits: `kustomize-controller ${FLUX_TUNED_ARGS.join(' ')} for every figure but the "shipped defaults" rows (shipped: --kube-api-qps=50 --kube-api-burst=300, which bind at 1,000 objects)`,
        crds,
        gitrepository: source['spec'],
        kustomizations: { cm: ks('cm')['spec'], mix: ks('mix')['spec'] },
        trigger:
          "annotation reconcile.fluxcd.io/requestedAt on the GitRepository right after the commit (what Flux's webhook Receiver does)",
        poll: `GitRepository spec.interval ${POLL_MS / 1000}s`,
        drift: 'Kustomization cm spec.interval set to 10s, then 1m, for the drift scenario only',
        noop: 'annotation reconcile.fluxcd.io/requestedAt on the Kustomization; time = kustomize-controller\'s "Reconciliation finished in"',
        ready:
          'Kustomization Ready=True, observedGeneration current, status.lastAppliedRevision = main@sha1:<commit> (mix: wait: true, so every object healthy by kstatus)',
      },
      phase_s: round((performance.now() - t0) / 1000, 0),
    };
  } finally {
    await flux?.stop();
  }
}
