/**
 * Ownership between applications on one target, against a real cluster and a hub speaking the
 * real protocol: an object another application owns is not taken over (OWNERSHIP_CONFLICT naming
 * both), removing or pruning one application never deletes what another still declares, and a
 * deletion of a managed object by anyone is corrected by its owner at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '@gitfleet/agent';
import type { KubeObject, StatusReport } from '@gitfleet/proto';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { startMiniHub, type MiniHub } from '../fleet/mini-hub.ts';
import { waitFor } from '../fleet/wait.ts';
import { configMap, namespace, startAgent, TOKEN, unique } from './harness.ts';

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

interface Meta {
  metadata: {
    uid: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
}

async function getJson<T = KubeObject>(p: string): Promise<T | undefined> {
  const r = await cluster.request<T>('GET', p);
  return r.status === 200 ? r.body : undefined;
}

const healthy = (r: StatusReport): boolean =>
  r.syncState === 'Synced' && r.health.status === 'Healthy';

describe('ownership between applications', () => {
  it('refuses to take over an object another app owns, naming both, and applies the rest', async () => {
    const ns = unique('shared');
    const a = unique('app-a');
    const b = unique('app-b');
    hub.assign('c1', a, [namespace(ns), configMap(ns, 'a-cfg', { owner: 'a' })]);
    await hub.waitForReport('c1', a, healthy);
    // B ships the same Namespace, and an object of its own in it
    const vb = hub.assign('c1', b, [namespace(ns), configMap(ns, 'b-cfg', { owner: 'b' })]);
    const rb = await hub.waitForReport(
      'c1',
      b,
      (r) => r.assignmentVersion === vb.version && r.syncState === 'Failed',
    );
    const nsObj = rb.objects.find((o) => o.ref.kind === 'Namespace');
    expect(nsObj?.action).toBe('failed');
    expect(nsObj?.error?.code).toBe('OWNERSHIP_CONFLICT');
    expect(nsObj?.error?.message).toContain(`Namespace/${ns}`);
    expect(nsObj?.error?.message).toContain(`"${a}"`);
    expect(nsObj?.error?.message).toContain(`"${b}"`);
    expect(rb.error?.code).toBe('OWNERSHIP_CONFLICT');
    expect(rb.health.status).toBe('Degraded');
    // B's other objects still apply
    expect(rb.objects.find((o) => o.ref.name === 'b-cfg')?.action).toBe('created');
    expect(await getJson(`/api/v1/namespaces/${ns}/configmaps/b-cfg`)).toBeDefined();
    // the label did not flip, and A still reports what is true
    const nsNow = await getJson<Meta>(`/api/v1/namespaces/${ns}`);
    expect(nsNow?.metadata.labels?.['gitfleet.dev/app']).toBe(a);
    expect(healthy(hub.latestReport('c1', a) as StatusReport)).toBe(true);
  });

  it('removing an app never deletes what another app declares, and the owner corrects any deletion at once', async () => {
    const ns = unique('shared');
    const a = unique('app-a');
    const b = unique('app-b');
    hub.assign('c1', a, [namespace(ns), configMap(ns, 'a-cfg', { owner: 'a' })]);
    await hub.waitForReport('c1', a, healthy);
    const nsBefore = await getJson<Meta>(`/api/v1/namespaces/${ns}`);
    const vb = hub.assign('c1', b, [namespace(ns), configMap(ns, 'b-cfg', { owner: 'b' })]);
    await hub.waitForReport(
      'c1',
      b,
      (r) => r.assignmentVersion === vb.version && r.syncState !== 'Applying',
    );
    await waitFor(
      'b-cfg applied',
      async () => (await getJson(`/api/v1/namespaces/${ns}/configmaps/b-cfg`)) !== undefined,
      { timeoutMs: 10_000 },
    );

    // removing B deletes B's own object, never the Namespace A declares (nor A's ConfigMap in it)
    hub.remove('c1', b, 'delete');
    await waitFor('app B removed', () => !agent.agent.appNames().includes(b), {
      timeoutMs: 15_000,
    });
    await waitFor(
      'b-cfg deleted',
      async () => {
        const o = await getJson<Meta>(`/api/v1/namespaces/${ns}/configmaps/b-cfg`);
        return o === undefined || o.metadata.deletionTimestamp !== undefined;
      },
      { timeoutMs: 10_000 },
    );
    await new Promise((r) => setTimeout(r, 500));
    const nsAfter = await getJson<Meta>(`/api/v1/namespaces/${ns}`);
    expect(nsAfter?.metadata.uid).toBe(nsBefore?.metadata.uid);
    expect(nsAfter?.metadata.deletionTimestamp).toBeUndefined();
    expect(nsAfter?.metadata.labels?.['gitfleet.dev/app']).toBe(a);
    expect(await getJson(`/api/v1/namespaces/${ns}/configmaps/a-cfg`)).toBeDefined();
    expect(healthy(hub.latestReport('c1', a) as StatusReport)).toBe(true);

    // a deletion of A's ConfigMap by anyone is seen by A's watch and corrected at once
    const before = await getJson<Meta>(`/api/v1/namespaces/${ns}/configmaps/a-cfg`);
    const t0 = Date.now();
    await cluster.request('DELETE', `/api/v1/namespaces/${ns}/configmaps/a-cfg`);
    await waitFor(
      'a-cfg re-created',
      async () => {
        const o = await getJson<Meta>(`/api/v1/namespaces/${ns}/configmaps/a-cfg`);
        return o !== undefined && o.metadata.uid !== before?.metadata.uid;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
    const ra = await hub.waitForReport('c1', a, (r) =>
      r.drift.some((d) => d.ref.name === 'a-cfg' && d.action === 'corrected'),
    );
    expect(ra.syncState).toBe('Synced');
    expect(ra.objects.find((o) => o.ref.name === 'a-cfg')?.action).toBe('created');
  });

  it('hands an object over when its owner stops declaring it, without deleting it', async () => {
    const ns = unique('handover');
    const a = unique('app-a');
    const b = unique('app-b');
    hub.assign('c1', a, [namespace(ns), configMap(ns, 'a-cfg', { owner: 'a' })]);
    await hub.waitForReport('c1', a, healthy);
    const vb = hub.assign('c1', b, [namespace(ns), configMap(ns, 'b-cfg', { owner: 'b' })]);
    await hub.waitForReport(
      'c1',
      b,
      (r) => r.assignmentVersion === vb.version && r.syncState === 'Failed',
    );
    const uid = (await getJson<Meta>(`/api/v1/namespaces/${ns}`))?.metadata.uid;
    // A drops the Namespace from its set: A's prune keeps it (B declares it) and B takes it over
    const va = hub.assign('c1', a, [configMap(ns, 'a-cfg', { owner: 'a' })]);
    await hub.waitForReport('c1', a, (r) => r.assignmentVersion === va.version && healthy(r));
    const rb = await hub.waitForReport('c1', b, healthy, 15_000);
    expect(rb.objects.find((o) => o.ref.kind === 'Namespace')?.error).toBeUndefined();
    const nsNow = await getJson<Meta>(`/api/v1/namespaces/${ns}`);
    expect(nsNow?.metadata.uid).toBe(uid);
    expect(nsNow?.metadata.deletionTimestamp).toBeUndefined();
    expect(nsNow?.metadata.labels?.['gitfleet.dev/app']).toBe(b);
  });

  it('re-creates a Namespace deleted by hand, with the objects that were inside it', async () => {
    const ns = unique('nsdel');
    const a = unique('app-a');
    hub.assign('c1', a, [namespace(ns), configMap(ns, 'cfg', { k: 'v' })]);
    await hub.waitForReport('c1', a, healthy);
    const uid = (await getJson<Meta>(`/api/v1/namespaces/${ns}`))?.metadata.uid;
    await cluster.request('DELETE', `/api/v1/namespaces/${ns}`);
    // the namespace controller empties it first; the agent re-creates both once it is gone
    await waitFor(
      'namespace and ConfigMap re-created',
      async () => {
        const n = await getJson<Meta>(`/api/v1/namespaces/${ns}`);
        if (n === undefined || n.metadata.uid === uid) return false;
        return (await getJson(`/api/v1/namespaces/${ns}/configmaps/cfg`)) !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await hub.waitForReport('c1', a, healthy);
  });
});
