/**
 * What the vs-flux benchmark measures on either engine: the engine as the scenarios see it, the
 * result of every scenario, and scenarios 1 to 6 (sync, prune, sync by polling, mix, change and
 * drift), the same code for both engines.
 */
import type { GitServer } from '../../src/fleet/git-server.ts';
import type { KubeCluster } from '../../src/fleet/kube.ts';
import { waitFor } from '../../src/fleet/wait.ts';
import type { MemoryReading } from '../../src/flux/proc-stats.ts';
import { benchLog, median, percentile, round, sleep } from '../lib/common.ts';
import { CollectionWatch, type Obj } from '../lib/watch.ts';
import { NS, type App, type Workload } from './workload.ts';

/** The hub's --poll-interval-ms and the GitRepository's spec.interval. */
export const POLL_MS = 5_000;
/** The agent's --resync-interval-ms: short enough that the benchmark sees its resync passes. */
export const RESYNC_MS = 20_000;
/** Kustomization interval outside the drift scenario: long, so no periodic run disturbs a figure. */
export const QUIET_INTERVAL = '1h';
export const DRIFT_EDITS = 20;
export const CHANGE_ROUNDS = 3;
export const NOOP_PASSES = 3;
export const CHANGED = 10;
export const TIMEOUT_MS = 180_000;

export const log = benchLog('vs-flux');

/** One engine as the scenarios drive it. */
export interface Engine {
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

export interface Timed {
  readonly ms: number;
  readonly own_ms: number | undefined;
  /** gitfleet only: the hub's resolve passes for the commit (render of the changed apps), ms. */
  readonly hub_ms?: number | undefined;
  readonly sha: string;
}

export async function commitAndWait(
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

export async function expectCount(cluster: KubeCluster, n: number, what: string): Promise<void> {
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

export interface ChangeResult {
  readonly applied_ms: number;
  readonly ready_ms: number;
  readonly rounds_applied_ms: number[];
  readonly rounds_ready_ms: number[];
  readonly rounds_own_ms: (number | undefined)[];
  readonly rounds_hub_ms?: (number | undefined)[];
}

/** 10 of the 1,000 changed in one commit → all 10 live (our watch) and reported ready. */
async function change10(git: GitServer, e: Engine, load: Workload): Promise<ChangeResult> {
  const watch = await CollectionWatch.open(e.cluster, `/api/v1/namespaces/${NS}/configmaps`);
  const applied: number[] = [];
  const ready: number[] = [];
  const own: (number | undefined)[] = [];
  const hub: (number | undefined)[] = [];
  try {
    for (let r = 1; r <= CHANGE_ROUNDS; r++) {
      const idx = Array.from({ length: CHANGED }, (_, k) => k * (load.n / CHANGED) + r);
      const tag = `round-${r}`;
      const files = Object.fromEntries(idx.map((i) => load.cmFile(i, tag)));
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

export interface DriftResult {
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
export async function drift(
  e: Engine,
  load: Workload,
  spreadMs: number,
  timeoutMs: number,
): Promise<DriftResult> {
  const watch = await CollectionWatch.open(e.cluster, `/api/v1/namespaces/${NS}/configmaps`);
  try {
    const t0 = performance.now();
    const pending: Promise<number | undefined>[] = [];
    for (let k = 0; k < DRIFT_EDITS; k++) {
      const due = t0 + (k * spreadMs) / DRIFT_EDITS;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const i = (k * Math.floor(load.n / DRIFT_EDITS) + 7) % load.n;
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

export interface NoopResult {
  readonly ms: number;
  readonly passes_ms: number[];
  readonly wall_ms?: number;
  readonly passes_wall_ms?: number[];
  /** Mutating requests on configmaps during the passes (dry runs apart), all passes together. */
  readonly writes: number;
  readonly dry_runs: number;
  readonly window_writes: Readonly<Record<string, number>>;
}

export interface Memory {
  readonly agent?: MemoryReading;
  readonly hub?: MemoryReading;
  readonly source_controller?: MemoryReading;
  readonly kustomize_controller?: MemoryReading;
}

export interface EngineResult {
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
export async function commonScenarios(
  git: GitServer,
  e: Engine,
  load: Workload,
): Promise<Pick<EngineResult, 'sync' | 'prune' | 'sync_poll' | 'mix' | 'change'>> {
  const sync = await commitAndWait(
    git,
    e,
    'cm',
    load.allConfigMaps(),
    `add ${load.n} ConfigMaps`,
    true,
  );
  await expectCount(e.cluster, load.n, 'after the sync');
  const prune = await commitAndWait(
    git,
    e,
    'cm',
    load.removeConfigMaps(),
    `remove ${load.n} ConfigMaps`,
    true,
  );
  await waitFor(
    `${e.cluster.name}: the ${load.n} ConfigMaps gone`,
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
    load.allConfigMaps(),
    `add ${load.n} ConfigMaps (polling)`,
    false,
  );
  await expectCount(e.cluster, load.n, 'after the sync by polling');
  const mix = await commitAndWait(git, e, 'mix', load.mixFiles(), `mix × ${load.mix}`, true);
  const available = await deploymentsAvailable(e.cluster);
  if (available !== load.mix)
    throw new Error(
      `${e.name}: ${available}/${load.mix} mix Deployments Available when reported ready`,
    );
  await sleep(1_000);
  const change = await change10(git, e, load);
  return { sync, prune, sync_poll: syncPoll, mix, change };
}

/** `v`, or an error naming what is missing. */
export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} missing`);
  return v;
}
