/**
 * `GET /api/v1/events` (the live fleet status as Server-Sent Events) with two real hub replicas
 * (runHub: Git over HTTP, Redis; one key prefix) and no cluster: targets without an agent get
 * their desired state resolved all the same, which is what the stream shows.
 * - no token: 401; a read token: `event: snapshot` first, with the rows of GET /api/v1/status
 *   and an `id:`;
 * - a commit resolved by replica A changes the desired revision of `web`: each changed row comes
 *   as `event: cell` within 1 s on a stream of replica A, and on one of replica B (Redis pub/sub);
 *   `api`, unchanged, sends nothing;
 * - a simulated agent (test/src/sim) connects to replica A and reports: on a stream of replica B
 *   its rows come Connected, Synced and Healthy, then Disconnected when it stops;
 * - the replica holding an agent's stream freezes (a hub process, SIGSTOP): no replica hears of
 *   the agent any more, and on replica B's stream its rows turn Stale by the clock alone within
 *   a second of the threshold, never Healthy; Connected again once the replica resumes;
 * - past --max-event-streams: 503 with the error naming the limit;
 * - replica B shuts down within its deadline with a stream open, and the stream ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { freePort } from '../fleet/ports.ts';
import {
  simTargetName,
  startHubProcess,
  startSimAgents,
  writeAgentTokens,
  type SimAgents,
} from '../sim/sim-fleet.ts';

const MAX_STREAMS = 3;
/** The target of the simulated agent (test/src/sim): it applies nothing and reports Synced. */
const SIM_TARGET = simTargetName(0);
const SHUTDOWN_TIMEOUT_MS = 5_000;
/** The agents' heartbeat period: a silent target is Stale after 3 missed (1.5 s). */
const HEARTBEAT_MS = 500;

let fleet: TestFleet;
let hubA: RunningHub | undefined;
let hubB: RunningHub | undefined;
let sim: SimAgents | undefined;
let dir = '';
let repoUrl = '';
let prefix = '';
let tokens: ApiTokens;
const open: SseReader[] = [];

