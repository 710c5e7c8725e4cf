import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDigest, isGitfleetError, statusHash } from '@gitfleet/proto';
import type { AssignmentPolicies, KubeObject, StatusReport, SyncState } from '@gitfleet/proto';
import { startRedis } from '../../../test/src/fleet/redis.ts';
import { planResync } from '../core/resync.ts';
import type { RedisInstance } from '../../../test/src/fleet/redis.ts';
import { RedisHubStore } from './redis-store.ts';
import type { DesiredInput } from './port.ts';

const POLICIES: AssignmentPolicies = {
  sync: 'automated',
  prune: { enabled: true, allowEmpty: false },
  drift: { mode: 'correct', overrides: [] },
  ignore: [],
  unmanaged: { mode: 'ignore', allow: [] },
  conflict: 'force',
  deletion: 'delete',
};
const REV_A = 'a'.repeat(40);
const REV_B = 'b'.repeat(40);

function configMap(n: number | string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'web' },
    data: { n: String(n) },
  };
}

function desired(
  n: number | string,
  opts: { policies?: AssignmentPolicies; revision?: string } = {},
): DesiredInput {
  const objects = [configMap(n)];
  return {
    revision: opts.revision ?? REV_A,
    digest: contentDigest(objects),
    objects,
    policies: opts.policies ?? POLICIES,
    trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  };
}

function report(
  target: string,
  app: string,
  version: number,
  observedAtUnixMs: number,
  syncState: SyncState = 'Synced',
  revision = REV_A,
): StatusReport {
  const content = {
    kind: 'statusReport' as const,
    target,
    app,
    assignmentVersion: version,
    revision,
    contentDigest: contentDigest([configMap(version)]),
    syncState,
    health: {
      status: syncState === 'Synced' ? ('Healthy' as const) : ('Progressing' as const),
      message: '',
    },
    objects: [],
    drift: [],
    unmanaged: [],
  };
  return { ...content, statusHash: statusHash(content), observedAtUnixMs };
}

let redis: RedisInstance;
let replicaA: Redis;
let replicaB: Redis;

/** A store on a fresh random prefix (tests never share keys). */
function freshStore(client: Redis = replicaA, prefix = `t-${randomUUID().slice(0, 8)}:`) {
  return { store: new RedisHubStore({ redis: client, prefix }), prefix };
}

beforeAll(async () => {
  redis = await startRedis({ durable: true });
  replicaA = new Redis(redis.url, { lazyConnect: true });
  replicaB = new Redis(redis.url, { lazyConnect: true });
  await Promise.all([replicaA.connect(), replicaB.connect()]);
});

afterAll(async () => {
  await Promise.allSettled([replicaA.quit(), replicaB.quit()]);
  await redis.stop();
});

