/**
 * Registration, renewal and revocation of agent certificates over real TLS on loopback
 * (docs/security.md, "Registration, renewal and revocation"): the hub's AgentLink server with the
 * binary's credentials (a client certificate requested, not required), its Registration service
 * signing with an agent CA made by openssl (test/src/fleet/certs.ts), real Redis for tokens and
 * revocations, and CSRs made with @peculiar/x509 as an agent makes them. A fresh token registers
 * once and the certificate opens a stream; used, expired and foreign tokens, a CSR naming another
 * target and a certificate of another CA are refused; a valid certificate renews; a revocation
 * ends the open stream and refuses the revoked certificate on Connect and Renew; the CA key and
 * the tokens never reach the log.
 */
import { X509Certificate, randomBytes, webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
  helloId,
  jsonLogger,
  onHubMessage,
  registrationGrpc,
  writeAgentMessage,
  type HubMessage,
  type Logger,
  type RegistrationClient,
  ERROR_CODE_METADATA_KEY,
} from '@gitfleet/proto';
import { runHubSubcommand } from '../../../hub/src/cli/hub-subcommands.ts';
import { AgentLinkServer } from '../../../hub/src/link/agent-link-server.ts';
import { RegistrationMetrics } from '../../../hub/src/link/registration-metrics.ts';
import { RevocationWatch } from '../../../hub/src/link/registration-revocations.ts';
import { RegistrationService } from '../../../hub/src/link/registration-server.ts';
import { agentLinkServerTransport } from '../../../hub/src/link/transport.ts';
import { AgentCa } from '../../../hub/src/pki/agent-ca.ts';
import { x509 } from '../../../hub/src/pki/x509.ts';
import { RedisFleetStore } from '../../../hub/src/store/fleet-store.ts';
import { RedisHubStore } from '../../../hub/src/store/redis-store.ts';
import { RedisRegistrationStore } from '../../../hub/src/store/registration-store.ts';
import { createTestPki, targetUri, type TestPki } from '../fleet/certs.ts';
import { startRedis, type RedisInstance } from '../fleet/redis.ts';

const logLines: string[] = [];
const logger: Logger = jsonLogger(
  (line) => {
    logLines.push(line);
    if (process.env['GITFLEET_TEST_LOGS'] === '1') process.stderr.write(`${line}\n`);
  },
  { level: 'debug' },
);

const CERT_TTL_MS = 3_600_000;
const declared = new Set(['c1', 'c2']);
const closers: (() => unknown)[] = [];
let redisServer: RedisInstance;
let redis: Redis;
let prefix: string;
let tokens: RedisRegistrationStore;
let pki: TestPki;
let otherPki: TestPki;
let metrics: RegistrationMetrics;
let address: string;
/** Every token created in this file (none may appear in the log). */
const issuedTokens: string[] = [];

beforeAll(async () => {
  redisServer = await startRedis({ aof: false });
  redis = new Redis(redisServer.url);
  prefix = `gfreg-${randomBytes(4).toString('hex')}:`;
  tokens = new RedisRegistrationStore({ redis, prefix });
  [pki, otherPki] = await Promise.all([createTestPki([]), createTestPki(['c1'])]);
  const hubStore = new RedisHubStore({ redis, prefix });
  metrics = new RegistrationMetrics();
  const ca = AgentCa.open(
    { certFile: pki.caFile, keyFile: pki.caKeyFile, reloadIntervalMs: 60_000 },
    logger,
  );
  const revocations = new RevocationWatch(tokens, logger, 200);
  await revocations.start();
  const registration = new RegistrationService({
    ca,
    store: tokens,
    isDeclared: (t) => declared.has(t),
    certTtlMs: CERT_TTL_MS,
    metrics,
    logger,
  });
  const transport = agentLinkServerTransport(
    {
      certFile: pki.hub.certFile,
      keyFile: pki.hub.keyFile,
      clientCaFile: pki.caFile,
      reloadIntervalMs: 60_000,
    },
    false,
    logger,
    true,
  );
  const server = new AgentLinkServer(
    { replica: 'hub-reg', heartbeatIntervalMs: 500, resendAfterMs: 1_000 },
    {
      store: hubStore,
      isDeclared: (t) => declared.has(t),
      logger,
      revocations,
      registration: registration.handlers(),
      registrationMetrics: metrics,
    },
  );
  const port = await server.listen('127.0.0.1:0', transport.credentials);
  address = `127.0.0.1:${String(port)}`;
  closers.push(
    () => server.close(),
    () => transport.close(),
    () => revocations.close(),
    () => ca.close(),
  );
});

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  redis?.disconnect();
  await redisServer?.stop();
  await pki?.remove();
  await otherPki?.remove();
});

