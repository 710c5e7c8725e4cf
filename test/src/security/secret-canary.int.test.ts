/**
 * Secret values stay where they belong. Random canary values are planted in Secrets of the fleet
 * repository (`stringData`, and `data` as base64), synced by the real hub and agent binaries (mTLS,
 * signed desired state, API tokens) to a real cluster, then drifted by hand to another canary; other
 * applications fail with the canary in them — a YAML syntax error (the hub's render), a Secret of
 * the wrong shape (the agent's validation) and undecodable `data` (the API server's apply). Then
 * everything an operator or an attacker with read access could see is collected:
 *
 * - every log line of hub and agent (at trace level),
 * - every answer of the hub's HTTP API: each GET route of its OpenAPI document, for every
 *   application, with an admin token (status, fleet, drift, history, diff, rollouts, …), and the
 *   hub's and agent's /metrics,
 * - every OTLP export request of both (span names, attributes, events, status),
 * - every Redis key and value (reports, history, drift, connection state, queues, rollouts …),
 *
 * and none may hold a canary, plain or base64. The one exclusion: the `objects` field of each
 * `<prefix>{<target>}:app:<app>` hash. It is the desired state itself — the gzip of the rendered
 * objects, Secrets included — held so that the hub can deliver them to the agent, whose cluster is
 * where the Secret is meant to be (docs/security.md, "Threat model"). The test checks that it does
 * hold the canary, so the scan is seen to read compressed values.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { NO_HUB_ENV } from '../fleet/hub-env.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { startOtlpCollector, type OtlpCollector } from '../fleet/otlp-collector.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { freePorts } from '../fleet/ports.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { writeSigningKey } from '../fleet/signing.ts';
import { waitFor } from '../fleet/wait.ts';
import { dumpRedis, leaksIn, needlesOf, type Needle } from './leak-scan.ts';

const HUB_BIN = path.join(REPO_ROOT, 'hub/bin/gitfleet-hub');
const AGENT_BIN = path.join(REPO_ROOT, 'agent/bin/gitfleet-agent');
const TARGET = 'edge';
const APPS = ['vault', 'broken', 'invalid', 'undecodable'] as const;

const canary = (): string => `canary-${randomBytes(12).toString('hex')}`;
/** In the Secret of an older commit only (seen by a diff against that commit). */
const OLD = canary();
/** In every Secret of the head commit. */
const PLANTED = canary();
/** Written into the live Secret by hand (drift). */
const DRIFTED = canary();
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const NEEDLES: readonly Needle[] = [
  ...needlesOf('the old canary', OLD),
  ...needlesOf('the planted canary', PLANTED),
  ...needlesOf('the drifted canary', DRIFTED),
];

/** The Redis hash field that carries the desired objects to the agent (see the file comment). */
const DESIRED_OBJECTS = { key: /^gitfleet:\{[a-z0-9-]+\}:app:[a-z0-9-]+$/, field: 'objects' };

const doc = (...lines: string[]): string => [...lines, ''].join('\n');
const application = (name: string, rollout = false): string =>
  doc(
    'apiVersion: gitfleet.dev/v1alpha1',
    'kind: Application',
    `metadata: { name: ${name} }`,
    'spec:',
    `  source: { path: apps/${name}/manifests }`,
    '  placement: { selector: { matchLabels: {} } }',
    ...(rollout ? ['  rollout:', '    waves: [{ name: all, selector: { matchLabels: {} } }]'] : []),
  );
const namespace = (name: string): string =>
  doc('apiVersion: v1', 'kind: Namespace', `metadata: { name: ${name} }`);
const secretHead = (ns: string): string[] => [
  'apiVersion: v1',
  'kind: Secret',
  `metadata: { name: creds, namespace: ${ns} }`,
];

/** The body; of an event stream (GET /api/v1/events), its first event, then the stream is dropped. */
async function bodyOf(res: Response): Promise<string> {
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return res.text();
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes('\n\n')) break; // leaving the loop cancels the stream
  }
  return text;
}

