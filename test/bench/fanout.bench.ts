/**
 * `npm run bench -- fanout [--targets=1000] [--rounds=3] [--no-real]`: one commit to many targets.
 *
 * (i) `targets` simulated agents (test/src/sim/sim-agents.ts: real gRPC streams, one HTTP/2
 *     connection each, no cluster) on the gitfleet-hub binary; one app placed on every target;
 *     per round a commit changes the app, a signed webhook is POSTed, and `ms` is the time from
 *     the POST to the last agent acking the new assignment (also: to the hub acking every
 *     Synced report). Goal < 5 s for 1,000.
 * (ii) 3 real clusters with the real agent binary each, same path: `real_clusters_ms` is the
 *     POST → the new ConfigMap value live in all 3 clusters.
 * (iii) Baseline: `baseline_push_ms` is a push loop, `kubectl apply --server-side` of the same
 *     manifests (a Namespace and a ConfigMap) to the 3 clusters one after another (discovery cache
 *     warm, agents and hub stopped).
 * Medians over `rounds` rounds; maxima and where the time went alongside.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import type { KubeCluster } from '../src/fleet/kube.ts';
import { REPO_ROOT } from '../src/fleet/paths.ts';
import { freePorts } from '../src/fleet/ports.ts';
import { spawnManaged, stopAll, type ManagedProcess } from '../src/fleet/processes.ts';
import { waitFor } from '../src/fleet/wait.ts';
import {
  fetchStatus,
  logRecords,
  postPushWebhook,
  simFleetFiles,
  simTargetName,
  startHubProcess,
  startSimAgents,
  writeAgentTokens,
  type HubProcess,
  type SimAgents,
} from '../src/sim/sim-fleet.ts';
import {
  benchLog,
  bounded,
  cpuMs,
  flag,
  machine,
  median,
  numberArg,
  rssMb,
  round,
  stringArgs,
} from './lib/common.ts';

const log = benchLog('fanout');

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}
const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
const CLUSTERS = ['r1', 'r2', 'r3'] as const;

interface World {
  readonly fleet: TestFleet;
  readonly hubEnv: Readonly<Record<string, string>>;
  readonly dir: string;
  readonly secretFile: string;
  readonly secret: string;
}

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const targets = numberArg(args, 'targets', 1000);
  const rounds = numberArg(args, 'rounds', 3);
  const real = !flag(args, 'no-real');
  // experiments: --hub-env=NODE_OPTIONS=--cpu-prof (with GITFLEET_BENCH_KEEP=1 to keep the profile)
  const hubEnv = Object.fromEntries(
    stringArgs(args, 'hub-env').map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`--hub-env=${kv}: expected KEY=VALUE`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  let fleet: TestFleet | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-fanout-'));
  try {
    return await bounded('fanout benchmark', 30 * 60_000, async () => {
      const t0 = performance.now();
      log(`starting Git, Redis${real ? ' and 3 clusters' : ''}`);
      fleet = await startFleet({ clusterNames: real ? CLUSTERS : [] });
      log(`fleet up in ${Math.round(performance.now() - t0)} ms`);
      const secret = randomBytes(16).toString('hex');
      const secretFile = path.join(dir, 'webhook.secret');
      await writeFile(secretFile, secret, { mode: 0o600 });
      const w: World = { fleet, dir, secretFile, secret, hubEnv };

      const sim = await simulated(w, targets, rounds);
      await fleet.redis?.wipe();
      const clusters = fleet.kube?.clusters ?? [];
      const withClusters = real ? await realClusters(w, clusters, rounds) : undefined;
      const baseline = real ? await pushBaseline(w, clusters, rounds) : undefined;
      return {
        targets,
        ms: sim.ms,
        real_clusters_ms: withClusters?.ms ?? null,
        baseline_push_ms: baseline?.ms ?? null,
        goal: `ms < 5000 for ${targets} targets`,
        rounds,
        simulated: sim.detail,
        real_clusters: withClusters?.detail ?? null,
        baseline_push: baseline?.detail ?? null,
        machine: machine(),
      };
    });
  } finally {
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    if (process.env['GITFLEET_BENCH_KEEP'] === '1') log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------ (i) simulated

async function simulated(
  w: World,
  n: number,
  rounds: number,
): Promise<{ ms: number; detail: Record<string, unknown> }> {
  const git = w.fleet.git;
  const redis = w.fleet.redis;
  if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
  const repoUrl = await git.createRepo('sim-fleet');
  let sha = await git.commit('sim-fleet', {
    files: simFleetFiles({ targets: n, apps: 1, message: 'v0' }),
    message: 'v0',
  });
  const tokensDir = path.join(w.dir, 'sim-tokens');
  await writeAgentTokens(
    tokensDir,
    Array.from({ length: n }, (_, i) => simTargetName(i)),
  );
  const [grpcPort = 0, httpPort = 0] = await freePorts(2);
  let hub: HubProcess | undefined;
  let sim: SimAgents | undefined;
  try {
    hub = await startHubProcess({
      name: 'hub-sim',
      logDir: w.dir,
      fleetRepo: repoUrl,
      redisUrl: redis.url,
      tokensDir,
      grpcPort,
      httpPort,
      cacheDir: path.join(w.dir, 'hub-sim-git'),
      webhookSecretFile: w.secretFile,
      env: w.hubEnv,
    });
    const h = hub;
    const t0 = performance.now();
    await h.waitReady(120_000);
    log(`hub ready in ${Math.round(performance.now() - t0)} ms; starting ${n} simulated agents`);
    sim = await startSimAgents({
      name: 'sim-agents',
      logDir: w.dir,
      hub: h.grpcAddress,
      tokensDir,
      count: n,
    });
    const first = sha;
    await sim.waitFor(
      `${n} agents connected with v0 synced`,
      (p) => p.ready === n && (p.revisions[first]?.reported ?? 0) === n,
      { timeoutMs: 300_000, abortIf: h.gone },
    );
    log(`${n} agents connected and synced at v0 after ${Math.round(performance.now() - t0)} ms`);
    const pid = h.nodePid();
    if (pid === undefined) throw new Error('hub node process not found');

    const acked: number[] = [];
    const reported: number[] = [];
    const passes: number[] = [];
    const cpu: number[] = [];
    const busy: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      const message = `r${r}`;
      const file = 'apps/app-0/manifests/configmap.yaml';
      const content = simFleetFiles({ targets: 0, apps: 1, message })[file] ?? '';
      sha = await git.commit('sim-fleet', { files: { [file]: content }, message });
      const logFrom = logRecords(h.proc).length;
      const cpu0 = cpuMs(pid);
      const j0 = machineJiffies();
      const start = Date.now();
      await postPushWebhook(h.api, w.secret, repoUrl, sha);
      const rev = sha;
      const done = await sim.waitFor(
        `round ${r}: ${n} agents acked ${rev.slice(0, 8)}`,
        (p) => (p.revisions[rev]?.acked ?? 0) === n && (p.revisions[rev]?.reported ?? 0) === n,
        { timeoutMs: 180_000, abortIf: h.gone },
      );
      const rp = done.revisions[rev];
      if (rp === undefined) throw new Error('no progress for the revision');
      acked.push(rp.ackedAtMs - start);
      reported.push(rp.reportedAtMs - start);
      cpu.push(cpuMs(pid) - cpu0);
      const j1 = machineJiffies();
      busy.push(round((100 * (j1.busy - j0.busy)) / Math.max(1, j1.total - j0.total)));
      // A webhook starts a resolve pass and a fetch whose "refs changed" queues one more pass
      // (a no-op): let it finish, so the next round starts on an idle hub.
      await waitIdle(h, logFrom);
      // the hub's own account: the resolve pass that found the change (logged at its end)
      const pass = logRecords(h.proc)
        .slice(logFrom)
        .find((x) => x.msg === 'resolve pass' && Number(x['changed']) > 0);
      passes.push(Number(pass?.['ms'] ?? NaN));
      log(
        `round ${r}: all ${n} acked ${acked.at(-1)} ms after the webhook POST; reports acked at ${reported.at(-1)} ms; resolve pass ${passes.at(-1)} ms; hub CPU ${cpu.at(-1)} ms; machine ${busy.at(-1)} % busy (2 cores)`,
      );
    }
    // the hub's view, read in bulk: every row Synced at the last revision
    const s0 = performance.now();
    const rows = await fetchStatus(h);
    const statusMs = performance.now() - s0;
    const synced = rows.filter((x) => x.sync === 'Synced' && x.revision === sha).length;
    log(
      `status: ${synced}/${rows.length} rows Synced at the last revision (read in ${Math.round(statusMs)} ms)`,
    );
    const progress = sim.progress();
    return {
      ms: median(acked),
      detail: {
        acked_ms: acked,
        reports_acked_ms: reported,
        resolve_pass_ms: passes,
        hub_cpu_ms: cpu,
        machine_busy_pct: busy,
        max_ms: Math.max(...acked),
        hub_rss_mb: round(rssMb(pid)),
        status_rows_synced: synced,
        status_rows: rows.length,
        status_read_ms: Math.round(statusMs),
        sim_drops: progress?.drops ?? null,
        sim_duplicates: progress?.duplicates ?? null,
        path: 'webhook POST → isomorphic-git fetch → parse fleet → render per target → Redis → BullMQ → gRPC → sim agent ack',
      },
    };
  } finally {
    await sim?.stop();
    await hub?.stop();
  }
}

/**
 * Waits until the hub's resolve passes after log record `from` are over: the newest one changed
 * nothing (the trailing no-op pass a webhook causes), or no pass was logged for 1.5× the last
 * pass's duration (at least 3 s). At most 60 s.
 */
