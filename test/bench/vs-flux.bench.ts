/**
 * `npm run bench -- vs-flux [--write-docs] [--render-docs=FILE] [--objects=N --mix=M --skip-1m]`: gitfleet side by side with Flux
 * (source-controller + kustomize-controller, built from the Go module proxy by
 * scripts/build-flux.sh, cached outside the repository), in one run, on one machine, from one Git
 * server, with the same objects. Performance claims count only as these ratios.
 *
 * Two real clusters, `gitfleet` and `flux`, share the fleet's etcd; each engine works alone on its
 * own cluster, from its own repository on the same Git server whose files are byte for byte the
 * same. The engines run one after the other (gitfleet, then Flux) so neither takes CPU from the
 * other; a stand-in ingress controller runs on both clusters throughout. Per engine, in order:
 *
 * 1. sync: one commit adds 1,000 ConfigMaps (~250 B of data each) to an app that held one
 *    placeholder → all applied and reported ready. gitfleet: a signed push webhook to the hub;
 *    Flux: `reconcile.fluxcd.io/requestedAt` on the GitRepository (what its webhook receiver does).
 * 2. prune: a commit removes the 1,000 again (same trigger) → reported ready.
 * 3. sync by polling: a commit adds the 1,000 again, no trigger: the hub and the GitRepository
 *    poll at the same interval.
 * 4. mix: Namespace + ServiceAccount + Deployment (1 replica) + Service + Ingress × 100 (the
 *    flux-benchmark shape) → all applied and ready (Deployments Available; Flux with `wait: true`).
 * 5. change: 10 of the 1,000 ConfigMaps changed in one commit → all 10 live (a watch of ours), and
 *    reported ready; 3 rounds.
 * 6. drift: 20 out-of-band edits (JSON merge PATCH as admin, another field manager each), sent
 *    evenly spread over one interval so they sample every phase of a periodic engine's timer; each
 *    edit's latency is from its PATCH to the event of our own watch showing the value back.
 *    gitfleet with its defaults; Flux with the Kustomization's interval at 10s and at 1m.
 * 7. no-op: resyncs of the 1,000 unchanged objects: gitfleet's periodic resync pass (the agent's
 *    own figure), Flux's reconcile on request (kustomize-controller's own "Reconciliation finished
 *    in", and the wall time request → Ready); writes counted by the apiserver
 *    (apiserver_request_total, mutating verbs, dry runs apart).
 * 8. footprint: RSS of the gitfleet agent vs Flux's two controllers, at the end (and the peak).
 *
 * Flux's figures are taken with kustomize-controller's client limits raised
 * (--kube-api-qps=500 --kube-api-burst=1000): its shipped 50/300 bind at 1,000 objects (each
 * reconcile sends a dry-run apply of every object) and make a reconcile ~8× slower. Before that,
 * Flux as shipped is measured once on the initial sync, a no-op and the prune of the 1,000.
 *
 * If Flux cannot be built the benchmark names the refused module and version and exits 1: it never
 * reports gitfleet's numbers alone as a comparison.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import { K8S_VERSION, KWOK_VERSION, REPO_ROOT } from '../src/fleet/paths.ts';
import { stopAll } from '../src/fleet/processes.ts';
import { ensureFlux, FluxBuildError, type FluxBuild } from '../src/flux/build.ts';
import { installFluxCrds } from '../src/flux/controllers.ts';
import { startIngressAdmitter, type IngressAdmitter } from '../src/flux/ingress-admitter.ts';
import { writeBenchmarkDocs, type VsFluxResult } from '../src/flux/report.ts';
import { bounded, flag, machine, numberArg, round, sleep, stringArgs } from './lib/common.ts';
import { createNamespace } from './lib/cluster.ts';
import { runFlux } from './vs-flux/flux.ts';
import { runGitfleet } from './vs-flux/gitfleet.ts';
import {
  CHANGED,
  CHANGE_ROUNDS,
  DRIFT_EDITS,
  NOOP_PASSES,
  POLL_MS,
  log,
  need,
} from './vs-flux/scenarios.ts';
import { NS, Workload, baseFiles } from './vs-flux/workload.ts';

const exec = promisify(execFile);

// ------------------------------------------------------------------------------ the run

async function gitfleetRevision(): Promise<string> {
  try {
    const { stdout } = await exec('git', ['-C', REPO_ROOT, 'rev-parse', '--short=12', 'HEAD']);
    const { stdout: dirty } = await exec('git', [
      '-C',
      REPO_ROOT,
      'status',
      '--porcelain',
      '--',
      'hub',
      'agent',
      'proto',
    ]);
    return `${stdout.trim()}${dirty.trim() === '' ? '' : ' (with uncommitted changes)'}`;
  } catch {
    return 'unknown';
  }
}

const ratio = (flux: number, gitfleet: number): number => round(flux / Math.max(gitfleet, 0.1), 1);

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const renderFrom = stringArgs(args, 'render-docs')[0];
  if (renderFrom !== undefined) {
    const lines = (await readFile(renderFrom, 'utf8')).trim().split('\n');
    const result = JSON.parse(lines.at(-1) ?? '{}') as VsFluxResult;
    const written = await writeBenchmarkDocs(result);
    log(`wrote ${written.join(', ')} from ${renderFrom}`);
    const { bench: _bench, ...rest } = result;
    return rest;
  }
  const writeDocs = flag(args, 'write-docs');
  // smaller runs, for trying the benchmark out; the published figures use the defaults
  const load = new Workload(numberArg(args, 'objects', 1000), numberArg(args, 'mix', 100));
  const skip1m = flag(args, 'skip-1m');
  if (writeDocs && (load.n !== 1000 || load.mix !== 100 || skip1m))
    throw new Error('--write-docs publishes only a full run: drop --objects, --mix and --skip-1m');

  // Flux first: without it there is no comparison to make
  log('building or finding Flux (scripts/build-flux.sh)');
  let build: FluxBuild;
  try {
    build = await ensureFlux({ progress: (line) => log(line) });
  } catch (err) {
    if (err instanceof FluxBuildError) {
      process.stderr.write(`[bench vs-flux] ERROR: ${err.message}\n`);
      for (const m of err.refused)
        process.stderr.write(`[bench vs-flux] refused: ${m.module} ${m.version} (${m.reason})\n`);
      process.stderr.write('[bench vs-flux] no comparison without Flux: nothing is reported\n');
      process.exit(1);
    }
    throw err;
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-vs-flux-'));
  let fleet: TestFleet | undefined;
  const admitters: IngressAdmitter[] = [];
  const started = performance.now();
  try {
    return await bounded('vs-flux benchmark', 30 * 60_000, async () => {
      log(`starting two clusters (Kubernetes ${K8S_VERSION}), Redis and the Git server`);
      fleet = await startFleet({ clusterNames: ['gitfleet', 'flux'] });
      const git = need(fleet.git, 'git');
      const [gc, fc] = [
        need(fleet.kube?.clusters[0], 'cluster gitfleet'),
        need(fleet.kube?.clusters[1], 'cluster flux'),
      ];
      for (const c of [gc, fc]) {
        admitters.push(startIngressAdmitter(c));
        await createNamespace(c, NS);
      }
      const crds = await installFluxCrds(fc, build);
      const repos = { gitfleet: 'vs-flux-gitfleet', flux: 'vs-flux-flux' };
      for (const r of Object.values(repos)) {
        await git.createRepo(r);
        // same files in both: gitfleet's Target is named after the cluster, so one file differs in name only
        await git.commit(r, {
          files: baseFiles(r === repos.gitfleet ? gc.name : fc.name),
          message: 'base',
        });
      }

      log('--- gitfleet (hub + agent) on cluster gitfleet');
      const g = await runGitfleet(fleet, gc, repos.gitfleet, dir, load);
      log(`gitfleet phase: ${g.phase_s} s`);
      await sleep(2_000);
      log('--- Flux (source-controller + kustomize-controller) on cluster flux');
      const f = await runFlux(fleet, fc, repos.flux, dir, load, build, crds, skip1m);
      log(`flux phase: ${f.phase_s} s`);

      const gRss = g.memory.agent?.rssMb ?? 0;
      const fRss =
        (f.memory.source_controller?.rssMb ?? 0) + (f.memory.kustomize_controller?.rssMb ?? 0);
      const fPeak =
        (f.memory.source_controller?.peakMb ?? 0) + (f.memory.kustomize_controller?.peakMb ?? 0);
      const flux1m = f.drift['1m'] ?? f.drift['10s'];
      const flux10 = f.drift['10s'];
      const gDrift = g.drift['default'];
      const result = {
        objects: load.n,
        gitfleet_sync_ms: g.sync.ms,
        flux_sync_ms: f.sync.ms,
        gitfleet_drift_p50_ms: gDrift?.p50_ms,
        flux_drift_p50_ms: flux1m?.p50_ms,
        gitfleet_noop_ms: g.noop.ms,
        flux_noop_ms: f.noop.ms,
        gitfleet_rss_mb: round(gRss, 0),
        flux_rss_mb: round(fRss, 0),
        flux_drift_10s_p50_ms: flux10?.p50_ms,
        mix: load.mix,
        gitfleet_sync_poll_ms: g.sync_poll.ms,
        flux_sync_poll_ms: f.sync_poll.ms,
        gitfleet_mix_ms: g.mix.ms,
        flux_mix_ms: f.mix.ms,
        gitfleet_change10_ms: g.change.applied_ms,
        flux_change10_ms: f.change.applied_ms,
        flux_shipped_sync_ms: f.shipped_defaults.sync.ms,
        flux_shipped_noop_ms: f.shipped_defaults.noop.ms,
        gitfleet_noop_writes: g.noop.writes,
        flux_noop_writes: f.noop.writes,
        ratios: {
          sync: ratio(f.sync.ms, g.sync.ms),
          sync_poll: ratio(f.sync_poll.ms, g.sync_poll.ms),
          mix: ratio(f.mix.ms, g.mix.ms),
          prune: ratio(f.prune.ms, g.prune.ms),
          change10: ratio(f.change.applied_ms, g.change.applied_ms),
          drift_1m: ratio(flux1m?.p50_ms ?? 0, gDrift?.p50_ms ?? 1),
          drift_10s: ratio(flux10?.p50_ms ?? 0, gDrift?.p50_ms ?? 1),
          noop: ratio(f.noop.ms, g.noop.ms),
          rss: ratio(fRss, gRss),
        },
        gitfleet: g,
        flux: f,
        flux_peak_rss_mb: round(fPeak, 0),
        versions: {
          gitfleet: await gitfleetRevision(),
          flux: `source-controller ${build.version}, kustomize-controller ${build.version}`,
          flux_build: build.record,
          flux_build_cached: build.cached,
          kubernetes: K8S_VERSION,
          kwok: KWOK_VERSION,
          node: process.version,
        },
        settings: {
          clusters:
            'one per engine (gitfleet, flux): kube-apiserver + kube-controller-manager + kube-scheduler + kwok each, one shared etcd',
          git: 'one Git server (git http-backend over loopback HTTP); one repository per engine, same files',
          order: 'gitfleet phase, then Flux phase; the other engine is not running',
          objects: `${load.n} ConfigMaps in namespace ${NS}, 3 keys (~250 B of data), one file each; mix: ${load.mix} × (Namespace, ServiceAccount, Deployment 1 replica, Service ClusterIP, Ingress), one file per namespace`,
          ingress:
            'a stand-in ingress controller on both clusters writes status.loadBalancer.ingress of every Ingress',
          poll_interval_ms: POLL_MS,
          drift: `${DRIFT_EDITS} edits of distinct ConfigMaps (JSON merge PATCH of data.owner as admin, field manager rival-N), evenly spread over the interval (gitfleet: over 10 s); latency = PATCH → our watch sees the desired value`,
          change: `${CHANGED} ConfigMaps changed in one commit, ${CHANGE_ROUNDS} rounds, median; applied = the last of the 10 seen by our watch`,
          noop: `${NOOP_PASSES} passes, median; writes = mutating requests on configmaps (apiserver_request_total), all passes together`,
          rss: "VmRSS at the end of each engine's phase: the gitfleet agent's node process vs source-controller + kustomize-controller",
        },
        total_s: round((performance.now() - started) / 1000, 0),
        machine: { ...machine(), go: build.record.go },
        date: new Date().toISOString(),
      };
      if (writeDocs) {
        const written = await writeBenchmarkDocs({
          bench: 'vs-flux',
          ...result,
        } as unknown as VsFluxResult);
        log(`wrote ${written.join(', ')}`);
      }
      return result;
    });
  } finally {
    for (const a of admitters) a.stop();
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    if (process.env['GITFLEET_BENCH_KEEP'] === '1') log(`kept ${dir} (engine logs)`);
    else await rm(dir, { recursive: true, force: true });
  }
}
