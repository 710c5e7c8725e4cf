/**
 * The AgentLink port over real TLS on loopback, with certificates made by openssl per run
 * (test/src/fleet/certs.ts): the hub's AgentLinkServer with the binary's credentials
 * (hub/src/link/transport.ts) and the agent's own link and credentials (agent/src/link). An agent
 * is the target its client certificate names; another target's certificate, one of another CA, an
 * expired one, a plaintext client and (unless allowed) a static token are refused; a target that
 * leaves the fleet loses its stream; the hub's certificate rotates without a restart.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import {
  Metadata,
  credentials,
  status,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  agentLinkGrpc,
  bearerMetadata,
  contentDigest,
  helloId,
  jsonLogger,
  onHubMessage,
  writeAgentMessage,
  type Assignment,
  type HubMessage,
  type Logger,
} from '@gitfleet/proto';
import { HubLink, type LinkHandler } from '../../../agent/src/link/hub-link.ts';
import { hubLinkTransport, type HubLinkTransport } from '../../../agent/src/link/transport.ts';
import { AgentLinkServer } from '../../../hub/src/link/agent-link-server.ts';
import {
  agentLinkServerTransport,
  type AgentLinkServerTransport,
} from '../../../hub/src/link/transport.ts';
import { RedisHubStore } from '../../../hub/src/store/redis-store.ts';
import { createTestPki, targetUri, type CertFiles, type TestPki } from '../fleet/certs.ts';
import { DEFAULT_POLICIES } from '../fleet/mini-hub.ts';
import { startRedis, type RedisInstance } from '../fleet/redis.ts';
import { waitFor } from '../fleet/wait.ts';

const logLines: string[] = [];
const logger: Logger = jsonLogger(
  (line) => {
    logLines.push(line);
    if (process.env['GITFLEET_TEST_LOGS'] === '1') process.stderr.write(`${line}\n`);
  },
  { level: 'debug' },
);

let redisServer: RedisInstance;
let redis: Redis;
let store: RedisHubStore;
let pki: TestPki;
/** Another CA, and an agent certificate for c1 it signed. */
let otherPki: TestPki;
const declared = new Set(['c1', 'c2']);
const closers: (() => unknown)[] = [];

interface Hub {
  readonly server: AgentLinkServer;
  readonly transport: AgentLinkServerTransport;
  readonly address: string;
  readonly port: number;
  /** The files it serves (its own copy: a rotation writes over them). */
  readonly files: CertFiles;
}

/** An AgentLinkServer serving the PKI's hub certificate (files copied: rotation replaces them). */
async function startHub(o: { staticTokens?: boolean; reloadMs?: number } = {}): Promise<Hub> {
  const dir = path.join(pki.dir, `hub-${randomBytes(3).toString('hex')}`);
  await mkdir(dir);
  const hubFiles = await pki.issue('hub', {
    usage: 'server',
    dnsNames: ['localhost'],
    ips: ['127.0.0.1'],
    dir,
  });
  const transport = agentLinkServerTransport(
    {
      certFile: hubFiles.certFile,
      keyFile: hubFiles.keyFile,
      clientCaFile: pki.caFile,
      reloadIntervalMs: o.reloadMs ?? 60_000,
    },
    o.staticTokens === true,
    logger,
  );
  const server = new AgentLinkServer(
    { replica: 'hub-tls', heartbeatIntervalMs: 1_000, resendAfterMs: 1_000 },
    {
      store,
      ...(o.staticTokens === true
        ? { authenticate: (t: string) => (t === 'static-token-of-c2-0123' ? 'c2' : undefined) }
        : {}),
      isDeclared: (t) => declared.has(t),
      logger,
    },
  );
  const port = await server.listen('127.0.0.1:0', transport.credentials);
  closers.push(
    () => transport.close(),
    () => server.close(),
  );
  return { server, transport, address: `127.0.0.1:${String(port)}`, port, files: hubFiles };
}

