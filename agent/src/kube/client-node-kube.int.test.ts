/**
 * ClientNodeKube against a real local cluster (kube-apiserver + controllers + kwok, no mocks):
 * discovery, server-side apply and its errors, delete, list, the list+watch cache (timeouts,
 * 410 re-list), OpenAPI, and how many sockets all of that keeps open.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  GitfleetError,
  type JsonObject,
  type JsonValue,
  type KubeObject,
} from '@gitfleet/proto';
import { startFleet, waitFor, type KubeCluster, type TestFleet } from '@gitfleet/test';
import { ClientNodeKube, type ClientNodeKubeOptions } from './client-node-kube.ts';
import type { WatchEventType } from './port.ts';

const MANAGER = 'gitfleet-test';
const CONFIG_MAP = { group: '', version: 'v1', kind: 'ConfigMap' } as const;
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' } as const;

let fleet: TestFleet | undefined;
let cluster: KubeCluster;
const clients: ClientNodeKube[] = [];

beforeAll(async () => {
  fleet = await startFleet({ clusters: 1, redis: false, git: false });
  const c = fleet.kube?.clusters[0];
  if (c === undefined) throw new Error('the fleet started no cluster');
  cluster = c;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((k) => k.close()));
});

afterAll(async () => {
  await fleet?.stop();
});

function newKube(opts: ClientNodeKubeOptions = {}): ClientNodeKube {
  const kube = ClientNodeKube.fromKubeconfigYaml(cluster.kubeconfig, opts);
  clients.push(kube);
  return kube;
}

function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

async function newNamespace(kube: ClientNodeKube, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await kube.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    { fieldManager: MANAGER, force: true },
  );
  return name;
}

function configMap(
  namespace: string,
  name: string,
  data: Record<string, string> = { k: 'v' },
  labels: Record<string, string> = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

/** A Deployment; `specExtra` overrides or adds spec fields (for invalid variants). */
function deployment(
  namespace: string,
  name: string,
  replicas: JsonValue = 2,
  specExtra: JsonObject = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
      ...specExtra,
    },
  };
}

/** Reads a nested field of a plain JSON object, e.g. at(obj, 'metadata', 'resourceVersion'). */
function at(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

async function applyError(p: Promise<unknown>): Promise<GitfleetError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GitfleetError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/**
 * ESTABLISHED TCP sockets of THIS process to the API server port: /proc/self/fd inodes joined
 * with /proc/net/tcp{,6}. (Other processes — controllers, kwok — are not counted.)
 */
function ownSocketsToApiserver(): number {
  const port = Number(new URL(cluster.server).port);
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1] !== undefined) inodes.add(m[1]);
    } catch {
      // fd closed while listing
    }
  }
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const remote = cols[2];
      if (remote === undefined || cols[3] !== '01') continue; // 01 = ESTABLISHED
      if (parseInt(remote.split(':')[1] ?? '', 16) === port && inodes.has(cols[9] ?? '')) count++;
    }
  }
  return count;
}

/** Drops the test harness's own keep-alive sockets (cluster.request uses https.globalAgent). */
function dropHarnessSockets(): void {
  https.globalAgent.destroy();
}