// ------------------------------------------------------------------ the agent's side

interface AgentKey {
  readonly keys: webcrypto.CryptoKeyPair;
  readonly keyPem: string;
}

async function newKey(): Promise<AgentKey> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return { keys, keyPem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n` };
}

/** A CSR as an agent makes it: CN and URI SAN of `target` (or the names given). */
async function csrFor(
  key: AgentKey,
  target: string,
  o: { cn?: string; uris?: string[] } = {},
): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${o.cn ?? target}`,
    keys: key.keys as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        (o.uris ?? [targetUri(target)]).map((value) => ({ type: 'url' as const, value })),
      ),
    ],
  });
  return csr.toString('pem');
}

/** TLS credentials of an agent: the hub's CA, and its own certificate when it has one. */
async function creds(own?: { certPem: string; keyPem: string }): Promise<ChannelCredentials> {
  const ca = await readFile(pki.caFile);
  return own === undefined
    ? credentials.createSsl(ca)
    : credentials.createSsl(ca, Buffer.from(own.keyPem), Buffer.from(own.certPem));
}

const CHANNEL = {
  'grpc.ssl_target_name_override': 'localhost',
  'grpc.use_local_subchannel_pool': 1,
} as const;

function registrationClient(c: ChannelCredentials): RegistrationClient {
  const client = new (registrationGrpc().Client)(address, c, CHANNEL);
  closers.push(() => client.close());
  return client;
}

interface Answer {
  readonly certificatePem: string;
  readonly caPem: string;
  readonly notAfterUnixMs: number;
}
type Outcome =
  { ok: true; answer: Answer } | { ok: false; code: number; details: string; errorCode: unknown };

function settle(
  run: (
    cb: (
      err: ServiceError | null,
      res?: { certificatePem: string; caPem: string; notAfterUnixMs: string },
    ) => void,
  ) => void,
): Promise<Outcome> {
  return new Promise((resolve) =>
    run((err, res) => {
      if (err !== null) {
        resolve({
          ok: false,
          code: err.code,
          details: err.details,
          errorCode: err.metadata.get(ERROR_CODE_METADATA_KEY)[0],
        });
        return;
      }
      resolve({
        ok: true,
        answer: {
          certificatePem: res?.certificatePem ?? '',
          caPem: res?.caPem ?? '',
          notAfterUnixMs: Number(res?.notAfterUnixMs),
        },
      });
    }),
  );
}

async function register(target: string, token: string, csrPem: string): Promise<Outcome> {
  const client = registrationClient(await creds());
  return settle((cb) => client.Register({ target, token, csrPem }, cb));
}

async function renew(
  own: { certPem: string; keyPem: string } | undefined,
  csrPem: string,
): Promise<Outcome> {
  const client = registrationClient(await creds(own));
  return settle((cb) => client.Renew({ csrPem }, cb));
}

async function newToken(target: string, ttlMs = 600_000): Promise<string> {
  const { token } = await tokens.createToken(target, ttlMs, Date.now());
  issuedTokens.push(token);
  return token;
}

