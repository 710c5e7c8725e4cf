/**
 * The local test fleet in one call: Redis, N Kubernetes clusters and a Git server over HTTP, all
 * real, on loopback. The runtime is chosen by GITFLEET_TEST_RUNTIME: `process` (default: real
 * processes from the machine, no Docker) or `testcontainers` (Docker: @testcontainers/redis and
 * @testcontainers/k3s). If the chosen runtime cannot start, this throws one clear error — tests
 * never silently skip.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { startContainerKubeFleet, startContainerRedis } from './containers.ts';
import { startGitServer, type GitServer, type GitServerOptions } from './git-server.ts';
import { startKubeFleet, type KubeFleet } from './kube.ts';
import { startRedis, type RedisInstance, type RedisOptions } from './redis.ts';

export type FleetRuntime = 'process' | 'testcontainers';

export function fleetRuntime(env: NodeJS.ProcessEnv = process.env): FleetRuntime {
  const v = env['GITFLEET_TEST_RUNTIME'] ?? 'process';
  if (v === 'process' || v === 'testcontainers') return v;
  throw new GitfleetError(
    ErrorCode.ConfigInvalid,
    `GITFLEET_TEST_RUNTIME=${v} is not a runtime: use "process" (default, no Docker) or "testcontainers"`,
    { terminal: true },
  );
}

export interface FleetOptions {
  /** Number of clusters (0 for none). Default 1. */
  readonly clusters?: number;
  readonly clusterNames?: readonly string[];
  /** Start Redis (default true), with options. */
  readonly redis?: boolean | RedisOptions;
  /** Start a Git server (default true), with options. */
  readonly git?: boolean | GitServerOptions;
  readonly runtime?: FleetRuntime;
}

export interface TestFleet {
  readonly runtime: FleetRuntime;
  readonly kube: KubeFleet | undefined;
  readonly redis: RedisInstance | undefined;
  readonly git: GitServer | undefined;
  /** Stops everything this fleet started. Idempotent; safe in afterAll even after a failed start. */
  stop(): Promise<void>;
}

export async function startFleet(opts: FleetOptions = {}): Promise<TestFleet> {
  const runtime = opts.runtime ?? fleetRuntime();
  const names =
    opts.clusterNames ?? Array.from({ length: opts.clusters ?? 1 }, (_, i) => `c${i + 1}`);
  const parts: { kube?: KubeFleet; redis?: RedisInstance; git?: GitServer } = {};
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const results = await Promise.allSettled([
        parts.git?.close(),
        parts.kube?.stop(),
        parts.redis?.stop(),
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    })();
    return stopping;
  };
  try {
    const redisOpts = typeof opts.redis === 'object' ? opts.redis : {};
    const gitOpts = typeof opts.git === 'object' ? opts.git : {};
    // allSettled: every part that did start is recorded before any failure is handled.
    const results = await Promise.allSettled([
      (async () => {
        if (opts.redis === false) return;
        parts.redis =
          runtime === 'process' ? await startRedis(redisOpts) : await startContainerRedis();
      })(),
      (async () => {
        if (names.length === 0) return;
        parts.kube =
          runtime === 'process'
            ? await startKubeFleet({ names })
            : await startContainerKubeFleet(names);
      })(),
      (async () => {
        if (opts.git === false) return;
        parts.git = await startGitServer(gitOpts);
      })(),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { runtime, kube: parts.kube, redis: parts.redis, git: parts.git, stop };
}
