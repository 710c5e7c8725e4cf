/**
 * The rollout benchmark's fleet: its constants, the fleet repository's files, the hub's rollout
 * view, and the waits for the fleet to be settled and the hub idle between rounds.
 */
import path from 'node:path';
import type { TestFleet } from '../../src/fleet/fleet.ts';
import type { KubeCluster } from '../../src/fleet/kube.ts';
import { REPO_ROOT } from '../../src/fleet/paths.ts';
import type { ManagedProcess } from '../../src/fleet/processes.ts';
import { waitFor } from '../../src/fleet/wait.ts';
import {
  fetchStatus,
  logRecords,
  simTargetName,
  type HubApi,
  type HubProcess,
  type SimAgents,
} from '../../src/sim/sim-fleet.ts';
import { benchLog, sleep } from '../lib/common.ts';

export const log = benchLog('rollout');

export const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
export const CLUSTERS = ['r1', 'r2', 'r3'] as const;
export const WAVES = ['w1', 'w2', 'w3', 'w4', 'w5'] as const;
export const APP = 'web';
export const NAMESPACE = 'rollout-bench';
export const REPO = 'fleet';
export const CONFIGMAP_FILE = `apps/${APP}/manifests/configmap.yaml`;

/** The wave label of simulated target i: w2 … w5 in turn. */
function simWave(i: number): string {
  return WAVES[1 + (i % (WAVES.length - 1))] ?? 'w5';
}

/** The app's ConfigMap, saying `message`. */
export function configMap(message: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${APP}, namespace: ${NAMESPACE} }\ndata: { message: "${message}" }\n`;
}

/** The fleet repository's files: the targets, the application with its waves, its manifests. */
export function fleetFiles(
  n: number,
  maxUnavailable: string,
  message: string,
): Record<string, string> {
  const target = (name: string, wave: string): string =>
    `apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: ${name}, labels: { bench: rollout, wave: ${wave} } }\n`;
  return {
    'targets/real.yaml': CLUSTERS.map((c) => target(c, 'w1')).join('---\n'),
    'targets/sim.yaml': Array.from({ length: n }, (_, i) =>
      target(simTargetName(i), simWave(i)),
    ).join('---\n'),
    [`apps/${APP}/application.yaml`]: [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      `metadata: { name: ${APP} }`,
      'spec:',
      `  source: { path: apps/${APP}/manifests }`,
      '  placement: { selector: { matchLabels: { bench: rollout } } }',
      '  rollout:',
      '    waves:',
      ...WAVES.map(
        (w) =>
          `      - { name: ${w}, selector: { matchLabels: { wave: ${w} } }, maxUnavailable: ${JSON.stringify(maxUnavailable)}, soak: 0s }`,
      ),
      '    progressDeadline: 10m',
      '    failureBudget: 0',
      '    onFailure: halt',
      '    staleTargets: block',
      '',
    ].join('\n'),
    [`apps/${APP}/manifests/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${NAMESPACE} }\n`,
    [CONFIGMAP_FILE]: configMap(message),
  };
}

export interface HistoryEvent {
  readonly atMs: number;
  readonly kind: string;
  readonly message: string;
  readonly wave?: string;
  readonly targets?: readonly string[];
}

/** GET /api/v1/rollout, the fields the benchmark reads. */
export interface RolloutView {
  readonly state: {
    readonly id: string;
    readonly phase: string;
    readonly fromRevision: string;
    readonly toRevision: string;
    readonly startedAtMs: number;
    readonly moved: Readonly<Record<string, number>>;
    readonly history: readonly HistoryEvent[];
  };
  readonly explanation: {
    readonly summary: string;
    readonly waves: readonly {
      readonly name: string;
      readonly targets: readonly string[];
      readonly maxUnavailable: number;
    }[];
  };
}

export async function getRollout(hub: HubApi): Promise<RolloutView | undefined> {
  const res = await fetch(`${hub.api}/api/v1/rollout?app=${APP}`, {
    headers: { authorization: `Bearer ${hub.token}` },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /api/v1/rollout: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as RolloutView;
}

/** Phases in which a rollout no longer moves by itself. */
export const STOPPED_PHASES = new Set(['Halted', 'RollingBack', 'RolledBack', 'Aborted', 'Paused']);

/** Everything one round works with. */
export interface World {
  readonly n: number;
  readonly fleet: TestFleet;
  readonly clusters: readonly KubeCluster[];
  readonly repoUrl: string;
  readonly secret: string;
  readonly eventsFile: string;
  readonly hub: HubProcess;
  readonly sim: SimAgents;
  readonly agents: readonly ManagedProcess[];
}

/** Why the fleet cannot go on (a process exited), or undefined while it can. */
export function alive(w: World): () => string | undefined {
  return () =>
    w.hub.gone() ??
    (w.sim.proc.running ? undefined : `the simulated agents exited: ${w.sim.proc.tail()}`) ??
    w.agents.map((a) => (a.running ? undefined : `${a.name} exited: ${a.tail()}`)).find(Boolean);
}

/** The message of the app's ConfigMap live in a real cluster. */
export async function liveMessage(c: KubeCluster): Promise<string | undefined> {
  const r = await c.request<{ data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${NAMESPACE}/configmaps/${APP}`,
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

/** Every (target, web) row Synced, Healthy and Connected at `sha`, and the rollout at rest there. */
export async function waitSettled(w: World, sha: string, what: string): Promise<void> {
  const total = w.n + CLUSTERS.length;
  let last = '';
  try {
    await waitFor(
      what,
      async () => {
        const p = w.sim.progress();
        if (p === undefined || p.ready !== w.n || (p.revisions[sha]?.held ?? 0) !== w.n) {
          last = `sim: ${p?.ready ?? 0} ready, ${p?.revisions[sha]?.held ?? 0} hold ${sha.slice(0, 8)}`;
          return false;
        }
        const rows = await fetchStatus(w.hub, { app: APP });
        const good = rows.filter(
          (r) =>
            r.revision === sha &&
            r.sync === 'Synced' &&
            r.health === 'Healthy' &&
            r.connection === 'Connected',
        ).length;
        if (rows.length !== total || good !== total) {
          last = `status: ${good}/${rows.length} rows Synced, Healthy, Connected at ${sha.slice(0, 8)}`;
          return false;
        }
        const v = await getRollout(w.hub);
        last = `rollout: ${v === undefined ? 'none yet' : `${v.state.phase} at ${v.state.toRevision.slice(0, 8)}`}`;
        return v?.state.phase === 'Completed' && v.state.toRevision === sha;
      },
      { timeoutMs: 300_000, intervalMs: 500, abortIf: alive(w) },
    );
  } catch (err) {
    log(`not settled: ${last}`);
    throw err;
  }
}

/**
 * Waits until the hub's resolve passes after log record `from` are over: the newest changed
 * nothing, or no pass was logged for 3 s. At most 60 s. Then 1 s more.
 */
export async function waitIdle(h: HubProcess, from: number): Promise<void> {
  let count = 0;
  let since = Date.now();
  try {
    await waitFor(
      'the hub to finish its resolve passes',
      () => {
        const passes = logRecords(h.proc)
          .slice(from)
          .filter((x) => x.msg === 'resolve pass');
        if (passes.length !== count) {
          count = passes.length;
          since = Date.now();
        }
        const last = passes.at(-1);
        if (last !== undefined && Number(last['changed']) === 0) return true;
        return Date.now() - since > 3_000;
      },
      { timeoutMs: 60_000, intervalMs: 200, abortIf: h.gone },
    );
  } catch (err) {
    log(`not idle: ${String(err)}`);
  }
  await sleep(1_000);
}