/** The agent's channel credentials from files (the binary's, agent/src/link/transport.ts). */
function agentTransport(own: CertFiles | undefined, caFile = pki.caFile): HubLinkTransport {
  const t = hubLinkTransport(
    {
      caFile,
      certFile: own?.certFile,
      keyFile: own?.keyFile,
      serverName: 'localhost',
      reloadIntervalMs: 60_000,
    },
    logger,
  );
  closers.push(() => t.close());
  return t;
}

interface Outcome {
  /** Welcome received. */
  readonly welcomed: boolean;
  readonly code: number;
  readonly details: string;
}

/**
 * Opens a stream on a connection of its own, sends Hello for `target` and resolves with the
 * Welcome (the stream is then cancelled) or the error that ended the stream.
 */
async function probe(
  hub: Hub,
  creds: ChannelCredentials,
  target: string,
  o: { metadata?: Metadata; options?: Record<string, string> } = {},
): Promise<Outcome> {
  const { Client } = agentLinkGrpc();
  const client = new Client(hub.address, creds, {
    // a connection of its own (grpc-js would share one between equal clients)
    'grpc.use_local_subchannel_pool': 1,
    ...o.options,
  });
  try {
    const stream = client.Connect(o.metadata ?? new Metadata());
    return await new Promise<Outcome>((resolve) => {
      stream.on('error', (e: ServiceError) =>
        resolve({ welcomed: false, code: e.code, details: e.details }),
      );
      onHubMessage(
        stream,
        (m: HubMessage) => {
          if (m.payload.kind !== 'welcome') return;
          resolve({ welcomed: true, code: status.OK, details: '' });
          stream.cancel();
        },
        () => undefined,
      );
      writeAgentMessage(stream, {
        messageId: helloId(target, 'probe', 0),
        seq: 1,
        sentAtUnixMs: Date.now(),
        trace: {},
        payload: {
          kind: 'hello',
          target,
          agentVersion: 'probe',
          agentInstanceId: `probe-${randomBytes(3).toString('hex')}`,
          protocolVersion: PROTOCOL_VERSION,
          held: [],
        },
      });
    });
  } finally {
    client.close();
  }
}

/** A HubLink (the agent's link) for `target` that records the assignments it is given. */
function agentLink(
  hub: Hub,
  target: string,
  t: HubLinkTransport,
): { link: HubLink; got: Assignment[] } {
  const got: Assignment[] = [];
  const handler: LinkHandler = {
    held: () => [],
    takeAssignment: (a) => {
      got.push(a);
      return Promise.resolve();
    },
    takeRemoval: () => Promise.resolve(),
    takeSyncRequest: () => Promise.resolve(),
    reportsRequested: () => undefined,
  };
  const link = new HubLink(
    {
      address: hub.address,
      target,
      agentVersion: 'test',
      credentials: t.credentials,
      channelOptions: { ...t.channelOptions, 'grpc.use_local_subchannel_pool': 1 },
      backoff: { baseMs: 50, capMs: 300 },
    },
    { handler, logger },
  );
  closers.push(() => link.close());
  return { link, got };
}

beforeAll(async () => {
  redisServer = await startRedis({ aof: false });
  redis = new Redis(redisServer.url);
  store = new RedisHubStore({ redis, prefix: `gftls-${randomBytes(4).toString('hex')}:` });
  [pki, otherPki] = await Promise.all([createTestPki(['c1', 'c2']), createTestPki(['c1'])]);
});

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  redis?.disconnect();
  await redisServer?.stop();
  await pki?.remove();
  await otherPki?.remove();
});

