/**
 * `npm run bench -- render [--targets=1000] [--warm-passes=3] [--cpu-prof-cold=FILE]
 * [--cpu-prof-warm=FILE]`: the hub's resolver rendering a Helm and a Kustomize application for a
 * large fleet. `--cpu-prof-cold` / `--cpu-prof-warm` write a CPU profile of the cold pass / the
 * warm passes only (open it in Chrome DevTools).
 *
 * The fleet: `targets` targets in 5 environments (e0…e4, by label), and two applications placed
 * on every target, both from one application repository on the test Git server (over HTTP, in a
 * process of its own, as a hub's Git host is):
 * - `chart`: the chart `helm create` writes, with each environment's values from a fleet overlay
 *   (replicas, image tag, an `env` label: 5 distinct values sets);
 * - `kz`: a kustomize base (Deployment, Service, ConfigMap) with each environment's image from a
 *   fleet overlay (5 distinct option sets).
 *
 * What runs is the hub's own resolve path, in this process: the Resolver with the isomorphic-git
 * source (an empty cache), the Redis store (real Redis, desired state signed), the last-good fleet
 * store, the BullMQ delivery queue for every change, and the source renderer with the real
 * `kubectl kustomize` and `helm template`. No agents or clusters: targets without an agent are
 * resolved all the same.
 *
 * - `cold_ms`: the first pass (empty Git cache, empty render cache, empty store): clone, parse,
 *   render, store and enqueue every (application, target);
 * - `warm_ms`: the median of later passes at the same commits (nothing changes);
 * - `renders`: kustomize and helm runs over all passes (gitfleet_hub_source_renders_total).
 * Goals: renders ≤ 10 (one per distinct option set), warm < 1000 ms, cold < 5000 ms.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { silentLogger } from '@gitfleet/proto';
import { IsomorphicGitSource } from '../../hub/src/git/git-source.ts';
import { DeliveryQueue } from '../../hub/src/queue/delivery-queue.ts';
import { Resolver } from '../../hub/src/resolve/resolver.ts';
import { SourceRenderMetrics } from '../../hub/src/sources/metrics.ts';
import { SourceRenderer } from '../../hub/src/sources/renderer.ts';
import { RedisFleetStore } from '../../hub/src/store/fleet-store.ts';
import { RedisHubStore } from '../../hub/src/store/redis-store.ts';
import { helmBinary } from '../src/deploy/render.ts';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import { kubeBinaries, REPO_ROOT } from '../src/fleet/paths.ts';
import { freePort } from '../src/fleet/ports.ts';
import { spawnManaged, stopAll } from '../src/fleet/processes.ts';
import { waitFor } from '../src/fleet/wait.ts';
import { writeSigningKey } from '../src/fleet/signing.ts';
import { benchLog, bounded, machine, median, numberArg, round, stringArgs } from './lib/common.ts';
import { helmCreateChart } from './lib/helm-create-chart.ts';

const log = benchLog('render');
const ENVIRONMENTS = ['e0', 'e1', 'e2', 'e3', 'e4'] as const;
const APP_REPO = 'bench-apps';
const FLEET_REPO = 'bench-fleet';
const GIT_SERVER_CLI = path.join(REPO_ROOT, 'test/src/fleet/git-server.cli.ts');
const WITH_NODE = path.join(REPO_ROOT, 'scripts/with-node');

const lines = (...l: string[]): string => [...l, ''].join('\n');
const doc = (...l: string[]): string => lines('apiVersion: gitfleet.dev/v1alpha1', ...l);

function appRepoFiles(): Record<string, string> {
  return {
    ...helmCreateChart('charts/web', 'web'),
    'kustomize/base/kustomization.yaml': lines(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namespace: guestbook',
      'commonLabels: { app.kubernetes.io/part-of: guestbook }',
      'resources: [deployment.yaml, service.yaml]',
      'configMapGenerator:',
      '  - name: guestbook-config',
      '    literals: [GREETING=hello]',
    ),
    'kustomize/base/deployment.yaml': lines(
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: guestbook-ui }',
      'spec:',
      '  replicas: 1',
      '  selector: { matchLabels: { app: guestbook-ui } }',
      '  template:',
      '    metadata: { labels: { app: guestbook-ui } }',
      '    spec:',
      '      containers:',
      '        - name: guestbook-ui',
      '          image: registry.example.com/guestbook:0.1',
      '          ports: [{ containerPort: 80 }]',
      '          envFrom: [{ configMapRef: { name: guestbook-config } }]',
    ),
    'kustomize/base/service.yaml': lines(
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: guestbook-ui }',
      'spec: { ports: [{ port: 80, targetPort: 80 }], selector: { app: guestbook-ui } }',
    ),
  };
}

function fleetFiles(targets: number, appUrl: string): Record<string, string> {
  const t: string[] = [];
  for (let i = 0; i < targets; i++) {
    const env = ENVIRONMENTS[i % ENVIRONMENTS.length] ?? 'e0';
    t.push(
      doc(
        'kind: Target',
        `metadata: { name: t-${String(i)}, labels: { env: ${env}, fleet: bench } }`,
      ),
    );
  }
  const everywhere = '  placement: { selector: { matchLabels: { fleet: bench } } }';
  return {
    'targets.yaml': t.join('---\n'),
    'environments.yaml': ENVIRONMENTS.map((e) =>
      doc(
        'kind: Environment',
        `metadata: { name: ${e} }`,
        `spec: { selector: { matchLabels: { env: ${e} } } }`,
      ),
    ).join('---\n'),
    'apps/chart.yaml': doc(
      'kind: Application',
      'metadata: { name: chart }',
      'spec:',
      '  source:',
      `    repoURL: ${appUrl}`,
      '    path: charts/web',
      '    helm: { releaseName: web, namespace: web }',
      everywhere,
      '  overlays:',
      ...ENVIRONMENTS.flatMap((e, i) => [
        `    - environment: ${e}`,
        '      helm:',
        `        values: { replicaCount: ${String(i + 1)}, podLabels: { env: "\${environment.name}" }, image: { tag: "1.2${String(i)}" } }`,
      ]),
    ),
    'apps/kz.yaml': doc(
      'kind: Application',
      'metadata: { name: kz }',
      'spec:',
      `  source: { repoURL: ${appUrl}, path: kustomize/base }`,
      everywhere,
      '  overlays:',
      ...ENVIRONMENTS.flatMap((e, i) => [
        `    - environment: ${e}`,
        '      kustomize:',
        `        images: ["registry.example.com/guestbook=registry.example.com/guestbook:2.${String(i)}-\${environment.name}"]`,
      ]),
    ),
  };
}

/** Kustomize and helm runs so far, by `type/outcome`, their sum, and the seconds they ran. */
async function renderRuns(
  metrics: SourceRenderMetrics,
): Promise<{ total: number; by: Record<string, number>; seconds: number }> {
  const by: Record<string, number> = {};
  let total = 0;
  let seconds = 0;
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const values = (
      m as {
        values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
      }
    ).values;
    if (m.name === 'gitfleet_hub_source_renders_total') {
      for (const v of values) {
        by[`${String(v.labels['type'])}/${String(v.labels['outcome'])}`] = v.value;
        total += v.value;
      }
    } else if (m.name === 'gitfleet_hub_source_render_duration_seconds') {
      for (const v of values) if (v.metricName?.endsWith('_sum') === true) seconds += v.value;
    }
  }
  return { total, by, seconds };
}