interface Agent {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Registers a new agent of `target`; its key and certificate. */
async function registered(target: string): Promise<Agent> {
  const key = await newKey();
  const out = await register(target, await newToken(target), await csrFor(key, target));
  if (!out.ok) throw new Error(`register ${target}: ${out.details}`);
  return { certPem: out.answer.certificatePem, keyPem: key.keyPem };
}

interface StreamOutcome {
  readonly welcomed: boolean;
  readonly code: number;
  readonly details: string;
}

/**
 * Opens an AgentLink stream and sends Hello for `target`: resolves `welcome` at the Welcome (or
 * the error ending the stream), and `ended` with the error that ends it later.
 */
async function connect(
  target: string,
  own?: Agent,
): Promise<{
  welcome: Promise<StreamOutcome>;
  ended: Promise<StreamOutcome>;
  cancel: () => void;
}> {
  const { Client } = agentLinkGrpc();
  const client = new Client(address, await creds(own), CHANNEL);
  closers.push(() => client.close());
  const stream = client.Connect(new Metadata());
  let ended!: (o: StreamOutcome) => void;
  const endedP = new Promise<StreamOutcome>((r) => (ended = r));
  const welcome = new Promise<StreamOutcome>((resolve) => {
    stream.on('error', (e: ServiceError) => {
      const o = { welcomed: false, code: e.code, details: e.details };
      resolve(o);
      ended(o);
    });
    stream.on('end', () => ended({ welcomed: true, code: status.OK, details: 'ended' }));
    onHubMessage(
      stream,
      (m: HubMessage) => {
        if (m.payload.kind === 'welcome') resolve({ welcomed: true, code: status.OK, details: '' });
      },
      () => undefined,
    );
  });
  writeAgentMessage(stream, {
    messageId: helloId(target, 'reg', 0),
    seq: 1,
    sentAtUnixMs: Date.now(),
    trace: {},
    payload: {
      kind: 'hello',
      target,
      agentVersion: 'reg-test',
      agentInstanceId: `reg-${randomBytes(3).toString('hex')}`,
      protocolVersion: PROTOCOL_VERSION,
      held: [],
    },
  });
  return { welcome, ended: endedP, cancel: () => stream.cancel() };
}

function refusedWith(out: Outcome, code: number, re: RegExp): void {
  expect(out.ok).toBe(false);
  if (out.ok) return;
  expect(out.code, out.details).toBe(code);
  expect(out.details).toMatch(re);
}

// ------------------------------------------------------------------ the tests

describe('Register', () => {
  it('signs a certificate for a fresh token, and the certificate opens a stream', async () => {
    const key = await newKey();
    const before = Date.now();
    const out = await register('c1', await newToken('c1'), await csrFor(key, 'c1'));
    expect(out.ok, out.ok ? '' : out.details).toBe(true);
    if (!out.ok) return;
    const cert = new X509Certificate(out.answer.certificatePem);
    expect(cert.subject).toBe('CN=c1');
    expect(cert.subjectAltName).toBe('URI:spiffe://gitfleet/target/c1');
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.serialNumber.replace(/^0+/, '').length).toBeGreaterThanOrEqual(28);
    expect(cert.checkIssued(new X509Certificate(await readFile(pki.caFile)))).toBe(true);
    const notBefore = Date.parse(cert.validFrom);
    expect(notBefore).toBeLessThanOrEqual(Date.now());
    expect(notBefore).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(Date.parse(cert.validTo) - notBefore).toBe(CERT_TTL_MS);
    expect(out.answer.notAfterUnixMs).toBe(Date.parse(cert.validTo));
    expect(out.answer.caPem).toBe(
      (await readFile(pki.caFile, 'utf8')).match(
        /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/,
      )?.[0],
    );
    const s = await connect('c1', { certPem: out.answer.certificatePem, keyPem: key.keyPem });
    expect(await s.welcome).toMatchObject({ welcomed: true });
    s.cancel();
    expect(logLines.join('\n')).toMatch(
      /"msg":"agent registered".*"target":"c1".*"serial":"[0-9a-f]{32}"/,
    );
  });

  it('refuses a used token, an expired one and one for another target: REGISTRATION_REFUSED', async () => {
    const key = await newKey();
    const csr = await csrFor(key, 'c1');
    const token = await newToken('c1');
    expect((await register('c1', token, csr)).ok).toBe(true);
    const used = await register('c1', token, csr);
    refusedWith(
      used,
      status.PERMISSION_DENIED,
      /^registration token already used at .*: create a new token \(gitfleet-hub registration-token --target c1/,
    );
    expect(used.ok ? undefined : used.errorCode).toBe('REGISTRATION_REFUSED');

    const expired = await newToken('c1', 1);
    await new Promise((r) => setTimeout(r, 20));
    refusedWith(
      await register('c1', expired, csr),
      status.PERMISSION_DENIED,
      /^registration token expired at/,
    );

    refusedWith(
      await register('c1', await newToken('c2'), csr),
      status.PERMISSION_DENIED,
      /^registration token is for target c2, not c1/,
    );
    refusedWith(
      await register('c1', `gfreg_${randomBytes(32).toString('base64url')}`, csr),
      status.PERMISSION_DENIED,
      /^registration token unknown/,
    );
  });

  it('refuses a CSR naming another target, and the token is spent', async () => {
    const key = await newKey();
    const token = await newToken('c1');
    refusedWith(
      await register('c1', token, await csrFor(key, 'c1', { cn: 'c2', uris: [] })),
      status.PERMISSION_DENIED,
      /CN "c2" is not target c1/,
    );
    refusedWith(
      await register('c1', token, await csrFor(key, 'c1')),
      status.PERMISSION_DENIED,
      /already used/,
    );
    refusedWith(
      await register(
        'c1',
        await newToken('c1'),
        await csrFor(key, 'c1', { uris: [targetUri('c2')] }),
      ),
      status.PERMISSION_DENIED,
      /URI SAN spiffe:\/\/gitfleet\/target\/c2 \(another target\)/,
    );
  });

  it('takes tokens from `gitfleet-hub registration-token`, which prints only the token', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      env: {},
      stdout: (l: string) => out.push(l),
      stderr: (l: string) => err.push(l),
    };
    const argv = [
      '--redis-url',
      redisServer.url,
      '--redis-prefix',
      prefix,
      '--fleet-repo',
      'ignored',
    ];
    // a fleet the hub accepted is in Redis: an undeclared target is refused
    await new RedisFleetStore({ redis, prefix }).save({
      repo: 'https://git.example/fleet.git',
      branch: 'main',
      commit: 'a'.repeat(40),
      spec: { targets: [{ name: 'c1' }], applications: [], environments: [] } as never,
      acceptedAtMs: Date.now(),
    });
    expect(
      await runHubSubcommand('registration-token', { ...io, argv: [...argv, '--target', 'c9'] }),
    ).toBe(1);
    expect(err.join('\n')).toMatch(/target c9 is not declared in the fleet the hub last accepted/);
    expect(
      await runHubSubcommand('registration-token', {
        ...io,
        argv: [...argv, '--target', 'c1', '--ttl', '10m'],
      }),
    ).toBe(0);
    expect(out).toHaveLength(1);
    const token = out[0] ?? '';
    issuedTokens.push(token);
    expect(token).toMatch(/^gfreg_[A-Za-z0-9_-]{43}$/);
    expect(err.join('\n')).not.toContain(token);
    // only the digest is in Redis
    const keys = await redis.keys(`${prefix}reg-token:*`);
    expect(keys.some((k) => k.includes(token))).toBe(false);
    expect(JSON.stringify(await Promise.all(keys.map((k) => redis.hgetall(k))))).not.toContain(
      token,
    );
    const key = await newKey();
    expect((await register('c1', token, await csrFor(key, 'c1'))).ok).toBe(true);
    expect(
      await runHubSubcommand('registration-token', {
        ...io,
        argv: [...argv, '--target', 'Not_A_Label'],
      }),
    ).toBe(2);
  });
});

