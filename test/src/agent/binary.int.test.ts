/**
 * The gitfleet-agent binary as a user runs it: configuration from environment variables, a
 * structured log on stderr, a health endpoint, a graceful shutdown on SIGTERM, and waiting for a
 * hub that is not reachable yet.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { freePort } from '../fleet/ports.ts';
import { parseExposition } from '../metrics/exposition.ts';
import { spawnManaged } from '../fleet/processes.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { startMiniHub, type MiniHub } from '../fleet/mini-hub.ts';
import { waitFor } from '../fleet/wait.ts';
import { configMap, namespace, TOKEN, unique } from './harness.ts';

let fleet: TestFleet;
let hub: MiniHub;
let dir: string;

beforeAll(async () => {
  fleet = await startFleet({ clusters: 1, redis: false, git: false });
  hub = await startMiniHub({ targets: { c1: TOKEN } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-bin-'));
});
afterAll(async () => {
  await hub?.close();
  await fleet?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('runs from environment config, serves health, reconciles, and stops cleanly on SIGTERM', async () => {
  const cluster = fleet.kube?.clusters[0];
  if (cluster === undefined) throw new Error('no cluster');
  const tokenFile = path.join(dir, 'token');
  await writeFile(tokenFile, TOKEN);
  const httpPort = await freePort();
  const proc = await spawnManaged(
    'gitfleet-agent',
    path.join(REPO_ROOT, 'agent/bin/gitfleet-agent'),
    {
      logDir: dir,
      env: {
        GITFLEET_TARGET: 'c1',
        GITFLEET_HUB_ADDRESS: hub.address,
        GITFLEET_TOKEN_FILE: tokenFile,
        // the MiniHub serves plaintext on loopback and knows agents by static tokens
        GITFLEET_INSECURE_PLAINTEXT: 'true',
        KUBECONFIG: cluster.kubeconfigPath,
        GITFLEET_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
      },
    },
  );
  try {
    await waitFor(
      'agent /readyz',
      async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200,
      {
        timeoutMs: 20_000,
        abortIf: () => (proc.running ? undefined : `agent exited: ${proc.tail()}`),
      },
    );
    const ns = unique('bin');
    const app = unique('app');
    hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { a: '1' })]);
    await hub.waitForReport('c1', app, (r) => r.syncState === 'Synced');
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(parseExposition(metrics).map((f) => f.name)).toContain('process_cpu_seconds_total');
    expect(metrics).toMatch(/^gitfleet_agent_apps 1$/m);
    expect(metrics).toMatch(/^gitfleet_agent_hub_connected 1$/m);
    await proc.stop();
    expect(await proc.exited).toBe(0);
  } finally {
    await proc.stop();
  }
  const log = (await readFile(proc.logFile, 'utf8')).trim().split('\n');
  const records = log.map((l) => JSON.parse(l) as { level: string; msg: string });
  expect(records.some((r) => r.msg === 'agent started')).toBe(true);
  expect(records.some((r) => r.msg === 'shutting down')).toBe(true);
  expect(log.join('\n')).not.toContain(TOKEN);
});

it('refuses a bad configuration with every problem at once and exit code 2', async () => {
  const proc = await spawnManaged(
    'gitfleet-agent-bad',
    path.join(REPO_ROOT, 'agent/bin/gitfleet-agent'),
    {
      logDir: dir,
      args: ['--target', 'Not_A_Label', '--apply-concurrency', '0'],
      env: { KUBECONFIG: '', GITFLEET_HUB_ADDRESS: '', GITFLEET_TOKEN_FILE: '' },
    },
  );
  expect(await proc.exited).toBe(2);
  const out = await readFile(proc.logFile, 'utf8');
  expect(out).toMatch(/--target=Not_A_Label: a target name is a DNS label/);
  expect(out).toMatch(/hubAddress is required/);
  expect(out).toMatch(/--apply-concurrency=0/);
});

it('waits for a hub that is not up yet, logging its attempts as JSON, and connects once it is', async () => {
  const cluster = fleet.kube?.clusters[0];
  if (cluster === undefined) throw new Error('no cluster');
  const tokenFile = path.join(dir, 'token-wait');
  await writeFile(tokenFile, TOKEN);
  // a closed loopback port (nothing listens until the hub starts below), no persisted state
  // (a state namespace of its own), no health endpoint: nothing but the hub link keeps it alive
  const port = await freePort();
  const proc = await spawnManaged(
    'gitfleet-agent-wait',
    path.join(REPO_ROOT, 'agent/bin/gitfleet-agent'),
    {
      logDir: dir,
      env: {
        GITFLEET_TARGET: 'c2',
        GITFLEET_HUB_ADDRESS: `127.0.0.1:${port}`,
        GITFLEET_TOKEN_FILE: tokenFile,
        GITFLEET_INSECURE_PLAINTEXT: 'true',
        GITFLEET_STATE_NAMESPACE: unique('gitfleet-wait'),
        KUBECONFIG: cluster.kubeconfigPath,
      },
    },
  );
  let late: MiniHub | undefined;
  try {
    const records = async (): Promise<{ level: string; msg: string; [k: string]: unknown }[]> =>
      (await readFile(proc.logFile, 'utf8'))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { level: string; msg: string });
    await waitFor(
      'the agent started',
      async () => (await records()).some((r) => r.msg === 'agent started'),
      {
        timeoutMs: 20_000,
        abortIf: () => (proc.running ? undefined : `agent exited: ${proc.tail()}`),
      },
    );
    await new Promise((r) => setTimeout(r, 5_000));
    expect(proc.running, `the agent exited while waiting for its hub: ${proc.tail()}`).toBe(true);
    const down = (await records()).filter((r) => r.msg === 'hub link down; retrying');
    expect(down.length).toBeGreaterThanOrEqual(1);
    expect(down[0]).toMatchObject({ level: 'warn', attempt: 1, hub: `127.0.0.1:${port}` });
    expect(String(down[0]?.['hint'])).toMatch(/--hub/);
    // one line per band of attempts, not one per attempt
    expect(down.length).toBeLessThanOrEqual(2);

    late = await startMiniHub({ targets: { c2: TOKEN }, port });
    const hub2 = late;
    await waitFor('the agent connects to the hub that came up', () => hub2.isConnected('c2'), {
      timeoutMs: 40_000,
      abortIf: () => (proc.running ? undefined : `agent exited: ${proc.tail()}`),
    });
    await waitFor(
      'a link-ready line that says how long the hub was away',
      async () =>
        (await records()).some((r) => r.msg === 'link ready' && Number(r['afterAttempts']) >= 1),
      { timeoutMs: 5_000 },
    );
    await proc.stop();
    expect(await proc.exited).toBe(0);
  } finally {
    await proc.stop();
    await late?.close();
  }
});
