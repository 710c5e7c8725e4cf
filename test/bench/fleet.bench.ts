/**
 * `npm run bench -- fleet`: how fast and how big the local test fleet is on this machine.
 * - cold_build_s: wall time of the cold Kubernetes build, from the cache's build record
 * - start1_ms / start3_ms: start 1 / 3 clusters until every apiserver is ready AND a
 *   server-side-applied Deployment is Available on each
 * - rss_mb_per_cluster: RSS of apiserver + controller-manager + scheduler + kwok (+ a share of etcd)
 * - max_clusters: how many clusters really start together here (tried in growing steps, each one
 *   proven by a Deployment becoming Available on every cluster; bounded by GITFLEET_BENCH_MAX_CLUSTERS,
 *   default 25, and by free memory)
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKubeFleet, type KubeFleet } from '../src/fleet/kube.ts';
import { deployment, serverSideApply, waitDeploymentAvailable } from '../src/fleet/kube-objects.ts';
import { CACHE_DIR, K8S_VERSION, KWOK_VERSION } from '../src/fleet/paths.ts';

const log = (msg: string): void => {
  process.stderr.write(`[bench fleet] ${msg}\n`);
};

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

async function startAndProve(
  n: number,
  timeoutMs: number,
): Promise<{ fleet: KubeFleet; ms: number }> {
  const t0 = performance.now();
  const fleet = await startKubeFleet({ clusters: n, timeoutMs });
  try {
    await Promise.all(
      fleet.clusters.map(async (c) => {
        await serverSideApply(c, {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'bench' },
        });
        await serverSideApply(c, deployment('bench', 'web', 2));
        await waitDeploymentAvailable(c, 'bench', 'web', timeoutMs);
      }),
    );
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return { fleet, ms: Math.round(performance.now() - t0) };
}

function clusterRssMb(fleet: KubeFleet): number {
  const perCluster = fleet.clusters.map((c) =>
    c.processes.reduce((sum, p) => sum + p.descendants().reduce((s, d) => s + rssKb(d), 0), 0),
  );
  const etcd = fleet.processes
    .filter((p) => p.name === 'etcd')
    .reduce((s, p) => s + p.descendants().reduce((a, d) => a + rssKb(d), 0), 0);
  const total = perCluster.reduce((a, b) => a + b, 0) + etcd;
  return Math.round(total / 1024 / fleet.clusters.length);
}

export async function run(): Promise<Record<string, unknown>> {
  let coldBuildS: number | null = null;
  try {
    const rec = JSON.parse(
      readFileSync(path.join(CACHE_DIR, 'k8s', K8S_VERSION, 'build.json'), 'utf8'),
    ) as {
      build_s: number;
    };
    coldBuildS = rec.build_s;
  } catch {
    log('no build record: cold_build_s unknown');
  }
  let kwokBuildS: number | null = null;
  try {
    kwokBuildS = (
      JSON.parse(
        readFileSync(path.join(CACHE_DIR, 'kwok', KWOK_VERSION, 'build.json'), 'utf8'),
      ) as { build_s: number }
    ).build_s;
  } catch {
    // optional
  }

  log('starting 1 cluster');
  const one = await startAndProve(1, 60_000);
  await one.fleet.stop();
  log(`1 cluster Available in ${one.ms} ms`);

  log('starting 3 clusters');
  const three = await startAndProve(3, 60_000);
  await new Promise((r) => setTimeout(r, 3_000)); // let RSS settle after start
  const rssPerCluster = clusterRssMb(three.fleet);
  await three.fleet.stop();
  log(`3 clusters Available in ${three.ms} ms, ${rssPerCluster} MB per cluster`);

  const cap = Number(process.env['GITFLEET_BENCH_MAX_CLUSTERS'] ?? 25);
  let maxClusters = 3;
  for (const n of [10, 15, 20, 25, 30, 35, 40].filter((x) => x <= cap)) {
    const needMb = n * (rssPerCluster + 100);
    if (os.freemem() / 1024 / 1024 < needMb + 2048) {
      log(
        `stopping at ${maxClusters}: ${n} clusters would need ~${needMb} MB, ${Math.round(os.freemem() / 1048576)} MB free`,
      );
      break;
    }
    log(`trying ${n} clusters at once`);
    try {
      const r = await startAndProve(n, 240_000);
      await r.fleet.stop();
      maxClusters = n;
      log(`${n} clusters Available in ${r.ms} ms`);
    } catch (err) {
      log(`${n} clusters failed: ${err instanceof Error ? err.message : String(err)}`);
      break;
    }
  }

  return {
    clusters_started: 3,
    start1_ms: one.ms,
    start3_ms: three.ms,
    rss_mb_per_cluster: rssPerCluster,
    cold_build_s: coldBuildS,
    kwok_build_s: kwokBuildS,
    max_clusters: maxClusters,
    max_clusters_tried_up_to: cap,
    k8s_version: K8S_VERSION,
    cpus: os.cpus().length,
    mem_gb: Math.round(os.totalmem() / 1024 ** 3),
  };
}