describe('desired state', () => {
  it('keeps the version when digest and policies are unchanged', async () => {
    const { store } = freshStore();
    expect(await store.putDesired('edge-1', 'web', desired(1))).toEqual({
      version: 1,
      changed: true,
    });
    expect(await store.putDesired('edge-1', 'web', desired(1))).toEqual({
      version: 1,
      changed: false,
    });
    // Same content under a new commit: still nothing to deliver.
    expect(await store.putDesired('edge-1', 'web', desired(1, { revision: REV_B }))).toEqual({
      version: 1,
      changed: false,
    });
    expect(await store.versionOf('edge-1', 'web')).toBe(1);
  });

  it('allocates the next version for new content or new policies', async () => {
    const { store } = freshStore();
    await store.putDesired('edge-1', 'web', desired(1));
    expect(await store.putDesired('edge-1', 'web', desired(2))).toEqual({
      version: 2,
      changed: true,
    });
    const orphan = { ...POLICIES, deletion: 'orphan' as const };
    expect(await store.putDesired('edge-1', 'web', desired(2, { policies: orphan }))).toEqual({
      version: 3,
      changed: true,
    });
    const got = await store.getDesired('edge-1', 'web');
    expect(got?.assignment).toEqual({
      kind: 'assignment',
      target: 'edge-1',
      app: 'web',
      version: 3,
      revision: REV_A,
      contentDigest: contentDigest([configMap(2)]),
      objects: [configMap(2)],
      policies: orphan,
    });
    expect(got?.trace['traceparent']).toMatch(/^00-/);
    // Other apps and targets have their own sequences.
    expect(await store.putDesired('edge-1', 'api', desired(9))).toEqual({
      version: 1,
      changed: true,
    });
    expect(await store.putDesired('edge-2', 'web', desired(9))).toEqual({
      version: 1,
      changed: true,
    });
    expect((await store.listDesired('edge-1')).map((d) => [d.app, d.version])).toEqual([
      ['api', 1],
      ['web', 3],
    ]);
    expect(await store.targets()).toEqual(['edge-1', 'edge-2']);
  });

  it('gives concurrent writers from two replicas strictly increasing versions, losing none', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}:`;
    const a = new RedisHubStore({ redis: replicaA, prefix });
    const b = new RedisHubStore({ redis: replicaB, prefix });
    const writes = Array.from({ length: 100 }, (_, i) =>
      (i % 2 === 0 ? a : b)
        .putDesired('edge-1', 'web', desired(`w${i}`))
        .then((r) => ({ i, ...r })),
    );
    const results = await Promise.all(writes);
    expect(results.every((r) => r.changed)).toBe(true);
    const versions = results.map((r) => r.version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // The stored state is exactly the write that got the last version.
    const last = results.find((r) => r.version === 100);
    const stored = await b.getDesired('edge-1', 'web');
    expect(stored?.assignment.version).toBe(100);
    expect(stored?.assignment.objects).toEqual([configMap(`w${last?.i ?? -1}`)]);
  });

  it('removes an app at the next version and remembers its deletion mode', async () => {
    const { store } = freshStore();
    await store.putDesired(
      'edge-1',
      'web',
      desired(1, { policies: { ...POLICIES, deletion: 'orphan' } }),
    );
    expect(await store.removeDesired('edge-1', 'web')).toEqual({ version: 2, deletion: 'orphan' });
    expect(await store.removeDesired('edge-1', 'web')).toBeUndefined();
    expect(await store.removeDesired('edge-1', 'never')).toBeUndefined();
    expect(await store.getDesired('edge-1', 'web')).toBeUndefined();
    expect(await store.listDesired('edge-1')).toEqual([]);
    expect(await store.knownRemovals('edge-1')).toEqual(new Map([['web', 'orphan']]));
    expect((await store.pendingFor('edge-1')).map((p) => p.payload)).toEqual([
      { kind: 'appRemoval', target: 'edge-1', app: 'web', version: 2, deletion: 'orphan' },
    ]);
    // Re-adding the same content after a removal is a change.
    expect(await store.putDesired('edge-1', 'web', desired(1))).toEqual({
      version: 3,
      changed: true,
    });
    expect(await store.knownRemovals('edge-1')).toEqual(new Map());
    // The resync may remove what the hub never knew: orphan, above the agent's version.
    expect(await store.removeDesired('edge-1', 'ghost', { force: true, atLeast: 8 })).toEqual({
      version: 8,
      deletion: 'orphan',
    });
  });

  it('moves counters and reissues versions for the resync', async () => {
    const { store } = freshStore();
    await store.putDesired('edge-1', 'web', desired(1));
    expect(await store.bumpVersion('edge-1', 'web', 5)).toBe(5);
    expect(await store.bumpVersion('edge-1', 'web', 3)).toBe(5);
    expect(await store.putDesired('edge-1', 'web', desired(2))).toEqual({
      version: 6,
      changed: true,
    });
    await store.ack('edge-1', 'web', 6);
    // The agent holds v9 with the same digest: adopt it, delivered.
    expect(await store.reissueDesired('edge-1', 'web', 9, { delivered: true })).toBe(true);
    expect(await store.reissueDesired('edge-1', 'web', 9, { delivered: true })).toBe(false);
    expect(await store.versionOf('edge-1', 'web')).toBe(9);
    expect(await store.pendingFor('edge-1')).toEqual([]);
    // Same version, other digest on the agent: assign again above it, pending.
    expect(await store.reissueDesired('edge-1', 'web', 10, { delivered: false })).toBe(true);
    expect((await store.pendingFor('edge-1')).map((p) => p.payload.version)).toEqual([10]);
    expect(await store.reissueDesired('edge-1', 'nothing', 3, { delivered: false })).toBe(false);
  });

  it('feeds planResync from one read', async () => {
    const { store } = freshStore();
    await store.putDesired('edge-1', 'web', desired(1));
    await store.putDesired('edge-1', 'api', desired(2));
    await store.putDesired('edge-1', 'old', desired(3));
    await store.removeDesired('edge-1', 'old');
    await store.putReport(report('edge-1', 'web', 1, 1_000));
    const state = await store.resyncState('edge-1');
    const web = await store.getDesired('edge-1', 'web');
    const decision = planResync(
      {
        held: [
          {
            app: 'web',
            assignmentVersion: 1,
            revision: REV_A,
            contentDigest: web?.assignment.contentDigest ?? '',
            statusHash: report('edge-1', 'web', 1, 1_000).statusHash,
          },
          { app: 'old', assignmentVersion: 1, revision: REV_A, contentDigest: 'x' },
        ],
      },
      state,
    );
    expect(decision.plan).toEqual({
      assignments: [{ app: 'api', version: 1 }],
      removals: [{ app: 'old', version: 3 }],
      reportRequests: [],
      upToDate: ['web'],
    });
    expect(decision.remove).toEqual([{ app: 'old', version: 3, deletion: 'delete' }]);
  });

  it('rejects objects above the size limit and a wrong digest', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}:`;
    const store = new RedisHubStore({ redis: replicaA, prefix, maxObjectsBytes: 1_000 });
    const big = [{ ...configMap(1), data: { blob: 'x'.repeat(2_000) } }];
    const err = await store
      .putDesired('edge-1', 'web', { ...desired(1), objects: big, digest: contentDigest(big) })
      .catch((e: unknown) => e);
    expect(isGitfleetError(err, 'MANIFEST_INVALID')).toBe(true);
    const wrong = await store
      .putDesired('edge-1', 'web', { ...desired(1), digest: contentDigest([configMap(2)]) })
      .catch((e: unknown) => e);
    expect(isGitfleetError(wrong, 'INTERNAL')).toBe(true);
    const badName = await store.putDesired('Edge_1', 'web', desired(1)).catch((e: unknown) => e);
    expect(isGitfleetError(badName, 'INTERNAL')).toBe(true);
    expect(await store.versionOf('edge-1', 'web')).toBe(0);
  });
});

