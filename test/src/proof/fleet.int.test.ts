/**
 * Proof that the local test fleet is real: 3 Kubernetes clusters, Redis and a Git server start with
 * one call; a server-side-applied Deployment becomes Available on every cluster (controllers,
 * scheduler and kwok really run); Redis answers and keeps an AOF; and stopping leaves no process.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { isAlive as alive } from '../fleet/processes.ts';
import { deployment, serverSideApply, waitDeploymentAvailable } from '../fleet/kube-objects.ts';

describe('test fleet: 3 clusters + Redis + Git server', () => {
  let fleet: TestFleet | undefined;
  let pids: number[] = [];

  beforeAll(async () => {
    fleet = await startFleet({ clusters: 3 });
    pids = (fleet.kube?.clusters ?? []).flatMap((c) =>
      c.processes.flatMap((p) => [p.pid, ...p.descendants()]),
    );
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('starts 3 distinct clusters, each with its own admin kubeconfig', async () => {
    const clusters = fleet?.kube?.clusters ?? [];
    expect(clusters.map((c) => c.name)).toEqual(['c1', 'c2', 'c3']);
    expect(new Set(clusters.map((c) => c.server)).size).toBe(3);
    for (const c of clusters) {
      expect(c.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(existsSync(c.kubeconfigPath)).toBe(true);
      const version = await c.request<{ gitVersion: string }>('GET', '/version');
      expect(version.body.gitVersion).toBe('v1.36.3');
      // kubectl with the written kubeconfig reaches the same cluster
      const ctx = (await c.kubectl(['config', 'current-context'])).trim();
      expect(ctx).toBe(c.name);
    }
    // clusters share an etcd but not their data: a namespace made in c1 does not exist in c2
    const [c1, c2] = clusters;
    if (c1 === undefined || c2 === undefined) throw new Error('expected 3 clusters');
    await c1.request('POST', '/api/v1/namespaces', { metadata: { name: 'only-in-c1' } });
    expect((await c1.request('GET', '/api/v1/namespaces/only-in-c1')).status).toBe(200);
    expect((await c2.request('GET', '/api/v1/namespaces/only-in-c1')).status).toBe(404);
  });

  it('server-side apply of a Deployment becomes Available on every cluster', async () => {
    const clusters = fleet?.kube?.clusters ?? [];
    const took = await Promise.all(
      clusters.map(async (c) => {
        await serverSideApply(c, {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'proof' },
        });
        const applied = (await serverSideApply(c, deployment('proof', 'web', 3))) as {
          metadata: { managedFields: { manager: string; operation: string }[] };
        };
        expect(
          applied.metadata.managedFields.some(
            (m) => m.manager === 'gitfleet-test' && m.operation === 'Apply',
          ),
        ).toBe(true);
        return waitDeploymentAvailable(c, 'proof', 'web');
      }),
    );
    expect(took).toHaveLength(3);
    for (const c of clusters) {
      const pods = await c.request<{ items: { status: { phase: string; podIP?: string } }[] }>(
        'GET',
        '/api/v1/namespaces/proof/pods?labelSelector=app%3Dweb',
      );
      expect(pods.body.items).toHaveLength(3);
      expect(
        pods.body.items.every((p) => p.status.phase === 'Running' && p.status.podIP !== undefined),
      ).toBe(true);
    }
  });

  it('Redis answers, and keeps an append-only file', async () => {
    const redis = fleet?.redis;
    if (redis === undefined) throw new Error('no redis');
    expect(await redis.command('SET', 'proof', 'yes')).toBe('+OK');
    expect(await redis.command('GET', 'proof')).toContain('yes');
    expect(await redis.command('CONFIG', 'GET', 'appendonly')).toContain('yes');
    await redis.restart();
    expect(await redis.command('GET', 'proof')).toContain('yes');
    expect(existsSync(path.join(redis.dataDir, 'appendonlydir'))).toBe(true);
  });

  it('the Git server is up on loopback', () => {
    expect(fleet?.git?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stop() leaves no process behind', async () => {
    expect(pids.length).toBeGreaterThanOrEqual(24); // 12 supervisors + 12 servers
    expect(pids.every(alive)).toBe(true);
    await fleet?.stop();
    expect(pids.filter(alive)).toEqual([]);
  });
});
