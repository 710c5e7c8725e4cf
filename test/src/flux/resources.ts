/**
 * The Flux objects the benchmark drives — a GitRepository and Kustomizations in flux-system —
 * and how to read them: Ready at a revision, a handled `reconcile.fluxcd.io/requestedAt` request,
 * and kustomize-controller's own "Reconciliation finished in …" figure.
 */
import type { KubeCluster } from '../fleet/kube.ts';
import { waitFor } from '../fleet/wait.ts';
import {
  FLUX_NAMESPACE,
  parseGoDuration,
  type FluxControllers,
  type FluxLogRecord,
} from './controllers.ts';

export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const MANAGER = 'gitfleet-vs-flux-bench';
const GITREPOS = `/apis/source.toolkit.fluxcd.io/v1/namespaces/${FLUX_NAMESPACE}/gitrepositories`;
const KUSTOMIZATIONS = `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${FLUX_NAMESPACE}/kustomizations`;

export interface GitRepositorySpec {
  readonly url: string;
  readonly branch?: string;
  /** Go duration, e.g. "5s". */
  readonly interval: string;
}

export interface KustomizationSpec {
  readonly path: string;
  readonly sourceName: string;
  /** Go duration, e.g. "1m". */
  readonly interval: string;
  readonly prune?: boolean;
  /** Ready only once every applied object is healthy (kstatus). */
  readonly wait?: boolean;
  readonly timeout?: string;
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface Kustomization {
  readonly metadata?: {
    readonly generation?: number;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: { readonly interval?: string };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly lastAppliedRevision?: string;
    readonly lastHandledReconcileAt?: string;
    readonly conditions?: readonly Condition[];
  };
}

export function gitRepository(name: string, s: GitRepositorySpec): Record<string, unknown> {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: { url: s.url, ref: { branch: s.branch ?? 'main' }, interval: s.interval, timeout: '60s' },
  };
}

export function kustomization(name: string, s: KustomizationSpec): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: {
      interval: s.interval,
      path: s.path,
      prune: s.prune ?? true,
      wait: s.wait ?? false,
      timeout: s.timeout ?? '5m',
      sourceRef: { kind: 'GitRepository', name: s.sourceName },
    },
  };
}

function collectionOf(obj: Record<string, unknown>): string {
  return obj['kind'] === 'GitRepository' ? GITREPOS : KUSTOMIZATIONS;
}

/** Server-side apply of a Flux object (created or updated). */
export async function applyFluxObject(
  cluster: KubeCluster,
  obj: Record<string, unknown>,
): Promise<void> {
  const name = (obj['metadata'] as { name: string }).name;
  const res = await cluster.request(
    'PATCH',
    `${collectionOf(obj)}/${name}?fieldManager=${MANAGER}&force=true`,
    obj,
    'application/apply-patch+yaml',
  );
  if (res.status >= 300)
    throw new Error(
      `apply ${String(obj['kind'])}/${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`,
    );
}

async function mergePatch(cluster: KubeCluster, p: string, patch: unknown): Promise<unknown> {
  const res = await cluster.request('PATCH', p, patch, 'application/merge-patch+json');
  if (res.status !== 200)
    throw new Error(`PATCH ${p}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Flux's "reconcile now" (what `flux reconcile` and its webhook receiver do): sets
 * `reconcile.fluxcd.io/requestedAt` on the object. Returns the token, which the object's
 * status.lastHandledReconcileAt takes once handled.
 */
export async function requestReconcile(
  cluster: KubeCluster,
  kind: 'GitRepository' | 'Kustomization',
  name: string,
): Promise<string> {
  const token = new Date().toISOString();
  await mergePatch(cluster, `${kind === 'GitRepository' ? GITREPOS : KUSTOMIZATIONS}/${name}`, {
    metadata: { annotations: { [REQUESTED_AT]: token } },
  });
  return token;
}

/** Changes a Kustomization's interval; returns the new generation (a reconcile follows at once). */
export async function setKustomizationInterval(
  cluster: KubeCluster,
  name: string,
  interval: string,
): Promise<number> {
  const body = (await mergePatch(cluster, `${KUSTOMIZATIONS}/${name}`, {
    spec: { interval },
  })) as Kustomization;
  return body.metadata?.generation ?? 0;
}

export async function getKustomization(cluster: KubeCluster, name: string): Promise<Kustomization> {
  const r = await cluster.request<Kustomization>('GET', `${KUSTOMIZATIONS}/${name}`);
  if (r.status !== 200) throw new Error(`GET Kustomization ${name}: HTTP ${r.status}`);
  return r.body;
}

/** Flux's revision string for a commit on a branch: `main@sha1:<sha>`. */
export const fluxRevision = (sha: string, branch = 'main'): string => `${branch}@sha1:${sha}`;

export interface ReadyWhen {
  /** Last applied revision must be this commit. */
  readonly sha?: string;
  /** status.lastHandledReconcileAt must be this token. */
  readonly handled?: string;
  /** metadata.generation must have been observed at least up to this. */
  readonly generation?: number;
}

/** Ready=True, at the current generation, and (as asked) at a commit / after a request. */
export function isReady(k: Kustomization, when: ReadyWhen = {}): boolean {
  const st = k.status;
  if (st === undefined) return false;
  const ready = st.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return false;
  if ((st.observedGeneration ?? -1) < (k.metadata?.generation ?? 0)) return false;
  if (when.generation !== undefined && (st.observedGeneration ?? -1) < when.generation)
    return false;
  if (when.sha !== undefined && st.lastAppliedRevision !== fluxRevision(when.sha)) return false;
  if (when.handled !== undefined && st.lastHandledReconcileAt !== when.handled) return false;
  return true;
}

/** Polls the Kustomization until `isReady(…, when)`; returns when that was first seen. */
export async function waitKustomizationReady(
  cluster: KubeCluster,
  name: string,
  when: ReadyWhen,
  opts: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<number> {
  let last: Kustomization | undefined;
  try {
    await waitFor(
      `Kustomization ${name} Ready ${JSON.stringify(when)}`,
      async () => {
        last = await getKustomization(cluster, name);
        return isReady(last, when);
      },
      {
        timeoutMs: opts.timeoutMs,
        intervalMs: opts.intervalMs ?? 100,
        ...(opts.abortIf === undefined ? {} : { abortIf: opts.abortIf }),
      },
    );
  } catch (err) {
    const why = last?.status?.conditions?.map(
      (c) => `${c.type}=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`,
    );
    throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(why)}`, {
      cause: err,
    });
  }
  return performance.now();
}

/**
 * kustomize-controller's own figure for a reconcile of `name` logged after record index `from`
 * ("Reconciliation finished in 7.58s, next run in 1h0m0s"), optionally at a given revision.
 * Returns the duration in ms and the index of the record, or undefined when not logged yet.
 */
export function reconcileFinished(
  flux: FluxControllers,
  name: string,
  from: number,
  sha?: string,
): { ms: number; index: number; record: FluxLogRecord } | undefined {
  const log = flux.kustomizeLog();
  for (let i = from; i < log.length; i++) {
    const r = log[i];
    if (r === undefined || r.name !== name) continue;
    const m = /^Reconciliation finished in (\S+?),/.exec(r.msg ?? '');
    if (m?.[1] === undefined) continue;
    if (sha !== undefined && r.revision !== fluxRevision(sha)) continue;
    return { ms: parseGoDuration(m[1]), index: i, record: r };
  }
  return undefined;
}
