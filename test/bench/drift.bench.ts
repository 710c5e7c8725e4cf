/**
 * `npm run bench -- drift [--in-process] [--gap-ms=100]`: how fast the agent puts back what
 * someone changed behind its back.
 *
 * One app of 100 objects in one namespace (40 ConfigMaps, 20 Secrets, 20 ClusterIP Services,
 * 20 Deployments), synced and Healthy. Then 100 out-of-band edits, one at a time, each object
 * edited once, kinds interleaved: a JSON merge PATCH as admin by a different field manager each
 * time (`rival-N`), changing a ConfigMap value, a Secret value, a Service's targetPort or a label,
 * a Deployment's replicas or a label. Latency of one edit = from sending the PATCH until a watch
 * of our own (one per kind, opened before the edits) delivers the object back at the desired
 * value with a resourceVersion newer than the PATCH's. The next edit is sent `gap-ms` after the
 * correction. An edit not corrected within 10 s counts as 10 s and as a timeout.
 *
 * Also reported: how long our own watch took to see the drift (the physical floor), per kind.
 */
import type { KubeObject } from '@gitfleet/proto';
import { startAgentUnderTest, waitConnected, type AgentUnderTest } from './lib/agent.ts';
import {
  benchLog,
  bounded,
  flag,
  machine,
  numberArg,
  percentile,
  round,
  sleep,
} from './lib/common.ts';
import { createNamespace, requestCounts, withWorld, writesBetween } from './lib/cluster.ts';
import { CollectionWatch, type Obj } from './lib/watch.ts';

const log = benchLog('drift');
const NS = 'bench-drift';
const APP = 'drift';
const CORRECTION_TIMEOUT_MS = 10_000;

type Kind = 'ConfigMap' | 'Secret' | 'Service' | 'Deployment';

interface Edit {
  readonly kind: Kind;
  readonly what: string;
  readonly name: string;
  readonly path: string;
  readonly patch: unknown;
  /** True when the object is back at the desired value. */
  readonly corrected: (o: Obj) => boolean;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const at = (o: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>(
    (v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined),
    o,
  );

function buildApp(): { objects: KubeObject[]; edits: Edit[] } {
  const objects: KubeObject[] = [];
  const byKind: Record<Kind, Edit[]> = { ConfigMap: [], Secret: [], Service: [], Deployment: [] };
  for (let i = 0; i < 40; i++) {
    const name = `cm-${i}`;
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: NS },
      data: { value: `v-${i}`, other: 'keep' },
    });
    byKind.ConfigMap.push({
      kind: 'ConfigMap',
      what: 'data value',
      name,
      path: `/api/v1/namespaces/${NS}/configmaps/${name}`,
      patch: { data: { value: `drifted-${i}` } },
      corrected: (o) => at(o, 'data', 'value') === `v-${i}`,
    });
  }
  for (let i = 0; i < 20; i++) {
    const name = `secret-${i}`;
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name, namespace: NS },
      data: { password: b64(`secret-${i}`), user: b64('bench') },
    });
    byKind.Secret.push({
      kind: 'Secret',
      what: 'data value',
      name,
      path: `/api/v1/namespaces/${NS}/secrets/${name}`,
      patch: { data: { password: b64(`drifted-${i}`) } },
      corrected: (o) => at(o, 'data', 'password') === b64(`secret-${i}`),
    });
  }
  for (let i = 0; i < 20; i++) {
    const name = `svc-${i}`;
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NS, labels: { tier: 'web' } },
      spec: {
        type: 'ClusterIP',
        selector: { app: name },
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      },
    });
    const path = `/api/v1/namespaces/${NS}/services/${name}`;
    byKind.Service.push(
      i % 2 === 0
        ? {
            kind: 'Service',
            what: 'targetPort',
            name,
            path,
            patch: {
              spec: { ports: [{ name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' }] },
            },
            corrected: (o) => {
              const ports = at(o, 'spec', 'ports');
              return (
                Array.isArray(ports) &&
                ports.some((p) => at(p, 'port') === 80 && at(p, 'targetPort') === 8080)
              );
            },
          }
        : {
            kind: 'Service',
            what: 'label',
            name,
            path,
            patch: { metadata: { labels: { tier: 'drifted' } } },
            corrected: (o) => at(o, 'metadata', 'labels', 'tier') === 'web',
          },
    );
  }
  for (let i = 0; i < 20; i++) {
    const name = `deploy-${i}`;
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: NS, labels: { tier: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    });
    const path = `/apis/apps/v1/namespaces/${NS}/deployments/${name}`;
    byKind.Deployment.push(
      i % 2 === 0
        ? {
            kind: 'Deployment',
            what: 'replicas',
            name,
            path,
            patch: { spec: { replicas: 3 } },
            corrected: (o) => at(o, 'spec', 'replicas') === 1,
          }
        : {
            kind: 'Deployment',
            what: 'label',
            name,
            path,
            patch: { metadata: { labels: { tier: 'drifted' } } },
            corrected: (o) => at(o, 'metadata', 'labels', 'tier') === 'web',
          },
    );
  }
  // interleave the kinds: CM, Secret, Service, Deployment, CM, … (ConfigMaps fill the tail)
  const edits: Edit[] = [];
  const queues = Object.values(byKind).map((q) => [...q]);
  while (queues.some((q) => q.length > 0)) {
    for (const q of queues) {
      const e = q.shift();
      if (e !== undefined) edits.push(e);
    }
  }
  return { objects, edits };
}

