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
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import type { GitServer } from '../src/fleet/git-server.ts';
import type { KubeCluster } from '../src/fleet/kube.ts';
import { K8S_VERSION, KWOK_VERSION, REPO_ROOT } from '../src/fleet/paths.ts';
import { stopAll } from '../src/fleet/processes.ts';
import { waitFor } from '../src/fleet/wait.ts';
import { ensureFlux, FluxBuildError, type FluxBuild } from '../src/flux/build.ts';
import {
  installFluxCrds,
  startFluxControllers,
  type FluxControllers,
} from '../src/flux/controllers.ts';
import { startGitfleet, type GitfleetEngine } from '../src/flux/gitfleet-engine.ts';
import { startIngressAdmitter, type IngressAdmitter } from '../src/flux/ingress-admitter.ts';
import { memoryOf, pidOf, type MemoryReading } from '../src/flux/proc-stats.ts';
import { writeBenchmarkDocs, type VsFluxResult } from '../src/flux/report.ts';
import {
  applyFluxObject,
  gitRepository,
  kustomization,
  reconcileFinished,
  requestReconcile,
  setKustomizationInterval,
  waitKustomizationReady,
} from '../src/flux/resources.ts';
import {
  benchLog,
  bounded,
  flag,
  machine,
  numberArg,
  median,
  percentile,
  round,
  sleep,
  stringArgs,
} from './lib/common.ts';
import { configMaps, createNamespace, requestCounts, writesBetween } from './lib/cluster.ts';
import { CollectionWatch, type Obj } from './lib/watch.ts';

const log = benchLog('vs-flux');
const exec = promisify(execFile);

/** Objects of the main app (--objects; 1,000 for published figures). */
let N = 1000;
const NS = 'bench';
/** Namespaces of the mix (--mix; 100 for published figures). */
let MIX = 100;
/** The hub's --poll-interval-ms and the GitRepository's spec.interval. */
const POLL_MS = 5_000;
/** The agent's --resync-interval-ms: short enough that the benchmark sees its resync passes. */
const RESYNC_MS = 20_000;
/** Kustomization interval outside the drift scenario: long, so no periodic run disturbs a figure. */
const QUIET_INTERVAL = '1h';
const DRIFT_EDITS = 20;
const CHANGE_ROUNDS = 3;
const NOOP_PASSES = 3;
const CHANGED = 10;
const TIMEOUT_MS = 180_000;

type App = 'cm' | 'mix';

interface Engine {
  readonly name: 'gitfleet' | 'flux';
  readonly cluster: KubeCluster;
  readonly repo: string;
  /** "Apply this commit now": gitfleet's webhook, Flux's requestedAt on the GitRepository. */
  trigger(sha: string): Promise<void>;
  /** Resolves with performance.now() once `app` is applied and reported ready at `sha`. */
  waitReady(app: App, sha: string, timeoutMs: number): Promise<number>;
  /** Position in the engine's log, to read its own figures from later. */
  logMark(): number;
  /** The engine's own time for applying `sha` to `app`, as it logs it (ms), if logged. */
  ownMs(app: App, sha: string, mark: number): number | undefined;
  /** gitfleet only: position in the hub's log, and the hub's resolve time logged after it (ms). */
  hubMark?(): number;
  hubMs?(mark: number): number | undefined;
}

// ------------------------------------------------------------------------------ the repositories

const yamlDoc = (o: unknown): string => stringify(o, { lineWidth: 0 });

let CONFIG_MAPS = configMaps(NS, N);

function cmFile(i: number, change?: string): [string, string] {
  const o = CONFIG_MAPS[i];
  if (o === undefined) throw new Error(`no ConfigMap ${i}`);
  const data = { ...(o['data'] as Record<string, string>) };
  if (change !== undefined)
    data['app.properties'] = `${data['app.properties'] ?? ''}change=${change}\n`;
  return [`apps/cm/cm-${String(i).padStart(4, '0')}.yaml`, yamlDoc({ ...o, data })];
}