function fleetFiles(value: string): Record<string, string> {
  return {
    'targets/edge.yaml': doc(
      'apiVersion: gitfleet.dev/v1alpha1',
      'kind: Target',
      `metadata: { name: ${TARGET}, labels: { env: ${TARGET} } }`,
    ),
    'apps/vault/application.yaml': application('vault', true),
    'apps/vault/manifests/namespace.yaml': namespace('vault'),
    'apps/vault/manifests/secret.yaml': doc(
      ...secretHead('vault'),
      'type: Opaque',
      `stringData: { password: "${value}" }`,
      `data: { token: "${b64(value)}" }`,
    ),
    // the hub cannot read it: a double-quoted scalar that never closes, on the canary's line
    'apps/broken/application.yaml': application('broken'),
    'apps/broken/manifests/secret.yaml': doc(
      ...secretHead('broken'),
      'stringData:',
      `  password: "${value}`,
      '  user: admin',
    ),
    // the agent's validation refuses it: stringData written as one string, not a map
    'apps/invalid/application.yaml': application('invalid'),
    'apps/invalid/manifests/namespace.yaml': namespace('invalid'),
    'apps/invalid/manifests/secret.yaml': doc(
      ...secretHead('invalid'),
      `stringData: "password=${value}"`,
    ),
    // the API server refuses it: data that is not base64
    'apps/undecodable/application.yaml': application('undecodable'),
    'apps/undecodable/manifests/namespace.yaml': namespace('undecodable'),
    'apps/undecodable/manifests/secret.yaml': doc(
      ...secretHead('undecodable'),
      `data: { token: "${value}" }`,
    ),
  };
}

let fleet: TestFleet;
let cluster: KubeCluster;
let collector: OtlpCollector;
let tokens: ApiTokens;
let dir: string;
let repoUrl = '';
let oldCommit = '';
let headCommit = '';
const procs: ManagedProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-canary-'));
  collector = await startOtlpCollector();
  fleet = await startFleet({ clusterNames: [TARGET] });
  const c = fleet.kube?.clusters[0];
  if (c === undefined || fleet.git === undefined) throw new Error('fleet incomplete');
  cluster = c;
  repoUrl = await fleet.git.createRepo('fleet');
  oldCommit = await fleet.git.commit('fleet', {
    files: fleetFiles(OLD),
    message: 'vault, broken, invalid, undecodable',
  });
  headCommit = await fleet.git.commit('fleet', {
    files: fleetFiles(PLANTED),
    message: 'new values',
  });
  tokens = await writeApiTokens(dir);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(procs.map((p) => p.stop()));
  await fleet?.stop();
  await collector?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface StatusRow {
  app: string;
  sync: string;
  revision?: string;
  error?: { code: string; message: string };
}
interface DriftItem {
  app: string;
  action: string;
  ref: { kind: string; name: string };
  changes: { path: string; desired?: unknown; live?: unknown }[];
}
interface OpenApiDoc {
  paths: Record<string, { get?: { parameters?: { name: string; required?: boolean }[] } }>;
}

