/**
 * Registration end to end with the real hub (runHub: Git over HTTP, Redis, gRPC with mTLS and an
 * agent CA) and a real agent on a real cluster (runAgent): the token comes from the
 * `gitfleet-hub registration-token` command; an agent holding only that token registers, connects
 * and syncs its app; its certificate (15 s) is renewed without a restart, and after the hub ends
 * the stream of the old certificate the agent reconnects with the new one and keeps syncing. A
 * second agent start with the spent token fails, saying how to get a new one.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAgentConfig, runAgent, type RunningAgent } from '@gitfleet/agent';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import {
  ErrorCode,
  isGitfleetError,
  isRegistrationToken,
  jsonLogger,
  silentLogger,
  targetUri,
} from '@gitfleet/proto';
import { createTestPki, type TestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { waitFor } from '../fleet/wait.ts';

const run = promisify(execFile);

let fleet: TestFleet;
let cluster: KubeCluster;
let pki: TestPki;
let hub: RunningHub | undefined;
let agent: RunningAgent | undefined;
let dir: string;
let hubArgv: string[] = [];
/** The agent's log, one parsed JSON line each. */
const agentLog: Record<string, unknown>[] = [];

const doc = (...lines: string[]): string =>
  ['apiVersion: gitfleet.dev/v1alpha1', ...lines, ''].join('\n');
const cm = (message: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: site, namespace: site }\ndata: { message: "${message}" }\n`;
const files = (message: string): Record<string, string> => ({
  'fleet/target.yaml': doc('kind: Target', 'metadata: { name: c1, labels: { env: prod } }'),
  'fleet/site.yaml': doc(
    'kind: Application',
    'metadata: { name: site }',
    'spec:',
    '  source: { path: apps/site }',
    '  placement: { selector: { matchLabels: { env: prod } } }',
  ),
  'apps/site/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: site }\n',
  'apps/site/cm.yaml': cm(message),
});

async function message(): Promise<string | undefined> {
  const r = await cluster.request<{ data?: Record<string, string> }>(
    'GET',
    '/api/v1/namespaces/site/configmaps/site',
  );
  return r.status === 200 ? r.body.data?.['message'] : undefined;
}

/** A registration token from the hub's command, as an operator makes one. */
async function registrationToken(target: string): Promise<string> {
  const { stdout } = await run(
    path.join(REPO_ROOT, 'hub/bin/gitfleet-hub'),
    ['registration-token', '--target', target, ...hubArgv],
    { timeout: 60_000, env: { ...process.env, GITFLEET_LOG_LEVEL: 'warn' } },
  );
  return stdout.trim();
}

/** The agent's configuration: only the hub's CA, a token file and where to keep its own files. */
function agentArgv(own: string, tokenFile: string): string[] {
  return [
    ...['--target', 'c1', '--hub', `127.0.0.1:${String(hub?.grpcPort)}`],
    ...['--hub-ca-file', pki.caFile, '--hub-server-name', 'localhost'],
    ...['--tls-cert-file', path.join(own, 'tls.crt'), '--tls-key-file', path.join(own, 'tls.key')],
    ...['--registration-token-file', tokenFile, '--tls-reload-interval-ms', '500'],
    ...['--kubeconfig', cluster.kubeconfigPath, '--http-address', '127.0.0.1:0'],
  ];
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-enroll-hub-'));
  fleet = await startFleet({ clusterNames: ['c1'] });
  const { git, kube } = fleet;
  const c = kube?.clusters[0];
  if (git === undefined || fleet.redis === undefined || c === undefined) throw new Error('fleet');
  cluster = c;
  const repoUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: files('v1'), message: 'v1' });
  // the test CA signs the hub's certificate and, as the agent CA, agents' certificates
  pki = await createTestPki([], { dir: path.join(dir, 'pki') });
  hubArgv = [
    ...['--fleet-repo', repoUrl, '--redis-url', fleet.redis.url],
    ...pki.hubArgs(),
    ...['--agent-ca-cert-file', pki.caFile, '--agent-ca-key-file', path.join(pki.dir, 'ca.key')],
    ...['--agent-cert-ttl', '15s'],
    ...['--cache-dir', path.join(dir, 'git')],
  ];
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...hubArgv,
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '1000', '--heartbeat-interval-ms', '1000'],
      ],
      env: {},
    }),
    silentLogger,
  );
}, 180_000);

afterAll(async () => {
  await agent?.close();
  await hub?.close();
  await fleet?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('an agent with only a registration token registers, syncs, renews without a restart; the spent token is refused', async () => {
  const token = await registrationToken('c1');
  expect(isRegistrationToken(token)).toBe(true);
  const tokenFile = path.join(dir, 'token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const own = path.join(dir, 'agent-1');
  await mkdir(own);

  agent = await runAgent(
    loadAgentConfig({ argv: agentArgv(own, tokenFile), env: {} }),
    jsonLogger((l) => agentLog.push(JSON.parse(l) as Record<string, unknown>), { level: 'info' }),
  );
  const first = new X509Certificate(await readFile(path.join(own, 'tls.crt')));
  expect(first.subjectAltName).toBe(`URI:${targetUri('c1')}`);
  expect(first.verify(new X509Certificate(await readFile(pki.caFile)).publicKey)).toBe(true);
  await waitFor('v1 on the cluster', async () => (await message()) === 'v1', {
    timeoutMs: 60_000,
  });
  const metrics = await (await fetch(`http://127.0.0.1:${String(agent.httpPort)}/metrics`)).text();
  expect(metrics).toContain(
    `gitfleet_agent_certificate_expiry_seconds ${String(Math.floor(first.validToDate.getTime() / 1000))}`,
  );

  // a second agent with the spent token: refused, with the hub's reason and what to do
  const other = path.join(dir, 'agent-2');
  await mkdir(other);
  const refused = await runAgent(
    loadAgentConfig({ argv: agentArgv(other, tokenFile), env: {} }),
    silentLogger,
  ).then(
    async (a) => {
      await a.close();
      return undefined;
    },
    (err: unknown) => err,
  );
  expect(isGitfleetError(refused, ErrorCode.RegistrationRefused)).toBe(true);
  expect((refused as Error).message).toContain('PERMISSION_DENIED');
  expect((refused as Error).message).toContain('gitfleet-hub registration-token --target c1');
  expect((refused as Error).message).not.toContain(token);

  // renewed at 2/3 of 15 s, without a restart; the hub ends the stream of the expired
  // certificate and the agent reconnects with the new one: a change still reaches the cluster
  await waitFor(
    'renewal',
    () => agentLog.some((r) => String(r['msg']).startsWith('client certificate renewed')),
    { timeoutMs: 20_000 },
  );
  const renewed = new X509Certificate(await readFile(path.join(own, 'tls.crt')));
  expect(renewed.serialNumber).not.toBe(first.serialNumber);
  const sessions = agent.link.sessions;
  await new Promise((r) => setTimeout(r, Math.max(0, first.validToDate.getTime() - Date.now())));
  await waitFor(
    'the link up again on the renewed certificate',
    () => agent?.link.state === 'ready' && agent.link.sessions > sessions,
    { timeoutMs: 20_000 },
  );
  await fleet.git?.commit('fleet', { files: files('v2'), message: 'v2' });
  await waitFor(
    'v2 on the cluster, after the first certificate expired',
    async () => (await message()) === 'v2',
    {
      timeoutMs: 30_000,
    },
  );
  expect(agentLog.some((r) => r['level'] === 'error')).toBe(false);
  expect(JSON.stringify(agentLog)).not.toContain(token);
}, 120_000);