/** Targets edge and far; apps web and api on both. */
function fleetFiles(message: string): Record<string, string> {
  const doc = (kind: string, body: string): string =>
    `apiVersion: gitfleet.dev/v1alpha1\nkind: ${kind}\n${body}`;
  const configMap = (app: string, msg: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${app}, namespace: default }\ndata: { message: "${msg}" }\n`;
  const application = (app: string): string =>
    doc(
      'Application',
      `metadata: { name: ${app} }\nspec:\n  source: { path: apps/${app} }\n  placement: { selector: { matchExpressions: [{ key: env, operator: Exists }] } }\n`,
    );
  return {
    'targets.yaml': [
      doc('Target', 'metadata: { name: edge, labels: { env: prod } }\n'),
      doc('Target', 'metadata: { name: far, labels: { env: staging } }\n'),
      doc('Target', `metadata: { name: ${SIM_TARGET}, labels: { env: sim } }\n`),
    ].join('---\n'),
    'apps/web.yaml': application('web'),
    'apps/api.yaml': application('api'),
    'apps/web/cm.yaml': configMap('web', message),
    'apps/api/cm.yaml': configMap('api', 'api'),
  };
}

interface SseEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: unknown;
  readonly atMs: number;
}

interface Row {
  readonly target: string;
  readonly app: string;
  readonly desiredRevision: string;
  readonly connection: string;
}

/** Reads one event stream into a list of events as they arrive. */
class SseReader {
  readonly events: SseEvent[] = [];
  ended = false;
  private readonly done: Promise<void>;
  private readonly abort: AbortController;
  readonly res: Response;

  /** `abort` is the request's: aborting it ends the body. */
  constructor(res: Response, abort: AbortController) {
    this.res = res;
    this.abort = abort;
    this.done = this.read();
  }

  private async read(): Promise<void> {
    const body = this.res.body;
    if (body === null) throw new Error('no body');
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const fields = new Map<string, string>();
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const c = line.indexOf(':');
            fields.set(line.slice(0, c), line.slice(c + 1).trimStart());
          }
          const event = fields.get('event');
          if (event === undefined) continue;
          this.events.push({
            event,
            id: fields.get('id'),
            data: JSON.parse(fields.get('data') ?? 'null') as unknown,
            atMs: performance.now(),
          });
        }
      }
    } catch {
      // cancelled or cut: the stream ended
    }
    this.ended = true;
  }

  /** The first event (from `from` on) that `pred` holds for, waiting up to `timeoutMs`. */
  async next(pred: (e: SseEvent) => boolean, timeoutMs: number, from = 0): Promise<SseEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const e = this.events.slice(from).find(pred);
      if (e !== undefined) return e;
      if (this.ended || performance.now() > deadline) {
        throw new Error(
          `no such event within ${String(timeoutMs)} ms: ${JSON.stringify(this.events.map((x) => x.event))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async waitEnded(timeoutMs: number): Promise<void> {
    await Promise.race([this.done, new Promise((r) => setTimeout(r, timeoutMs))]);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

async function connect(
  hub: RunningHub | undefined,
  token?: string,
  abort = new AbortController(),
): Promise<Response> {
  if (hub === undefined) throw new Error('no hub');
  return fetch(`http://127.0.0.1:${String(hub.httpPort)}/api/v1/events`, {
    signal: abort.signal,
    headers: token === undefined ? {} : bearer(token),
  });
}

async function stream(hub: RunningHub | undefined): Promise<SseReader> {
  const abort = new AbortController();
  const res = await connect(hub, tokens.read, abort);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const r = new SseReader(res, abort);
  open.push(r);
  return r;
}

beforeAll(async () => {
  fleet = await startFleet({ clusters: 0 });
  const { redis, git } = fleet;
  if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
  repoUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: fleetFiles('v1'), message: 'v1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-events-'));
  tokens = await writeApiTokens(dir);
  await writeAgentTokens(path.join(dir, 'agent-tokens'), [SIM_TARGET]);
  prefix = `gf-${randomBytes(4).toString('hex')}:`;
  const start = (replica: string): Promise<RunningHub> =>
    runHub(
      loadHubConfig({
        argv: [
          ...['--fleet-repo', repoUrl, '--redis-url', redis.url, '--redis-prefix', prefix],
          ...['--replica', replica, '--shutdown-timeout-ms', String(SHUTDOWN_TIMEOUT_MS)],
          ...['--heartbeat-interval-ms', String(HEARTBEAT_MS)],
          // no agent in this file: the AgentLink port on loopback, plaintext, static tokens
          ...['--insecure-plaintext', '--allow-static-tokens'],
          ...['--agent-tokens-dir', path.join(dir, 'agent-tokens')],
          ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
          ...['--poll-interval-ms', '600000', '--cache-dir', path.join(dir, `git-${replica}`)],
          ...['--api-tokens-file', tokens.file, '--max-event-streams', String(MAX_STREAMS)],
        ],
        env: {},
      }),
      silentLogger,
    );
  hubA = await start('a');
  hubB = await start('b');
}, 120_000);

afterAll(async () => {
  await Promise.all(open.map((r) => r.close()));
  await sim?.stop();
  await hubA?.close();
  await hubB?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('GET /api/v1/events', () => {
  it('answers 401 without a token', async () => {
    const res = await connect(hubA);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('sends a snapshot of the status rows first, and each changed row within 1 s', async () => {
    const a = await stream(hubA);
    const b = await stream(hubB);
    const snapshot = await a.next((e) => e.event === 'snapshot', 5_000);
    expect(snapshot.id).toBe('1');
    const { items, fleet: status } = snapshot.data as {
      items: Row[];
      fleet: { inForceCommit?: string };
    };
    expect(items.map((r) => `${r.target}/${r.app}`)).toEqual([
      'edge/api',
      'edge/web',
      'far/api',
      'far/web',
      `${SIM_TARGET}/api`,
      `${SIM_TARGET}/web`,
    ]);
    expect(items.every((r) => r.connection === 'Disconnected')).toBe(true);
    expect(status.inForceCommit).toMatch(/^[0-9a-f]{40}$/);
    await b.next((e) => e.event === 'snapshot', 5_000);
    const fromA = a.events.length;
    const fromB = b.events.length;

    const v2 = await fleet.git?.commit('fleet', { files: fleetFiles('v2'), message: 'v2' });
    const t0 = performance.now();
    await hubA?.resolver.trigger();
    for (const reader of [a, b]) {
      for (const target of ['edge', 'far']) {
        const cell = await reader.next(
          (e) =>
            e.event === 'cell' &&
            (e.data as { target: string; app: string }).target === target &&
            (e.data as { app: string }).app === 'web',
          5_000,
          reader === a ? fromA : fromB,
        );
        const row = (cell.data as { row: Row }).row;
        expect(row.desiredRevision).toBe(v2);
        expect(cell.atMs - t0, `${target}/web on replica ${reader === a ? 'a' : 'b'}`).toBeLessThan(
          1_000,
        );
      }
    }
    // api did not change: no cell of it
    await new Promise((r) => setTimeout(r, 500));
    const apiCells = [...a.events.slice(fromA), ...b.events.slice(fromB)].filter(
      (e) => e.event === 'cell' && (e.data as { app: string }).app === 'api',
    );
    expect(apiCells).toEqual([]);
    // ids count up on each stream
    const ids = a.events.map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
  });

  it("sends an agent's connection and reports stored by one replica on another's stream", async () => {
    const b = await stream(hubB);
    await b.next((e) => e.event === 'snapshot', 5_000);
    const t0 = performance.now();
    sim = await startSimAgents({
      name: 'events-sim',
      logDir: dir,
      hub: `127.0.0.1:${String(hubA?.grpcPort)}`,
      tokensDir: path.join(dir, 'agent-tokens'),
      count: 1,
    });
    for (const app of ['api', 'web']) {
      const cell = await b.next(
        (e) =>
          e.event === 'cell' &&
          (e.data as { target: string }).target === SIM_TARGET &&
          (e.data as { app: string }).app === app &&
          (e.data as { row: { sync: string; health: string; connection: string } }).row.sync ===
            'Synced' &&
          (e.data as { row: { health: string } }).row.health === 'Healthy',
        15_000,
      );
      expect((cell.data as { row: Row }).row.connection).toBe('Connected');
      expect(cell.atMs - t0).toBeLessThan(15_000);
    }
    await sim.stop();
    sim = undefined;
    // the stream ended: every row of the target shows it
    for (const app of ['api', 'web']) {
      await b.next(
        (e) =>
          e.event === 'cell' &&
          (e.data as { target: string }).target === SIM_TARGET &&
          (e.data as { app: string }).app === app &&
          (e.data as { row: Row }).row.connection === 'Disconnected',
        5_000,
      );
    }
    await b.close();
    open.splice(open.indexOf(b), 1);
  });

  it('turns a target Stale by the clock when the replica holding its stream falls silent', async () => {
    const redis = fleet.redis;
    if (redis === undefined) throw new Error('fleet incomplete');
    const b = await stream(hubB);
    await b.next((e) => e.event === 'snapshot', 5_000);
    const c = await startHubProcess({
      name: 'events-hub-c',
      logDir: dir,
      fleetRepo: repoUrl,
      redisUrl: redis.url,
      tokensDir: path.join(dir, 'agent-tokens'),
      grpcPort: await freePort(),
      httpPort: await freePort(),
      cacheDir: path.join(dir, 'git-c'),
      heartbeatIntervalMs: HEARTBEAT_MS,
      replica: 'c',
      extraArgs: ['--redis-prefix', prefix],
    });
    let frozen: number | undefined;
    try {
      await c.waitReady(30_000);
      sim = await startSimAgents({
        name: 'events-sim-c',
        logDir: dir,
        hub: c.grpcAddress,
        tokensDir: path.join(dir, 'agent-tokens'),
        count: 1,
      });
      const connected = (e: SseEvent, app: string): boolean =>
        e.event === 'cell' &&
        (e.data as { target: string }).target === SIM_TARGET &&
        (e.data as { app: string }).app === app &&
        (e.data as { row: Row }).row.connection === 'Connected';
      for (const app of ['api', 'web']) await b.next((e) => connected(e, app), 15_000);
      frozen = c.nodePid();
      if (frozen === undefined) throw new Error('hub c has no node process');
      const from = b.events.length;
      process.kill(frozen, 'SIGSTOP');
      const frozenAt = performance.now();
      for (const app of ['api', 'web']) {
        const cell = await b.next(
          (e) =>
            e.event === 'cell' &&
            (e.data as { target: string }).target === SIM_TARGET &&
            (e.data as { app: string }).app === app,
          10_000,
          from,
        );
        const row = (cell.data as { row: Row & { health: string } }).row;
        expect(row.connection).toBe('Stale');
        expect(row.health).not.toBe('Healthy');
        // 3 missed heartbeats, plus the clock's 1 s check and the 250 ms coalescing
        expect(cell.atMs - frozenAt).toBeLessThan(3 * HEARTBEAT_MS + 2_500);
      }
      const resumedFrom = b.events.length;
      process.kill(frozen, 'SIGCONT');
      frozen = undefined;
      for (const app of ['api', 'web']) {
        await b.next((e) => connected(e, app), 10_000, resumedFrom);
      }
    } finally {
      if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
      await sim?.stop();
      sim = undefined;
      await c.stop();
      await b.close();
      open.splice(open.indexOf(b), 1);
    }
  });

  it(`answers 503 past --max-event-streams`, async () => {
    // one stream of replica A is open (the test above's): fill it up
    await stream(hubA);
    await stream(hubA);
    const res = await connect(hubA, tokens.read);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UNAVAILABLE');
    expect(body.error.message).toMatch(/--max-event-streams/);
    // a stream that ends frees its place
    const last = open.pop();
    await last?.close();
    // the hub sees the client go when its socket closes: a moment after
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const abort = new AbortController();
      const res = await connect(hubA, tokens.read, abort);
      status = res.status;
      if (status === 200) {
        const again = new SseReader(res, abort);
        open.push(again);
        await again.next((e) => e.event === 'snapshot', 5_000);
      } else {
        await res.body?.cancel();
      }
    }
    expect(status).toBe(200);
  });

  it('ends its streams when the hub shuts down, within the deadline', async () => {
    const b = await stream(hubB);
    await b.next((e) => e.event === 'snapshot', 5_000);
    const t0 = performance.now();
    await hubB?.close();
    const took = performance.now() - t0;
    hubB = undefined;
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT_MS * 0.6);
    await b.waitEnded(2_000);
    expect(b.ended).toBe(true);
    expect(hubB).toBeUndefined();
  });
});