describe('an agent is the target its client certificate names', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub();
  });

  it('serves an agent presenting its own certificate: Welcome, then its assignments', async () => {
    const { link, got } = agentLink(hub, 'c1', agentTransport(pki.agent('c1')));
    link.start();
    await waitFor('c1 ready', () => link.state === 'ready', { timeoutMs: 10_000 });
    expect(hub.server.connectedTargets()).toContain('c1');
    const objects = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tls' } }];
    await store.putDesired('c1', 'web', {
      revision: 'a'.repeat(40),
      digest: contentDigest(objects),
      objects,
      policies: DEFAULT_POLICIES,
    });
    expect(await hub.server.deliver('c1', 'web')).toBe('sent');
    await waitFor('the assignment taken', () => got.find((a) => a.app === 'web'), {
      timeoutMs: 10_000,
    });
    await link.close();
  });

  it('refuses a Hello for another target than the certificate names: PERMISSION_DENIED', async () => {
    const own = agentTransport(pki.agent('c2'));
    const out = await probe(hub, own.credentials, 'c1', { options: own.channelOptions });
    expect(out).toMatchObject({ welcomed: false, code: status.PERMISSION_DENIED });
    expect(out.details).toBe(
      "this client certificate is target c2's, not c1's: each agent presents the certificate of its own target",
    );
    expect(logLines.join('\n')).toMatch(
      /"msg":"agent refused: Hello for another target than its certificate names".*"certificate":"c2"/,
    );
  });

  it('reads the target from the CN when the certificate has no gitfleet URI SAN', async () => {
    const byCn = await pki.issue('cn-c2', { commonName: 'c2', dnsNames: ['c2.example'] });
    const t = agentTransport(byCn);
    expect(await probe(hub, t.credentials, 'c2', { options: t.channelOptions })).toMatchObject({
      welcomed: true,
    });
  });

  it('refuses a certificate that names no target, or several', async () => {
    const none = await pki.issue('no-target', { commonName: 'Not A Target' });
    const several = await pki.issue('two-targets', {
      uris: [targetUri('c1'), targetUri('c2')],
    });
    for (const [files, re] of [
      [none, /^the client certificate's CN "Not A Target" is not a target name/],
      [several, /^the client certificate names several targets \(c1, c2\)/],
    ] as const) {
      const t = agentTransport(files);
      const out = await probe(hub, t.credentials, 'c1', { options: t.channelOptions });
      expect(out).toMatchObject({ welcomed: false, code: status.PERMISSION_DENIED });
      expect(out.details).toMatch(re);
    }
  });

  it('refuses at the handshake a certificate of another CA, and an expired one', async () => {
    const expired = await pki.issue('expired-c1', { uris: [targetUri('c1')], days: 0 });
    for (const [what, files] of [
      ['another CA', otherPki.agent('c1')],
      ['expired', expired],
    ] as const) {
      const t = agentTransport(files);
      const out = await probe(hub, t.credentials, 'c1', { options: t.channelOptions });
      expect(out, what).toMatchObject({ welcomed: false, code: status.UNAVAILABLE });
    }
    expect(hub.server.connectedTargets()).not.toContain('c1');
  });

  it('refuses a client without a certificate, and a plaintext client', async () => {
    const noCert = agentTransport(undefined);
    const tokenOnly = await probe(hub, noCert.credentials, 'c2', {
      metadata: bearerMetadata('static-token-of-c2-0123'),
      options: noCert.channelOptions,
    });
    expect(tokenOnly).toMatchObject({ welcomed: false, code: status.UNAVAILABLE });
    const plaintext = await probe(hub, credentials.createInsecure(), 'c2', {
      metadata: bearerMetadata('static-token-of-c2-0123'),
    });
    expect(plaintext).toMatchObject({ welcomed: false, code: status.UNAVAILABLE });
  });

  it('ends the streams of a target that leaves the fleet, and refuses it from then on', async () => {
    const { link } = agentLink(hub, 'c2', agentTransport(pki.agent('c2')));
    const states: string[] = [];
    link.onStateChange((s) => states.push(s));
    link.start();
    await waitFor('c2 ready', () => link.state === 'ready', { timeoutMs: 10_000 });
    declared.delete('c2');
    try {
      await waitFor('c2 dropped', () => !hub.server.connectedTargets().includes('c2'), {
        timeoutMs: 5_000,
      });
      await waitFor('the agent saw its stream end', () => states.includes('disconnected'), {
        timeoutMs: 5_000,
      });
      expect(logLines.join('\n')).toMatch(
        /"msg":"target no longer declared in the fleet: ending its stream".*"target":"c2"/,
      );
      const t = agentTransport(pki.agent('c2'));
      const again = await probe(hub, t.credentials, 'c2', { options: t.channelOptions });
      expect(again).toMatchObject({ welcomed: false, code: status.PERMISSION_DENIED });
      expect(again.details).toBe('target c2 is not declared in the fleet');
    } finally {
      declared.add('c2');
      await link.close();
    }
  });
});

