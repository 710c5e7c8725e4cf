import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GitfleetError, contentDigest } from '@gitfleet/proto';
import type { AssignmentPolicies, KubeObject } from '@gitfleet/proto';
import { startRedis } from '../../../test/src/fleet/redis.ts';
import type { RedisInstance } from '../../../test/src/fleet/redis.ts';
import { RedisHubStore } from '../store/redis-store.ts';
import { DeliveryQueue } from './delivery-queue.ts';
import { DeliveryWorker } from './delivery-worker.ts';
import type { DeliveryJob, DeliveryWorkerDeps, DeliveryWorkerOptions } from './delivery-worker.ts';
import { deliverJobId } from './jobs.ts';

const POLICIES: AssignmentPolicies = {
  sync: 'automated',
  prune: { enabled: true, allowEmpty: false },
  drift: { mode: 'correct', overrides: [] },
  ignore: [],
  unmanaged: { mode: 'ignore', allow: [] },
  conflict: 'force',
  deletion: 'delete',
};
const TRACE = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };

const objects = (n: number): KubeObject[] => [
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'web' },
    data: { n: String(n) },
  },
];

let redis: RedisInstance;
/** Two hub replicas: each has its own connection. */
let replicaA: Redis;
let replicaB: Redis;
const open: { close(): Promise<void> }[] = [];

function track<T extends { close(): Promise<void> }>(closeable: T): T {
  open.push(closeable);
  return closeable;
}

function setup(): { prefix: string; store: RedisHubStore; queue: DeliveryQueue } {
  const prefix = `q-${randomUUID().slice(0, 8)}`;
  const store = new RedisHubStore({ redis: replicaA, prefix: `${prefix}-store:` });
  const queue = track(
    new DeliveryQueue({ connection: replicaA, prefix, attempts: 3, backoffMs: 10 }),
  );
  return { prefix, store, queue };
}

async function startWorker(
  opts: Omit<DeliveryWorkerOptions, 'connection'> & { connection?: Redis },
  deps: DeliveryWorkerDeps,
): Promise<DeliveryWorker> {
  const worker = track(new DeliveryWorker({ connection: replicaA, ...opts }, deps));
  await worker.waitUntilReady();
  return worker;
}

