/**
 * Per-agent quotas on the AgentLink stream, with real gRPC on loopback and a real Redis store
 * (proto/README.md, "Limits and quotas"): a report flood ends the stream with RESOURCE_EXHAUSTED
 * and stores nothing past the limit; reports for apps not assigned are refused and not stored;
 * oversized messages (100 MB, a compressed bomb, just over the limit) are refused while the hub
 * keeps serving; a Hello over the held-apps cap is refused; a takeover loop with a stolen token is
 * stopped and the real agent keeps its stream; the agent refuses messages for another target and
 * messages over the limit; the largest assignment the store accepts travels.
 */
import { randomBytes } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  credentials,
  status,
  type ChannelOptions,
  type ServiceError,
} from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubLink, type LinkHandler, type LinkState } from '@gitfleet/agent';
import {
  DEFAULT_STREAM_QUOTA,
  DEFAULT_TAKEOVER_POLICY,
  MAX_HELD_APPS,
  MAX_MESSAGE_BYTES,
  ackId,
  agentLinkGrpc,
  bearerMetadata,
  contentDigest,
  helloId,
  jsonLogger,
  onAgentMessage,
  onHubMessage,
  statusHash,
  statusReportId,
  welcomeId,
  writeAgentMessage,
  writeHubMessage,
  type AgentLinkServerStream,
  type AgentMessage,
  type AgentPayload,
  type HeldApp,
  type HubMessage,
  type HubPayload,
  type KubeObject,
  type Logger,
  type StatusReport,
} from '@gitfleet/proto';
import { AgentLinkServer } from '../../../hub/src/link/agent-link-server.ts';
import { linkRegistry } from '../../../hub/src/metrics.ts';
import { DEFAULT_MAX_OBJECTS_BYTES, RedisHubStore } from '../../../hub/src/store/redis-store.ts';
import { DEFAULT_POLICIES } from '../fleet/mini-hub.ts';
import { startRedis, type RedisInstance } from '../fleet/redis.ts';
import { waitFor } from '../fleet/wait.ts';

const REVISION = 'c'.repeat(40);
const MIB = 1024 * 1024;
const logLines: string[] = [];
const logger: Logger = jsonLogger(
  (line) => {
    logLines.push(line);
    if (process.env['GITFLEET_TEST_LOGS'] === '1') process.stderr.write(`${line}\n`);
  },
  { level: 'info' },
);

let redisServer: RedisInstance;
let redis: Redis;
let store: RedisHubStore;
let prefix: string;
let server: AgentLinkServer;
let address: string;
const clients: { close(): void }[] = [];

beforeAll(async () => {
  redisServer = await startRedis({ aof: false });
  redis = new Redis(redisServer.url);
  prefix = `gfq-${randomBytes(4).toString('hex')}:`;
  store = new RedisHubStore({ redis, prefix });
  server = new AgentLinkServer(
    // a long heartbeat: this process also encodes 100 MB messages, which stalls its event loop
    { replica: 'hub-q', heartbeatIntervalMs: 5_000, resendAfterMs: 1_000 },
    {
      store,
      authenticate: (t) => (t.startsWith('token-') ? t.slice('token-'.length) : undefined),
      isDeclared: () => true,
      logger,
    },
  );
  address = `127.0.0.1:${String(await server.listen('127.0.0.1:0'))}`;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
  redis?.disconnect();
  await redisServer?.stop();
});

// ------------------------------------------------------------------------------------------
// A raw agent: real gRPC, hand-written messages (what a misbehaving process with a token sends)

interface Probe {
  readonly received: HubMessage[];
  /** The stream's end: its error (code and details), or code OK when it ended cleanly. */
  readonly ended: Promise<Pick<ServiceError, 'code' | 'details'>>;
  send(payload: AgentPayload, messageId?: string): void;
  /** Sends Hello and waits for Welcome (or the end of the stream). */
  hello(instance: string, held?: readonly HeldApp[]): Promise<HubMessage | undefined>;
  close(): void;
}

