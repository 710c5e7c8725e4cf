/**
 * Two hub replicas on one Redis: whichever replica resolves a commit and whichever processes its
 * delivery job, the agent — connected to only one of them — converges (the queue spreads jobs; a
 * replica without the stream nudges the others through Redis pub/sub).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { testLogger } from '../agent/harness.ts';
import { createTestPki, type TestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { waitFor } from '../fleet/wait.ts';

let fleet: TestFleet;
let dir: string;
/** Both replicas serve the same certificate; the agent's names edge. */
let pki: TestPki;
const hubs: RunningHub[] = [];
let agent: RunningAgent | undefined;

function files(message: string): Record<string, string> {
  return {
    'target.yaml':
      'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: edge, labels: { env: edge } }\n',
    'app.yaml': [
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Application',
      'metadata: { name: web }',
      'spec:',
      '  source: { path: apps/web }',
      '  placement: { selector: { matchLabels: { env: edge } } }',
      '',
    ].join('\n'),
    'apps/web/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { message: "${message}" }\n`,
  };
}

beforeAll(async () => {
  fleet = await startFleet({ clusterNames: ['edge'] });
  if (fleet.git === undefined || fleet.redis === undefined || fleet.kube === undefined)
    throw new Error('fleet incomplete');
  await fleet.git.createRepo('fleet');
  await fleet.git.commit('fleet', { files: files('v1'), message: 'v1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-replicas-'));
  pki = await createTestPki(['edge'], { dir: path.join(dir, 'pki') });
  for (const replica of ['hub-a', 'hub-b']) {
    const config = loadHubConfig({
      argv: [
        '--fleet-repo',
        fleet.git.repoUrl('fleet'),
        '--redis-url',
        fleet.redis.url,
        ...pki.hubArgs(),
        '--grpc-address',
        '127.0.0.1:0',
        '--http-address',
        '127.0.0.1:0',
        '--replica',
        replica,
        '--cache-dir',
        path.join(dir, `${replica}-git`),
        '--heartbeat-interval-ms',
        '1000',
        '--poll-interval-ms',
        '600000',
      ],
      env: {},
    });
    hubs.push(await runHub(config, testLogger()));
  }
  const b = hubs[1];
  const c = fleet.kube.clusters[0];
  if (b === undefined || c === undefined) throw new Error('setup');
  agent = await runAgent(
    loadAgentConfig({
      argv: [
        '--target',
        'edge',
        '--hub',
        `127.0.0.1:${b.grpcPort}`,
        ...pki.agentArgs('edge'),
        '--kubeconfig',
        c.kubeconfigPath,
      ],
      env: {},
    }),
    testLogger(),
  );
});
afterAll(async () => {
  await agent?.close();
  await Promise.all(hubs.map((h) => h.close()));
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('an agent on replica B converges on commits resolved by either replica', async () => {
  const c = fleet.kube?.clusters[0];
  const git = fleet.git;
  const [a, b] = hubs;
  if (c === undefined || git === undefined || a === undefined || b === undefined)
    throw new Error('setup');
  const live = async (): Promise<string | undefined> =>
    (
      await c.request<{ data?: Record<string, string> }>(
        'GET',
        '/api/v1/namespaces/default/configmaps/web',
      )
    ).body.data?.['message'];
  await waitFor('v1 on edge', async () => (await live()) === 'v1', {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  expect(b.link.connectedTargets()).toEqual(['edge']);
  expect(a.link.connectedTargets()).toEqual([]);
  for (const [i, resolver] of [a.resolver, b.resolver, a.resolver].entries()) {
    const message = `v${i + 2}`;
    await git.commit('fleet', { files: files(message), message });
    await resolver.trigger();
    await waitFor(
      `${message} on edge (resolved by replica ${resolver === a.resolver ? 'A' : 'B'})`,
      async () => (await live()) === message,
      {
        timeoutMs: 20_000,
        intervalMs: 100,
      },
    );
  }
});

it('when the replica an agent is connected to dies, the agent converges through the other', async () => {
  const c = fleet.kube?.clusters[0];
  const git = fleet.git;
  const [a, b] = hubs;
  if (c === undefined || git === undefined || a === undefined || b === undefined)
    throw new Error('setup');
  // restart the agent knowing both replicas, B first
  await agent?.close();
  agent = await runAgent(
    loadAgentConfig({
      argv: [
        '--target',
        'edge',
        '--hub',
        `127.0.0.1:${b.grpcPort},127.0.0.1:${a.grpcPort}`,
        ...pki.agentArgs('edge'),
        '--kubeconfig',
        c.kubeconfigPath,
      ],
      env: {},
    }),
    testLogger(),
  );
  await waitFor('agent on B', () => b.link.connectedTargets().includes('edge'), {
    timeoutMs: 15_000,
  });
  await b.close();
  await git.commit('fleet', { files: files('after-failover'), message: 'after failover' });
  await a.resolver.trigger();
  await waitFor('agent moved to A', () => a.link.connectedTargets().includes('edge'), {
    timeoutMs: 30_000,
  });
  await waitFor(
    'the commit lands through replica A',
    async () =>
      (
        await c.request<{ data?: Record<string, string> }>(
          'GET',
          '/api/v1/namespaces/default/configmaps/web',
        )
      ).body.data?.['message'] === 'after-failover',
    { timeoutMs: 30_000, intervalMs: 100 },
  );
});
