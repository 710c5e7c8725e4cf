/**
 * The agent against a real cluster and a hub speaking the real protocol: apply, drift correction,
 * warn, prune, CRDs, validation, unmanaged objects, fights, and the hub going away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '@gitfleet/agent';
import type { KubeObject, StatusReport } from '@gitfleet/proto';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { startMiniHub, type MiniHub } from '../fleet/mini-hub.ts';
import { waitFor } from '../fleet/wait.ts';
import { configMap, deploymentObj, namespace, startAgent, TOKEN, unique } from './harness.ts';

let fleet: TestFleet;
let cluster: KubeCluster;
let hub: MiniHub;
let agent: RunningAgent;

beforeAll(async () => {
  fleet = await startFleet({ clusters: 1, redis: false, git: false });
  const c = fleet.kube?.clusters[0];
  if (c === undefined) throw new Error('no cluster');
  cluster = c;
  hub = await startMiniHub({ targets: { c1: TOKEN } });
  agent = await startAgent(cluster, hub.address);
});
afterAll(async () => {
  await agent?.close();
  await hub?.close();
  await fleet?.stop();
});

const synced = (r: StatusReport): boolean => r.syncState === 'Synced';
const healthy = (r: StatusReport): boolean =>
  r.syncState === 'Synced' && r.health.status === 'Healthy';

async function getJson<T = KubeObject>(p: string): Promise<T | undefined> {
  const r = await cluster.request<T>('GET', p);
  return r.status === 200 ? r.body : undefined;
}

describe('agent', () => {
  it('applies an assignment, reports Synced and Healthy, and a re-sent version is not re-applied', async () => {
    const ns = unique('apply');
    const app = unique('app');
    const a = hub.assign('c1', app, [
      namespace(ns),
      deploymentObj(ns, 'web', 2),
      configMap(ns, 'cfg', { k: 'v' }),
    ]);
    const r = await hub.waitForReport(
      'c1',
      app,
      (x) => x.assignmentVersion === a.version && healthy(x),
    );
    expect(r.objects.map((o) => `${o.ref.kind}/${o.action}`).sort()).toEqual([
      'ConfigMap/created',
      'Deployment/created',
      'Namespace/created',
    ]);
    const dep = await getJson<{ metadata: { labels: Record<string, string> } }>(
      `/apis/apps/v1/namespaces/${ns}/deployments/web`,
    );
    expect(dep?.metadata.labels['gitfleet.dev/app']).toBe(app);
    expect(
      hub.acks.some((x) => x.messageId === `c1.${app}.v${a.version}` && x.error === undefined),
    ).toBe(true);
  });

  it('reverts an out-of-band scale of a Deployment', async () => {
    const ns = unique('scale');
    const app = unique('app');
    hub.assign('c1', app, [namespace(ns), deploymentObj(ns, 'web', 2)]);
    await hub.waitForReport('c1', app, healthy);
    const t0 = Date.now();
    await cluster.kubectl(['-n', ns, 'scale', 'deployment/web', '--replicas=5']);
    await waitFor(
      'replicas back to 2',
      async () =>
        (
          await getJson<{ spec: { replicas: number } }>(
            `/apis/apps/v1/namespaces/${ns}/deployments/web`,
          )
        )?.spec.replicas === 2,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const tookMs = Date.now() - t0;
    const r = await hub.waitForReport('c1', app, (x) =>
      x.drift.some((d) => d.action === 'corrected'),
    );
    const d = r.drift.find((x) => x.ref.kind === 'Deployment');
    expect(d?.changes.map((c) => c.path)).toContain('/spec/replicas');
    expect(d?.fieldManager).toBe('kubectl');
    expect(tookMs).toBeLessThan(5_000);
  });

  it('recreates an object deleted out of band', async () => {
    const ns = unique('del');
    const app = unique('app');
    hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { a: '1' })]);
    await hub.waitForReport('c1', app, synced);
    const before = await getJson<{ metadata: { uid: string } }>(
      `/api/v1/namespaces/${ns}/configmaps/cfg`,
    );
    await cluster.kubectl(['-n', ns, 'delete', 'configmap', 'cfg']);
    const after = await waitFor(
      'cfg recreated',
      async () => {
        const o = await getJson<{ metadata: { uid: string } }>(
          `/api/v1/namespaces/${ns}/configmaps/cfg`,
        );
        return o !== undefined && o.metadata.uid !== before?.metadata.uid ? o : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(after.metadata.uid).not.toBe(before?.metadata.uid);
  });

  it('reports a label edit under warn, naming the manager, and leaves it alone', async () => {
    const ns = unique('warn');
    const app = unique('app');
    hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { a: '1' }, { tier: 'gold' })], {
      policies: { drift: { mode: 'warn', overrides: [] } },
    });
    await hub.waitForReport('c1', app, synced);
    await cluster.kubectl(['-n', ns, 'label', 'configmap', 'cfg', 'tier=bronze', '--overwrite']);
    const r = await hub.waitForReport('c1', app, (x) => x.drift.length > 0);
    const d = r.drift[0];
    expect(d?.action).toBe('reported');
    expect(d?.fieldManager).toBe('kubectl-label');
    expect(d?.changes).toEqual([
      { path: '/metadata/labels/tier', desired: 'gold', live: 'bronze' },
    ]);
    expect(r.syncState).toBe('OutOfSync');
    await new Promise((res) => setTimeout(res, 500));
    const cm = await getJson<{ metadata: { labels: Record<string, string> } }>(
      `/api/v1/namespaces/${ns}/configmaps/cfg`,
    );
    expect(cm?.metadata.labels['tier']).toBe('bronze');
  });

  it('prunes an object removed from the assignment, and never on an empty set unless allowed', async () => {
    const ns = unique('prune');
    const app = unique('app');
    hub.assign('c1', app, [
      namespace(ns),
      configMap(ns, 'keep', { a: '1' }),
      configMap(ns, 'drop', { b: '2' }),
    ]);
    await hub.waitForReport('c1', app, synced);
    const a2 = hub.assign('c1', app, [namespace(ns), configMap(ns, 'keep', { a: '1' })]);
    const r = await hub.waitForReport(
      'c1',
      app,
      (x) => x.assignmentVersion === a2.version && synced(x),
    );
    expect(r.objects.find((o) => o.ref.name === 'drop')?.action).toBe('deleted');
    expect(await getJson(`/api/v1/namespaces/${ns}/configmaps/drop`)).toBeUndefined();
    expect(await getJson(`/api/v1/namespaces/${ns}/configmaps/keep`)).toBeDefined();
    // an empty desired set prunes nothing and says why
    const a3 = hub.assign('c1', app, []);
    const r3 = await hub.waitForReport(
      'c1',
      app,
      (x) => x.assignmentVersion === a3.version && x.syncState !== 'Applying',
    );
    expect(r3.error?.message).toMatch(/empty/i);
    expect(await getJson(`/api/v1/namespaces/${ns}/configmaps/keep`)).toBeDefined();
  });

  it('applies a CRD and its custom resource in one set', async () => {
    const ns = unique('crd');
    const app = unique('app');
    const group = `${app}.example.com`;
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    };
    const cr: KubeObject = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w1', namespace: ns },
      spec: { size: 3 },
    };
    hub.assign('c1', app, [cr, namespace(ns), crd]);
    const r = await hub.waitForReport('c1', app, synced, 30_000);
    expect(r.objects.find((o) => o.ref.kind === 'Widget')?.action).toBe('created');
    expect(await getJson(`/apis/${group}/v1/namespaces/${ns}/widgets/w1`)).toBeDefined();
  });

  it('rejects a set with an invalid object, naming it, and applies nothing', async () => {
    const ns = unique('invalid');
    const app = unique('app');
    const bad = deploymentObj(ns, 'bad');
    (bad['spec'] as Record<string, unknown>)['replicas'] = 'three';
    hub.assign('c1', app, [namespace(ns), configMap(ns, 'ok', { a: '1' }), bad]);
    const r = await hub.waitForReport('c1', app, (x) => x.syncState === 'Failed');
    const failed = r.objects.find((o) => o.ref.name === 'bad');
    expect(failed?.action).toBe('failed');
    expect(failed?.error?.message).toMatch(/Deployment\/.*bad.*replicas/);
    expect(r.error?.message).toMatch(/nothing was applied/);
    expect(await getJson(`/api/v1/namespaces/${ns}`)).toBeUndefined();
    expect(await getJson(`/api/v1/namespaces/${ns}/configmaps/ok`)).toBeUndefined();
  });

  it('reports a hand-made ConfigMap as unmanaged, prunes it under prune, and ignores ReplicaSets and Pods', async () => {
    const ns = unique('unmanaged');
    const app = unique('app');
    hub.assign(
      'c1',
      app,
      [namespace(ns), deploymentObj(ns, 'web', 1), configMap(ns, 'cfg', { a: '1' })],
      {
        policies: { unmanaged: { mode: 'warn', allow: [] } },
      },
    );
    await hub.waitForReport('c1', app, healthy);
    await cluster.kubectl(['-n', ns, 'create', 'configmap', 'by-hand', '--from-literal=x=y']);
    const r = await hub.waitForReport('c1', app, (x) => x.unmanaged.length > 0, 15_000);
    expect(r.unmanaged.map((u) => `${u.ref.kind}/${u.ref.name}/${u.action}`)).toEqual([
      'ConfigMap/by-hand/reported',
    ]);
    expect(r.unmanaged[0]?.createdBy).toBe('kubectl-create');
    // now prune it
    const a2 = hub.assign(
      'c1',
      app,
      [namespace(ns), deploymentObj(ns, 'web', 1), configMap(ns, 'cfg', { a: '1' })],
      {
        policies: { unmanaged: { mode: 'prune', allow: [] } },
      },
    );
    await hub.waitForReport(
      'c1',
      app,
      (x) => x.assignmentVersion === a2.version && x.unmanaged.some((u) => u.action === 'pruned'),
      15_000,
    );
    await waitFor(
      'by-hand deleted',
      async () => (await getJson(`/api/v1/namespaces/${ns}/configmaps/by-hand`)) === undefined,
      { timeoutMs: 5_000 },
    );
    expect(await getJson(`/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`)).toBeDefined();
    const rs = await cluster.request<{ items: unknown[] }>(
      'GET',
      `/apis/apps/v1/namespaces/${ns}/replicasets`,
    );
    expect(rs.body.items.length).toBeGreaterThan(0);
  });

  it('does not hot-loop when another controller keeps fighting over a field', async () => {
    const ns = unique('fight');
    const app = unique('app');
    hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { mode: 'ours' })]);
    await hub.waitForReport('c1', app, synced);
    // a "controller" that sets the field back every 50 ms for 4 s
    let corrections = 0;
    const fighter = setInterval(() => {
      void cluster
        .request(
          'PATCH',
          `/api/v1/namespaces/${ns}/configmaps/cfg?fieldManager=rival-controller`,
          { data: { mode: 'theirs' } },
          'application/merge-patch+json',
        )
        .then(() => corrections++);
    }, 50);
    await new Promise((res) => setTimeout(res, 4_000));
    clearInterval(fighter);
    const reports = hub.reports('c1', app);
    const last = reports.at(-1);
    const d = last?.drift.find((x) => x.ref.name === 'cfg');
    expect(d?.fieldManager).toBe('rival-controller');
    // without backoff the agent would correct ~80 times in 4 s; with it, a handful
    expect(d?.correctionCount ?? 0).toBeLessThan(12);
    expect(last?.objects.find((o) => o.ref.name === 'cfg')?.message ?? '').toMatch(
      /fighting with rival-controller|backing off|drift corrected/,
    );
    expect(corrections).toBeGreaterThan(20);
  });
});

describe('agent: field ownership conflicts', () => {
  it('under conflict=report a new version fails the object, naming the other manager; under force it takes the field', async () => {
    const ns = unique('conflict');
    const app = unique('app');
    const policies = {
      conflict: 'report' as const,
      drift: { mode: 'ignore' as const, overrides: [] },
    };
    hub.assign('c1', app, [namespace(ns), deploymentObj(ns, 'web', 1)], { policies });
    await hub.waitForReport('c1', app, synced);
    await cluster.kubectl(['-n', ns, 'scale', 'deployment/web', '--replicas=4']);
    const a2 = hub.assign('c1', app, [namespace(ns), deploymentObj(ns, 'web', 2)], { policies });
    const r = await hub.waitForReport(
      'c1',
      app,
      (x) => x.assignmentVersion === a2.version && x.syncState === 'Failed',
    );
    const dep = r.objects.find((o) => o.ref.kind === 'Deployment');
    expect(dep?.error?.code).toBe('APPLY_CONFLICT');
    expect(dep?.error?.message).toMatch(/kubectl/);
    expect(dep?.error?.message).toMatch(/replicas/);
    const a3 = hub.assign('c1', app, [namespace(ns), deploymentObj(ns, 'web', 2)], {
      policies: { ...policies, conflict: 'force' },
    });
    await hub.waitForReport('c1', app, (x) => x.assignmentVersion === a3.version && synced(x));
    expect(
      (
        await getJson<{ spec: { replicas: number } }>(
          `/apis/apps/v1/namespaces/${ns}/deployments/web`,
        )
      )?.spec.replicas,
    ).toBe(2);
  });
});

describe('agent: app lifecycle', () => {
  it('removing an app deletes its objects in reverse order, or orphans them per policy', async () => {
    const ns1 = unique('rm');
    const ns2 = unique('orphan');
    const del = unique('app');
    const keep = unique('app');
    hub.assign('c1', del, [
      namespace(ns1),
      deploymentObj(ns1, 'web', 1),
      configMap(ns1, 'cfg', { a: '1' }),
    ]);
    hub.assign('c1', keep, [namespace(ns2), configMap(ns2, 'cfg', { a: '1' })], {
      policies: { deletion: 'orphan' },
    });
    await hub.waitForReport('c1', del, synced);
    await hub.waitForReport('c1', keep, synced);
    hub.remove('c1', del);
    hub.remove('c1', keep);
    await waitFor(
      'app state gone',
      () => !agent.agent.appNames().includes(del) && !agent.agent.appNames().includes(keep),
      { timeoutMs: 10_000 },
    );
    // deleted: the namespace goes (and with it everything in it), the Deployment first
    await waitFor(
      `${ns1} deleted`,
      async () => {
        const n = await getJson<{ status?: { phase?: string } }>(`/api/v1/namespaces/${ns1}`);
        return n === undefined || n.status?.phase === 'Terminating';
      },
      { timeoutMs: 10_000 },
    );
    expect(
      await getJson(`/apis/apps/v1/namespaces/${ns1}/deployments/web`).then(
        (d) =>
          d === undefined ||
          (d as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp !==
            undefined,
      ),
    ).toBe(true);
    // orphaned: still there
    expect(await getJson(`/api/v1/namespaces/${ns2}/configmaps/cfg`)).toBeDefined();
    // the agent's persisted state for both apps is gone
    const states = await cluster.request<{ items: unknown[] }>(
      'GET',
      `/api/v1/namespaces/gitfleet-system/secrets?labelSelector=gitfleet.dev%2Fapp%3D${del}`,
    );
    expect(states.body.items).toHaveLength(0);
  });

  it('manual sync: reports OutOfSync without applying until a sync request', async () => {
    const ns = unique('manual');
    const app = unique('app');
    hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { a: '1' })], {
      policies: { sync: 'manual' },
    });
    const r = await hub.waitForReport('c1', app, (x) => x.syncState === 'OutOfSync');
    expect(r.objects.every((o) => o.action === 'skipped')).toBe(true);
    expect(await getJson(`/api/v1/namespaces/${ns}`)).toBeUndefined();
    const id = hub.syncRequest('c1', app);
    await hub.waitForReport('c1', app, synced);
    expect(await getJson(`/api/v1/namespaces/${ns}/configmaps/cfg`)).toBeDefined();
    expect(hub.acks.find((x) => x.messageId === id)?.error).toBeUndefined();
  });
});

describe('agent autonomy', () => {
  it('keeps correcting drift while the hub is down and delivers the reports after reconnect', async () => {
    const ns = unique('outage');
    const app = unique('app');
    hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { a: '1' })]);
    await hub.waitForReport('c1', app, synced);
    await hub.stop();
    await waitFor('agent notices the hub is gone', () => agent.link.state !== 'ready', {
      timeoutMs: 10_000,
    });
    await cluster.kubectl([
      '-n',
      ns,
      'patch',
      'configmap',
      'cfg',
      '--type=merge',
      '-p',
      '{"data":{"a":"changed"}}',
    ]);
    await waitFor(
      'drift corrected without a hub',
      async () =>
        (await getJson<{ data: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/cfg`))
          ?.data['a'] === '1',
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    await waitFor(
      'the correction report waits in the outbox',
      () => agent.link.pendingReports > 0,
      { timeoutMs: 5_000 },
    );
    await hub.restart();
    const r = await hub.waitForReport(
      'c1',
      app,
      (x) => x.drift.some((d) => d.action === 'corrected' && d.fieldManager === 'kubectl-patch'),
      30_000,
    );
    expect(r.drift[0]?.changes[0]?.path).toBe('/data/a');
  });

  it('resumes from the persisted assignment after a restart without a hub', async () => {
    const ns = unique('restart');
    const app = unique('app');
    hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { a: '1' })]);
    await hub.waitForReport('c1', app, synced);
    await agent.close();
    await hub.stop();
    // while no agent runs, someone edits the object
    await cluster.kubectl([
      '-n',
      ns,
      'patch',
      'configmap',
      'cfg',
      '--type=merge',
      '-p',
      '{"data":{"a":"offline-edit"}}',
    ]);
    agent = await startAgent(cluster, hub.address);
    expect(agent.agent.appNames()).toContain(app);
    await waitFor(
      'restarted agent corrects from persisted state',
      async () =>
        (await getJson<{ data: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/cfg`))
          ?.data['a'] === '1',
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    await hub.restart();
    await waitFor('agent reconnects', () => hub.isConnected('c1'), { timeoutMs: 30_000 });
  });

  it('recovers when the apiserver restarts mid-reconcile', async () => {
    const ns = unique('apirestart');
    const app = unique('app');
    const objs = [
      namespace(ns),
      ...Array.from({ length: 60 }, (_, i) => configMap(ns, `cm-${i}`, { i: String(i) })),
    ];
    await waitFor('agent connected', () => hub.isConnected('c1'), { timeoutMs: 30_000 });
    const a = hub.assign('c1', app, objs);
    await cluster.restartApiserver();
    const r = await hub.waitForReport(
      'c1',
      app,
      (x) => x.assignmentVersion === a.version && synced(x),
      60_000,
    );
    expect(r.objects).toHaveLength(61);
    const list = await cluster.request<{ items: unknown[] }>(
      'GET',
      `/api/v1/namespaces/${ns}/configmaps?labelSelector=gitfleet.dev%2Fapp%3D${app}`,
    );
    expect(list.body.items).toHaveLength(60);
    // drift correction still works through the re-established watches
    await cluster.kubectl([
      '-n',
      ns,
      'patch',
      'configmap',
      'cm-0',
      '--type=merge',
      '-p',
      '{"data":{"i":"x"}}',
    ]);
    await waitFor(
      'drift corrected after apiserver restart',
      async () =>
        (
          await getJson<{ data: Record<string, string> }>(
            `/api/v1/namespaces/${ns}/configmaps/cm-0`,
          )
        )?.data['i'] === '0',
      { timeoutMs: 20_000, intervalMs: 50 },
    );
  });
});