const allConfigMaps = (): Record<string, string> =>
  Object.fromEntries(Array.from({ length: N }, (_, i) => cmFile(i)));

const removeConfigMaps = (): Record<string, null> =>
  Object.fromEntries(Array.from({ length: N }, (_, i) => [cmFile(i)[0], null]));

function mixFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < MIX; i++) {
    const ns = `mix-${String(i).padStart(3, '0')}`;
    const labels = { app: 'web' };
    const docs = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: ns } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: 'web',
              containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: ns, labels },
        spec: {
          type: 'ClusterIP',
          selector: labels,
          ports: [{ name: 'http', port: 80, targetPort: 8080 }],
        },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', namespace: ns },
        spec: {
          rules: [
            {
              host: `${ns}.example.com`,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ];
    out[`apps/mix/${ns}.yaml`] = docs.map(yamlDoc).join('---\n');
  }
  return out;
}

/** The first commit of both repositories: gitfleet's fleet files and one placeholder per app. */
function baseFiles(target: string): Record<string, string> {
  const fleet = [
    {
      apiVersion: 'gitfleet.dev/v1alpha1',
      kind: 'Target',
      metadata: { name: target, labels: { bench: 'vs-flux' } },
    },
    ...(['cm', 'mix'] as const).map((app) => ({
      apiVersion: 'gitfleet.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: app },
      spec: {
        source: { path: `apps/${app}` },
        placement: { selector: { matchLabels: { bench: 'vs-flux' } } },
      },
    })),
  ];
  const placeholder = (name: string): string =>
    yamlDoc({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: NS },
      data: { placeholder: 'true' },
    });
  return {
    'gitfleet/fleet.yaml': fleet.map(yamlDoc).join('---\n'),
    'apps/cm/placeholder.yaml': placeholder('placeholder'),
    'apps/mix/placeholder.yaml': placeholder('mix-placeholder'),
  };
}

// ------------------------------------------------------------------------------ the scenarios

interface Timed {
  readonly ms: number;
  readonly own_ms: number | undefined;
  /** gitfleet only: the hub's resolve passes for the commit (render of the changed apps), ms. */
  readonly hub_ms?: number | undefined;
  readonly sha: string;
}

async function commitAndWait(
  git: GitServer,
  e: Engine,
  app: App,
  files: Record<string, string | null>,
  message: string,
  trigger: boolean,
): Promise<Timed> {
  const mark = e.logMark();
  const hubMark = e.hubMark?.();
  const t0 = performance.now();
  const sha = await git.commit(e.repo, { files, message });
  if (trigger) await e.trigger(sha);
  const ready = await e.waitReady(app, sha, TIMEOUT_MS);
  const ms = ready - t0;
  // the engine's own figure may be logged a moment after the status says ready
  let own: number | undefined;
  for (let i = 0; i < 40 && own === undefined; i++) {
    own = e.ownMs(app, sha, mark);
    if (own === undefined) await sleep(50);
  }
  log(
    `${e.name}: ${message}: ${Math.round(ms)} ms (own figure ${own === undefined ? '-' : `${Math.round(own)} ms`})`,
  );
  const hub = hubMark === undefined ? undefined : e.hubMs?.(hubMark);
  return {
    ms: round(ms, 0),
    own_ms: own === undefined ? undefined : round(own, 0),
    ...(hub === undefined ? {} : { hub_ms: round(hub, 0) }),
    sha,
  };
}

async function countConfigMaps(cluster: KubeCluster): Promise<number> {
  const r = await cluster.request<{ items?: { metadata: { name: string } }[] }>(
    'GET',
    `/api/v1/namespaces/${NS}/configmaps`,
  );
  return (r.body.items ?? []).filter((o) => /^cm-\d{4}$/.test(o.metadata.name)).length;
}

async function expectCount(cluster: KubeCluster, n: number, what: string): Promise<void> {
  const c = await countConfigMaps(cluster);
  if (c !== n)
    throw new Error(`${cluster.name}: ${what}: ${c} ConfigMaps cm-NNNN live, expected ${n}`);
}