describe('static bearer tokens', () => {
  it('are accepted only by a hub that allows them, and only from agents without a certificate', async () => {
    const hub = await startHub({ staticTokens: true });
    const noCert = agentTransport(undefined);
    const withToken = (token: string | undefined): Promise<Outcome> =>
      probe(hub, noCert.credentials, 'c2', {
        ...(token === undefined ? {} : { metadata: bearerMetadata(token) }),
        options: noCert.channelOptions,
      });
    expect(await withToken('static-token-of-c2-0123')).toMatchObject({ welcomed: true });
    expect(await withToken('not-a-token-of-anyone')).toMatchObject({
      welcomed: false,
      code: status.UNAUTHENTICATED,
      details: 'unknown bearer token',
    });
    expect(await withToken(undefined)).toMatchObject({
      code: status.UNAUTHENTICATED,
      details: 'no client certificate and no bearer token',
    });
    // a certificate decides alone: c1's certificate with c2's token is c1
    const c1 = agentTransport(pki.agent('c1'));
    const both = await probe(hub, c1.credentials, 'c2', {
      metadata: bearerMetadata('static-token-of-c2-0123'),
      options: c1.channelOptions,
    });
    expect(both).toMatchObject({ code: status.PERMISSION_DENIED });
    // a certificate of another CA verifies nothing: it counts as none, the token decides
    const foreign = agentTransport(otherPki.agent('c1'));
    expect(
      await probe(hub, foreign.credentials, 'c2', {
        metadata: bearerMetadata('static-token-of-c2-0123'),
        options: foreign.channelOptions,
      }),
    ).toMatchObject({ welcomed: true });
  });
});

describe("rotation of the hub's certificate", () => {
  /** The fingerprint of the certificate the hub presents to a new connection. */
  async function servedFingerprint(hub: Hub): Promise<string> {
    const own = pki.agent('c1');
    const [ca, cert, key] = await Promise.all(
      [pki.caFile, own.certFile, own.keyFile].map((f) => readFile(f)),
    );
    return new Promise((resolve, reject) => {
      const socket = tlsConnect(
        {
          host: '127.0.0.1',
          port: hub.port,
          servername: 'localhost',
          ca,
          cert,
          key,
          ALPNProtocols: ['h2'],
        },
        () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.destroy();
        },
      );
      socket.on('error', reject);
    });
  }

  it('serves new connections the replaced files without a restart; connected agents stay', async () => {
    const hub = await startHub({ reloadMs: 200 });
    const before = await servedFingerprint(hub);
    expect(before).toBe(new X509Certificate(await readFile(hub.files.certFile)).fingerprint256);
    const { link } = agentLink(hub, 'c1', agentTransport(pki.agent('c1')));
    link.start();
    await waitFor('c1 ready', () => link.state === 'ready', { timeoutMs: 10_000 });

    // a renewed certificate with a new key, written over the served files as a Secret update is
    const renewed = await pki.issue('hub-renewed', {
      usage: 'server',
      dnsNames: ['localhost'],
      ips: ['127.0.0.1'],
    });
    const renewedFingerprint = new X509Certificate(await readFile(renewed.certFile)).fingerprint256;
    await copyFile(renewed.keyFile, hub.files.keyFile);
    await copyFile(renewed.certFile, hub.files.certFile);
    await waitFor(
      'the renewed certificate served to a new connection',
      async () => (await servedFingerprint(hub)) === renewedFingerprint,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(renewedFingerprint).not.toBe(before);
    expect(logLines.join('\n')).toMatch(/"msg":"TLS files changed: new connections use them"/);
    // the agent connected before keeps its stream; a new one verifies the renewed certificate
    expect(link.state).toBe('ready');
    expect(link.sessions).toBe(1);
    const t = agentTransport(pki.agent('c2'));
    expect(await probe(hub, t.credentials, 'c2', { options: t.channelOptions })).toMatchObject({
      welcomed: true,
    });
    await link.close();
  });
});
