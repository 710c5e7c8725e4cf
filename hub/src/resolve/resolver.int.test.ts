/**
 * The resolver keeps going whatever a pass runs into, with real components: a fleet repository on
 * a real Git server over HTTP, the real Git source (isomorphic-git) and the Redis store on a real
 * Redis. Faults the real components do not produce on demand (a render that throws, a store
 * call that fails once) are injected by wrapping the real port implementations.
 *
 * - a fleet read that throws (a file over the size limit) is a recorded problem naming the file
 *   and the limit; the fleet in force and the desired state stay; the pass resolves;
 * - a render that throws fails only its (application, target), recorded; a store failure
 *   mid-pass is a recorded problem and the next pass recovers;
 * - the fleet in force is saved to Redis; a new resolver (a restarted hub) restores it at once,
 *   with an empty Git cache and a broken head, and removes nothing on its word (only a fleet read
 *   from Git decides removals).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { contentDigest, silentLogger } from '@gitfleet/proto';
import { startGitServer, type GitServer } from '../../../test/src/fleet/git-server.ts';
import { startRedis, type RedisInstance } from '../../../test/src/fleet/redis.ts';
import { DEFAULT_POLICIES } from '../core/fleet/index.ts';
import { IsomorphicGitSource } from '../git/git-source.ts';
import type { GitSource } from '../git/port.ts';
import { RedisFleetStore } from '../store/fleet-store.ts';
import type { HubStore } from '../store/port.ts';
import { RedisHubStore } from '../store/redis-store.ts';
import { Resolver } from './resolver.ts';

const FIVE_MB = 5 * 1024 * 1024;

let git: GitServer;
let redisServer: RedisInstance;
let redis: Redis;
let dir: string;
let repoUrl = '';
let prefix = '';
let repoName = '';
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

function fleetFiles(message: string): Record<string, string> {
  return {
    'targets/edge.yaml':
      'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: edge, labels: { env: edge } }\n',
    'targets/core.yaml':
      'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: core, labels: { env: core } }\n',
    'apps/web/application.yaml': [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web/manifests }',
      '  placement: { selector: { matchLabels: {} } }',
      '',
    ].join('\n'),
    'apps/web/manifests/configmap.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: web, namespace: web }',
      'data:',
      `  message: "${message}"`,
      '',
    ].join('\n'),
  };
}

/** A YAML file of 5 MB: a vendored CRD bundle, say. */
function bigYaml(): string {
  const line = '# vendored CRD bundle line, padding padding padding padding padding padding\n';
  return line.repeat(Math.ceil(FIVE_MB / line.length));
}

/** The real object, with one method failing its first call. */
function failing<T extends object>(real: T, method: keyof T & string, err: Error): T {
  let left = 1;
  return new Proxy(real, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      const fn = v as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        if (prop === method && left > 0) {
          left--;
          return Promise.reject(err);
        }
        return fn.apply(target, args);
      };
    },
  });
}

function makeResolver(
  opts: { git?: GitSource; store?: HubStore; cacheDir?: string; branch?: string } = {},
): { resolver: Resolver; store: HubStore; changed: string[] } {
  const store = opts.store ?? new RedisHubStore({ redis, prefix });
  const changed: string[] = [];
  const resolver = new Resolver(
    { fleet: { url: repoUrl, branch: opts.branch ?? 'main' } },
    {
      git:
        opts.git ?? new IsomorphicGitSource({ cacheDir: opts.cacheDir ?? path.join(dir, 'cache') }),
      store,
      changed: (target, app, version) => {
        changed.push(`${target}/${app}@${String(version)}`);
        return Promise.resolve();
      },
      logger: silentLogger,
      lastGood: new RedisFleetStore({ redis, prefix }),
    },
  );
  return { resolver, store, changed };
}

