/**
 * The benchmarks' world: one real cluster (kube-apiserver + etcd + controllers + kwok) and a
 * MiniHub speaking the real protocol, always stopped in `finally`; plus the cluster-side tools the
 * benchmarks measure with: the apiserver's own write counters, object builders and a timed
 * `kubectl apply --server-side` baseline.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '@gitfleet/proto';
import { TOKEN } from '../../src/agent/harness.ts';
import { startFleet, type TestFleet } from '../../src/fleet/fleet.ts';
import type { KubeCluster } from '../../src/fleet/kube.ts';
import { startMiniHub, type MiniHub } from '../../src/fleet/mini-hub.ts';
import { K8S_VERSION } from '../../src/fleet/paths.ts';
import { stopAll } from '../../src/fleet/processes.ts';
import type { Log } from './common.ts';

export interface BenchWorld {
  readonly fleet: TestFleet;
  readonly cluster: KubeCluster;
  readonly hub: MiniHub;
  /** The cached kubectl of the fleet. */
  readonly kubectl: string;
  /** A temp dir for files of this run (removed at the end unless GITFLEET_BENCH_KEEP=1). */
  readonly dir: string;
}

/**
 * Starts one cluster and a MiniHub (target c1, token TOKEN), runs `body`, and stops everything
 * it started whatever happens.
 */
export async function withWorld<T>(log: Log, body: (w: BenchWorld) => Promise<T>): Promise<T> {
  let fleet: TestFleet | undefined;
  let hub: MiniHub | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-'));
  try {
    const t0 = performance.now();
    log(`starting one cluster (Kubernetes ${K8S_VERSION})`);
    fleet = await startFleet({ clusters: 1, redis: false, git: false });
    const cluster = fleet.kube?.clusters[0];
    const kubectl = fleet.kube?.binaries.kubectl;
    if (cluster === undefined || kubectl === undefined) throw new Error('no cluster started');
    log(`cluster up in ${Math.round(performance.now() - t0)} ms`);
    hub = await startMiniHub({ targets: { c1: TOKEN } });
    return await body({ fleet, cluster, hub, kubectl, dir });
  } finally {
    await hub?.close().catch(() => undefined);
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    // anything else this run started (an agent binary left running by a body that timed out)
    await stopAll();
    if (process.env['GITFLEET_BENCH_KEEP'] === '1') log(`kept ${dir} (agent logs)`);
    else await rm(dir, { recursive: true, force: true });
  }
}

export async function createNamespace(cluster: KubeCluster, name: string): Promise<void> {
  const res = await cluster.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`create namespace ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * `n` ConfigMaps `cm-0000`… in `ns`, each with three small keys (about 250 bytes of data), and
 * `labels` on each.
 */
export function configMaps(
  ns: string,
  n: number,
  labels: Record<string, string> = {},
): KubeObject[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `cm-${String(i).padStart(4, '0')}`;
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, labels: { ...labels } },
      data: {
        'app.properties': `name=${name}\nindex=${i}\nmode=benchmark\nlevel=info\n`,
        'feature-flags': 'alpha=false,beta=true,gamma=false,delta=true',
        owner: `team-${i % 10}@example.com`,
      },
    };
  });
}

/** Objects as one YAML stream (JSON documents are YAML), for `kubectl apply -f`. */
export function yamlStream(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${JSON.stringify(o)}\n`).join('');
}

export interface KubectlRun {
  readonly ms: number;
  readonly lines: number;
}

/**
 * Times one `kubectl apply --server-side -f FILE` as a whole process (start, discovery, every
 * request, exit). Discovery is cached in `cacheDir` (kubectl's own cache), not in $HOME.
 */
export async function timedKubectlApply(
  w: BenchWorld,
  objects: readonly KubeObject[],
  file: string,
  cacheDir: string,
): Promise<KubectlRun> {
  await writeFile(file, yamlStream(objects));
  const t0 = performance.now();
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      w.kubectl,
      [
        '--kubeconfig',
        w.cluster.kubeconfigPath,
        '--cache-dir',
        cacheDir,
        'apply',
        '--server-side',
        '-f',
        file,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
      (err, stdout, stderr) =>
        err === null
          ? resolve(stdout)
          : reject(new Error(`kubectl apply: ${err.message} ${stderr}`)),
    );
  });
  const ms = performance.now() - t0;
  return { ms, lines: out.trim().split('\n').length };
}

// ------------------------------------------------------------------ the apiserver's request counters

/** Mutating verbs as apiserver_request_total names them. */
export const WRITE_VERBS: ReadonlySet<string> = new Set([
  'POST',
  'PUT',
  'PATCH',
  'APPLY',
  'DELETE',
  'DELETECOLLECTION',
]);

/** apiserver_request_total by "VERB resource[/subresource]" (dry runs as "VERB … (dry run)"). */
export type RequestCounts = ReadonlyMap<string, number>;

const SAMPLE = /^apiserver_request_total\{([^}]*)\}\s+([0-9.eE+-]+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Reads every apiserver_request_total sample of the cluster's /metrics (as admin). */
export async function requestCounts(cluster: KubeCluster): Promise<RequestCounts> {
  const res = await cluster.request<unknown>('GET', '/metrics');
  if (res.status !== 200 || typeof res.body !== 'string') {
    throw new Error(`GET /metrics: HTTP ${res.status}`);
  }
  const out = new Map<string, number>();
  for (const line of res.body.split('\n')) {
    const m = SAMPLE.exec(line);
    if (m === null) continue;
    const labels = new Map<string, string>();
    for (const l of (m[1] ?? '').matchAll(LABEL)) labels.set(l[1] ?? '', l[2] ?? '');
    const sub = labels.get('subresource') ?? '';
    const dry = (labels.get('dry_run') ?? '') !== '';
    const key = `${labels.get('verb') ?? '?'} ${labels.get('resource') ?? '?'}${sub === '' ? '' : `/${sub}`}${dry ? ' (dry run)' : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}

export interface WriteDelta {
  /** Real (not dry-run) writes, all resources. */
  readonly total: number;
  /** Real writes to the given resources only. */
  readonly selected: number;
  /** Dry-run mutating requests (the validation gate), not writes. */
  readonly dryRuns: number;
  /** Every mutating request that changed, by "VERB resource". */
  readonly byKey: Readonly<Record<string, number>>;
}

/** Mutating requests between two readings; `resources` picks the ones that count as "ours". */
export function writesBetween(
  before: RequestCounts,
  after: RequestCounts,
  resources: readonly string[],
): WriteDelta {
  let total = 0;
  let selected = 0;
  let dryRuns = 0;
  const byKey: Record<string, number> = {};
  for (const [key, v] of after) {
    const d = v - (before.get(key) ?? 0);
    if (d <= 0) continue;
    const [verb = '', resource = ''] = key.split(' ');
    if (!WRITE_VERBS.has(verb)) continue;
    byKey[key] = d;
    if (key.endsWith('(dry run)')) {
      dryRuns += d;
      continue;
    }
    total += d;
    if (resources.includes(resource)) selected += d;
  }
  return { total, selected, dryRuns, byKey };
}
