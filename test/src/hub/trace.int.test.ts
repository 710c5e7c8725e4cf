/**
 * One change is one trace: a commit to the fleet repository on a real Git server,
 * seen by the real hub (resolve → render → BullMQ job → gRPC delivery), applied by a real agent on
 * a real cluster, and reported back — every span exported over OTLP/HTTP by the hub and by the
 * agent to a real loopback receiver, all in one trace, each span the child of the step before it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import {
  startOtlpCollector,
  type CollectedSpan,
  type OtlpCollector,
} from '../fleet/otlp-collector.ts';
import { waitFor } from '../fleet/wait.ts';

let fleet: TestFleet;
let cluster: KubeCluster;
let collector: OtlpCollector;
let hub: RunningHub | undefined;
let agent: RunningAgent | undefined;
let dir: string;

function files(message: string): Record<string, string> {
  return {
    'target.yaml':
      'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: edge, labels: { env: edge } }\n',
    'app.yaml':
      'apiVersion: gitfleet.dev/v1alpha1\nkind: Application\nmetadata: { name: web }\nspec:\n  source: { path: apps/web }\n  placement: { selector: { matchLabels: { env: edge } } }\n',
    'apps/web/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: traced, namespace: default }\ndata: { message: "${message}" }\n`,
  };
}

const live = async (): Promise<string | undefined> =>
  (
    await cluster.request<{ data?: Record<string, string> }>(
      'GET',
      '/api/v1/namespaces/default/configmaps/traced',
    )
  ).body.data?.['message'];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-trace-'));
  collector = await startOtlpCollector();
  fleet = await startFleet({ clusterNames: ['edge'] });
  const { git, redis, kube } = fleet;
  const c = kube?.clusters[0];
  if (git === undefined || redis === undefined || c === undefined) throw new Error('no fleet');
  cluster = c;
  const repoUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: files('v0'), message: 'v0' });
  const pki = await createTestPki(['edge'], { dir: path.join(dir, 'pki') });
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', redis.url],
        ...pki.hubArgs(),
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '60000', '--otlp-endpoint', collector.endpoint],
      ],
      env: {},
    }),
    silentLogger,
  );
  agent = await runAgent(
    loadAgentConfig({
      argv: [
        ...['--target', 'edge', '--hub', `127.0.0.1:${hub.grpcPort}`],
        ...pki.agentArgs('edge'),
        ...['--kubeconfig', cluster.kubeconfigPath],
        ...['--otlp-endpoint', collector.endpoint],
      ],
      env: {},
    }),
    silentLogger,
  );
  await waitFor('v0 live', async () => (await live()) === 'v0', { timeoutMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await agent?.close();
  await hub?.close();
  await fleet?.stop();
  await collector?.close();
  await rm(dir, { recursive: true, force: true });
});

it('one trace spans commit seen → render → job → delivery → agent apply → report', async () => {
  const sha = await fleet.git?.commit('fleet', { files: files('v1'), message: 'v1' });
  await hub?.resolver.trigger(); // what a webhook or the poll does
  await waitFor('v1 live', async () => (await live()) === 'v1', { timeoutMs: 30_000 });

  // the apply of v1, exported by the agent (batches leave every 500 ms)
  let apply: CollectedSpan | undefined;
  await waitFor(
    'the apply span of v1 and the report after it',
    () => {
      apply = collector.spans.find(
        (s) => s.name === 'gitfleet.apply' && s.attributes['gitfleet.revision'] === sha,
      );
      return (
        apply !== undefined &&
        collector.spans.some(
          (s) => s.name === 'gitfleet.report' && s.parentSpanId === apply?.spanId,
        )
      );
    },
    { timeoutMs: 15_000 },
  );
  if (apply === undefined) throw new Error('unreachable');
  const inTrace = collector.spans.filter((s) => s.traceId === apply?.traceId);
  const byId = new Map(inTrace.map((s) => [s.spanId, s]));
  const parentOf = (s: CollectedSpan): CollectedSpan | undefined => byId.get(s.parentSpanId);

  // walk up from the apply: each step is the child of the one before it
  const deliver = parentOf(apply);
  const render = deliver === undefined ? undefined : parentOf(deliver);
  const resolve = render === undefined ? undefined : parentOf(render);
  expect([resolve?.name, render?.name, deliver?.name, apply.name]).toEqual([
    'gitfleet.resolve',
    'gitfleet.render',
    'gitfleet.deliver',
    'gitfleet.apply',
  ]);
  expect(resolve?.parentSpanId).toBe(''); // the commit seen is the root
  expect(resolve?.attributes['gitfleet.fleet_commit']).toBe(sha);
  expect(render?.attributes).toMatchObject({
    'gitfleet.app': 'web',
    'gitfleet.target': 'edge',
    'gitfleet.revision': sha,
    'gitfleet.changed': true,
  });
  expect(deliver?.attributes).toMatchObject({ 'gitfleet.delivery': 'sent' });
  expect(apply.attributes).toMatchObject({ 'gitfleet.app': 'web', 'gitfleet.configured': 1 });
  // two processes' worth of spans: the hub's and the agent's
  expect(new Set(inTrace.map((s) => s.service))).toEqual(
    new Set(['gitfleet-hub', 'gitfleet-agent']),
  );
  expect(apply.service).toBe('gitfleet-agent');
  const reports = inTrace.filter((s) => s.name === 'gitfleet.report');
  expect(
    reports.every((s) => s.service === 'gitfleet-hub' && s.parentSpanId === apply?.spanId),
  ).toBe(true);
  expect(reports.map((s) => s.attributes['gitfleet.sync'])).toContain('Synced');
}, 60_000);
