/**
 * Flux's source-controller and kustomize-controller as real supervised processes beside a test
 * cluster (outside it, like the gitfleet agent): CRDs installed with the cluster's kubectl, the
 * controllers pointed at the cluster's admin kubeconfig, artifacts served on loopback. stop() ends
 * both (TERM, then KILL after a grace period); they die with this process like every other
 * process of the test fleet.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { KubeCluster } from '../fleet/kube.ts';
import { freePorts } from '../fleet/ports.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { waitFor } from '../fleet/wait.ts';
import type { FluxBuild } from './build.ts';

export const FLUX_NAMESPACE = 'flux-system';

export interface FluxControllers {
  readonly sourceController: ManagedProcess;
  readonly kustomizeController: ManagedProcess;
  /** Exactly what each controller was started with, for the record. */
  readonly settings: Readonly<Record<string, readonly string[]>>;
  /** Every JSON log line of the running kustomize-controller so far. */
  kustomizeLog(): FluxLogRecord[];
  /**
   * Stops kustomize-controller and starts it again with other extra flags (source-controller keeps
   * running, so the artifacts it serves stay where the GitRepository says they are).
   */
  restartKustomizeController(extraArgs: readonly string[]): Promise<void>;
  /** Why a controller is gone, or undefined while both run. */
  gone(): string | undefined;
  stop(): Promise<void>;
}

export interface FluxLogRecord {
  readonly level?: string;
  readonly ts?: string;
  readonly msg?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly revision?: string;
  readonly [key: string]: unknown;
}