/**
 * The test Git server (test/src/fleet/git-server.cli.ts) in a process of its own, as a hub's Git
 * host is, serving the application repository and the fleet repository (one commit each).
 */
async function startGitServer(
  dir: string,
  targets: number,
): Promise<{ readonly appUrl: string; readonly fleetUrl: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${String(port)}`;
  const appUrl = `${base}/${APP_REPO}.git`;
  const repos = path.join(dir, 'repos');
  const write = async (repo: string, files: Record<string, string>): Promise<void> => {
    for (const [file, text] of Object.entries(files)) {
      const full = path.join(repos, repo, file);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, text);
    }
  };
  await write(APP_REPO, appRepoFiles());
  await write(FLEET_REPO, fleetFiles(targets, appUrl));
  const proc = await spawnManaged('git-server', WITH_NODE, {
    logDir: dir,
    args: ['node', GIT_SERVER_CLI, '--repos', repos, '--port', String(port)],
  });
  const served = await waitFor(
    'the Git server to serve the repositories',
    async () => {
      const line = (await readFile(proc.logFile, 'utf8'))
        .split('\n')
        .find((l) => l.startsWith('{"url"'));
      return line === undefined
        ? undefined
        : (JSON.parse(line) as { repos: Record<string, string> });
    },
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      abortIf: () => (proc.running ? undefined : `exited: ${proc.tail()}`),
    },
  );
  const fleetUrl = served.repos[FLEET_REPO];
  if (served.repos[APP_REPO] !== appUrl || fleetUrl === undefined)
    throw new Error(`the Git server serves ${JSON.stringify(served.repos)}`);
  return { appUrl, fleetUrl };
}

/**
 * Starts profiling this process's CPU when `file` is given; the function returned stops and
 * writes the profile there (a .cpuprofile for Chrome DevTools).
 */
async function startProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (file === undefined) return () => Promise.resolve();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    await writeFile(file, JSON.stringify(profile));
    log(`CPU profile written: ${file}`);
  };
}

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const targets = numberArg(args, 'targets', 1000);
  const warmPasses = numberArg(args, 'warm-passes', 3);
  const coldProfile = stringArgs(args, 'cpu-prof-cold').at(-1);
  const warmProfile = stringArgs(args, 'cpu-prof-warm').at(-1);
  const kubectl = kubeBinaries().kubectl;
  const helm = helmBinary();
  let fleet: TestFleet | undefined;
  let redis: Redis | undefined;
  let queue: DeliveryQueue | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-render-'));
  try {
    return await bounded('render benchmark', 15 * 60_000, async () => {
      log('starting Redis, and the Git server in a process of its own');
      fleet = await startFleet({ clusterNames: [], git: false });
      if (fleet.redis === undefined) throw new Error('fleet incomplete');
      const { fleetUrl } = await startGitServer(dir, targets);
      // as the hub connects: BullMQ needs maxRetriesPerRequest null
      redis = new Redis(fleet.redis.url, { maxRetriesPerRequest: null });
      const prefix = 'gf-bench-render:';
      const signing = await writeSigningKey(dir);
      const store = new RedisHubStore({ redis, prefix, signingKey: signing.signing.key });
      await store.epochChanged();
      const q = new DeliveryQueue({ connection: redis, prefix: `${prefix}bull` });
      queue = q;
      await q.waitUntilReady();
      const metrics = new SourceRenderMetrics();
      const sources = new SourceRenderer(
        { kubectlCommand: kubectl, helmCommand: helm },
        { logger: silentLogger, metrics },
      );
      let enqueued = 0;
      const resolver = new Resolver(
        { fleet: { url: fleetUrl, branch: 'main' } },
        {
          git: new IsomorphicGitSource(
            { cacheDir: path.join(dir, 'git') },
            { logger: silentLogger },
          ),
          store,
          changed: async (target, app, version, trace) => {
            enqueued++;
            await q.enqueue({ target, app, version, trace });
          },
          logger: silentLogger,
          sources,
          lastGood: new RedisFleetStore({ redis, prefix }),
        },
      );
      const pass = async (what: string): Promise<{ wallMs: number; passMs: number }> => {
        const t0 = performance.now();
        await resolver.trigger();
        const wallMs = performance.now() - t0;
        const s = resolver.status;
        if (s.failures.length > 0 || s.problems.length > 0) {
          throw new Error(
            `${what}: ${String(s.failures.length)} failure(s), ${String(s.problems.length)} problem(s); first: ${JSON.stringify(s.failures[0] ?? s.problems[0])}`,
          );
        }
        const passMs = s.lastPassMs ?? NaN;
        log(
          `${what}: ${Math.round(wallMs)} ms (the resolver's own account: ${String(passMs)} ms), ${String(s.changedLastPass)} changed`,
        );
        return { wallMs, passMs };
      };

      const load1m = os.loadavg()[0] ?? 0;
      const stopCold = await startProfile(coldProfile);
      const cpu0 = process.cpuUsage();
      const cold = await pass('cold pass');
      await stopCold();
      const coldCpu = process.cpuUsage(cpu0);
      const coldChanged = resolver.status.changedLastPass;
      const afterCold = await renderRuns(metrics);
      const warm: number[] = [];
      const warmCpu: number[] = [];
      const stopWarm = await startProfile(warmProfile);
      for (let i = 1; i <= warmPasses; i++) {
        const c0 = process.cpuUsage();
        warm.push((await pass(`warm pass ${String(i)}`)).wallMs);
        const c = process.cpuUsage(c0);
        warmCpu.push((c.user + c.system) / 1000);
        if (resolver.status.changedLastPass !== 0)
          throw new Error(
            `warm pass ${String(i)} changed ${String(resolver.status.changedLastPass)}`,
          );
      }
      await stopWarm();
      const runs = await renderRuns(metrics);
      const pairs = 2 * targets;
      const stored = (await store.listDesired('t-0')).length;
      if (coldChanged !== pairs || stored !== 2) {
        throw new Error(
          `the cold pass stored ${String(coldChanged)} of ${String(pairs)} (application, target) pairs (t-0 holds ${String(stored)})`,
        );
      }
      log(
        `renders: ${String(runs.total)} (${JSON.stringify(runs.by)}), ${String(enqueued)} deliveries enqueued`,
      );
      return {
        targets,
        cold_ms: Math.round(cold.wallMs),
        warm_ms: Math.round(median(warm)),
        renders: runs.total,
        goal: 'renders <= 10, warm_ms < 1000, cold_ms < 5000',
        met: runs.total <= 10 && median(warm) < 1000 && cold.wallMs < 5000,
        detail: {
          pairs,
          environments: ENVIRONMENTS.length,
          // other work on the machine shows in every figure: the load when the cold pass began
          load_avg_1m: round(load1m, 2),
          cold_pass_ms: cold.passMs,
          cold_cpu_ms: Math.round((coldCpu.user + coldCpu.system) / 1000),
          cold_renders: afterCold.total,
          cold_render_ms: Math.round(afterCold.seconds * 1000),
          warm_ms: warm.map((x) => Math.round(x)),
          warm_cpu_ms: warmCpu.map((x) => Math.round(x)),
          ms_per_pair_warm: round(median(warm) / pairs, 3),
          renders_by: runs.by,
          deliveries_enqueued: enqueued,
          path: 'isomorphic-git fetch (HTTP) → parse fleet → per pair: pin → read → kubectl kustomize / helm template (cached by options) → overlays → Redis putDesired (signed) → BullMQ enqueue',
        },
        machine: machine(),
      };
    });
  } finally {
    await queue?.close().catch((err: unknown) => log(`queue close: ${String(err)}`));
    redis?.disconnect();
    await fleet?.stop().catch((err: unknown) => log(`fleet stop: ${String(err)}`));
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}