describe('delivery outbox', () => {
  it('holds only the current version per app until it is acked', async () => {
    const { store } = freshStore();
    await store.putDesired('edge-1', 'web', desired(1));
    await store.putDesired('edge-1', 'web', desired(2));
    await store.putDesired('edge-1', 'api', desired(3));
    const pending = await store.pendingFor('edge-1');
    expect(pending.map((p) => [p.payload.app, p.payload.version])).toEqual([
      ['api', 1],
      ['web', 2],
    ]);
    expect(pending[1]?.trace['traceparent']).toMatch(/^00-/);
    // An ack for an older version changes nothing.
    expect(await store.ack('edge-1', 'web', 1)).toBe(false);
    expect((await store.pendingFor('edge-1')).length).toBe(2);
    expect(await store.ack('edge-1', 'web', 2)).toBe(true);
    expect(await store.ack('edge-1', 'web', 2)).toBe(true);
    expect((await store.pendingFor('edge-1')).map((p) => p.payload.app)).toEqual(['api']);
    expect(await store.pendingOf('edge-1', 'web')).toBeUndefined();
    expect((await store.listDesired('edge-1')).find((d) => d.app === 'web')?.delivered).toBe(true);
    // A new version is pending again.
    await store.putDesired('edge-1', 'web', desired(4));
    expect((await store.pendingOf('edge-1', 'web'))?.payload.version).toBe(3);
  });

  it('records a final rejection and stops resending that version', async () => {
    const { store } = freshStore();
    await store.putDesired('edge-1', 'web', desired(1));
    await store.putDesired('edge-1', 'web', desired(2));
    const error = { code: 'MANIFEST_INVALID' as const, message: 'ConfigMap/web/settings: bad' };
    expect(await store.rejected('edge-1', 'web', 1, error)).toBe(false);
    expect(await store.rejected('edge-1', 'web', 2, error)).toBe(true);
    expect(await store.pendingFor('edge-1')).toEqual([]);
    const [summary] = await store.listDesired('edge-1');
    expect(summary?.delivered).toBe(false);
    expect(summary?.rejection).toMatchObject({ version: 2, error });
    await store.putDesired('edge-1', 'web', desired(3));
    expect((await store.listDesired('edge-1'))[0]?.rejection).toBeUndefined();
    expect((await store.pendingFor('edge-1')).map((p) => p.payload.version)).toEqual([3]);
  });
});

