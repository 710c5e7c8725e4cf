/**
 * The hub's AgentLink server with the real Redis store and a real agent on a real cluster: a
 * desired state put in the store reaches the cluster and its report comes back; tokens and
 * targets are enforced; a hub restart loses nothing.
 */
import { randomBytes } from 'node:crypto';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '@gitfleet/agent';
import {
  agentLinkGrpc,
  bearerMetadata,
  contentDigest,
  helloId,
  onHubMessage,
  writeAgentMessage,
  type KubeObject,
} from '@gitfleet/proto';
import { AgentLinkServer } from '../../../hub/src/link/agent-link-server.ts';
import { RedisHubStore } from '../../../hub/src/store/redis-store.ts';
import { DEFAULT_POLICIES } from '../fleet/mini-hub.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { testSigningKey } from '../fleet/signing.ts';
import { waitFor } from '../fleet/wait.ts';
import { configMap, namespace, startAgent, testLogger, TOKEN, unique } from '../agent/harness.ts';

const OTHER_TOKEN = 'token-of-c2-0123456789abcdef';
let fleet: TestFleet;
let cluster: KubeCluster;
let redis: Redis;
let store: RedisHubStore;
let server: AgentLinkServer;
let port: number;
let agent: RunningAgent;
const declared = new Set(['c1', 'c2']);

function newServer(): AgentLinkServer {
  return new AgentLinkServer(
    { replica: 'hub-a', heartbeatIntervalMs: 1_000, resendAfterMs: 1_000 },
    {
      store,
      authenticate: (t) => (t === TOKEN ? 'c1' : t === OTHER_TOKEN ? 'c2' : undefined),
      isDeclared: (t) => declared.has(t),
      logger: testLogger(),
    },
  );
}

beforeAll(async () => {
  fleet = await startFleet({ clusters: 1, git: false });
  const c = fleet.kube?.clusters[0];
  if (c === undefined || fleet.redis === undefined) throw new Error('fleet incomplete');
  cluster = c;
  redis = new Redis(fleet.redis.url);
  // signed with the key the harness's agent pins
  store = new RedisHubStore({
    redis,
    prefix: `gf-${randomBytes(4).toString('hex')}:`,
    signingKey: testSigningKey().key,
  });
  server = newServer();
  port = await server.listen('127.0.0.1:0');
  agent = await startAgent(cluster, `127.0.0.1:${port}`);
});
afterAll(async () => {
  await agent?.close();
  await server?.close();
  redis?.disconnect();
  await fleet?.stop();
});

async function desire(
  app: string,
  objects: KubeObject[],
  revision = 'a'.repeat(40),
): Promise<number> {
  const { version } = await store.putDesired('c1', app, {
    revision,
    digest: contentDigest(objects),
    objects,
    policies: DEFAULT_POLICIES,
  });
  await server.deliver('c1', app);
  return version;
}

describe('hub AgentLink server', () => {
  it('delivers a desired state from the store to the cluster and stores the report', async () => {
    const ns = unique('hub');
    const app = unique('app');
    const version = await desire(app, [namespace(ns), configMap(ns, 'cfg', { a: '1' })]);
    const report = await waitFor(
      'a Synced report in the store',
      async () => {
        const r = await store.getReport('c1', app);
        return r?.assignmentVersion === version && r.syncState === 'Synced' ? r : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(report.objects).toHaveLength(2);
    expect((await cluster.request('GET', `/api/v1/namespaces/${ns}/configmaps/cfg`)).status).toBe(
      200,
    );
    const summary = (await store.listDesired('c1')).find((d) => d.app === app);
    expect(summary?.delivered).toBe(true);
    expect((await store.connection('c1', Date.now(), 3_000)).state).toBe('Connected');
  });

  it.each([
    ['an unknown token', 'not-a-token', 'c1', 16 /* UNAUTHENTICATED */],
    ["another target's Hello with c1's token", TOKEN, 'c2', 7 /* PERMISSION_DENIED */],
  ])('refuses %s', async (_what, token, target, code) => {
    const { Client } = agentLinkGrpc();
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const stream = client.Connect(bearerMetadata(token));
      const received: string[] = [];
      onHubMessage(
        stream,
        (m) => received.push(m.payload.kind),
        () => undefined,
      );
      const err = await new Promise<ServiceError>((resolve) => {
        stream.on('error', resolve);
        writeAgentMessage(stream, {
          messageId: helloId(target, 'probe', 0),
          seq: 1,
          sentAtUnixMs: Date.now(),
          trace: {},
          payload: {
            kind: 'hello',
            target,
            agentVersion: 'probe',
            agentInstanceId: 'probe',
            protocolVersion: 1,
            held: [],
          },
        });
      });
      expect(err.code).toBe(code);
      expect(received).not.toContain('assignment');
    } finally {
      client.close();
    }
  });

  it('refuses a target that is not declared in the fleet', async () => {
    declared.delete('c2');
    const { Client } = agentLinkGrpc();
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const stream = client.Connect(bearerMetadata(OTHER_TOKEN));
      const err = await new Promise<ServiceError>((resolve) => {
        stream.on('error', resolve);
        onHubMessage(
          stream,
          () => undefined,
          () => undefined,
        );
        writeAgentMessage(stream, {
          messageId: helloId('c2', 'probe', 0),
          seq: 1,
          sentAtUnixMs: Date.now(),
          trace: {},
          payload: {
            kind: 'hello',
            target: 'c2',
            agentVersion: 'probe',
            agentInstanceId: 'probe',
            protocolVersion: 1,
            held: [],
          },
        });
      });
      expect(err.code).toBe(7);
      expect(err.details).toMatch(/not declared/);
    } finally {
      client.close();
      declared.add('c2');
    }
  });

  it('loses nothing when the hub restarts: a change made while it was down converges after', async () => {
    const ns = unique('restart');
    const app = unique('app');
    await desire(app, [namespace(ns), configMap(ns, 'cfg', { v: '1' })]);
    await waitFor(
      'v1 synced',
      async () => (await store.getReport('c1', app))?.syncState === 'Synced',
      { timeoutMs: 20_000 },
    );
    await server.close();
    const v2 = await desire(app, [namespace(ns), configMap(ns, 'cfg', { v: '2' })]);
    server = newServer();
    await server.listen(`127.0.0.1:${port}`);
    await waitFor(
      'v2 applied after the restart',
      async () => {
        const r = await store.getReport('c1', app);
        return r?.assignmentVersion === v2 && r.syncState === 'Synced';
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const cm = await cluster.request<{ data: Record<string, string> }>(
      'GET',
      `/api/v1/namespaces/${ns}/configmaps/cfg`,
    );
    expect(cm.body.data['v']).toBe('2');
  });
});