it('no canary of a Secret in logs, API answers, traces or Redis (but the desired objects)', async () => {
  const { git, redis } = fleet;
  if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
  const [grpcPort = 0, httpPort = 0, agentHttpPort = 0] = await freePorts(3);
  const api = `http://127.0.0.1:${String(httpPort)}`;
  const pki = await createTestPki([TARGET], { dir: path.join(dir, 'pki') });
  const signing = await writeSigningKey(dir);
  const hub = await spawnManaged('gitfleet-hub', HUB_BIN, {
    logDir: dir,
    env: {
      ...NO_HUB_ENV,
      GITFLEET_FLEET_REPO: repoUrl,
      GITFLEET_REDIS_URL: redis.url,
      ...pki.hubEnv(),
      GITFLEET_SIGNING_KEY_FILE: signing.keyFile,
      GITFLEET_API_TOKENS_FILE: tokens.file,
      GITFLEET_GRPC_ADDRESS: `127.0.0.1:${String(grpcPort)}`,
      GITFLEET_HTTP_ADDRESS: `127.0.0.1:${String(httpPort)}`,
      GITFLEET_HUB_CACHE_DIR: path.join(dir, 'hub-git-cache'),
      GITFLEET_POLL_INTERVAL_MS: '60000',
      GITFLEET_HEARTBEAT_INTERVAL_MS: '1000',
      GITFLEET_ROLLOUT_INTERVAL_MS: '200',
      GITFLEET_OTLP_ENDPOINT: collector.endpoint,
      GITFLEET_LOG_LEVEL: 'trace',
    },
  });
  procs.push(hub);
  const agent = await spawnManaged('gitfleet-agent', AGENT_BIN, {
    logDir: dir,
    env: {
      GITFLEET_TARGET: TARGET,
      GITFLEET_HUB_ADDRESS: `127.0.0.1:${String(grpcPort)}`,
      ...pki.agentEnv(TARGET),
      GITFLEET_HUB_PUBLIC_KEY_FILE: signing.publicKeyFile,
      KUBECONFIG: cluster.kubeconfigPath,
      GITFLEET_HTTP_ADDRESS: `127.0.0.1:${String(agentHttpPort)}`,
      GITFLEET_OTLP_ENDPOINT: collector.endpoint,
      GITFLEET_LOG_LEVEL: 'trace',
      GITFLEET_CONFIG: undefined,
    },
  });
  procs.push(agent);
  const alive = (): string | undefined =>
    !hub.running
      ? `the hub exited: ${hub.tail()}`
      : !agent.running
        ? `the agent exited: ${agent.tail()}`
        : undefined;
  const admin = { headers: bearer(tokens.admin) };
  const getJson = async <T>(route: string): Promise<T> => {
    const res = await fetch(`${api}${route}`, admin);
    if (!res.ok) throw new Error(`GET ${route}: ${String(res.status)} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const status = async (): Promise<Map<string, StatusRow>> => {
    const { items } = await getJson<{ items: StatusRow[] }>(`/api/v1/status?target=${TARGET}`);
    return new Map(items.map((r) => [r.app, r]));
  };
  const liveToken = async (): Promise<string | undefined> =>
    (
      await cluster.request<{ data?: Record<string, string> }>(
        'GET',
        '/api/v1/namespaces/vault/secrets/creds',
      )
    ).body.data?.['token'];

  // 1. Synced, and each failure reported where it belongs.
  await waitFor(
    'vault synced; invalid and undecodable failed',
    async () => {
      const rows = await status();
      const vault = rows.get('vault');
      return (
        vault?.sync === 'Synced' &&
        vault.revision === headCommit &&
        rows.get('invalid')?.error !== undefined &&
        /base64/.test(rows.get('undecodable')?.error?.message ?? '')
      );
    },
    { timeoutMs: 40_000, intervalMs: 200, abortIf: alive },
  );
  expect(await liveToken()).toBe(b64(PLANTED));
  const live = await cluster.request<{ data?: Record<string, string> }>(
    'GET',
    '/api/v1/namespaces/vault/secrets/creds',
  );
  expect(live.body.data?.['password']).toBe(b64(PLANTED));
  // each failure is the one meant: the hub's render, the agent's validation, the API server's apply
  const fleetStatus = await getJson<{ failures?: { app: string; message: string }[] }>(
    '/api/v1/fleet',
  );
  expect(fleetStatus.failures?.find((f) => f.app === 'broken')?.message).toMatch(/not valid YAML/);
  const failed = await status();
  expect(failed.get('invalid')?.error).toMatchObject({
    code: 'MANIFEST_INVALID',
    message: expect.stringMatching(/\/stringData: must be object/) as unknown,
  });
  expect(failed.get('undecodable')?.error?.message).toMatch(/base64/);

  // 2. Drift by hand: both values of the live Secret become another canary; the agent puts them back.
  await cluster.kubectl([
    ...['-n', 'vault', 'patch', 'secret', 'creds', '--type=merge', '-p'],
    JSON.stringify({ data: { token: b64(DRIFTED), password: b64(DRIFTED) } }),
  ]);
  const drift = await waitFor(
    'the corrected drift of the Secret in /api/v1/drift',
    async () => {
      const { items } = await getJson<{ items: DriftItem[] }>(
        `/api/v1/drift?target=${TARGET}&app=vault`,
      );
      return items.find((d) => d.ref.kind === 'Secret' && d.action === 'corrected');
    },
    { timeoutMs: 20_000, intervalMs: 200, abortIf: alive },
  );
  expect(drift.changes.map((c) => c.path)).toEqual(
    expect.arrayContaining(['/data/token', '/stringData/password']),
  );
  for (const change of drift.changes) expect(String(change.live)).toMatch(/^\*\*\* sha256:/);
  await waitFor('the Secret corrected', async () => (await liveToken()) === b64(PLANTED), {
    timeoutMs: 10_000,
    abortIf: alive,
  });

  // 3. Every GET route of the hub's OpenAPI document (the API, probes, metrics), for every
  // application, as an admin; and the agent's metrics.
  const openapi = await getJson<OpenApiDoc>('/api/v1/openapi.json');
  const answers: { route: string; status: number; body: string }[] = [];
  const values: Record<string, readonly string[]> = {
    app: APPS,
    target: [TARGET],
    revision: [oldCommit, headCommit],
  };
  for (const [route, item] of Object.entries(openapi.paths)) {
    if (item.get === undefined) continue;
    const params = (item.get.parameters ?? []).filter((p) => p.name in values);
    let queries: string[][] = [[]];
    for (const p of params) {
      const choices = (values[p.name] ?? []).map((v) => `${p.name}=${encodeURIComponent(v)}`);
      queries = queries.flatMap((q) => [
        ...(p.required === true ? [] : [q]),
        ...choices.map((c) => [...q, c]),
      ]);
    }
    for (const q of queries) {
      const url = q.length === 0 ? route : `${route}?${q.join('&')}`;
      const res = await fetch(`${api}${url}`, admin);
      answers.push({ route: url, status: res.status, body: await bodyOf(res) });
    }
  }
  {
    const metrics = `http://127.0.0.1:${String(agentHttpPort)}/metrics`;
    const res = await fetch(metrics);
    answers.push({ route: metrics, status: res.status, body: await res.text() });
  }
  // every route answered something real at least once: the scan read real content
  const answered = new Set(
    answers.filter((a) => a.status === 200).map((a) => a.route.split('?')[0]),
  );
  for (const route of Object.keys(openapi.paths).filter((r) => openapi.paths[r]?.get)) {
    expect(answered, `a 200 answer of ${route}`).toContain(route);
  }
  // against the older commit every value changed: each diff shows a change, masked
  const diffOf = (app: string, revision: string): { status: number; body: string } | undefined =>
    answers.find(
      (a) => a.route === `/api/v1/diff?app=${app}&target=${TARGET}&revision=${revision}`,
    );
  for (const app of ['vault', 'invalid', 'undecodable']) {
    expect(diffOf(app, oldCommit)).toMatchObject({
      status: 200,
      body: expect.stringMatching(/"changed":1/) as unknown,
    });
  }
  expect(diffOf('vault', oldCommit)?.body).toMatch(/\*\*\* sha256:/);
  expect(diffOf('broken', headCommit)?.status).toBe(422); // the hub's render error, answered

  // 4. Redis, as it is after all of the above.
  const stored = await dumpRedis(redis.url);
  expect(stored.some((v) => /:reports$/.test(v.key) && v.part === 'vault')).toBe(true);
  expect(stored.some((v) => /:history:vault$/.test(v.key))).toBe(true);

  // 5. Stop both (spans are flushed on the way out), then read logs and traces.
  await agent.stop();
  await hub.stop();
  const logs = {
    hub: await readFile(hub.logFile, 'utf8'),
    agent: await readFile(agent.logFile, 'utf8'),
  };
  expect(logs.agent).toMatch(/drift/i);
  expect(collector.spans.some((s) => s.name === 'gitfleet.apply')).toBe(true);

  // 6. The verdict: where each canary form was found.
  const found: string[] = [];
  const excluded: string[] = [];
  for (const [who, text] of Object.entries(logs)) {
    text.split('\n').forEach((line, i) => {
      for (const l of leaksIn(line, NEEDLES)) found.push(`${who} log line ${String(i + 1)}: ${l}`);
    });
  }
  for (const a of answers) {
    for (const l of leaksIn(a.body, NEEDLES)) found.push(`GET ${a.route} (${a.status}): ${l}`);
  }
  collector.bodies.forEach((body, i) => {
    for (const l of leaksIn(body, NEEDLES)) found.push(`OTLP export ${String(i)}: ${l}`);
  });
  for (const v of stored) {
    const leaks = [...new Set(v.texts.flatMap((t) => leaksIn(t, NEEDLES)))];
    if (leaks.length === 0) continue;
    const where = `Redis ${v.type} ${v.key} [${v.part}]`;
    if (DESIRED_OBJECTS.key.test(v.key) && v.part === DESIRED_OBJECTS.field) excluded.push(where);
    else found.push(...leaks.map((l) => `${where}: ${l}`));
  }
  expect(found).toEqual([]);
  // the desired objects do carry the planted value (gzip, read decompressed): the scan sees it
  expect(excluded).toContain(`Redis hash gitfleet:{${TARGET}}:app:vault [objects]`);
}, 120_000);