async function deploymentsAvailable(cluster: KubeCluster): Promise<number> {
  const r = await cluster.request<{
    items?: {
      metadata: { namespace: string };
      status?: { conditions?: { type: string; status: string }[] };
    }[];
  }>('GET', '/apis/apps/v1/deployments');
  return (r.body.items ?? []).filter(
    (d) =>
      d.metadata.namespace.startsWith('mix-') &&
      d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') === true,
  ).length;
}

interface ChangeResult {
  readonly applied_ms: number;
  readonly ready_ms: number;
  readonly rounds_applied_ms: number[];
  readonly rounds_ready_ms: number[];
  readonly rounds_own_ms: (number | undefined)[];
  readonly rounds_hub_ms?: (number | undefined)[];
}

/** 10 of the 1,000 changed in one commit → all 10 live (our watch) and reported ready. */
async function change10(git: GitServer, e: Engine): Promise<ChangeResult> {
  const watch = await CollectionWatch.open(e.cluster, `/api/v1/namespaces/${NS}/configmaps`);
  const applied: number[] = [];
  const ready: number[] = [];
  const own: (number | undefined)[] = [];
  const hub: (number | undefined)[] = [];
  try {
    for (let r = 1; r <= CHANGE_ROUNDS; r++) {
      const idx = Array.from({ length: CHANGED }, (_, k) => k * (N / CHANGED) + r);
      const tag = `round-${r}`;
      const files = Object.fromEntries(idx.map((i) => cmFile(i, tag)));
      const mark = e.logMark();
      const hubMark = e.hubMark?.();
      const t0 = performance.now();
      const sha = await git.commit(e.repo, { files, message: `change ${CHANGED} (${tag})` });
      await e.trigger(sha);
      const live = Promise.all(
        idx.map(async (i) => {
          const name = `cm-${String(i).padStart(4, '0')}`;
          const ev = await watch.waitFor(
            name,
            0,
            (o) =>
              String(
                (o['data'] as Record<string, string> | undefined)?.['app.properties'],
              ).includes(`change=${tag}`),
            TIMEOUT_MS,
          );
          if (ev === undefined) throw new Error(`${e.name}: ${name} never got ${tag}`);
          return ev.at;
        }),
      );
      const readyAt = await e.waitReady('cm', sha, TIMEOUT_MS);
      const lastLive = Math.max(...(await live));
      applied.push(round(lastLive - t0, 0));
      ready.push(round(Math.max(readyAt, lastLive) - t0, 0));
      await sleep(300);
      own.push(e.ownMs('cm', sha, mark));
      hub.push(hubMark === undefined ? undefined : e.hubMs?.(hubMark));
      log(
        `${e.name}: change ${CHANGED} round ${r}: applied ${applied.at(-1)} ms, ready ${ready.at(-1)} ms`,
      );
    }
  } finally {
    watch.stop();
  }
  return {
    applied_ms: median(applied),
    ready_ms: median(ready),
    rounds_applied_ms: applied,
    rounds_ready_ms: ready,
    rounds_own_ms: own,
    ...(hub.every((h) => h === undefined) ? {} : { rounds_hub_ms: hub }),
  };
}

interface DriftResult {
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly max_ms: number;
  readonly min_ms: number;
  readonly corrected: number;
  readonly timeouts: number;
  readonly spread_ms: number;
  readonly samples_ms: number[];
}

/**
 * DRIFT_EDITS out-of-band edits of distinct ConfigMaps, evenly spread over `spreadMs`; each one's
 * latency from its PATCH to our watch seeing the desired value back.
 */