async function waitIdle(h: HubProcess, from: number): Promise<void> {
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
        if (last === undefined) return false;
        if (passes.length >= 2 && Number(last['changed']) === 0) return true;
        return Date.now() - since > Math.max(3_000, 1.5 * Number(last['ms']));
      },
      { timeoutMs: 60_000, intervalMs: 100, abortIf: h.gone },
    );
  } catch (err) {
    log(`not idle: ${String(err)}`);
  }
  await new Promise((res) => setTimeout(res, 500));
}

// ------------------------------------------------------------------------------ (ii) real clusters

function realFleetFiles(message: string): Record<string, string> {
  const files: Record<string, string> = {
    'apps/web/application.yaml': [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web/manifests }',
      '  placement: { selector: { matchLabels: { fleet: real } } }',
      '',
    ].join('\n'),
    ...manifestFiles('fanout', message),
  };
  for (const c of CLUSTERS) {
    files[`targets/${c}.yaml`] =
      `apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: ${c}, labels: { fleet: real } }\n`;
  }
  return files;
}

/** The app's manifests: a Namespace and a ConfigMap `web` in it holding `message`. */
function manifestFiles(namespace: string, message: string): Record<string, string> {
  return {
    'apps/web/manifests/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${namespace} }\n`,
    'apps/web/manifests/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: ${namespace} }\ndata: { message: "${message}" }\n`,
  };
}