/** Applies every CRD of the build (server-side) and waits until each is Established. */
export async function installFluxCrds(cluster: KubeCluster, build: FluxBuild): Promise<string[]> {
  const files = (await readdir(build.crdsDir)).filter((f) => f.endsWith('.yaml')).sort();
  if (files.length === 0) throw new Error(`no CRDs in ${build.crdsDir}`);
  await cluster.kubectl([
    'apply',
    '--server-side',
    '--force-conflicts',
    ...files.flatMap((f) => ['-f', path.join(build.crdsDir, f)]),
  ]);
  const names: string[] = [];
  for (const f of files) {
    const m = /^\s*name:\s*(\S+)\s*$/m.exec(readFileSync(path.join(build.crdsDir, f), 'utf8'));
    if (m?.[1] !== undefined) names.push(m[1]);
  }
  for (const name of names) {
    await waitFor(
      `CRD ${name} Established on ${cluster.name}`,
      async () => {
        const r = await cluster.request<{
          status?: { conditions?: { type: string; status: string }[] };
        }>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        return (
          r.body.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ??
          false
        );
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }
  return names;
}

async function ensureNamespace(cluster: KubeCluster, name: string): Promise<void> {
  const res = await cluster.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`create namespace ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * Starts both controllers against `cluster` (whose Flux CRDs must be installed) and waits until
 * both answer /readyz. `extraArgs` are appended per controller (e.g. --concurrent=…).
 */
export async function startFluxControllers(
  cluster: KubeCluster,
  build: FluxBuild,
  opts: {
    readonly logDir: string;
    readonly extraArgs?: Readonly<Record<'source' | 'kustomize', readonly string[]>>;
  },
): Promise<FluxControllers> {
  await ensureNamespace(cluster, FLUX_NAMESPACE);
  const [storage, srcMetrics, srcHealth, kMetrics, kHealth] = await freePorts(5);
  const storagePath = path.join(opts.logDir, 'source-controller-storage');
  await mkdir(storagePath, { recursive: true });
  const env = { KUBECONFIG: cluster.kubeconfigPath, RUNTIME_NAMESPACE: FLUX_NAMESPACE };
  const sourceArgs = [
    `--storage-path=${storagePath}`,
    `--storage-addr=127.0.0.1:${String(storage)}`,
    `--storage-adv-addr=127.0.0.1:${String(storage)}`,
    `--metrics-addr=127.0.0.1:${String(srcMetrics)}`,
    `--health-addr=127.0.0.1:${String(srcHealth)}`,
    '--enable-leader-election=false',
    '--log-level=info',
    '--log-encoding=json',
    ...(opts.extraArgs?.source ?? []),
  ];
  const kustomizeBase = [
    `--metrics-addr=127.0.0.1:${String(kMetrics)}`,
    `--health-addr=127.0.0.1:${String(kHealth)}`,
    '--enable-leader-election=false',
    '--log-level=info',
    '--log-encoding=json',
  ];
  let kustomizeArgs = [...kustomizeBase, ...(opts.extraArgs?.kustomize ?? [])];
  let source: ManagedProcess | undefined;
  let kustomize: ManagedProcess | undefined;
  let starts = 0;
  const gone = (): string | undefined => {
    const d = [source, kustomize].find((p) => p !== undefined && !p.running);
    return d === undefined ? undefined : `${d.name} exited: ${d.tail()}`;
  };
  const ready = async (port: number | undefined): Promise<void> => {
    await waitFor(
      `Flux controller /readyz on 127.0.0.1:${String(port)}`,
      async () => (await fetch(`http://127.0.0.1:${String(port)}/readyz`)).status === 200,
      { timeoutMs: 60_000, intervalMs: 100, abortIf: gone },
    );
  };
  const startKustomize = async (): Promise<void> => {
    // each start gets its own log file, so a log read after a restart is that process's alone
    kustomize = await spawnManaged(
      `${cluster.name}-kustomize-controller-${String(++starts)}`,
      build.kustomizeController,
      { logDir: opts.logDir, env, args: kustomizeArgs },
    );
    await ready(kHealth);
  };
  const stop = async (): Promise<void> => {
    await Promise.all([source?.stop(), kustomize?.stop()]);
  };
  try {
    source = await spawnManaged(`${cluster.name}-source-controller`, build.sourceController, {
      logDir: opts.logDir,
      env,
      args: sourceArgs,
    });
    await ready(srcHealth);
    await startKustomize();
    const settings = (): Record<string, readonly string[]> => ({
      'source-controller': sourceArgs,
      'kustomize-controller': kustomizeArgs,
      env: Object.keys(env).map((k) => `${k}=${k === 'KUBECONFIG' ? '<admin>' : FLUX_NAMESPACE}`),
    });
    return {
      get sourceController() {
        return need(source);
      },
      get kustomizeController() {
        return need(kustomize);
      },
      get settings() {
        return settings();
      },
      kustomizeLog: () => (kustomize === undefined ? [] : jsonLog(kustomize.logFile)),
      async restartKustomizeController(extraArgs) {
        await kustomize?.stop();
        kustomizeArgs = [...kustomizeBase, ...extraArgs];
        await startKustomize();
      },
      gone,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function need(p: ManagedProcess | undefined): ManagedProcess {
  if (p === undefined) throw new Error('Flux controller not started');
  return p;
}

function jsonLog(file: string): FluxLogRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: FluxLogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as FluxLogRecord);
    } catch {
      // a line being written right now
    }
  }
  return out;
}

/** A Go duration as Flux logs it ("7.583s", "812.4ms", "1m2.5s", "950µs") in ms. */
export function parseGoDuration(s: string): number {
  let ms = 0;
  let matched = '';
  for (const m of s.matchAll(/([0-9.]+)(h|ms|m|s|µs|us|ns)/g)) {
    const n = Number(m[1]);
    const unit = m[2];
    matched += m[0];
    ms +=
      unit === 'h'
        ? n * 3_600_000
        : unit === 'm'
          ? n * 60_000
          : unit === 's'
            ? n * 1000
            : unit === 'ms'
              ? n
              : unit === 'ns'
                ? n / 1e6
                : n / 1000;
  }
  if (matched === '' || matched !== s) throw new Error(`not a Go duration: ${s}`);
  return ms;
}
