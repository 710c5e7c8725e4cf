/**
 * The Redis store with a signing key, on a real Redis: every assignment and removal it writes
 * carries the hub's signature for exactly the version written — also when two replicas race, and
 * when the resync moves a record to another version — and a record edited in Redis is neither
 * signed again nor left as it is: the next write from Git replaces it.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contentDigest,
  pinHubKeys,
  signingKeyFromPem,
  verifyHubSignature,
  type AppRemoval,
  type Assignment,
  type AssignmentPolicies,
  type HubSigningKey,
  type KubeObject,
} from '@gitfleet/proto';
import { startRedis, type RedisInstance } from '../../../test/src/fleet/redis.ts';
import type { DesiredInput } from './port.ts';
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

function newKey(): HubSigningKey {
  return signingKeyFromPem(
    generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    'test',
  );
}
const KEY = newKey();

function desired(n: number): DesiredInput {
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'n' },
      data: { n: String(n) },
    },
  ];
  return { revision: 'a'.repeat(40), digest: contentDigest(objects), objects, policies: POLICIES };
}

let redis: RedisInstance;
let client: Redis;
let other: Redis;

/** A store on a fresh random prefix (or `prefix`), signing with `key` (null: unsigned). */
function freshStore(key: HubSigningKey | null = KEY, c: Redis = client, prefix?: string) {
  const p = prefix ?? `s-${randomUUID().slice(0, 8)}:`;
  return {
    prefix: p,
    store: new RedisHubStore({ redis: c, prefix: p, ...(key === null ? {} : { signingKey: key }) }),
  };
}

/** True when `m` carries a valid signature of `key` for target edge-1. */
function signedBy(m: Assignment | AppRemoval | undefined, key = KEY): boolean {
  return m !== undefined && verifyHubSignature(m, 'edge-1', pinHubKeys([key.publicKey])).ok;
}

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  other = new Redis(redis.url);
});
afterAll(async () => {
  await Promise.allSettled([client.quit(), other.quit()]);
  await redis.stop();
});

describe('a store with a signing key', () => {
  it('signs each assignment for the version it writes, and keeps the version for the same content', async () => {
    const { store } = freshStore();
    expect(await store.putDesired('edge-1', 'web', desired(1))).toEqual({
      version: 1,
      changed: true,
    });
    expect(await store.putDesired('edge-1', 'web', desired(1))).toEqual({
      version: 1,
      changed: false,
    });
    expect(await store.putDesired('edge-1', 'web', desired(2))).toEqual({
      version: 2,
      changed: true,
    });
    const got = await store.getDesired('edge-1', 'web');
    expect(got?.assignment.signature?.keyId).toBe(KEY.keyId);
    expect(signedBy(got?.assignment)).toBe(true);
    const pending = await store.pendingOf('edge-1', 'web');
    expect(signedBy(pending?.payload)).toBe(true);
  });

  it('signs removals, and the resync re-signs what it moves to another version', async () => {
    const { store } = freshStore();
    await store.putDesired('edge-1', 'web', desired(1));
    expect(await store.reissueDesired('edge-1', 'web', 5, { delivered: false })).toBe(true);
    const moved = await store.pendingOf('edge-1', 'web');
    expect(moved?.payload.version).toBe(5);
    expect(signedBy(moved?.payload)).toBe(true);
    const removal = await store.removeDesired('edge-1', 'web', { atLeast: 9 });
    expect(removal).toEqual({ version: 9, deletion: 'delete' });
    const pending = await store.pendingOf('edge-1', 'web');
    expect(pending?.payload).toMatchObject({ kind: 'appRemoval', version: 9, deletion: 'delete' });
    expect(signedBy(pending?.payload)).toBe(true);
    expect(await store.reissueDesired('edge-1', 'web', 12, { delivered: false })).toBe(true);
    expect(signedBy((await store.pendingOf('edge-1', 'web'))?.payload)).toBe(true);
    // a forced removal of an app never assigned is signed too
    await store.removeDesired('edge-1', 'ghost', { force: true, atLeast: 3, deletion: 'orphan' });
    const ghost = await store.pendingOf('edge-1', 'ghost');
    expect(ghost?.payload).toMatchObject({ version: 3, deletion: 'orphan' });
    expect(signedBy(ghost?.payload)).toBe(true);
  });

  it('two replicas writing at once: every version carries a signature for itself', async () => {
    const { store: a, prefix } = freshStore(KEY, client);
    const { store: b } = freshStore(KEY, other, prefix);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 === 0 ? a : b).putDesired('edge-1', 'web', desired(i)),
      ),
    );
    expect(new Set(results.map((r) => r.version)).size).toBe(12);
    expect(signedBy((await a.getDesired('edge-1', 'web'))?.assignment)).toBe(true);
  });

  it('writes anew what was edited in Redis, and never re-signs it', async () => {
    const { store, prefix } = freshStore();
    await store.putDesired('edge-1', 'web', desired(1));
    const key = `${prefix}{edge-1}:app:web`;
    const meta = JSON.parse((await client.hget(key, 'meta')) ?? '{}') as {
      policies: AssignmentPolicies;
    };
    await client.hset(
      key,
      'meta',
      JSON.stringify({ ...meta, policies: { ...meta.policies, deletion: 'orphan' } }),
    );
    // a resync moving it does not sign the edit
    expect(await store.reissueDesired('edge-1', 'web', 2, { delivered: false })).toBe(true);
    const moved = await store.pendingOf('edge-1', 'web');
    expect(moved?.payload.version).toBe(2);
    expect(signedBy(moved?.payload)).toBe(false);
    // the same content from Git again: a new version, signed, with the policies from Git
    expect(await store.putDesired('edge-1', 'web', desired(1))).toEqual({
      version: 3,
      changed: true,
    });
    const healed = await store.getDesired('edge-1', 'web');
    expect(healed?.assignment.policies.deletion).toBe('delete');
    expect(signedBy(healed?.assignment)).toBe(true);
  });

  it('a new signing key gives every app a new version signed with it', async () => {
    const { store, prefix } = freshStore();
    await store.putDesired('edge-1', 'web', desired(1));
    const next = newKey();
    const { store: rotated } = freshStore(next, client, prefix);
    expect(await rotated.putDesired('edge-1', 'web', desired(1))).toEqual({
      version: 2,
      changed: true,
    });
    expect(signedBy((await rotated.getDesired('edge-1', 'web'))?.assignment, next)).toBe(true);
  });

  it('without a key, writes unsigned as before', async () => {
    const { store } = freshStore(null);
    await store.putDesired('edge-1', 'web', desired(1));
    expect((await store.getDesired('edge-1', 'web'))?.assignment.signature).toBeUndefined();
    await store.removeDesired('edge-1', 'web');
    const pending = await store.pendingOf('edge-1', 'web');
    expect(pending?.payload.kind).toBe('appRemoval');
    expect(pending?.payload.signature).toBeUndefined();
  });
});
