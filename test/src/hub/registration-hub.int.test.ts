/**
 * Registration through the hub's composition root (hub/src/run.ts) with an agent CA: the admin
 * API route and the `gitfleet` CLI create a registration token, an agent registers with it on the
 * AgentLink port and connects with its certificate, `gitfleet revoke` ends its stream, and
 * `/metrics` counts both. A token of scope operate is refused (403), an undeclared target is 404.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  agentLinkGrpc,
  helloId,
  onHubMessage,
  registrationGrpc,
  writeAgentMessage,
  type HubMessage,
} from '@gitfleet/proto';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { runCli } from '../../../hub/src/cli/cli.ts';
import { x509 } from '../../../hub/src/pki/x509.ts';
import { testLogger } from '../agent/harness.ts';
import { writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki, targetUri, type TestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { waitFor } from '../fleet/wait.ts';

let fleet: TestFleet;
let dir: string;
let pki: TestPki;
let tokens: ApiTokens;
let hub: RunningHub;
let api: string;

beforeAll(async () => {
  fleet = await startFleet({ clusters: 0 });
  if (fleet.git === undefined || fleet.redis === undefined) throw new Error('fleet incomplete');
  const repoUrl = await fleet.git.createRepo('fleet');
  await fleet.git.commit('fleet', {
    files: {
      'targets.yaml':
        'apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata: { name: edge, labels: { env: prod } }\n',
    },
    message: 'one target',
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-registration-hub-'));
  tokens = await writeApiTokens(dir);
  pki = await createTestPki([], { dir: path.join(dir, 'pki') });
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', fleet.redis.url],
        ...['--redis-prefix', `gf-${randomBytes(4).toString('hex')}:`],
        ...pki.hubArgs(),
        ...['--agent-ca-cert-file', pki.caFile, '--agent-ca-key-file', pki.caKeyFile],
        ...['--agent-cert-ttl', '1h'],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--cache-dir', path.join(dir, 'git'), '--heartbeat-interval-ms', '500'],
        ...['--api-tokens-file', tokens.file],
      ],
      env: {},
    }),
    testLogger(),
  );
  api = `http://127.0.0.1:${String(hub.httpPort)}`;
  await waitFor('the fleet in force', async () => (await fetch(`${api}/readyz`)).status === 200, {
    timeoutMs: 30_000,
  });
});

afterAll(async () => {
  await hub?.close();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** `gitfleet ARGS` in-process with an API token; exit code and output. */
async function gitfleet(
  args: readonly string[],
  token: string,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli({
    argv: [...args, '--hub', api],
    env: { GITFLEET_API_TOKEN: token },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    isTTY: false,
    now: Date.now,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const CHANNEL = {
  'grpc.ssl_target_name_override': 'localhost',
  'grpc.use_local_subchannel_pool': 1,
} as const;

async function registerEdge(token: string): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=edge',
    keys: keys as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: targetUri('edge') }]),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  const client = new (registrationGrpc().Client)(
    `127.0.0.1:${String(hub.grpcPort)}`,
    credentials.createSsl(await readFile(pki.caFile)),
    CHANNEL,
  );
  try {
    const certPem = await new Promise<string>((resolve, reject) =>
      client.Register({ target: 'edge', token, csrPem: csr.toString('pem') }, (e, r) =>
        e === null ? resolve(r?.certificatePem ?? '') : reject(e),
      ),
    );
    return { certPem, keyPem };
  } finally {
    client.close();
  }
}

describe('registration through the hub', () => {
  it('admin API and CLI: token, register, connect, revoke; metrics count them', async () => {
    const refused = await fetch(`${api}/api/v1/targets/edge/registration-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.operate}` },
    });
    expect(refused.status).toBe(403);
    const undeclared = await fetch(`${api}/api/v1/targets/nowhere/registration-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ttl: '10m' }),
    });
    expect(undeclared.status).toBe(404);
    const badTtl = await fetch(`${api}/api/v1/targets/edge/registration-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}` },
      body: JSON.stringify({ ttl: '30d' }),
    });
    expect(badTtl.status).toBe(400);
    const viaApi = await fetch(`${api}/api/v1/targets/edge/registration-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}` },
      body: JSON.stringify({ ttl: '10m' }),
    });
    expect(viaApi.status).toBe(201);
    const body = (await viaApi.json()) as { token: string; target: string; expiresAt: string };
    expect(body).toMatchObject({
      target: 'edge',
      token: expect.stringMatching(/^gfreg_/) as unknown,
    });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);

    const cli = await gitfleet(['registration-token', 'edge', '--ttl', '5m'], tokens.admin);
    expect(cli.code, cli.err).toBe(0);
    expect(cli.out).toMatch(/^gfreg_[A-Za-z0-9_-]{43}$/);

    await registerEdge(body.token);
    const agent = await registerEdge(cli.out);
    const { Client } = agentLinkGrpc();
    const link = new Client(
      `127.0.0.1:${String(hub.grpcPort)}`,
      credentials.createSsl(
        await readFile(pki.caFile),
        Buffer.from(agent.keyPem),
        Buffer.from(agent.certPem),
      ),
      CHANNEL,
    );
    try {
      const stream = link.Connect(new Metadata());
      const welcomed = new Promise<void>((resolve) =>
        onHubMessage(
          stream,
          (m: HubMessage) => m.payload.kind === 'welcome' && resolve(),
          () => undefined,
        ),
      );
      const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
      writeAgentMessage(stream, {
        messageId: helloId('edge', 'reg', 0),
        seq: 1,
        sentAtUnixMs: Date.now(),
        trace: {},
        payload: {
          kind: 'hello',
          target: 'edge',
          agentVersion: 'reg-test',
          agentInstanceId: 'reg-hub',
          protocolVersion: PROTOCOL_VERSION,
          held: [],
        },
      });
      await welcomed;
      const revoked = await gitfleet(['revoke', 'edge', '-o', 'json'], tokens.admin);
      expect(revoked.code, revoked.err).toBe(0);
      expect(JSON.parse(revoked.out)).toMatchObject({ target: 'edge' });
      const e = await ended;
      expect(e.code).toBe(status.PERMISSION_DENIED);
      expect(e.details).toMatch(/was revoked at/);
    } finally {
      link.close();
    }
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(
      /gitfleet_hub_registrations_total\{call="register",outcome="issued"\} 2/,
    );
    expect(metrics).toMatch(/gitfleet_hub_link_certificate_refused_total\{reason="revoked"\} 1/);
    const operate = await gitfleet(['revoke', 'edge'], tokens.operate);
    expect(operate.code).toBe(1);
  });
});