beforeAll(async () => {
  [git, redisServer] = await Promise.all([startGitServer(), startRedis({ aof: false })]);
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-resolver-'));
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  redis?.disconnect();
  await Promise.all([git?.close(), redisServer?.stop()]);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  prefix = `gf-${randomBytes(4).toString('hex')}:`;
  repoName = `fleet-${randomBytes(4).toString('hex')}`;
  repoUrl = await git.createRepo(repoName);
  unhandled = [];
});
afterEach(() => {
  expect(unhandled).toEqual([]);
});

describe('a pass that runs into trouble leaves the hub healthy and says why', () => {
  it('a file over the size limit: recorded with file and limit; the fleet in force stays', async () => {
    const v1 = await git.commit(repoName, { files: fleetFiles('v1'), message: 'v1' });
    const { resolver, store } = makeResolver();
    await resolver.trigger();
    expect(resolver.status).toMatchObject({
      fleetAccepted: true,
      fleetCommit: v1,
      inForceCommit: v1,
      problems: [],
    });
    const before = await store.listDesired('edge');
    expect(before.map((d) => [d.app, d.revision])).toEqual([['web', v1]]);

    const v2 = await git.commit(repoName, {
      files: { 'vendor/crds.yaml': bigYaml() },
      message: 'vendor a CRD bundle',
    });
    await resolver.trigger(); // resolves: nothing escapes the pass
    const s = resolver.status;
    expect(s.fleetAccepted).toBe(false);
    expect(s.fleetCommit).toBe(v2);
    expect(s.inForceCommit).toBe(v1);
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]).toMatchObject({
      stage: 'read',
      file: 'vendor/crds.yaml',
      limit: 'maxFileBytes',
      commit: v2,
      action: expect.stringContaining('vendor/crds.yaml') as string,
    });
    expect(s.problems[0]?.message).toContain('vendor/crds.yaml');
    expect(s.lastError).toContain('vendor/crds.yaml');
    expect(resolver.fleet?.targets.map((t) => t.name).sort()).toEqual(['core', 'edge']);
    // the application's own files did not change: its desired state is the same version
    const after = await store.listDesired('edge');
    expect(after.map((d) => [d.app, d.version])).toEqual(before.map((d) => [d.app, d.version]));

    // the file is removed: the head is in force again, no problem left
    const v3 = await git.commit(repoName, {
      files: { 'vendor/crds.yaml': null },
      message: 'unvendor',
    });
    await resolver.trigger();
    expect(resolver.status).toMatchObject({
      fleetAccepted: true,
      fleetCommit: v3,
      inForceCommit: v3,
      problems: [],
    });
  });

  it('a pair that throws fails only its pair; a store failing mid-pass is recorded, then recovers', async () => {
    const v1 = await git.commit(repoName, { files: fleetFiles('v1'), message: 'v1' });
    const realGit = new IsomorphicGitSource({ cacheDir: path.join(dir, 'cache-render') });
    const realStore = new RedisHubStore({ redis, prefix });
    // storing web on core throws once, untyped, as a bug would (the other pairs of the same
    // application are resolved at the same time)
    let putsOfCore = 0;
    const throwingStore = new Proxy(realStore, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'putDesired' || typeof v !== 'function') return v;
        const put = v as HubStore['putDesired'];
        return (t: string, app: string, input: Parameters<HubStore['putDesired']>[2]) =>
          t === 'core' && app === 'web' && putsOfCore++ === 0
            ? Promise.reject(new TypeError("Cannot read properties of undefined (reading 'kind')"))
            : put.call(target, t, app, input);
      },
    });
    const { resolver } = makeResolver({ git: realGit, store: throwingStore });
    const store = realStore;
    await resolver.trigger();
    const s = resolver.status;
    expect(s.fleetAccepted).toBe(true);
    // only the pair whose render threw failed; the other target of web was resolved
    expect(s.failures.map((f) => [f.app, f.target, f.code])).toEqual([['web', 'core', 'INTERNAL']]);
    expect((await store.listDesired('core')).map((d) => d.revision)).toEqual([]);
    expect((await store.listDesired('edge')).map((d) => d.revision)).toEqual([v1]);
    expect(s.failures[0]?.message).toMatch(/reading 'kind'/);
    await resolver.trigger();
    expect(resolver.status.failures).toEqual([]);
    expect((await store.listDesired('core')).map((d) => d.revision)).toEqual([v1]);

    // the store fails once in the middle of a pass (after the renders, at the removal scan)
    const { resolver: r2 } = makeResolver({
      git: realGit,
      store: failing(
        realStore,
        'targets',
        new Error("READONLY You can't write against a read only replica."),
      ),
    });
    await r2.trigger();
    expect(r2.status.problems).toEqual([
      expect.objectContaining({
        stage: 'pass',
        code: 'INTERNAL',
        message: expect.stringMatching(/READONLY/) as string,
      }),
    ]);
    expect(r2.status.fleetAccepted).toBe(true);
    expect(r2.status.lastPassAtMs).toBeDefined();
    await r2.trigger();
    expect(r2.status.problems).toEqual([]);
  });

  it('a restarted hub restores the last good fleet from Redis at once, with no Git cache and a broken head', async () => {
    const v1 = await git.commit(repoName, { files: fleetFiles('v1'), message: 'v1' });
    const { resolver } = makeResolver();
    await resolver.trigger();
    expect(resolver.status.inForceCommit).toBe(v1);
    const v2 = await git.commit(repoName, {
      files: { 'vendor/crds.yaml': bigYaml() },
      message: 'vendor a CRD bundle',
    });

    // another branch's hub does not take this fleet
    const other = makeResolver({ branch: 'release', cacheDir: path.join(dir, 'cache-other') });
    expect(await other.resolver.restore()).toBe(false);
    expect(other.resolver.fleet).toBeUndefined();

    // desired state a newer fleet (saved by no one yet) declared: the restored fleet does not
    const objects = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y' } },
    ];
    await new RedisHubStore({ redis, prefix }).putDesired('edge', 'newer', {
      revision: v2,
      digest: contentDigest(objects),
      objects,
      policies: DEFAULT_POLICIES,
    });
    const restarted = makeResolver({
      cacheDir: path.join(dir, `cache-${randomBytes(4).toString('hex')}`),
    });
    expect(await restarted.resolver.restore()).toBe(true);
    expect(restarted.resolver.fleet?.targets.map((t) => t.name).sort()).toEqual(['core', 'edge']);
    expect(restarted.resolver.status).toMatchObject({ inForceCommit: v1, inForceFrom: 'redis' });
    await restarted.resolver.trigger();
    expect(restarted.resolver.status).toMatchObject({
      fleetAccepted: false,
      fleetCommit: v2,
      inForceCommit: v1,
      inForceFrom: 'redis',
      problems: [expect.objectContaining({ stage: 'read', file: 'vendor/crds.yaml' })],
    });
    // a fleet loaded from Redis removes nothing: only one read from Git does
    expect(restarted.changed).toEqual([]);
    expect((await restarted.store.listDesired('edge')).map((d) => d.app).sort()).toEqual([
      'newer',
      'web',
    ]);
    await git.commit(repoName, { files: { 'vendor/crds.yaml': null }, message: 'unvendor' });
    await restarted.resolver.trigger();
    expect(restarted.resolver.status).toMatchObject({ fleetAccepted: true, inForceFrom: 'git' });
    expect((await restarted.store.listDesired('edge')).map((d) => d.app)).toEqual(['web']);
  });

  it('a saved fleet this hub cannot read is a recorded problem, not a crash', async () => {
    await redis.set(`${prefix}fleet:last-good`, '{"format": 99}');
    const { resolver } = makeResolver();
    expect(await resolver.restore()).toBe(false);
    expect(resolver.status.problems).toEqual([
      expect.objectContaining({
        stage: 'restore',
        message: expect.stringMatching(/format 99/) as string,
      }),
    ]);
  });
});