describe('ClientNodeKube discovery', () => {
  it('resolves core, apps and cluster-scoped kinds; unknown kinds are NOT_FOUND', async () => {
    const kube = newKube();
    expect(await kube.resolve(CONFIG_MAP)).toMatchObject({
      plural: 'configmaps',
      namespaced: true,
    });
    const dep = await kube.resolve(DEPLOYMENT);
    expect(dep).toMatchObject({ group: 'apps', plural: 'deployments', namespaced: true });
    expect(dep.verbs).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'patch']));
    expect(await kube.resolve({ group: '', version: 'v1', kind: 'Namespace' })).toMatchObject({
      plural: 'namespaces',
      namespaced: false,
    });
    const err = await applyError(kube.resolve({ group: 'apps', version: 'v1', kind: 'Nope' }));
    expect(err.code).toBe(ErrorCode.NotFound);
    expect(err.terminal).toBe(false);
    const noGroup = await applyError(
      kube.resolve({ group: 'nope.example.com', version: 'v1', kind: 'Thing' }),
    );
    expect(noGroup.code).toBe(ErrorCode.NotFound);
  });

  it('resolves a CRD created in the test; Strict validation rejects unknown fields of its objects', async () => {
    const kube = newKube();
    const group = `${uniqueName('t')}.gitfleet.test`;
    const gvk = { group, version: 'v1', kind: 'Widget' };
    expect((await applyError(kube.resolve(gvk))).code).toBe(ErrorCode.NotFound);
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
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer' } } },
                },
              },
            },
          },
        ],
      },
    };
    const crdRef = {
      group: 'apiextensions.k8s.io',
      version: 'v1',
      kind: 'CustomResourceDefinition',
      namespace: '',
      name: `widgets.${group}`,
    };
    await kube.apply(crd, { fieldManager: MANAGER, force: true });
    try {
      await waitFor(
        'CRD Established',
        async () => {
          const live = await kube.get(crdRef);
          const conds = at(live, 'status', 'conditions');
          return (
            Array.isArray(conds) &&
            conds.some((c) => at(c, 'type') === 'Established' && at(c, 'status') === 'True')
          );
        },
        { timeoutMs: 20_000 },
      );
      kube.invalidateDiscovery();
      expect(await kube.resolve(gvk)).toMatchObject({
        group,
        version: 'v1',
        kind: 'Widget',
        plural: 'widgets',
        namespaced: true,
      });

      const ns = await newNamespace(kube, 'crd');
      const widget = (spec: JsonObject): KubeObject => ({
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1', namespace: ns },
        spec,
      });
      const applied = await kube.apply(widget({ size: 3 }), { fieldManager: MANAGER, force: true });
      expect(at(applied, 'spec', 'size')).toBe(3);
      const strict = await applyError(
        kube.apply(widget({ size: 3, colour: 'red' }), { fieldManager: MANAGER, force: true }),
      );
      expect(strict.code).toBe(ErrorCode.ApplyFailed);
      expect(strict.terminal).toBe(true);
      expect(strict.message).toContain(`Widget/${ns}/w1`);
      expect(strict.message).toContain('colour');
    } finally {
      await kube.delete(crdRef);
    }
  });
});