function probe(target: string, options: ChannelOptions = {}): Probe {
  const { Client } = agentLinkGrpc();
  // a connection of its own, as each agent process has (grpc-js would share one between clients)
  const client = new Client(address, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    ...options,
  });
  clients.push(client);
  const stream = client.Connect(bearerMetadata(`token-${target}`));
  const received: HubMessage[] = [];
  let done = false;
  // heartbeats once Hello is out: a probe that only listens is not stale
  let heartbeat: NodeJS.Timeout | undefined;
  const ended = new Promise<Pick<ServiceError, 'code' | 'details'>>((resolve) => {
    stream.on('error', () => undefined); // the status says how it ended
    stream.on('status', (s: Pick<ServiceError, 'code' | 'details'>) => {
      done = true;
      clearInterval(heartbeat);
      resolve(s);
    });
  });
  onHubMessage(
    stream,
    (m) => received.push(m),
    () => undefined,
  );
  let seq = 0;
  const send = (payload: AgentPayload, messageId?: string): void => {
    const sequenced = payload.kind !== 'ack' && payload.kind !== 'heartbeat';
    writeAgentMessage(stream, {
      messageId:
        messageId ??
        (payload.kind === 'statusReport'
          ? statusReportId(payload)
          : `${target}.probe.${payload.kind}.${String(seq + 1)}`),
      seq: sequenced ? ++seq : 0,
      sentAtUnixMs: Date.now(),
      trace: {},
      payload,
    });
  };
  return {
    received,
    ended,
    send,
    async hello(instance, held = []) {
      send(
        {
          kind: 'hello',
          target,
          agentVersion: 'probe',
          agentInstanceId: instance,
          protocolVersion: 1,
          held,
        },
        helloId(target, instance, 0),
      );
      const welcome = await waitFor(
        `Welcome for ${target}`,
        () => received.find((m) => m.payload.kind === 'welcome') ?? (done ? 'ended' : undefined),
        { timeoutMs: 10_000, intervalMs: 10 },
      );
      if (welcome === 'ended') return undefined;
      heartbeat = setInterval(() => {
        if (!done) send({ kind: 'heartbeat' });
      }, 400);
      return welcome;
    },
    close() {
      clearInterval(heartbeat);
      stream.cancel();
      client.close();
    },
  };
}

function report(target: string, app: string, version: number, n: number): StatusReport {
  const base: Omit<StatusReport, 'statusHash'> = {
    kind: 'statusReport',
    target,
    app,
    assignmentVersion: version,
    revision: REVISION,
    contentDigest: contentDigest(objectsOf(app)),
    syncState: 'Synced',
    health: { status: 'Healthy', message: `observation ${String(n)}` },
    objects: [],
    drift: [],
    unmanaged: [],
    observedAtUnixMs: 1_000 + n,
  };
  return { ...base, statusHash: statusHash(base) };
}

function objectsOf(app: string): KubeObject[] {
  return [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: app, namespace: 'q' } }];
}

async function desire(target: string, app: string, objects = objectsOf(app)): Promise<number> {
  const { version } = await store.putDesired(target, app, {
    revision: REVISION,
    digest: contentDigest(objects),
    objects,
    policies: DEFAULT_POLICIES,
  });
  return version;
}

/** Connects, takes the plan's assignments (acks them), returns the probe. */
async function readyProbe(target: string, instance = 'probe-1'): Promise<Probe> {
  const p = probe(target);
  expect(await p.hello(instance)).toBeDefined();
  const welcome = p.received.find((m) => m.payload.kind === 'welcome');
  const planned = welcome?.payload.kind === 'welcome' ? welcome.payload.resync.assignments : [];
  for (const a of planned) {
    const msg = await waitFor(
      `assignment ${a.app}`,
      () => p.received.find((m) => m.payload.kind === 'assignment' && m.payload.app === a.app),
      { timeoutMs: 10_000, intervalMs: 10 },
    );
    p.send({ kind: 'ack', ackedMessageId: msg.messageId, ackedSeq: msg.seq }, ackId(msg.messageId));
  }
  const apps = new Set(planned.map((a) => a.app));
  await waitFor(
    `the plan of ${target} acked in the store`,
    async () =>
      (await store.listDesired(target)).every((d) => !apps.has(d.app) || d.delivered === true),
    { timeoutMs: 10_000, intervalMs: 20 },
  );
  return p;
}

function acksOf(p: Probe): Extract<HubPayload, { kind: 'ack' }>[] {
  return p.received.flatMap((m) => (m.payload.kind === 'ack' ? [m.payload] : []));
}

/** The target's keys in the store and the memory they use (MEMORY USAGE, bytes). */
async function storeFootprint(target: string): Promise<{ keys: number; bytes: number }> {
  const keys = await redis.keys(`${prefix}{${target}}*`);
  let bytes = 0;
  for (const k of keys) bytes += Number(await redis.call('MEMORY', 'USAGE', k));
  return { keys: keys.length, bytes };
}

