/**
 * Redis options pass through to ioredis: a hub given only a Sentinel (its
 * `--redis-url` points at nothing) finds the master through it — a real redis-server in Sentinel
 * mode watching the fleet's real Redis — and keeps the fleet's desired state there, its password
 * read from a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { createTestPki } from '../fleet/certs.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { whichOrThrow } from '../fleet/paths.ts';
import { freePorts } from '../fleet/ports.ts';
import { spawnManaged, type ManagedProcess } from '../fleet/processes.ts';
import { redisCommand } from '../fleet/redis.ts';
import { waitFor } from '../fleet/wait.ts';

const PASSWORD = `redis-${randomBytes(12).toString('hex')}`;
let fleet: TestFleet;
let sentinel: ManagedProcess | undefined;
let hub: RunningHub | undefined;
let dir: string;
let sentinelPort = 0;
let tokens: ApiTokens;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-sentinel-'));
  fleet = await startFleet({ clusters: 0, redis: { password: PASSWORD } });
  const redis = fleet.redis;
  if (redis === undefined || fleet.git === undefined) throw new Error('no fleet');
  const [port = 0, nothing = 0] = await freePorts(2);
  sentinelPort = port;
  // Sentinel rewrites its config file: it lives in the temp dir
  const conf = path.join(dir, 'sentinel.conf');
  await writeFile(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor gitfleet 127.0.0.1 ${redis.port} 1`,
      `sentinel auth-pass gitfleet ${PASSWORD}`,
      '',
    ].join('\n'),
  );
  sentinel = await spawnManaged('redis-sentinel', whichOrThrow('redis-server', 'apt redis'), {
    args: [conf, '--sentinel'],
    logDir: path.join(dir, 'logs'),
  });
  await waitFor(
    'sentinel knows the master',
    async () =>
      (
        await redisCommand(sentinelPort, ['SENTINEL', 'get-master-addr-by-name', 'gitfleet'])
      ).includes(String(redis.port)),
    { timeoutMs: 15_000 },
  );
  const repoUrl = await fleet.git.createRepo('fleet');
  await fleet.git.commit('fleet', {
    files: {
      'fleet.yaml': [
        'apiVersion: gitfleet.dev/v1alpha1',
        'kind: Target',
        'metadata: { name: edge, labels: { env: edge } }',
        '---',
        'apiVersion: gitfleet.dev/v1alpha1',
        'kind: Application',
        'metadata: { name: web }',
        'spec:',
        '  source: { path: web }',
        '  placement: { selector: { matchLabels: { env: edge } } }',
        '',
      ].join('\n'),
      'web/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\n',
    },
    message: 'fleet',
  });
  const pki = await createTestPki([], { dir: path.join(dir, 'pki') });
  await writeFile(path.join(dir, 'redis.password'), `${PASSWORD}\n`);
  tokens = await writeApiTokens(dir);
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, ...pki.hubArgs()],
        ...['--cache-dir', path.join(dir, 'git')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        // nothing listens here: only the Sentinel can lead the hub to Redis
        ...['--redis-url', `redis://127.0.0.1:${nothing}`],
        '--redis-options',
        JSON.stringify({
          sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
          name: 'gitfleet',
        }),
        ...['--redis-password-file', path.join(dir, 'redis.password')],
        ...['--api-tokens-file', tokens.file],
      ],
      env: {},
    }),
    silentLogger,
  );
}, 120_000);

afterAll(async () => {
  await hub?.close();
  await sentinel?.stop();
  await fleet?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('reaches the master through Sentinel and keeps desired state there', async () => {
  const api = `http://127.0.0.1:${hub?.httpPort}`;
  await waitFor('fleet accepted', async () => (await fetch(`${api}/readyz`)).ok, {
    timeoutMs: 30_000,
  });
  const res = await fetch(`${api}/api/v1/status`, { headers: bearer(tokens.read) });
  const status = (await res.json()) as {
    items: { target: string; app: string; connection: string }[];
  };
  expect(status.items.map((x) => [x.target, x.app, x.connection])).toEqual([
    ['edge', 'web', 'Disconnected'],
  ]);
  // the state is in the Redis the Sentinel watches
  const keys = await redisCommand(fleet.redis?.port ?? 0, ['KEYS', 'gitfleet:*'], PASSWORD);
  expect(keys).toMatch(/gitfleet:/);
  expect(keys).toMatch(/edge/);
}, 60_000);