describe('ClientNodeKube server-side apply', () => {
  it('creates, reads, and re-applies unchanged without a write', async () => {
    const kube = newKube();
    const ns = await newNamespace(kube, 'apply');
    const ref = { ...CONFIG_MAP, namespace: ns, name: 'settings' };
    expect(await kube.get(ref)).toBeUndefined();

    const created = await kube.apply(configMap(ns, 'settings', { a: '1' }), {
      fieldManager: MANAGER,
      force: false,
    });
    const rv = at(created, 'metadata', 'resourceVersion');
    expect(typeof rv).toBe('string');
    const live = await kube.get(ref);
    expect(at(live, 'apiVersion')).toBe('v1');
    expect(at(live, 'kind')).toBe('ConfigMap');
    expect(at(live, 'data', 'a')).toBe('1');

    // An unchanged SSA is a no-op on the server: no write, so the resourceVersion stays.
    // (A ConfigMap: no controller writes to it, unlike a Deployment's status.)
    const again = await kube.apply(configMap(ns, 'settings', { a: '1' }), {
      fieldManager: MANAGER,
      force: false,
    });
    expect(at(again, 'metadata', 'resourceVersion')).toBe(rv);
    expect(at(await kube.get(ref), 'metadata', 'resourceVersion')).toBe(rv);
  });

  it('dry-run apply returns the defaulted object and persists nothing', async () => {
    const kube = newKube();
    const ns = await newNamespace(kube, 'dryrun');
    const ref = { ...DEPLOYMENT, namespace: ns, name: 'web' };
    await kube.apply(deployment(ns, 'web', 2), { fieldManager: MANAGER, force: false });
    const generation = at(await kube.get(ref), 'metadata', 'generation');

    const dry = await kube.apply(deployment(ns, 'web', 5), {
      fieldManager: MANAGER,
      force: false,
      dryRun: true,
    });
    expect(at(dry, 'spec', 'replicas')).toBe(5);
    expect(at(dry, 'spec', 'strategy', 'type')).toBe('RollingUpdate');
    expect(at(dry, 'spec', 'revisionHistoryLimit')).toBe(10);
    const after = await kube.get(ref);
    expect(at(after, 'spec', 'replicas')).toBe(2);
    expect(at(after, 'metadata', 'generation')).toBe(generation);

    const dryNew = await kube.apply(deployment(ns, 'not-created', 1), {
      fieldManager: MANAGER,
      force: false,
      dryRun: true,
    });
    expect(at(dryNew, 'spec', 'template', 'spec', 'restartPolicy')).toBe('Always');
    expect(await kube.get({ ...ref, name: 'not-created' })).toBeUndefined();
  });

  it('a field owned by another manager is APPLY_CONFLICT naming it; force takes it over', async () => {
    const kube = newKube();
    const ns = await newNamespace(kube, 'conflict');
    await kube.apply(deployment(ns, 'web', 2), { fieldManager: MANAGER, force: false });
    await cluster.kubectl(['-n', ns, 'scale', 'deployment/web', '--replicas=5']);

    const err = await applyError(
      kube.apply(deployment(ns, 'web', 2), { fieldManager: MANAGER, force: false }),
    );
    expect(err.code).toBe(ErrorCode.ApplyConflict);
    expect(err.terminal).toBe(true);
    expect(err.message).toContain(`Deployment/${ns}/web`);
    expect(err.message).toContain('"kubectl"');
    expect(err.message).toContain('.spec.replicas');
    expect(err.details).toMatchObject({ managers: 'kubectl', fields: '.spec.replicas' });

    // A second SSA manager conflicts the same way.
    const other = await applyError(
      kube.apply(deployment(ns, 'web', 7), { fieldManager: 'someone-else', force: false }),
    );
    expect(other.code).toBe(ErrorCode.ApplyConflict);

    const forced = await kube.apply(deployment(ns, 'web', 2), {
      fieldManager: MANAGER,
      force: true,
    });
    expect(at(forced, 'spec', 'replicas')).toBe(2);
  });

  it('invalid objects are APPLY_FAILED with the server message; a missing namespace is NOT_FOUND', async () => {
    const kube = newKube();
    const ns = await newNamespace(kube, 'invalid');
    const opts = { fieldManager: MANAGER, force: true };

    const typed = await applyError(kube.apply(deployment(ns, 'bad', 'x'), opts));
    expect(typed.code).toBe(ErrorCode.ApplyFailed);
    expect(typed.terminal).toBe(true);
    expect(typed.message).toContain(`Deployment/${ns}/bad`);
    expect(typed.message).toContain('.spec.replicas: expected numeric');

    const strict = await applyError(kube.apply(deployment(ns, 'bad2', 2, { bogus: true }), opts));
    expect(strict.code).toBe(ErrorCode.ApplyFailed);
    expect(strict.message).toContain('.spec.bogus: field not declared in schema');

    // Rejected by validation (422): a selector that does not match the template's labels.
    const badSelector = deployment(ns, 'bad3', 2, { selector: { matchLabels: { app: 'other' } } });
    const invalid = await applyError(kube.apply(badSelector, opts));
    expect(invalid.code).toBe(ErrorCode.ApplyFailed);
    expect(invalid.details['httpStatus']).toBe(422);
    expect(invalid.message).toContain('selector');

    const dryInvalid = await applyError(
      kube.apply(deployment(ns, 'bad4', 'x'), { ...opts, dryRun: true }),
    );
    expect(dryInvalid.code).toBe(ErrorCode.ApplyFailed);
    expect(dryInvalid.message).toContain('dry-run apply');

    const noNs = await applyError(kube.apply(configMap(uniqueName('missing'), 'cm'), opts));
    expect(noNs.code).toBe(ErrorCode.NotFound);
    expect(noNs.terminal).toBe(false);

    const namespaceless = await applyError(
      kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, opts),
    );
    expect(namespaceless.code).toBe(ErrorCode.ApplyFailed);
  });
});