const refused = (reason: string): number => server.metrics().refused[reason] ?? 0;

// ------------------------------------------------------------------------------------------

describe('AgentLink quotas', () => {
  it('ends a report flood with RESOURCE_EXHAUSTED, counts it, and stores nothing past the limit', async () => {
    const version = await desire('flood', 'web');
    const p = await readyProbe('flood');
    p.send(report('flood', 'web', version, 0));
    await waitFor('the first report acked', () => acksOf(p).length > 0, { timeoutMs: 10_000 });
    expect(acksOf(p)[0]?.error).toBeUndefined();
    const before = await storeFootprint('flood');
    const rateLimitedBefore = refused('rate-limit');

    const flood = 5_000;
    const startedMs = Date.now();
    for (let n = 1; n <= flood; n++) p.send(report('flood', 'web', version, n));
    const end = await p.ended;
    const elapsedS = (Date.now() - startedMs) / 1_000;
    expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(end.details).toMatch(
      /^target flood: the agent sent more than 100 messages\/s \(burst 100\d\) on one AgentLink stream/,
    );
    expect(refused('rate-limit')).toBe(rateLimitedBefore + 1);
    expect((await linkRegistry(server).metrics()).split('\n')).toContain(
      `gitfleet_hub_link_refused_total{reason="rate-limit"} ${String(rateLimitedBefore + 1)}`,
    );

    // the stored report is one the quota admitted: nothing past the limit reached Redis
    await new Promise((r) => setTimeout(r, 500));
    const stored = await store.getReport('flood', 'web');
    const storedN = Number(/observation (\d+)/.exec(stored?.health.message ?? '')?.[1]);
    const admittedAtMost =
      DEFAULT_STREAM_QUOTA.burstMessages +
      DEFAULT_STREAM_QUOTA.burstPerApp +
      DEFAULT_STREAM_QUOTA.messagesPerSecond * (elapsedS + 1);
    expect(storedN).toBeGreaterThan(0);
    expect(storedN).toBeLessThan(Math.min(flood, admittedAtMost));
    const after = await storeFootprint('flood');
    expect(after.keys).toBe(before.keys);
    expect(after.bytes - before.bytes).toBeLessThan(16 * 1024);
    expect(await redis.llen(`${prefix}{flood}:history:web`)).toBeLessThanOrEqual(50);
    p.close();

    // the target may reconnect: a fresh stream, a fresh quota
    const again = await readyProbe('flood', 'probe-2');
    again.send(report('flood', 'web', version, flood + 1));
    await waitFor('a report on the new stream', () => acksOf(again).length > 0, {
      timeoutMs: 10_000,
    });
    expect(acksOf(again)[0]?.error).toBeUndefined();
    again.close();
  });

  it('refuses reports for apps not assigned to the target (and versions never assigned) without storing them', async () => {
    const version = await desire('scope', 'web');
    const p = await readyProbe('scope');
    const before = await storeFootprint('scope');
    const unassignedBefore = refused('unassigned-app');
    const ghosts = 200;
    for (let i = 0; i < ghosts; i++) p.send(report('scope', `ghost-${String(i)}`, 1, i));
    p.send(report('scope', 'web', version + 41, 0));
    await waitFor('every report answered', () => acksOf(p).length === ghosts + 1, {
      timeoutMs: 10_000,
    });
    const acks = acksOf(p);
    expect(acks.every((a) => a.error?.code === 'NOT_FOUND')).toBe(true);
    expect(acks[0]?.error?.message).toBe(
      'report for app ghost-0 on target scope: the app is not assigned to scope; the report is dropped',
    );
    expect(acks[ghosts]?.error?.message).toBe(
      `report for app web on target scope: assignment version ${String(version + 41)} was never assigned (latest is ${String(version)}); the report is dropped`,
    );
    expect(refused('unassigned-app')).toBe(unassignedBefore + ghosts);
    expect(refused('unknown-version')).toBeGreaterThanOrEqual(1);
    expect(await store.getReport('scope', 'ghost-0')).toBeUndefined();
    expect(await store.getReport('scope', 'web')).toBeUndefined();
    expect(await storeFootprint('scope')).toEqual(before);
    expect(
      logLines.some((l) => l.includes('"msg":"report refused"') && l.includes('ghost-0')),
    ).toBe(true);

    // an assigned app's report on the same stream is stored as before
    p.send(report('scope', 'web', version, 1));
    await waitFor('the assigned report acked', () => acksOf(p).length === ghosts + 2, {
      timeoutMs: 10_000,
    });
    expect(acksOf(p)[ghosts + 1]?.error).toBeUndefined();
    expect((await store.getReport('scope', 'web'))?.app).toBe('web');

    // a report naming another target ends the stream
    p.send(report('elsewhere', 'web', version, 2));
    expect((await p.ended).code).toBe(status.PERMISSION_DENIED);
    p.close();
  });

  it.each([
    ['a 100 MB message', 100 * 1_000_000, {}],
    [
      'a 100 MB message compressed to a few hundred KB',
      100 * 1_000_000,
      { 'grpc.default_compression_algorithm': 2 },
    ],
    ['a message just over MAX_MESSAGE_BYTES', MAX_MESSAGE_BYTES + 1_024, {}],
  ])('refuses %s with RESOURCE_EXHAUSTED and keeps serving', async (what, bytes, options) => {
    const n = what.length;
    const [sender, other] = [`big-sender-${String(n)}`, `bystander-${String(n)}`];
    await desire(other, 'web');
    const bystander = await readyProbe(other);
    const p = probe(sender, options);
    expect(await p.hello('probe-1')).toBeDefined();
    const huge = report(sender, 'web', 1, 0);
    p.send({ ...huge, health: { status: 'Healthy', message: 'x'.repeat(bytes) } });
    const end = await p.ended;
    expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(end.details).toMatch(/larger than/);
    p.close();

    // the hub is healthy: the stream that was open goes on, and new streams connect
    bystander.send({ kind: 'heartbeat' });
    const heldBefore = acksOf(bystander).length;
    bystander.send(report(other, 'web', 1, 7));
    await waitFor('the bystander acked', () => acksOf(bystander).length > heldBefore, {
      timeoutMs: 10_000,
    });
    const next = probe(sender);
    expect(await next.hello('probe-2')).toBeDefined();
    expect(server.connectedTargets()).toEqual(expect.arrayContaining([other, sender]));
    next.close();
    bystander.close();
  });

  it('refuses a Hello that lists more than MAX_HELD_APPS apps, writing nothing', async () => {
    const before = await storeFootprint('hoarder');
    const limitBefore = refused('held-apps-limit');
    const held: HeldApp[] = Array.from({ length: MAX_HELD_APPS + 1 }, (_, i) => ({
      app: `held-${String(i)}`,
      assignmentVersion: 1,
      revision: REVISION,
      contentDigest: contentDigest([]),
    }));
    const p = probe('hoarder');
    expect(await p.hello('probe-1', held)).toBeUndefined();
    const end = await p.ended;
    expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(end.details).toContain(
      `hello.held lists ${String(MAX_HELD_APPS + 1)} apps, more than the limit of ${String(MAX_HELD_APPS)} (MAX_HELD_APPS)`,
    );
    expect(refused('held-apps-limit')).toBe(limitBefore + 1);
    expect(await storeFootprint('hoarder')).toEqual(before);
    expect(await redis.keys(`${prefix}{hoarder}*`)).toEqual([]);
    p.close();
  });

  it('stops a takeover loop with a stolen token: the real agent keeps its stream', async () => {
    await desire('loop', 'web');
    const held = new Map<string, Omit<HeldApp, 'statusHash'>>();
    const handler: LinkHandler = {
      held: () => [...held.values()],
      takeAssignment: (a) => {
        held.set(a.app, {
          app: a.app,
          assignmentVersion: a.version,
          revision: a.revision,
          contentDigest: a.contentDigest,
        });
        return Promise.resolve();
      },
      takeRemoval: (r) => {
        held.delete(r.app);
        return Promise.resolve();
      },
      takeSyncRequest: () => Promise.resolve(),
      reportsRequested: () => undefined,
    };
    const real = new HubLink(
      {
        address,
        target: 'loop',
        token: 'token-loop',
        agentVersion: 'real',
        backoff: { baseMs: 20, capMs: 200 },
      },
      { handler, logger },
    );
    const states: { state: LinkState; atMs: number }[] = [];
    real.onStateChange((state) => states.push({ state, atMs: Date.now() }));
    const refusedBefore = refused('takeover-limit');
    try {
      real.start();
      await waitFor('the real agent ready', () => real.state === 'ready', { timeoutMs: 10_000 });

      // the thief connects again as soon as it is pushed off, and keeps trying when refused
      const refusals: string[] = [];
      let firstRefusalMs = 0;
      let takeovers = 0;
      const deadline = Date.now() + 20_000;
      const enough = (): boolean =>
        refusals.length >= 5 && firstRefusalMs > 0 && Date.now() - firstRefusalMs > 1_500;
      while (!enough() && Date.now() < deadline) {
        const thief = probe('loop');
        const welcome = await thief.hello('thief');
        if (welcome !== undefined) takeovers++;
        const end = await thief.ended;
        thief.close();
        if (end.code === status.RESOURCE_EXHAUSTED) {
          if (refusals.length === 0) firstRefusalMs = Date.now();
          refusals.push(end.details);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(refusals.length).toBeGreaterThanOrEqual(5);
      expect(refusals[0]).toMatch(
        /^target loop: its AgentLink stream was taken over by different agent instances more than 5 times within 60 s/,
      );
      expect(takeovers).toBeLessThanOrEqual(DEFAULT_TAKEOVER_POLICY.maxTakeovers);
      expect(refused('takeover-limit')).toBe(refusedBefore + refusals.length);
      expect(server.metrics().takeovers).toBeGreaterThanOrEqual(
        DEFAULT_TAKEOVER_POLICY.maxTakeovers,
      );

      // the real agent holds the stream, and has kept it since the refusals began (once it
      // reclaimed it, when the thief held it as the penalty started)
      expect(real.state).toBe('ready');
      expect(server.connectedTargets()).toContain('loop');
      const downs = states.filter((s) => s.state === 'disconnected' && s.atMs > firstRefusalMs);
      expect(downs.length).toBeLessThanOrEqual(1);
      expect(downs.every((d) => d.atMs < firstRefusalMs + 500)).toBe(true);

      // every takeover was logged with the peers of both streams
      const logged = logLines
        .filter((l) => l.includes('taken over by another agent instance'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((r) => r['target'] === 'loop');
      expect(logged.length).toBeGreaterThanOrEqual(DEFAULT_TAKEOVER_POLICY.maxTakeovers);
      for (const r of logged) {
        expect(r['newPeer']).toMatch(/^(ipv4:)?127\.0\.0\.1:\d+$/);
        expect(r['livePeer']).toMatch(/^(ipv4:)?127\.0\.0\.1:\d+$/);
      }
    } finally {
      await real.close();
    }
  });

  it('carries the largest assignment the store accepts to the agent', async () => {
    const objects: KubeObject[] = Array.from({ length: 4 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `big-${String(i)}`, namespace: 'q' },
      data: { v: 'x'.repeat(DEFAULT_MAX_OBJECTS_BYTES / 4 - 200) },
    }));
    expect(Buffer.byteLength(JSON.stringify(objects))).toBeGreaterThan(
      DEFAULT_MAX_OBJECTS_BYTES - 1_024,
    );
    const version = await desire('largest', 'big', objects);
    const taken: number[] = [];
    const real = new HubLink(
      { address, target: 'largest', token: 'token-largest', agentVersion: 'real' },
      {
        handler: {
          held: () => [],
          takeAssignment: (a) => {
            taken.push(a.objects.length);
            return Promise.resolve();
          },
          takeRemoval: () => Promise.resolve(),
          takeSyncRequest: () => Promise.resolve(),
          reportsRequested: () => undefined,
        },
        logger,
      },
    );
    try {
      real.start();
      await waitFor(
        'the assignment acked',
        async () => (await store.listDesired('largest')).find((d) => d.app === 'big')?.delivered,
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      expect(taken).toEqual([4]);
      expect((await store.listDesired('largest'))[0]?.version).toBe(version);
    } finally {
      await real.close();
    }
  });
});

describe('resync', () => {
  it('sends an agent that lost its state (Hello holds nothing) the assignments it had acked', async () => {
    const version = await desire('wiped', 'web');
    const first = await readyProbe('wiped', 'agent-before-wipe');
    await waitFor(
      'the assignment acked',
      async () => (await store.listDesired('wiped'))[0]?.delivered,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    first.close();
    // the agent's state is gone (reinstalled, state namespace deleted): it holds nothing
    const again = probe('wiped');
    const welcome = await again.hello('agent-after-wipe');
    expect(welcome?.payload.kind === 'welcome' && welcome.payload.resync.assignments).toEqual([
      { app: 'web', version },
    ]);
    const assignment = await waitFor(
      'the assignment sent again',
      () => again.received.find((m) => m.payload.kind === 'assignment'),
      { timeoutMs: 10_000, intervalMs: 10 },
    );
    expect(assignment.messageId).toBe(`wiped.web.v${String(version)}`);
    again.close();
  });
});

// ------------------------------------------------------------------------------------------
// The agent's side, against a scripted hub

describe('the agent end of the stream', () => {
  it('refuses assignments, removals and sync requests for another target, and messages over the limit', async () => {
    const hubServer = new Server();
    const connects: AgentLinkServerStream[] = [];
    const acks: AgentMessage[] = [];
    const foreign: HubPayload[] = [
      {
        kind: 'assignment',
        target: 'c2',
        app: 'web',
        version: 1,
        revision: REVISION,
        contentDigest: contentDigest(objectsOf('web')),
        objects: objectsOf('web'),
        policies: DEFAULT_POLICIES,
      },
      { kind: 'appRemoval', target: 'c2', app: 'web', version: 2, deletion: 'delete' },
      { kind: 'syncRequest', target: 'c2', app: 'web', assignmentVersion: 1, requestId: 'r-1' },
    ];
    const bigObjects: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'huge', namespace: 'q' },
        data: { v: 'x'.repeat(MAX_MESSAGE_BYTES + MIB) },
      },
    ];
    hubServer.addService(agentLinkGrpc().service, {
      Connect: (stream: AgentLinkServerStream) => {
        connects.push(stream);
        let seq = 0;
        const write = (payload: HubPayload, messageId: string): void => {
          writeHubMessage(stream, {
            messageId,
            seq: payload.kind === 'ack' || payload.kind === 'heartbeat' ? 0 : ++seq,
            sentAtUnixMs: Date.now(),
            trace: {},
            payload,
          });
        };
        onAgentMessage(
          stream,
          (m) => {
            if (m.payload.kind === 'ack') acks.push(m);
            if (m.payload.kind !== 'hello') return;
            write(
              {
                kind: 'welcome',
                sessionId: 'c1.session.s1',
                protocolVersion: 1,
                heartbeatIntervalMs: 1_000,
                resync: { assignments: [], removals: [], reportRequests: [], upToDate: [] },
              },
              welcomeId('c1.session.s1'),
            );
            if (connects.length > 1) return;
            foreign.forEach((p, i) => write(p, `c2.web.v${String(i + 1)}.foreign`));
            // then one message over the agent's receive limit
            setTimeout(
              () =>
                write(
                  {
                    kind: 'assignment',
                    target: 'c1',
                    app: 'huge',
                    version: 1,
                    revision: REVISION,
                    contentDigest: contentDigest(bigObjects),
                    objects: bigObjects,
                    policies: DEFAULT_POLICIES,
                  },
                  'c1.huge.v1',
                ),
              300,
            );
          },
          () => undefined,
        );
        stream.on('error', () => undefined);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      hubServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const handled: string[] = [];
    const agent = new HubLink(
      {
        address: `127.0.0.1:${String(port)}`,
        target: 'c1',
        token: 'token-c1',
        agentVersion: 'real',
        backoff: { baseMs: 20, capMs: 100 },
      },
      {
        handler: {
          held: () => [],
          takeAssignment: (a) => {
            handled.push(`assignment ${a.target}/${a.app}`);
            return Promise.resolve();
          },
          takeRemoval: (r) => {
            handled.push(`removal ${r.target}/${r.app}`);
            return Promise.resolve();
          },
          takeSyncRequest: (s) => {
            handled.push(`sync ${s.target}/${s.app}`);
            return Promise.resolve();
          },
          reportsRequested: () => undefined,
        },
        logger,
      },
    );
    try {
      agent.start();
      await waitFor('three acks', () => acks.length >= 3, { timeoutMs: 10_000 });
      expect(
        acks.map((m) =>
          m.payload.kind === 'ack' ? [m.payload.ackedMessageId, m.payload.error?.code] : [],
        ),
      ).toEqual([
        ['c2.web.v1.foreign', 'PROTOCOL_VIOLATION'],
        ['c2.web.v2.foreign', 'PROTOCOL_VIOLATION'],
        ['c2.web.v3.foreign', 'PROTOCOL_VIOLATION'],
      ]);
      const first = acks[1]?.payload;
      expect(first?.kind === 'ack' && first.error?.message).toBe(
        'appRemoval for app web names target c2; this agent is c1: refused',
      );
      // the oversized assignment breaks that stream on the agent's side; the agent reconnects
      await waitFor('a reconnect', () => connects.length >= 2, { timeoutMs: 10_000 });
      expect(handled).toEqual([]);
    } finally {
      await agent.close();
      await new Promise<void>((resolve) => hubServer.tryShutdown(() => resolve()));
    }
  });
});