interface Sample {
  readonly kind: Kind;
  readonly what: string;
  readonly ms: number;
  readonly seenMs: number | undefined;
  readonly timedOut: boolean;
}

function stats(samples: readonly Sample[]): Record<string, number> {
  const ms = samples.map((s) => s.ms);
  return {
    n: ms.length,
    p50_ms: round(percentile(ms, 50)),
    p99_ms: round(percentile(ms, 99)),
    max_ms: round(Math.max(...ms)),
  };
}

export async function run(args: readonly string[]): Promise<Record<string, unknown>> {
  const inProcess = flag(args, 'in-process');
  const gapMs = numberArg(args, 'gap-ms', 100);
  const { objects, edits } = buildApp();
  return withWorld(log, (w) =>
    bounded('drift benchmark', 240_000, async () => {
      await createNamespace(w.cluster, NS);
      const watches = new Map<Kind, CollectionWatch>();
      let agent: AgentUnderTest | undefined;
      try {
        agent = await startAgentUnderTest(inProcess, w.cluster, w.hub, w.dir, {
          logLevel: 'info',
        });
        await waitConnected(w.hub, agent);
        log(`agent (${agent.mode}) connected; assigning ${objects.length} objects`);
        const t0 = performance.now();
        const a = w.hub.assign('c1', APP, objects);
        await w.hub.waitForReport(
          'c1',
          APP,
          (r) =>
            r.assignmentVersion === a.version &&
            r.syncState === 'Synced' &&
            r.health.status === 'Healthy',
          120_000,
        );
        log(
          `synced and Healthy in ${Math.round(performance.now() - t0)} ms; letting status settle`,
        );
        await sleep(2_000);
        const paths: Record<Kind, string> = {
          ConfigMap: `/api/v1/namespaces/${NS}/configmaps`,
          Secret: `/api/v1/namespaces/${NS}/secrets`,
          Service: `/api/v1/namespaces/${NS}/services`,
          Deployment: `/apis/apps/v1/namespaces/${NS}/deployments`,
        };
        for (const [kind, p] of Object.entries(paths) as [Kind, string][])
          watches.set(kind, await CollectionWatch.open(w.cluster, p));

        const countsBefore = await requestCounts(w.cluster);
        const samples: Sample[] = [];
        for (const [i, e] of edits.entries()) {
          const watch = watches.get(e.kind);
          if (watch === undefined) throw new Error(`no watch for ${e.kind}`);
          if (watch.failure !== undefined) throw new Error(watch.failure);
          const sent = performance.now();
          const res = await w.cluster.request<Obj>(
            'PATCH',
            `${e.path}?fieldManager=rival-${i}`,
            e.patch,
            'application/merge-patch+json',
          );
          if (res.status !== 200)
            throw new Error(`PATCH ${e.path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
          const rv = Number(res.body.metadata?.resourceVersion);
          const back = await watch.waitFor(e.name, rv, e.corrected, CORRECTION_TIMEOUT_MS);
          const seen = watch.seenAt(e.name, rv);
          samples.push({
            kind: e.kind,
            what: e.what,
            ms: back === undefined ? CORRECTION_TIMEOUT_MS : back.at - sent,
            seenMs: seen === undefined ? undefined : seen.at - sent,
            timedOut: back === undefined,
          });
          if (back === undefined) log(`edit ${i} (${e.kind}/${e.name} ${e.what}): NOT corrected`);
          if ((i + 1) % 20 === 0) {
            const last = samples.slice(-20).map((s) => s.ms);
            log(
              `${i + 1}/${edits.length} edits; last 20: p50 ${round(percentile(last, 50))} ms, max ${round(Math.max(...last))} ms`,
            );
          }
          await sleep(gapMs);
        }

        // what the agent did about it: its writes (server-side apply = verb APPLY) and reports
        await sleep(500);
        const writes = writesBetween(countsBefore, await requestCounts(w.cluster), []);
        const applies = Object.entries(writes.byKey)
          .filter(([k]) => k.startsWith('APPLY ') && !k.endsWith('(dry run)'))
          .reduce((n, [, v]) => n + v, 0);
        const report = w.hub.latestReport('c1', APP);
        const correctedRecords = report?.drift.filter((d) => d.action === 'corrected').length;
        const correctionCountSum = report?.drift.reduce((n, d) => n + d.correctionCount, 0);
        const correctionLogs = agent.logRecords().filter((r) => r.msg === 'drift corrected').length;
        const passes = agent.logRecords().filter((r) => r.msg === 'sync pass').length;

        const all = stats(samples);
        const perKind: Record<string, Record<string, number>> = {};
        for (const k of ['ConfigMap', 'Secret', 'Service', 'Deployment'] as const)
          perKind[k] = stats(samples.filter((s) => s.kind === k));
        for (const what of ['targetPort', 'replicas']) {
          const kind = what === 'targetPort' ? 'Service' : 'Deployment';
          perKind[`${kind}.${what}`] = stats(samples.filter((s) => s.what === what));
          perKind[`${kind}.label`] = stats(
            samples.filter((s) => s.kind === kind && s.what === 'label'),
          );
        }
        const seen = samples.flatMap((s) => (s.seenMs === undefined ? [] : [s.seenMs]));
        return {
          edits: samples.length,
          p50_ms: all['p50_ms'],
          p99_ms: all['p99_ms'],
          max_ms: all['max_ms'],
          mean_ms: round(samples.reduce((s, x) => s + x.ms, 0) / samples.length),
          timeouts: samples.filter((s) => s.timedOut).length,
          goal_p99_ms: 250,
          per_kind: perKind,
          watch_floor_p50_ms: round(percentile(seen, 50)),
          watch_floor_p99_ms: round(percentile(seen, 99)),
          hub_report_corrected_drift_records: correctedRecords,
          hub_report_correction_count_sum: correctionCountSum,
          agent_apply_requests: applies,
          extra_corrections: applies - samples.length,
          writes_during_edits: writes.byKey,
          agent_drift_corrected_log_lines: agent.mode === 'binary' ? correctionLogs : undefined,
          agent_sync_passes: agent.mode === 'binary' ? passes : undefined,
          settings: {
            agent: agent.mode,
            objects: objects.length,
            mix: '40 ConfigMap, 20 Secret, 20 Service (ClusterIP), 20 Deployment (1 replica)',
            edit: 'JSON merge PATCH as admin, field manager rival-N, one at a time',
            gap_ms: gapMs,
            correction_timeout_ms: CORRECTION_TIMEOUT_MS,
            drift_policy: 'correct (MiniHub default policies)',
          },
          machine: machine(),
        };
      } finally {
        for (const wt of watches.values()) wt.stop();
        await agent?.stop();
      }
    }),
  );
}