describe('ClientNodeKube delete and list', () => {
  it('delete returns true, then false; unknown kinds count as gone', async () => {
    const kube = newKube();
    const ns = await newNamespace(kube, 'delete');
    await kube.apply(configMap(ns, 'doomed'), { fieldManager: MANAGER, force: true });
    const ref = { ...CONFIG_MAP, namespace: ns, name: 'doomed' };
    expect(await kube.delete(ref)).toBe(true);
    expect(await kube.get(ref)).toBeUndefined();
    expect(await kube.delete(ref)).toBe(false);
    expect(
      await kube.delete({
        group: 'gone.example.com',
        version: 'v1',
        kind: 'X',
        namespace: ns,
        name: 'x',
      }),
    ).toBe(false);
  });

  it('lists by label selector, with apiVersion and kind on every item', async () => {
    const kube = newKube();
    const ns = await newNamespace(kube, 'list');
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        kube.apply(configMap(ns, `cm-${i}`, { i: String(i) }, i < 3 ? { tier: 'gold' } : {}), {
          fieldManager: MANAGER,
          force: true,
        }),
      ),
    );
    const gold = await kube.list(CONFIG_MAP, { namespace: ns, labelSelector: 'tier=gold' });
    expect(gold.map((o) => at(o, 'metadata', 'name')).sort()).toEqual(['cm-0', 'cm-1', 'cm-2']);
    for (const o of gold) {
      expect(o['apiVersion']).toBe('v1');
      expect(o['kind']).toBe('ConfigMap');
    }
    const all = await kube.list(CONFIG_MAP, { namespace: ns });
    expect(all.filter((o) => String(at(o, 'metadata', 'name')).startsWith('cm-'))).toHaveLength(5);
  });
});