/** Waits a little, so that a delivery that should not happen would have happened. */
async function quiet(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

beforeAll(async () => {
  redis = await startRedis();
  replicaA = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
  replicaB = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
  await Promise.all([replicaA.connect(), replicaB.connect()]);
});

afterEach(async () => {
  // Workers first (they finish their jobs), then queues.
  await Promise.allSettled(
    open
      .splice(0)
      .reverse()
      .map((c) => c.close()),
  );
});

afterAll(async () => {
  await Promise.allSettled([replicaA.quit(), replicaB.quit()]);
  await redis.stop();
});

describe('delivery queue', () => {
  it('collapses 100 changes of one app into at most 2 deliveries, the last one the newest', async () => {
    const { prefix, store, queue } = setup();
    const delivered: DeliveryJob[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    await startWorker(
      { prefix, concurrency: 4 },
      {
        deliver: async (job) => {
          delivered.push(job);
          if (delivered.length === 1) await gate; // the first delivery is slow
          return 'sent';
        },
        versionOf: (target, app) => store.versionOf(target, app),
      },
    );
    for (let n = 1; n <= 100; n++) {
      const { version } = await store.putDesired('edge-1', 'web', {
        revision: 'd'.repeat(40),
        digest: contentDigest(objects(n)),
        objects: objects(n),
        policies: POLICIES,
      });
      await queue.enqueue({ target: 'edge-1', app: 'web', version, trace: TRACE });
      // Make the rest of the burst arrive while the first delivery runs (the hard case).
      if (n === 1) await vi.waitFor(() => expect(delivered).toHaveLength(1), { interval: 5 });
    }
    release();
    await vi.waitFor(
      async () => {
        expect(delivered.at(-1)?.version).toBe(100);
        expect(await queue.counts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
      },
      { timeout: 10_000, interval: 25 },
    );
    await quiet(200);
    // v1 ran; v2..v99 were replaced by later ones while it ran; v100 ran after it.
    expect(delivered.map((d) => [d.jobId, d.version, d.enqueuedVersion])).toEqual([
      [deliverJobId('edge-1', 'web', 1), 1, 1],
      [deliverJobId('edge-1', 'web', 100), 100, 100],
    ]);
    expect(delivered[1]?.trace).toEqual(TRACE);
  });

  it('keeps one waiting job per app while no replica runs, and delivers the current version', async () => {
    const { prefix, store, queue } = setup();
    const results = [];
    for (let n = 1; n <= 100; n++) {
      const { version } = await store.putDesired('edge-1', 'web', {
        revision: 'd'.repeat(40),
        digest: contentDigest(objects(n)),
        objects: objects(n),
        policies: POLICIES,
      });
      results.push(await queue.enqueue({ target: 'edge-1', app: 'web', version, trace: TRACE }));
    }
    expect(results[0]).toEqual({ jobId: 'deliver.edge-1.web.v1' });
    expect(results[99]).toEqual({
      jobId: 'deliver.edge-1.web.v100',
      collapsedInto: 'deliver.edge-1.web.v1',
    });
    // The same version twice (two replicas resolving the same commit) is one job.
    expect(await queue.enqueue({ target: 'edge-1', app: 'web', version: 1, trace: {} })).toEqual({
      jobId: 'deliver.edge-1.web.v1',
    });
    expect(await queue.counts()).toMatchObject({ waiting: 1, active: 0 });

    const delivered: DeliveryJob[] = [];
    await startWorker(
      { prefix },
      {
        deliver: (job) => {
          delivered.push(job);
          return Promise.resolve('sent');
        },
        versionOf: (target, app) => store.versionOf(target, app),
      },
    );
    await vi.waitFor(() => expect(delivered.length).toBe(1), { timeout: 10_000, interval: 25 });
    await quiet(200);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ version: 100, enqueuedVersion: 1, attempt: 1 });
  });

  it('delivers every (target, app) of a fan-out exactly once', async () => {
    const { prefix, queue } = setup();
    const seen: string[] = [];
    await startWorker(
      { prefix, concurrency: 8 },
      {
        deliver: (job) => {
          seen.push(`${job.target}/${job.app}@${job.version}`);
          return Promise.resolve('sent');
        },
      },
    );
    const jobs = [];
    for (let t = 0; t < 25; t++) {
      for (const app of ['web', 'api'])
        jobs.push({ target: `edge-${t}`, app, version: 3, trace: TRACE });
    }
    const enqueued = await queue.enqueueMany(jobs);
    expect(enqueued.every((e) => e.collapsedInto === undefined)).toBe(true);
    await vi.waitFor(() => expect(seen.length).toBe(50), { timeout: 10_000, interval: 25 });
    await quiet(100);
    expect(new Set(seen).size).toBe(50);
    expect(seen).toHaveLength(50);
  });

  it('spreads jobs over the workers of two replicas', async () => {
    const { prefix, queue } = setup();
    const seen = { a: [] as string[], b: [] as string[] };
    const started = { a: Promise.withResolvers<void>(), b: Promise.withResolvers<void>() };
    // Each replica's first delivery waits until the other replica has started one, so the test
    // proves both take jobs (each runs one at a time).
    const deliverOn =
      (me: 'a' | 'b', other: 'a' | 'b') =>
      async (job: DeliveryJob): Promise<'sent'> => {
        seen[me].push(job.target);
        started[me].resolve();
        await started[other].promise;
        return 'sent';
      };
    await startWorker({ prefix, concurrency: 1, name: 'hub-a' }, { deliver: deliverOn('a', 'b') });
    await startWorker(
      { prefix, concurrency: 1, name: 'hub-b', connection: replicaB },
      { deliver: deliverOn('b', 'a') },
    );
    await queue.enqueueMany(
      Array.from({ length: 10 }, (_, t) => ({
        target: `edge-${t}`,
        app: 'web',
        version: 1,
        trace: {},
      })),
    );
    await vi.waitFor(() => expect(seen.a.length + seen.b.length).toBe(10), {
      timeout: 10_000,
      interval: 25,
    });
    expect(seen.a.length).toBeGreaterThan(0);
    expect(seen.b.length).toBeGreaterThan(0);
    expect(new Set([...seen.a, ...seen.b]).size).toBe(10);
  });

  it('replaces a delivery that is backing off with a newer version', async () => {
    const { prefix } = setup();
    const queue = track(
      new DeliveryQueue({ connection: replicaA, prefix, attempts: 5, backoffMs: 30_000 }),
    );
    const calls: DeliveryJob[] = [];
    await startWorker(
      { prefix },
      {
        deliver: (job) => {
          calls.push(job);
          if (job.version === 1) throw new GitfleetError('AGENT_UNAVAILABLE', 'stream busy');
          return Promise.resolve('sent');
        },
      },
    );
    await queue.enqueue({ target: 'edge-1', app: 'web', version: 1, trace: {} });
    await vi.waitFor(async () => expect((await queue.counts()).delayed).toBe(1), {
      timeout: 5_000,
      interval: 25,
    });
    // Without `replace`, v2 would wait behind v1's 30 s backoff.
    expect(await queue.enqueue({ target: 'edge-1', app: 'web', version: 2, trace: {} })).toEqual({
      jobId: 'deliver.edge-1.web.v2',
    });
    await vi.waitFor(() => expect(calls.map((c) => c.version)).toEqual([1, 2]), {
      timeout: 5_000,
      interval: 25,
    });
    expect(await queue.counts()).toMatchObject({ delayed: 0, waiting: 0, failed: 0 });
  });

  it('does not retry terminal errors and retries transient ones with backoff', async () => {
    const { prefix, queue } = setup();
    const calls = new Map<string, number>();
    await startWorker(
      { prefix },
      {
        deliver: (job) => {
          calls.set(job.app, (calls.get(job.app) ?? 0) + 1);
          if (job.app === 'broken') {
            throw new GitfleetError('MANIFEST_INVALID', 'objects too large', { terminal: true });
          }
          if (job.app === 'flaky' && job.attempt === 1) {
            throw new GitfleetError('AGENT_UNAVAILABLE', 'stream busy');
          }
          return Promise.resolve('sent');
        },
      },
    );
    await queue.enqueueMany([
      { target: 'edge-1', app: 'broken', version: 1, trace: {} },
      { target: 'edge-1', app: 'flaky', version: 1, trace: {} },
    ]);
    await vi.waitFor(
      async () => {
        expect(calls.get('flaky')).toBe(2);
        expect(await queue.counts()).toMatchObject({
          failed: 1,
          waiting: 0,
          active: 0,
          delayed: 0,
        });
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(calls.get('broken')).toBe(1);
  });
});
