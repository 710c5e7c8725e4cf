/**
 * Agent test harness: one real cluster, a MiniHub speaking the real protocol, and agents run
 * in-process through the same composition root as the binary (runAgent). Agents pin the test
 * process's hub key (../fleet/signing.ts), the one a MiniHub signs with, unless told otherwise.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadAgentConfig } from '@gitfleet/agent';
import { jsonLogger, silentLogger, type KubeObject, type Logger } from '@gitfleet/proto';
import type { KubeCluster } from '../fleet/kube.ts';
import { testSigningKey } from '../fleet/signing.ts';

export const TOKEN = 'agent-test-token-0123456789';

export function testLogger(): Logger {
  return process.env['GITFLEET_TEST_LOGS'] === '1'
    ? jsonLogger((l) => process.stderr.write(`${l}\n`), { level: 'debug' })
    : silentLogger;
}

export async function startAgent(
  cluster: KubeCluster,
  hubAddress: string,
  opts: {
    target?: string;
    stateNamespace?: string;
    resyncIntervalMs?: number;
    unmanagedScanIntervalMs?: number;
    /** PEM of the hub public keys the agent pins; null: none (nothing verified). */
    hubPublicKey?: string | null;
  } = {},
): Promise<RunningAgent> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-agent-'));
  try {
    const tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    const hubPublicKey =
      opts.hubPublicKey === undefined ? testSigningKey().publicPem : opts.hubPublicKey;
    const keyFile = path.join(dir, 'hub.pub');
    if (hubPublicKey !== null) await writeFile(keyFile, hubPublicKey);
    const config = loadAgentConfig({
      argv: [
        '--target',
        opts.target ?? 'c1',
        '--hub',
        hubAddress,
        // a MiniHub (or a test's own AgentLinkServer) on loopback knows agents by static tokens
        '--insecure-plaintext',
        '--token-file',
        tokenFile,
        '--kubeconfig',
        cluster.kubeconfigPath,
        '--state-namespace',
        opts.stateNamespace ?? 'gitfleet-system',
        '--resync-interval-ms',
        String(opts.resyncIntervalMs ?? 300_000),
        '--unmanaged-scan-interval-ms',
        String(opts.unmanagedScanIntervalMs ?? 1_000),
        ...(hubPublicKey === null ? [] : ['--hub-public-key-file', keyFile]),
      ],
      env: {},
    });
    return await runAgent(config, testLogger());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function configMap(
  ns: string,
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data };
}

export function deploymentObj(ns: string, name: string, replicas = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  };
}

let n = 0;
/** A unique DNS-label name per test. */
export function unique(prefix: string): string {
  n++;
  return `${prefix}-${n}-${Math.random().toString(36).slice(2, 7)}`;
}