async function drift(e: Engine, spreadMs: number, timeoutMs: number): Promise<DriftResult> {
  const watch = await CollectionWatch.open(e.cluster, `/api/v1/namespaces/${NS}/configmaps`);
  try {
    const t0 = performance.now();
    const pending: Promise<number | undefined>[] = [];
    for (let k = 0; k < DRIFT_EDITS; k++) {
      const due = t0 + (k * spreadMs) / DRIFT_EDITS;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const i = (k * Math.floor(N / DRIFT_EDITS) + 7) % N;
      const name = `cm-${String(i).padStart(4, '0')}`;
      const desired = `team-${i % 10}@example.com`;
      const sent = performance.now();
      const res = await e.cluster.request<Obj>(
        'PATCH',
        `/api/v1/namespaces/${NS}/configmaps/${name}?fieldManager=rival-${k}`,
        { data: { owner: `drifted-${k}@example.com` } },
        'application/merge-patch+json',
      );
      if (res.status !== 200) throw new Error(`PATCH ${name}: HTTP ${res.status}`);
      const rv = Number(res.body.metadata?.resourceVersion);
      pending.push(
        watch
          .waitFor(
            name,
            rv,
            (o) => (o['data'] as Record<string, string> | undefined)?.['owner'] === desired,
            timeoutMs,
          )
          .then((ev) => (ev === undefined ? undefined : ev.at - sent)),
      );
    }
    const got = await Promise.all(pending);
    const samples = got.map((v) => round(v ?? timeoutMs, 1));
    const r: DriftResult = {
      p50_ms: round(percentile(samples, 50)),
      p90_ms: round(percentile(samples, 90)),
      max_ms: round(Math.max(...samples)),
      min_ms: round(Math.min(...samples)),
      corrected: got.filter((v) => v !== undefined).length,
      timeouts: got.filter((v) => v === undefined).length,
      spread_ms: spreadMs,
      samples_ms: samples,
    };
    log(
      `${e.name}: drift over ${spreadMs} ms: p50 ${r.p50_ms} ms, max ${r.max_ms} ms, ${r.timeouts} not corrected`,
    );
    return r;
  } finally {
    watch.stop();
  }
}

interface NoopResult {
  readonly ms: number;
  readonly passes_ms: number[];
  readonly wall_ms?: number;
  readonly passes_wall_ms?: number[];
  /** Mutating requests on configmaps during the passes (dry runs apart), all passes together. */
  readonly writes: number;
  readonly dry_runs: number;
  readonly window_writes: Readonly<Record<string, number>>;
}

interface Memory {
  readonly agent?: MemoryReading;
  readonly hub?: MemoryReading;
  readonly source_controller?: MemoryReading;
  readonly kustomize_controller?: MemoryReading;
}

interface EngineResult {
  sync: Timed;
  prune: Timed;
  sync_poll: Timed;
  mix: Timed;
  change: ChangeResult;
  drift: Record<string, DriftResult>;
  noop: NoopResult;
  memory: Memory;
  settings: Record<string, unknown>;
  phase_s: number;
}

/** Scenarios 1–5, the same for both engines. */
async function commonScenarios(
  git: GitServer,
  e: Engine,
): Promise<Pick<EngineResult, 'sync' | 'prune' | 'sync_poll' | 'mix' | 'change'>> {
  const sync = await commitAndWait(git, e, 'cm', allConfigMaps(), `add ${N} ConfigMaps`, true);
  await expectCount(e.cluster, N, 'after the sync');
  const prune = await commitAndWait(
    git,
    e,
    'cm',
    removeConfigMaps(),
    `remove ${N} ConfigMaps`,
    true,
  );
  await waitFor(
    `${e.cluster.name}: the ${N} ConfigMaps gone`,
    async () => (await countConfigMaps(e.cluster)) === 0,
    {
      timeoutMs: 60_000,
      intervalMs: 100,
    },
  );
  await sleep(1_000);
  const syncPoll = await commitAndWait(
    git,
    e,
    'cm',
    allConfigMaps(),
    `add ${N} ConfigMaps (polling)`,
    false,
  );
  await expectCount(e.cluster, N, 'after the sync by polling');
  const mix = await commitAndWait(git, e, 'mix', mixFiles(), `mix × ${MIX}`, true);
  const available = await deploymentsAvailable(e.cluster);
  if (available !== MIX)
    throw new Error(`${e.name}: ${available}/${MIX} mix Deployments Available when reported ready`);
  await sleep(1_000);
  const change = await change10(git, e);
  return { sync, prune, sync_poll: syncPoll, mix, change };
}

