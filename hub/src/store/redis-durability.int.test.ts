import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDigest, statusHash } from '@gitfleet/proto';
import type { AssignmentPolicies, KubeObject } from '@gitfleet/proto';
import { startRedis } from '../../../test/src/fleet/redis.ts';
import type { RedisInstance } from '../../../test/src/fleet/redis.ts';
import { RedisHubStore } from './redis-store.ts';

const POLICIES: AssignmentPolicies = {
  sync: 'automated',
  prune: { enabled: true, allowEmpty: false },
  drift: { mode: 'correct', overrides: [] },
  ignore: [],
  unmanaged: { mode: 'ignore', allow: [] },
  conflict: 'force',
  deletion: 'delete',
};

const objects = (n: number): KubeObject[] => [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'web' },
    data: { n: String(n) },
  },
];

let redis: RedisInstance;
let client: Redis;

beforeAll(async () => {
  // appendfsync always: every acknowledged write is on disk before the reply.
  redis = await startRedis({ durable: true });
  client = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => 50 });
  await client.connect();
});

afterAll(async () => {
  await client.quit().catch(() => undefined);
  await redis.stop();
});

describe('RedisHubStore durability', () => {
  it('keeps every acknowledged write across a SIGKILL and an AOF replay', async () => {
    const store = new RedisHubStore({ redis: client, prefix: `t-${randomUUID().slice(0, 8)}:` });
    for (let n = 1; n <= 3; n++) {
      await store.putDesired('edge-1', 'web', {
        revision: 'c'.repeat(40),
        digest: contentDigest(objects(n)),
        objects: objects(n),
        policies: POLICIES,
      });
    }
    await store.putDesired('edge-1', 'api', {
      revision: 'c'.repeat(40),
      digest: contentDigest(objects(7)),
      objects: objects(7),
      policies: POLICIES,
    });
    expect(await store.ack('edge-1', 'api', 1)).toBe(true);
    const content = {
      kind: 'statusReport' as const,
      target: 'edge-1',
      app: 'api',
      assignmentVersion: 1,
      revision: 'c'.repeat(40),
      contentDigest: contentDigest(objects(7)),
      syncState: 'Synced' as const,
      health: { status: 'Healthy' as const, message: '' },
      objects: [],
      drift: [],
      unmanaged: [],
    };
    const report = { ...content, statusHash: statusHash(content), observedAtUnixMs: 42 };
    expect(await store.putReport(report)).toBe('stored');
    await store.recordSession('edge-1', {
      replica: 'hub-a',
      session: 'edge-1.session.n1',
      connectedAtMs: 10,
    });

    const runId = async (): Promise<string | undefined> =>
      /run_id:(\w+)/.exec(await client.info('server'))?.[1];
    const before = await runId();
    await redis.restart({ kill: true });
    await client.ping(); // ioredis reconnects on its own
    expect(await runId()).not.toBe(before); // a new redis-server process, replayed from the AOF

    expect(await store.versionOf('edge-1', 'web')).toBe(3);
    expect((await store.getDesired('edge-1', 'web'))?.assignment.objects).toEqual(objects(3));
    expect(
      (await store.pendingFor('edge-1')).map((p) => [p.payload.app, p.payload.version]),
    ).toEqual([['web', 3]]);
    expect(await store.getReport('edge-1', 'api')).toEqual(report);
    expect((await store.connection('edge-1', 20, 30_000)).state).toBe('Connected');
    // Versions continue from where they were: never reused after a restart.
    expect(
      await store.putDesired('edge-1', 'web', {
        revision: 'c'.repeat(40),
        digest: contentDigest(objects(4)),
        objects: objects(4),
        policies: POLICIES,
      }),
    ).toEqual({ version: 4, changed: true });
  });

  it('notices a wiped Redis through the epoch marker, once per store', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}:`;
    const a = new RedisHubStore({ redis: client, prefix });
    const b = new RedisHubStore({ redis: client, prefix });
    expect(await a.epochChanged()).toBe(false);
    expect(await b.epochChanged()).toBe(false);
    expect(await a.epochChanged()).toBe(false);
    await a.bumpVersion('edge-1', 'web', 5);

    await redis.wipe();

    expect(await a.epochChanged()).toBe(true);
    expect(await a.epochChanged()).toBe(false);
    // The other replica sees the change too, although `a` already set a new epoch.
    expect(await b.epochChanged()).toBe(true);
    expect(await b.epochChanged()).toBe(false);
    expect(await a.versionOf('edge-1', 'web')).toBe(0);
  });
});
