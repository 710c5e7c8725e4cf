/**
 * The testcontainers runtime of the test fleet: the same interfaces backed by @testcontainers/redis
 * and @testcontainers/k3s, for machines with a Docker engine (GITFLEET_TEST_RUNTIME=testcontainers).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { parse } from 'yaml';
import { apiRequest, type KubeCluster, type KubeFleet, type KubeResponse } from './kube.ts';
import type { RedisInstance } from './redis.ts';

const run = promisify(execFile);
export const K3S_IMAGE = process.env['GITFLEET_K3S_IMAGE'] ?? 'rancher/k3s:v1.33.4-k3s1';
export const REDIS_IMAGE = process.env['GITFLEET_REDIS_IMAGE'] ?? 'redis:7.4';

/** Throws PREREQUISITE_MISSING (one clear line) when no Docker engine is reachable. */
export async function dockerReachable(): Promise<void> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (err) {
    throw new GitfleetError(
      ErrorCode.PrerequisiteMissing,
      `GITFLEET_TEST_RUNTIME=testcontainers but no Docker engine is reachable (${err instanceof Error ? err.message : String(err)}): start Docker or unset GITFLEET_TEST_RUNTIME to use the process runtime`,
      { terminal: true, cause: err },
    );
  }
}

interface KubeconfigDoc {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

export async function startContainerRedis(): Promise<RedisInstance> {
  await dockerReachable();
  const { RedisContainer } = await import('@testcontainers/redis');
  const c = await new RedisContainer(REDIS_IMAGE)
    .withCommand(['redis-server', '--appendonly', 'yes'])
    .start();
  const port = c.getPort();
  return {
    host: c.getHost(),
    port,
    url: c.getConnectionUrl(),
    password: undefined,
    dataDir: '/data',
    async restart() {
      await c.restart();
    },
    async wipe() {
      await c.executeCliCmd('FLUSHALL');
    },
    command: (...args: string[]) => c.executeCliCmd(args[0] ?? 'PING', args.slice(1)),
    async stop() {
      await c.stop();
    },
  };
}

export async function startContainerKubeFleet(names: readonly string[]): Promise<KubeFleet> {
  await dockerReachable();
  const { K3sContainer } = await import('@testcontainers/k3s');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-k3s-'));
  const started = await Promise.all(names.map(() => new K3sContainer(K3S_IMAGE).start()));
  const clusters: KubeCluster[] = await Promise.all(
    started.map(async (c, i) => {
      const name = names[i] ?? `c${i + 1}`;
      const kubeconfig = c.getKubeConfig();
      const doc = parse(kubeconfig) as KubeconfigDoc;
      const server = doc.clusters?.[0]?.cluster?.server ?? '';
      const b64 = (s: string | undefined): string =>
        Buffer.from(s ?? '', 'base64').toString('utf8');
      const caData = b64(doc.clusters?.[0]?.cluster?.['certificate-authority-data']);
      const auth = {
        cert: b64(doc.users?.[0]?.user?.['client-certificate-data']),
        key: b64(doc.users?.[0]?.user?.['client-key-data']),
      };
      const kubeconfigPath = path.join(dir, `${name}.kubeconfig`);
      await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
      return {
        name,
        server,
        token: undefined,
        caData,
        kubeconfigPath,
        kubeconfig,
        processes: [],
        request: <T>(
          method: string,
          p: string,
          body?: unknown,
          ct?: string,
        ): Promise<KubeResponse<T>> => apiRequest<T>(server, auth, caData, method, p, body, ct),
        async kubectl(args: readonly string[]) {
          const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfigPath, ...args]);
          return stdout;
        },
        async restartApiserver() {
          await c.restart();
        },
      } satisfies KubeCluster;
    }),
  );
  return {
    clusters,
    etcdUrl: '',
    processes: [],
    binaries: {
      kubeApiserver: '',
      kubeControllerManager: '',
      kubeScheduler: '',
      kubectl: 'kubectl',
      kwok: '',
      etcd: '',
    },
    async stop() {
      await Promise.all(started.map((c) => c.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