describe('Connect needs a verified certificate, though the port serves Registration', () => {
  it('refuses a stream without a certificate, and one with a certificate of another CA', async () => {
    const none = await connect('c1');
    expect(await none.welcome).toMatchObject({ welcomed: false, code: status.UNAUTHENTICATED });
    const foreign = otherPki.agent('c1');
    const [certPem, keyPem] = await Promise.all([
      readFile(foreign.certFile, 'utf8'),
      readFile(foreign.keyFile, 'utf8'),
    ]);
    const other = await connect('c1', { certPem, keyPem });
    const out = await other.welcome;
    expect(out).toMatchObject({ welcomed: false, code: status.UNAUTHENTICATED });
    expect(out.details).toMatch(/^no client certificate/);
  });
});

describe('Renew', () => {
  it('signs a new certificate of the same target for a valid one', async () => {
    const agent = await registered('c2');
    const key = await newKey();
    const out = await renew(agent, await csrFor(key, 'c2'));
    expect(out.ok, out.ok ? '' : out.details).toBe(true);
    if (!out.ok) return;
    const renewed = new X509Certificate(out.answer.certificatePem);
    expect(renewed.subjectAltName).toBe('URI:spiffe://gitfleet/target/c2');
    expect(renewed.serialNumber).not.toBe(new X509Certificate(agent.certPem).serialNumber);
    const s = await connect('c2', { certPem: out.answer.certificatePem, keyPem: key.keyPem });
    expect(await s.welcome).toMatchObject({ welcomed: true });
    s.cancel();
    expect(logLines.join('\n')).toMatch(/"msg":"agent certificate renewed".*"target":"c2"/);
  });

  it('refuses a call without a certificate, and a CSR for another target', async () => {
    const key = await newKey();
    refusedWith(
      await renew(undefined, await csrFor(key, 'c2')),
      status.UNAUTHENTICATED,
      /needs the verified client certificate/,
    );
    const agent = await registered('c2');
    refusedWith(
      await renew(agent, await csrFor(key, 'c1')),
      status.PERMISSION_DENIED,
      /CN "c1" is not target c2/,
    );
  });
});

