/**
 * `npm run bench -- commit-latency`: a commit → first apply on a cluster, through the real hub
 * (Git over HTTP, Redis, BullMQ, gRPC) and a real agent, by webhook and by polling.
 * - webhook_ms: commit pushed, a signed GitHub push webhook POSTed at once → the new value live
 * - poll_ms: commit pushed, no webhook → the new value live (hub polling every poll_interval_ms)
 * Median of 5 rounds each. Goal: webhook < 1 s.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { startFleet, type TestFleet } from '../src/fleet/fleet.ts';
import { waitFor } from '../src/fleet/wait.ts';

const log = (m: string): void => {
  process.stderr.write(`[bench commit-latency] ${m}\n`);
};
const ROUNDS = 5;
const POLL_INTERVAL_MS = 2_000;

function files(message: string): Record<string, string> {
  return {
    'target.yaml':
      'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: edge, labels: { env: edge } }\n',
    'app.yaml':
      'apiVersion: gitfleet.dev/v1alpha1\nkind: Application\nmetadata: { name: web }\nspec:\n  source: { path: apps/web }\n  placement: { selector: { matchLabels: { env: edge } } }\n',
    'apps/web/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: "${message}" }\n`,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

export async function run(): Promise<Record<string, unknown>> {
  let fleet: TestFleet | undefined;
  let hub: RunningHub | undefined;
  let agent: RunningAgent | undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bench-commit-'));
  try {
    fleet = await startFleet({ clusterNames: ['edge'] });
    const { git, redis, kube } = fleet;
    const cluster = kube?.clusters[0];
    if (git === undefined || redis === undefined || cluster === undefined)
      throw new Error('fleet incomplete');
    const repoUrl = await git.createRepo('fleet');
    await git.commit('fleet', { files: files('v0'), message: 'v0' });
    const token = randomBytes(16).toString('hex');
    const secret = randomBytes(16).toString('hex');
    await mkdir(path.join(dir, 'tokens'));
    await writeFile(path.join(dir, 'tokens', 'edge.token'), token);
    await writeFile(path.join(dir, 'secret'), secret);
    await writeFile(path.join(dir, 'agent.token'), token);
    hub = await runHub(
      loadHubConfig({
        argv: [
          '--fleet-repo',
          repoUrl,
          '--redis-url',
          redis.url,
          // loopback plaintext with static tokens, as the benchmark has always measured it
          ...['--insecure-plaintext', '--allow-static-tokens'],
          '--agent-tokens-dir',
          path.join(dir, 'tokens'),
          '--grpc-address',
          '127.0.0.1:0',
          '--http-address',
          '127.0.0.1:0',
          '--webhook-secret-file',
          path.join(dir, 'secret'),
          '--poll-interval-ms',
          String(POLL_INTERVAL_MS),
          '--cache-dir',
          path.join(dir, 'git'),
          '--heartbeat-interval-ms',
          '2000',
        ],
        env: {},
      }),
      silentLogger,
    );
    agent = await runAgent(
      loadAgentConfig({
        argv: [
          '--target',
          'edge',
          '--hub',
          `127.0.0.1:${hub.grpcPort}`,
          '--insecure-plaintext',
          '--token-file',
          path.join(dir, 'agent.token'),
          '--kubeconfig',
          cluster.kubeconfigPath,
        ],
        env: {},
      }),
      silentLogger,
    );
    const live = async (): Promise<string | undefined> =>
      (
        await cluster.request<{ data?: Record<string, string> }>(
          'GET',
          '/api/v1/namespaces/default/configmaps/web',
        )
      ).body.data?.['message'];
    await waitFor('v0 live', async () => (await live()) === 'v0', {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    const api = `http://127.0.0.1:${hub.httpPort}`;
    let round = 0;
    const measure = async (viaWebhook: boolean): Promise<number> => {
      const message = `r${++round}`;
      const t0 = performance.now();
      const sha = await git.commit('fleet', { files: files(message), message });
      if (viaWebhook) {
        const body = JSON.stringify({
          ref: 'refs/heads/main',
          after: sha,
          repository: { clone_url: repoUrl },
        });
        await fetch(`${api}/webhook`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
          },
          body,
        });
      }
      await waitFor(`${message} live`, async () => (await live()) === message, {
        timeoutMs: 30_000,
        intervalMs: 5,
      });
      return performance.now() - t0;
    };
    const webhook: number[] = [];
    const poll: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      webhook.push(await measure(true));
      log(`webhook round ${i + 1}: ${webhook.at(-1)?.toFixed(0)} ms`);
    }
    for (let i = 0; i < ROUNDS; i++) {
      poll.push(await measure(false));
      log(`poll round ${i + 1}: ${poll.at(-1)?.toFixed(0)} ms`);
    }
    return {
      webhook_ms: Math.round(median(webhook)),
      poll_ms: Math.round(median(poll)),
      poll_interval_ms: POLL_INTERVAL_MS,
      rounds: ROUNDS,
      webhook_max_ms: Math.round(Math.max(...webhook)),
      poll_max_ms: Math.round(Math.max(...poll)),
      goal: 'webhook < 1000 ms',
      path: 'git push → webhook → fetch → render → Redis → BullMQ → gRPC → agent SSA, all on loopback',
    };
  } finally {
    await agent?.close();
    await hub?.close();
    await fleet?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
