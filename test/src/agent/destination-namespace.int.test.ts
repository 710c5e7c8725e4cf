/**
 * The agent's side of destination namespaces, against a real cluster, with the real agent and a
 * hub speaking the real protocol (signed desired state):
 *
 * - a custom resource of a namespaced kind its own CRD defines, written without a namespace,
 *   lands in the destination namespace (created); a cluster-scoped object stays cluster-scoped;
 *   a later version reports the Namespace again without touching it;
 * - the local policy judges the objects where they land and the Namespace to create: a denied
 *   destination is POLICY_DENIED and nothing is created;
 * - the project scope the hub signed judges the destination namespace: outside it is
 *   SCOPE_VIOLATION and nothing is created, whatever the hub's own check did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '@gitfleet/agent';
import {
  assignmentId,
  contentDigest,
  signMessage,
  type Assignment,
  type KubeObject,
} from '@gitfleet/proto';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { DEFAULT_POLICIES, startMiniHub, type MiniHub } from '../fleet/mini-hub.ts';
import { testSigningKey } from '../fleet/signing.ts';
import { startAgent, TOKEN, unique } from './harness.ts';

let fleet: TestFleet;
let cluster: KubeCluster;
let hub: MiniHub;
let agent: RunningAgent | undefined;

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

async function status(p: string): Promise<number> {
  return (await cluster.request('GET', p)).status;
}

const settings = (name: string, v: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { v },
});

describe('destination namespaces on the agent', () => {
  it('places custom resources of a namespaced kind its CRD defines; cluster-scoped objects stay', async () => {
    const app = unique('widgets');
    const ns = unique('widgets');
    const group = `${app}.example.com`;
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
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
    const widget: KubeObject = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'small' },
      spec: { size: 1 },
    };
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${app}-reader` },
      rules: [],
    };
    const policies = { destinationNamespace: ns, createNamespace: true };
    const v1 = hub.assign('c1', app, [crd, widget, role, settings('s', '1')], { policies });
    const r1 = await hub.waitForReport(
      'c1',
      app,
      (r) => r.assignmentVersion === v1.version && r.syncState === 'Synced',
      60_000,
    );
    expect(await status(`/apis/${group}/v1/namespaces/${ns}/widgets/small`)).toBe(200);
    expect(await status(`/api/v1/namespaces/${ns}/configmaps/s`)).toBe(200);
    expect(await status(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${app}-reader`)).toBe(200);
    const actions = (r: typeof r1): Record<string, string> =>
      Object.fromEntries(r.objects.map((o) => [`${o.ref.kind}/${o.ref.namespace}`, o.action]));
    expect(actions(r1)['Namespace/']).toBe('created');
    expect(actions(r1)[`Widget/${ns}`]).toBe('created');
    expect(actions(r1)['Widget/']).toBeUndefined();
    expect(actions(r1)['ClusterRole/']).toBe('created');

    // a later version: the Namespace is reported, and left alone
    const v2 = hub.assign('c1', app, [crd, widget, role, settings('s', '2')], { policies });
    const r2 = await hub.waitForReport(
      'c1',
      app,
      (r) => r.assignmentVersion === v2.version && r.syncState === 'Synced',
    );
    expect(actions(r2)['Namespace/']).toBe('unchanged');
    expect(actions(r2)[`ConfigMap/${ns}`]).toBe('configured');
  });

  it('a destination namespace the local policy denies: POLICY_DENIED, nothing created', async () => {
    const app = unique('sys');
    const a = hub.assign('c1', app, [settings(app, '1')], {
      policies: { destinationNamespace: 'kube-public', createNamespace: true },
    });
    const r = await hub.waitForReport(
      'c1',
      app,
      (x) => x.assignmentVersion === a.version && x.syncState === 'Failed',
    );
    expect(r.error?.code).toBe('POLICY_DENIED');
    expect(r.error?.message).toContain(`ConfigMap/kube-public/${app}`);
    expect(r.error?.message).toContain('Namespace/kube-public');
    expect(await status(`/api/v1/namespaces/kube-public/configmaps/${app}`)).toBe(404);
  });

  it('a destination namespace outside the signed project scope: SCOPE_VIOLATION, nothing created', async () => {
    const app = unique('team');
    const ns = unique('elsewhere');
    const objects = [settings(app, '1')];
    const assignment: Assignment = {
      kind: 'assignment',
      target: 'c1',
      app,
      version: 1,
      revision: '0'.repeat(40),
      contentDigest: contentDigest(objects),
      objects,
      policies: { ...DEFAULT_POLICIES, destinationNamespace: ns, createNamespace: true },
      scope: {
        name: 'team',
        namespaces: ['team-*'],
        kinds: { allowClusterScoped: [], deny: [] },
      },
    };
    hub.deliverRaw('c1', assignmentId('c1', app, 1), signMessage(assignment, testSigningKey().key));
    const r = await hub.waitForReport('c1', app, (x) => x.syncState === 'Failed');
    expect(r.error?.code).toBe('SCOPE_VIOLATION');
    expect(r.error?.message).toContain(
      `destination namespace "${ns}" (spec.destination.namespace) is not allowed by project "team"`,
    );
    expect(await status(`/api/v1/namespaces/${ns}`)).toBe(404);
  });
});