// ------------------------------------------------------------------------------ gitfleet

async function runGitfleet(
  fleet: TestFleet,
  cluster: KubeCluster,
  repo: string,
  dir: string,
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
    const common = await commonScenarios(git, e);
    await sleep(1_000);
    const d = await drift(e, 10_000, 30_000);

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
    await expectCount(cluster, N, 'at the end');
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

// ------------------------------------------------------------------------------ Flux

/** kustomize-controller's client limits for the headline figures: raised so they never bind. */
const FLUX_TUNED_ARGS = ['--kube-api-qps=500', '--kube-api-burst=1000'];

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

interface FluxDefaults {
  readonly args: readonly string[];
  readonly sync: Timed;
  readonly noop: NoopResult;
  readonly prune: Timed;
}

async function runFlux(
  fleet: TestFleet,
  cluster: KubeCluster,
  repo: string,
  dir: string,
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
    const dSync = await commitAndWait(git, e, 'cm', allConfigMaps(), `add ${N} ConfigMaps`, true);
    await expectCount(cluster, N, 'after the sync (shipped defaults)');
    const dNoop = await fluxNoop(cluster, current(), 1, (w) => ready('cm', w, TIMEOUT_MS));
    log(`flux (shipped defaults): no-op reconcile ${JSON.stringify(dNoop.passes_ms)} ms`);
    const dPrune = await commitAndWait(
      git,
      e,
      'cm',
      removeConfigMaps(),
      `remove ${N} ConfigMaps`,
      true,
    );

    // B. the headline: client limits raised so they never bind
    await current().restartKustomizeController(FLUX_TUNED_ARGS);
    await settled();
    log(`flux (${FLUX_TUNED_ARGS.join(' ')}): controllers up, placeholders Ready`);
    const common = await commonScenarios(git, e);

    // drift at interval 10s, then 1m: each interval change is itself reconciled first
    const driftAt = async (interval: string, ms: number): Promise<DriftResult> => {
      const gen = await setKustomizationInterval(cluster, 'cm', interval);
      await ready('cm', { generation: gen }, TIMEOUT_MS);
      return drift(e, ms, 2 * ms + 60_000);
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
    await expectCount(cluster, N, 'at the end');
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

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} missing`);
  return v;
}

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
  N = numberArg(args, 'objects', 1000);
  MIX = numberArg(args, 'mix', 100);
  CONFIG_MAPS = configMaps(NS, N);
  const skip1m = flag(args, 'skip-1m');
  if (writeDocs && (N !== 1000 || MIX !== 100 || skip1m))
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
      const g = await runGitfleet(fleet, gc, repos.gitfleet, dir);
      log(`gitfleet phase: ${g.phase_s} s`);
      await sleep(2_000);
      log('--- Flux (source-controller + kustomize-controller) on cluster flux');
      const f = await runFlux(fleet, fc, repos.flux, dir, build, crds, skip1m);
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
        objects: N,
        gitfleet_sync_ms: g.sync.ms,
        flux_sync_ms: f.sync.ms,
        gitfleet_drift_p50_ms: gDrift?.p50_ms,
        flux_drift_p50_ms: flux1m?.p50_ms,
        gitfleet_noop_ms: g.noop.ms,
        flux_noop_ms: f.noop.ms,
        gitfleet_rss_mb: round(gRss, 0),
        flux_rss_mb: round(fRss, 0),
        flux_drift_10s_p50_ms: flux10?.p50_ms,
        mix: MIX,
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
          objects: `${N} ConfigMaps in namespace ${NS}, 3 keys (~250 B of data), one file each; mix: ${MIX} × (Namespace, ServiceAccount, Deployment 1 replica, Service ClusterIP, Ingress), one file per namespace`,
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