async function liveMessage(c: KubeCluster, namespace: string): Promise<string | undefined> {
  const r = await c.request<{ data?: Record<string, string> }>(
    'GET',
    `/api/v1/namespaces/${namespace}/configmaps/web`,
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

async function realClusters(
  w: World,
  clusters: readonly KubeCluster[],
  rounds: number,
): Promise<{ ms: number; detail: Record<string, unknown> }> {
  const git = w.fleet.git;
  const redis = w.fleet.redis;
  if (git === undefined || redis === undefined || clusters.length !== CLUSTERS.length)
    throw new Error('fleet incomplete');
  const repoUrl = await git.createRepo('real-fleet');
  await git.commit('real-fleet', { files: realFleetFiles('v0'), message: 'v0' });
  const tokensDir = path.join(w.dir, 'real-tokens');
  await writeAgentTokens(tokensDir, CLUSTERS);
  const [grpcPort = 0, httpPort = 0] = await freePorts(2);
  let hub: HubProcess | undefined;
  const agents: ManagedProcess[] = [];
  try {
    hub = await startHubProcess({
      name: 'hub-real',
      logDir: w.dir,
      fleetRepo: repoUrl,
      redisUrl: redis.url,
      tokensDir,
      grpcPort,
      httpPort,
      cacheDir: path.join(w.dir, 'hub-real-git'),
      webhookSecretFile: w.secretFile,
      env: w.hubEnv,
    });
    const h = hub;
    await h.waitReady(60_000);
    for (const c of clusters) {
      agents.push(
        await spawnManaged(`agent-${c.name}`, AGENT_BIN, {
          logDir: w.dir,
          env: { GITFLEET_CONFIG: undefined, GITFLEET_HTTP_ADDRESS: undefined },
          args: [
            '--target',
            c.name,
            '--hub',
            h.grpcAddress,
            // the hub of startHubProcess({ tokensDir }): plaintext on loopback, static tokens
            '--insecure-plaintext',
            '--token-file',
            path.join(tokensDir, `${c.name}.token`),
            '--kubeconfig',
            c.kubeconfigPath,
            '--log-level',
            'warn',
          ],
        }),
      );
    }
    const alive = (): string | undefined =>
      h.gone() ??
      agents
        .map((a) => (a.running ? undefined : `${a.name} exited: ${a.tail()}`))
        .find((x) => x !== undefined);
    const allLive = async (message: string): Promise<boolean> =>
      (await Promise.all(clusters.map((c) => liveMessage(c, 'fanout')))).every(
        (m) => m === message,
      );
    await waitFor('v0 live in the 3 clusters', () => allLive('v0'), {
      timeoutMs: 120_000,
      intervalMs: 100,
      abortIf: alive,
    });
    log('v0 live in r1, r2, r3');
    const ms: number[] = [];
    const perCluster: number[][] = [];
    for (let r = 1; r <= rounds; r++) {
      const message = `r${r}`;
      const sha = await git.commit('real-fleet', {
        files: manifestFiles('fanout', message),
        message,
      });
      const logFrom = logRecords(h.proc).length;
      const start = Date.now();
      await postPushWebhook(h.api, w.secret, repoUrl, sha);
      // each cluster polled on its own; the round ends when the last one shows the value
      const each = await Promise.all(
        clusters.map((c) =>
          waitFor(
            `${message} live in ${c.name}`,
            async () =>
              (await liveMessage(c, 'fanout')) === message ? Date.now() - start : undefined,
            { timeoutMs: 60_000, intervalMs: 5, abortIf: alive },
          ),
        ),
      );
      perCluster.push(each);
      ms.push(Math.max(...each));
      log(
        `round ${r}: live in all 3 clusters ${ms.at(-1)} ms after the webhook POST (${each.join(', ')} ms)`,
      );
      await waitIdle(h, logFrom);
    }
    return {
      ms: median(ms),
      detail: {
        ms,
        per_cluster_ms: perCluster,
        max_ms: Math.max(...ms),
        path: 'webhook POST → hub → gRPC → agent server-side apply, 3 clusters in parallel',
      },
    };
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await hub?.stop();
  }
}

// ------------------------------------------------------------------------------ (iii) push baseline

async function pushBaseline(
  w: World,
  clusters: readonly KubeCluster[],
  rounds: number,
): Promise<{ ms: number; detail: Record<string, unknown> }> {
  const cacheDir = path.join(w.dir, 'kubectl-cache');
  const apply = async (message: string): Promise<number[]> => {
    const yaml = Object.values(manifestFiles('fanout-push', message)).join('---\n');
    const each: number[] = [];
    for (const c of clusters) {
      const t = performance.now();
      await c.kubectl(
        [
          '--cache-dir',
          cacheDir,
          'apply',
          '--server-side',
          '--field-manager',
          'push-baseline',
          '-f',
          '-',
        ],
        yaml,
      );
      each.push(Math.round(performance.now() - t));
    }
    return each;
  };
  await apply('warm-up'); // discovery cache filled, namespaces created
  const ms: number[] = [];
  const perCluster: number[][] = [];
  for (let r = 1; r <= rounds; r++) {
    const t = performance.now();
    const each = await apply(`b${r}`);
    ms.push(Math.round(performance.now() - t));
    perCluster.push(each);
    for (const c of clusters) {
      if ((await liveMessage(c, 'fanout-push')) !== `b${r}`)
        throw new Error(`push to ${c.name} not live`);
    }
    log(
      `baseline round ${r}: kubectl apply --server-side to 3 clusters in turn: ${ms.at(-1)} ms (${each.join(', ')})`,
    );
  }
  return {
    ms: median(ms),
    detail: {
      ms,
      per_cluster_ms: perCluster,
      how: 'kubectl apply --server-side -f - (Namespace + ConfigMap), one cluster after another, discovery cached',
    },
  };
}