describe('ClientNodeKube watch', () => {
  it('delivers ADDED/MODIFIED/DELETED promptly and its cache matches the server', async () => {
    const kube = newKube();
    const ns = await newNamespace(kube, 'watch');
    await kube.apply(configMap(ns, 'before', { a: '1' }, { app: 'w' }), {
      fieldManager: MANAGER,
      force: true,
    });
    const events: { type: WatchEventType; name: unknown; at: number }[] = [];
    const handle = kube.watch(
      CONFIG_MAP,
      { namespace: ns, labelSelector: 'app=w' },
      (type, obj) => {
        events.push({ type, name: at(obj, 'metadata', 'name'), at: performance.now() });
      },
    );
    await handle.ready;
    expect(events.map((e) => [e.type, e.name])).toEqual([['ADDED', 'before']]);
    expect(handle.get(ns, 'before')).toBeDefined();

    const latencies: number[] = [];
    const expectEvent = async (
      type: WatchEventType,
      name: string,
      change: () => Promise<unknown>,
    ) => {
      const from = events.length;
      const t0 = performance.now();
      await change();
      const seen = await waitFor(
        `${type} ${name}`,
        () => events.slice(from).find((e) => e.type === type && e.name === name),
        { timeoutMs: 5_000, intervalMs: 2 },
      );
      latencies.push(seen.at - t0);
    };
    for (let i = 0; i < 5; i++) {
      await expectEvent('ADDED', `cm-${i}`, () =>
        kube.apply(configMap(ns, `cm-${i}`, { a: '1' }, { app: 'w' }), {
          fieldManager: MANAGER,
          force: true,
        }),
      );
      await expectEvent('MODIFIED', `cm-${i}`, () =>
        kube.apply(configMap(ns, `cm-${i}`, { a: '2' }, { app: 'w' }), {
          fieldManager: MANAGER,
          force: true,
        }),
      );
    }
    await expectEvent('DELETED', 'cm-0', () =>
      kube.delete({ ...CONFIG_MAP, namespace: ns, name: 'cm-0' }),
    );
    // Losing the selected label looks like a deletion to a filtered watch.
    await expectEvent('DELETED', 'cm-1', () =>
      kube.apply(configMap(ns, 'cm-1', { a: '2' }, { app: 'other' }), {
        fieldManager: MANAGER,
        force: true,
      }),
    );
    latencies.sort((a, b) => a - b);
    console.log(
      `watch latency (change sent → event), ms: p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)}, max ${latencies.at(-1)?.toFixed(1)}`,
    );
    // Measured here: p50 ≈ 3 ms, max ≈ 10 ms (change's own round trip included). The bounds leave
    // room for a loaded 2-core machine without hiding a polling or batching regression.
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(100);
    expect(latencies.at(-1)).toBeLessThan(500);

    const server = await kube.list(CONFIG_MAP, { namespace: ns, labelSelector: 'app=w' });
    const summary = (objs: readonly KubeObject[]) =>
      objs
        .map(
          (o) =>
            `${String(at(o, 'metadata', 'name'))}@${String(at(o, 'metadata', 'resourceVersion'))}`,
        )
        .sort();
    expect(summary(handle.list())).toEqual(summary(server));
    expect(at(handle.get(ns, 'cm-2'), 'data', 'a')).toBe('2');
    handle.stop();
  });

  it('re-establishes after 20 server-side timeouts without re-listing or piling up sockets', async () => {
    dropHarnessSockets();
    const kube = newKube({ watchTimeoutSeconds: 1 });
    const ns = await newNamespace(kube, 'timeouts');
    const seen: string[] = [];
    const handle = kube.watch(CONFIG_MAP, { namespace: ns }, (type, obj) => {
      seen.push(`${type} ${String(at(obj, 'metadata', 'name'))}`);
    });
    await handle.ready;
    await waitFor('watching', () => handle.currentState === 'watching', { timeoutMs: 5_000 });
    // Baseline: the request pool's sockets (namespace, discovery, list) + the watch's one.
    const baseline = ownSocketsToApiserver();
    expect(baseline).toBeLessThanOrEqual(kube.connectionStats().connected + 1);
    let maxSockets = 0;
    await waitFor(
      '21 watch requests',
      () => {
        maxSockets = Math.max(maxSockets, ownSocketsToApiserver());
        return handle.stats.watches >= 21;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    await kube.apply(configMap(ns, 'late'), { fieldManager: MANAGER, force: true });
    await waitFor('event after reconnects', () => seen.includes('ADDED late'), {
      timeoutMs: 5_000,
    });
    const stats = handle.stats;
    const sockets = ownSocketsToApiserver();
    console.log(
      `after ${stats.watches} watch requests: lists ${stats.lists}, errors ${stats.errors}, sockets baseline ${baseline}, max seen ${maxSockets}, now ${sockets}, pool ${JSON.stringify(kube.connectionStats())}`,
    );
    expect(stats.lists).toBe(1);
    expect(stats.errors).toBe(0);
    // The reconnects reused the watch's socket: not one more socket than at the start.
    expect(maxSockets).toBeLessThanOrEqual(baseline);
    expect(sockets).toBeLessThanOrEqual(baseline);
  });

  it('stopping and restarting watches 20 times does not leak sockets', async () => {
    dropHarnessSockets();
    const kube = newKube();
    const ns = await newNamespace(kube, 'restart');
    for (let i = 0; i < 20; i++) {
      const handle = kube.watch(CONFIG_MAP, { namespace: ns }, () => undefined);
      await handle.ready;
      await waitFor('watching', () => handle.currentState === 'watching', { timeoutMs: 5_000 });
      handle.stop();
      await handle.finished;
    }
    await new Promise((r) => setTimeout(r, 200));
    const sockets = ownSocketsToApiserver();
    console.log(
      `after 20 watch start/stop cycles: sockets ${sockets}, pool ${JSON.stringify(kube.connectionStats())}`,
    );
    // Every watch closed its own socket: what is left is the request pool's.
    expect(kube.connectionStats().streams).toBe(0);
    expect(sockets).toBeLessThanOrEqual(kube.connectionStats().connected);
    const stopped = kube.watch(CONFIG_MAP, { namespace: ns }, () => undefined);
    stopped.stop();
    await expect(stopped.ready).rejects.toThrow(/stopped before its first list/);
  });
});

describe('ClientNodeKube OpenAPI and connections', () => {
  it('openApiSchema returns the group-version document (cached); unknown group-versions are undefined', async () => {
    const kube = newKube();
    const apps = await kube.openApiSchema('apps', 'v1');
    expect(apps?.components?.schemas?.['io.k8s.api.apps.v1.Deployment']).toBeDefined();
    expect(await kube.openApiSchema('apps', 'v1')).toBe(apps);
    const core = await kube.openApiSchema('', 'v1');
    expect(
      core?.components?.schemas?.['io.k8s.api.core.v1.ConfigMap']?.properties?.['data'],
    ).toBeDefined();
    expect(await kube.openApiSchema('nope.example.com', 'v1')).toBeUndefined();
  });

  it('keeps sockets bounded by maxInFlight under many concurrent requests', async () => {
    dropHarnessSockets();
    const kube = newKube({ maxInFlight: 8 });
    const ns = await newNamespace(kube, 'sockets');
    let maxSockets = 0;
    const sampler = setInterval(() => {
      maxSockets = Math.max(maxSockets, ownSocketsToApiserver());
    }, 5);
    try {
      await Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          i % 2 === 0
            ? kube.apply(configMap(ns, `cm-${i}`), { fieldManager: MANAGER, force: true })
            : kube.get({ ...CONFIG_MAP, namespace: ns, name: `cm-${i - 1}` }),
        ),
      );
    } finally {
      clearInterval(sampler);
    }
    const stats = kube.connectionStats();
    console.log(
      `400 requests at maxInFlight 8: max sockets seen ${maxSockets}, pool ${JSON.stringify(stats)}`,
    );
    expect(maxSockets).toBeLessThanOrEqual(8);
    expect(stats.connected).toBeLessThanOrEqual(8);
    expect(stats.inFlight).toBe(0);
    await kube.close();
    await waitFor('sockets closed', () => ownSocketsToApiserver() === 0, { timeoutMs: 5_000 });
  });

  it('throughput: server-side apply of 1,000 ConfigMaps at 16 and 32 in flight (logged)', async () => {
    for (const inFlight of [16, 32]) {
      dropHarnessSockets();
      const kube = newKube({ maxInFlight: inFlight });
      const ns = await newNamespace(kube, `bulk${inFlight}`);
      await kube.resolve(CONFIG_MAP); // discovery is not part of the measurement
      const n = 1_000;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          kube.apply(configMap(ns, `cm-${i}`, { i: String(i), pad: 'x'.repeat(100) }), {
            fieldManager: MANAGER,
            force: true,
          }),
        ),
      );
      const seconds = (performance.now() - t0) / 1000;
      const listed = await kube.list(CONFIG_MAP, { namespace: ns }); // 2 pages of 500 + 1
      console.log(
        `SSA of ${n} ConfigMaps at ${inFlight} in flight: ${(n / seconds).toFixed(0)} objects/s (${seconds.toFixed(2)} s), sockets ${ownSocketsToApiserver()}`,
      );
      expect(
        listed.filter((o) => String(at(o, 'metadata', 'name')).startsWith('cm-')),
      ).toHaveLength(n);
      expect(ownSocketsToApiserver()).toBeLessThanOrEqual(inFlight);
      await kube.close();
    }
  });
});