describe('reports', () => {
  it('keeps the newest report: duplicates are idempotent, older ones stale', async () => {
    const { store } = freshStore();
    const r1 = report('edge-1', 'web', 1, 1_000, 'Applying');
    const r2 = report('edge-1', 'web', 2, 900);
    expect(await store.putReport(r1)).toBe('stored');
    expect(await store.putReport(r2)).toBe('stored');
    expect(await store.putReport(r2)).toBe('stored');
    // A lower version loses even when observed later; the same version observed earlier too.
    expect(await store.putReport(report('edge-1', 'web', 1, 5_000))).toBe('stale');
    expect(await store.putReport(report('edge-1', 'web', 2, 800, 'OutOfSync'))).toBe('stale');
    expect(await store.getReport('edge-1', 'web')).toEqual(r2);
    expect(await store.lastStatusHash('edge-1', 'web')).toBe(r2.statusHash);
    const r3 = report('edge-1', 'web', 2, 950, 'OutOfSync');
    expect(await store.putReport(r3)).toBe('stored');
    expect(await store.lastStatusHash('edge-1', 'web')).toBe(r3.statusHash);
    // History: one entry per transition, newest first; the duplicate added none.
    expect((await store.syncHistory('edge-1', 'web')).map((h) => [h.syncState, h.atMs])).toEqual([
      ['OutOfSync', 950],
      ['Synced', 900],
      ['Applying', 1_000],
    ]);
  });

  it('lists reports by target and by app, and caps the history', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}:`;
    const store = new RedisHubStore({ redis: replicaA, prefix, historyLimit: 5 });
    for (const target of ['edge-2', 'edge-1']) {
      for (const app of ['web', 'api']) await store.putReport(report(target, app, 1, 1));
    }
    const key = (r: StatusReport): string => `${r.target}/${r.app}`;
    expect((await store.listReports()).map(key)).toEqual([
      'edge-1/api',
      'edge-1/web',
      'edge-2/api',
      'edge-2/web',
    ]);
    expect((await store.listReports({ target: 'edge-2' })).map(key)).toEqual([
      'edge-2/api',
      'edge-2/web',
    ]);
    expect((await store.listReports({ app: 'web' })).map(key)).toEqual([
      'edge-1/web',
      'edge-2/web',
    ]);
    expect((await store.listReports({ target: 'edge-1', app: 'api' })).map(key)).toEqual([
      'edge-1/api',
    ]);
    for (let i = 2; i < 20; i++) {
      await store.putReport(report('edge-1', 'web', i, i, i % 2 === 0 ? 'OutOfSync' : 'Synced'));
    }
    const history = await store.syncHistory('edge-1', 'web');
    expect(history.map((h) => h.assignmentVersion)).toEqual([19, 18, 17, 16, 15]);
  });
});

describe('connections', () => {
  it('goes Connected → Stale without messages → Disconnected when the session ends', async () => {
    const { store } = freshStore();
    expect((await store.connection('edge-1', 0, 30_000)).state).toBe('Disconnected');
    const s1 = { replica: 'hub-a', session: 'edge-1.session.n1', connectedAtMs: 1_000 };
    expect(await store.recordSession('edge-1', s1)).toEqual({});
    expect(await store.connection('edge-1', 20_000, 30_000)).toEqual({
      state: 'Connected',
      lastSeenMs: 1_000,
      session: s1,
    });
    expect((await store.connection('edge-1', 31_001, 30_000)).state).toBe('Stale');
    expect(await store.touch('edge-1', 31_000)).toBe(true);
    expect(await store.connection('edge-1', 31_001, 30_000)).toMatchObject({
      state: 'Connected',
      lastSeenMs: 31_000,
    });
    // Times never go backwards.
    await store.touch('edge-1', 10_000);
    expect((await store.connection('edge-1', 31_001, 30_000)).lastSeenMs).toBe(31_000);
    expect(await store.endSession('edge-1', s1.session, 40_000)).toBe(true);
    expect(await store.connection('edge-1', 40_001, 30_000)).toMatchObject({
      state: 'Disconnected',
      lastSeenMs: 31_000,
      endedAtMs: 40_000,
    });
    expect(await store.touch('edge-1', 41_000)).toBe(false);
  });

  it('lets a new session on another replica supersede the live one', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}:`;
    const onA = new RedisHubStore({ redis: replicaA, prefix });
    const onB = new RedisHubStore({ redis: replicaB, prefix });
    const s1 = { replica: 'hub-a', session: 'edge-1.session.n1', connectedAtMs: 1_000 };
    const s2 = { replica: 'hub-b', session: 'edge-1.session.n2', connectedAtMs: 5_000 };
    await onA.recordSession('edge-1', s1);
    expect(await onB.recordSession('edge-1', s2)).toEqual({
      superseded: { replica: 'hub-a', session: s1.session },
    });
    // The superseded stream's late messages and its end do not touch the new session.
    expect(await onA.touch('edge-1', 9_000, s1.session)).toBe(false);
    expect(await onA.endSession('edge-1', s1.session, 9_000)).toBe(false);
    expect(await onB.touch('edge-1', 9_500, s2.session)).toBe(true);
    expect(await onA.connection('edge-1', 10_000, 30_000)).toEqual({
      state: 'Connected',
      lastSeenMs: 9_500,
      session: s2,
    });
    // A session that ended is not superseded by the next one.
    await onB.endSession('edge-1', s2.session, 11_000);
    expect(await onA.recordSession('edge-1', { ...s1, session: 'edge-1.session.n3' })).toEqual({});
  });
});