describe('revocation', () => {
  it('ends the open stream, refuses the certificate on Connect and Renew; a new registration works', async () => {
    const agent = await registered('c1');
    const s = await connect('c1', agent);
    expect(await s.welcome).toMatchObject({ welcomed: true });
    const out: string[] = [];
    expect(
      await runHubSubcommand('revoke', {
        argv: ['--redis-url', redisServer.url, '--redis-prefix', prefix, '--target', 'c1'],
        env: {},
        stdout: (l) => out.push(l),
        stderr: (l) => out.push(l),
      }),
    ).toBe(0);
    expect(out.join('\n')).toMatch(/^revoked target c1 at /);
    const started = Date.now();
    const ended = await s.ended;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ended).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(ended.details).toMatch(
      /^the client certificate of target c1 was revoked at .*new registration token/,
    );

    const again = await connect('c1', agent);
    const refused = await again.welcome;
    expect(refused).toMatchObject({ welcomed: false, code: status.PERMISSION_DENIED });
    expect(refused.details).toMatch(/was revoked at/);
    const key = await newKey();
    refusedWith(
      await renew(agent, await csrFor(key, 'c1')),
      status.PERMISSION_DENIED,
      /was revoked at/,
    );
    const m = await metrics.registry.metrics();
    expect(m).toMatch(/gitfleet_hub_link_certificate_refused_total\{reason="revoked"\} [1-9]/);
    expect(m).toMatch(/gitfleet_hub_registrations_total\{call="register",outcome="issued"\} [1-9]/);
    expect(m).toMatch(/gitfleet_hub_registrations_total\{call="renew",outcome="refused"\} [1-9]/);

    // registered after the revocation (even within its second): not revoked
    const fresh = await registered('c1');
    const s2 = await connect('c1', fresh);
    expect(await s2.welcome).toMatchObject({ welcomed: true });
    s2.cancel();
  });
});

describe('expiry', () => {
  it('ends a stream when its client certificate expires', async () => {
    // a second hub whose agent CA issues certificates of two seconds
    const ca = AgentCa.open(
      { certFile: pki.caFile, keyFile: pki.caKeyFile, reloadIntervalMs: 60_000 },
      logger,
    );
    closers.push(() => ca.close());
    const shortHub = new AgentLinkServer(
      { replica: 'hub-short', heartbeatIntervalMs: 500 },
      {
        store: new RedisHubStore({ redis, prefix }),
        isDeclared: (t) => declared.has(t),
        logger,
        registrationMetrics: metrics,
        registration: new RegistrationService({
          ca,
          store: tokens,
          isDeclared: (t) => declared.has(t),
          certTtlMs: 2_000,
          metrics,
          logger,
        }).handlers(),
      },
    );
    const transport = agentLinkServerTransport(
      {
        certFile: pki.hub.certFile,
        keyFile: pki.hub.keyFile,
        clientCaFile: pki.caFile,
        reloadIntervalMs: 60_000,
      },
      false,
      logger,
      true,
    );
    const port = await shortHub.listen('127.0.0.1:0', transport.credentials);
    closers.push(
      () => shortHub.close(),
      () => transport.close(),
    );
    const main = address;
    address = `127.0.0.1:${String(port)}`;
    try {
      const agent = await registered('c2');
      const s = await connect('c2', agent);
      expect(await s.welcome).toMatchObject({ welcomed: true });
      const ended = await s.ended;
      expect(ended).toMatchObject({ code: status.UNAUTHENTICATED });
      expect(ended.details).toMatch(
        /^the client certificate of target c2 expired at .*: the agent reconnects with its renewed certificate$/,
      );
    } finally {
      address = main;
    }
  });
});

describe('secrets', () => {
  it('never logs the agent CA key nor a registration token', async () => {
    const caKey = await readFile(pki.caKeyFile, 'utf8');
    const body = caKey.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    const log = logLines.join('\n');
    expect(issuedTokens.length).toBeGreaterThan(5);
    for (const t of issuedTokens) expect(log).not.toContain(t.slice(6));
    for (const l of body) expect(log).not.toContain(l);
    expect(log).not.toContain('gfreg_');
  });
});