/** etcd's JSON gateway: current revision, then compact everything before it. */
async function compactEtcd(etcdUrl: string): Promise<number> {
  const post = async (path: string, body: unknown): Promise<unknown> => {
    const res = await fetch(new URL(path, etcdUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  const range = await post('/v3/kv/range', { key: Buffer.from('/').toString('base64') });
  const revision = Number(at(range, 'header', 'revision'));
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}

describe('ClientNodeKube watch across an API server restart', () => {
  it('reconnects with backoff and re-lists on 410 Gone', async () => {
    const etcdUrl = fleet?.kube?.etcdUrl;
    if (etcdUrl === undefined) throw new Error('the fleet has no etcd');
    const kube = newKube({ minBackoffMs: 100, maxBackoffMs: 1_000 });
    const ns = await newNamespace(kube, 'gone');
    await kube.apply(configMap(ns, 'one'), { fieldManager: MANAGER, force: true });
    const seen: string[] = [];
    const handle = kube.watch(CONFIG_MAP, { namespace: ns }, (type, obj) => {
      seen.push(`${type} ${String(at(obj, 'metadata', 'name'))}`);
    });
    await handle.ready;
    await waitFor('watching', () => handle.currentState === 'watching', { timeoutMs: 5_000 });

    // Make the watch's resourceVersion history: a write elsewhere, then compact etcd past it.
    // The restarted API server's watch cache starts empty, so resuming from the old
    // resourceVersion must go to etcd, which answers "compacted" → 410 Gone.
    const other = await newNamespace(kube, 'elsewhere');
    await kube.apply(configMap(other, 'bump'), { fieldManager: MANAGER, force: true });
    await compactEtcd(etcdUrl);
    await cluster.restartApiserver();
    await kube.apply(configMap(ns, 'two'), { fieldManager: MANAGER, force: true });
    await waitFor('ADDED two', () => seen.includes('ADDED two'), { timeoutMs: 30_000 });
    const stats = handle.stats;
    console.log(`after etcd compaction + apiserver restart: ${JSON.stringify(stats)}`);
    expect(stats.errors).toBeGreaterThanOrEqual(1); // the connection dropped, then backoff
    expect(stats.gone).toBeGreaterThanOrEqual(1);
    expect(stats.lists).toBeGreaterThanOrEqual(2);
    const names = handle.list().map((o) => at(o, 'metadata', 'name'));
    expect(names).toEqual(expect.arrayContaining(['one', 'two']));
    expect(seen.filter((e) => e === 'ADDED one')).toHaveLength(1); // the re-list did not re-add it
  });
});
