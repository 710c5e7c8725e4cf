/**
 * What the web UI needs of a real hub (Git over HTTP, Redis; a simulated agent, test/src/sim, on
 * target sim-0; no cluster):
 * - `/ui/` serves the build's index.html without a token, with the content security policy and
 *   the other security headers; a deep link gets the page, an asset is cached for a year and
 *   gzip-encoded when accepted (304 on its ETag), a missing asset is 404; `/ui` and `/` redirect
 *   to `/ui/`; a path that tries to leave the build (`..`, `%2e%2e`, an encoded `/`, NUL) is 400
 *   and answers nothing of the file system; only GET and HEAD;
 * - `GET /api/v1/status` gzip-encoded when `Accept-Encoding` allows it, not with `gzip;q=0`;
 * - `GET /api/v1/events` through gzip: the snapshot, then a changed row as promptly as on a stream
 *   without compression;
 * - `GET /api/v1/whoami` for read and operate tokens; `GET /api/v1/report` for the pair the agent
 *   reported on (its objects), 404 naming a pair without a report.
 * Every JSON body matches the OpenAPI document the hub serves.
 *
 * The build is the web UI's own when hub/ui/build.ts exists (buildUi), else a page and an asset
 * written here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig, runHub, type RunningHub } from '@gitfleet/hub';
import { silentLogger } from '@gitfleet/proto';
import type { OpenApiDocument } from '../../../hub/src/http/api/openapi.ts';
import { DocumentValidator } from '../../../hub/src/http/api/validate.ts';
import { bearer, writeApiTokens, type ApiTokens } from '../fleet/api-tokens.ts';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import { REPO_ROOT } from '../fleet/paths.ts';
import { waitFor } from '../fleet/wait.ts';
import {
  simTargetName,
  startSimAgents,
  writeAgentTokens,
  type SimAgents,
} from '../sim/sim-fleet.ts';

const SIM_TARGET = simTargetName(0);
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

let fleet: TestFleet;
let hub: RunningHub | undefined;
let sim: SimAgents | undefined;
let dir = '';
let dist = '';
let tokens: ApiTokens;
let port = 0;
let validator: DocumentValidator;
let page: Buffer;
/** A JavaScript file of the build's assets/ and its bytes. */
let asset: { name: string; body: Buffer };
const streams: RawResponse[] = [];

/** Targets edge, far and sim-0; apps web and api on each. */
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

/** The web UI's build when it can be built, else a page and a script written here. */
async function writeDist(out: string): Promise<void> {
  const buildTs = path.join(REPO_ROOT, 'hub/ui/build.ts');
  if (existsSync(buildTs)) {
    const mod = (await import(pathToFileURL(buildTs).href)) as {
      buildUi?: (o: { outDir: string }) => Promise<unknown>;
    };
    if (mod.buildUi !== undefined) {
      await mod.buildUi({ outDir: out });
      return;
    }
  }
  await mkdir(path.join(out, 'assets'), { recursive: true });
  await writeFile(
    path.join(out, 'index.html'),
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>gitfleet</title>' +
      '<script type="module" src="/ui/assets/app-x.js"></script></head>' +
      '<body><main id="app"></main></body></html>\n',
  );
  await writeFile(
    path.join(out, 'assets', 'app-x.js'),
    `document.getElementById('app').textContent = 'gitfleet';\n${'// filler\n'.repeat(200)}`,
  );
}

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly res: http.IncomingMessage;
  readonly req: http.ClientRequest;
}

/** A request with the path exactly as given (fetch would normalise `..` away). */
function rawRequest(
  method: string,
  rawPath: string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: rawPath, headers }, (res) =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, res, req }),
    );
    req.on('error', reject);
    req.end();
  });
}

async function bodyOf(r: RawResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r.res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Status, headers and the body as sent (still encoded). */
async function get(
  rawPath: string,
  headers: http.OutgoingHttpHeaders = {},
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const r = await rawRequest(method, rawPath, headers);
  return { status: r.status, headers: r.headers, body: await bodyOf(r) };
}

function expectSecurityHeaders(headers: http.IncomingHttpHeaders): void {
  expect(headers['content-security-policy']).toBe(CSP);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
}

/** A JSON body of the API, checked against the served OpenAPI document. */
async function apiJson(
  route: string,
  query: string,
  token: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${String(port)}${route}${query}`, {
    headers: bearer(token),
  });
  const body: unknown = await res.json();
  expect(validator.response('get', route, res.status, body)).toEqual([]);
  return { status: res.status, body };
}

interface SseEvent {
  readonly event: string;
  readonly data: unknown;
  readonly atMs: number;
}

/** Reads an event stream (gunzipped when it is gzip-encoded) into events as they arrive. */
function readEvents(r: RawResponse): SseEvent[] {
  const events: SseEvent[] = [];
  const body: NodeJS.ReadableStream =
    r.headers['content-encoding'] === 'gzip' ? r.res.pipe(zlib.createGunzip()) : r.res;
  let buf = '';
  body.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
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
      if (event !== undefined) {
        events.push({
          event,
          data: JSON.parse(fields.get('data') ?? 'null') as unknown,
          atMs: performance.now(),
        });
      }
    }
  });
  body.on('error', () => undefined);
  return events;
}

beforeAll(async () => {
  fleet = await startFleet({ clusters: 0 });
  const { redis, git } = fleet;
  if (git === undefined || redis === undefined) throw new Error('fleet incomplete');
  const repoUrl = await git.createRepo('fleet');
  await git.commit('fleet', { files: fleetFiles('v1'), message: 'v1' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-ui-serving-'));
  dist = path.join(dir, 'dist');
  await writeDist(dist);
  page = await readFile(path.join(dist, 'index.html'));
  const js = (await readdir(path.join(dist, 'assets'))).find((f) => f.endsWith('.js'));
  if (js === undefined) throw new Error('no script in the build');
  asset = { name: js, body: await readFile(path.join(dist, 'assets', js)) };
  tokens = await writeApiTokens(dir);
  await writeAgentTokens(path.join(dir, 'agent-tokens'), [SIM_TARGET]);
  hub = await runHub(
    loadHubConfig({
      argv: [
        ...['--fleet-repo', repoUrl, '--redis-url', redis.url],
        ...['--redis-prefix', `gf-${randomBytes(4).toString('hex')}:`],
        ...['--insecure-plaintext', '--allow-static-tokens'],
        ...['--agent-tokens-dir', path.join(dir, 'agent-tokens')],
        ...['--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'],
        ...['--poll-interval-ms', '600000', '--cache-dir', path.join(dir, 'git')],
        ...['--api-tokens-file', tokens.file, '--ui-dir', dist],
      ],
      env: {},
    }),
    silentLogger,
  );
  port = hub.httpPort;
  const served = (await (
    await fetch(`http://127.0.0.1:${String(port)}/api/v1/openapi.json`, {
      headers: bearer(tokens.read),
    })
  ).json()) as OpenApiDocument;
  validator = new DocumentValidator(served);
  sim = await startSimAgents({
    name: 'ui-serving-sim',
    logDir: dir,
    hub: `127.0.0.1:${String(hub.grpcPort)}`,
    tokensDir: path.join(dir, 'agent-tokens'),
    count: 1,
  });
}, 120_000);

afterAll(async () => {
  for (const s of streams) s.req.destroy();
  await sim?.stop();
  await hub?.close();
  await fleet?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('the web UI at /ui/', () => {
  it('serves the page without a token, with the security headers, revalidated', async () => {
    const res = await get('/ui/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expectSecurityHeaders(res.headers);
    expect(res.body.equals(page)).toBe(true);
    const head = await get('/ui/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(page.length));
  });

  it('answers a deep link with the page, and redirects /ui and / to /ui/', async () => {
    for (const link of ['/ui/apps/web/sim-0', '/ui/drift?environment=prod', '/ui/rollouts/web/']) {
      const res = await get(link);
      expect(res.status, link).toBe(200);
      expect(res.body.equals(page), link).toBe(true);
      expectSecurityHeaders(res.headers);
    }
    const ui = await get('/ui?next=%2Fui%2Fdrift');
    expect(ui.status).toBe(302);
    expect(ui.headers.location).toBe('/ui/?next=%2Fui%2Fdrift');
    const root = await get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/ui/');
  });

  it('caches assets for a year, gzip-encoded when accepted, 304 on their ETag', async () => {
    const url = `/ui/assets/${asset.name}`;
    const plain = await get(url);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expectSecurityHeaders(plain.headers);
    expect(plain.body.equals(asset.body)).toBe(true);
    const packed = await get(url, { 'accept-encoding': 'br, gzip' });
    expect(packed.headers['content-encoding']).toBe('gzip');
    expect(packed.headers.vary).toBe('accept-encoding');
    expect(zlib.gunzipSync(packed.body).equals(asset.body)).toBe(true);
    expect(packed.body.length).toBeLessThan(asset.body.length);
    const again = await get(url, { 'if-none-match': String(plain.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const missing = await get('/ui/assets/app-gone.js');
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing.headers);
  });

  it('refuses a path that tries to leave the build, and answers nothing of the file system', async () => {
    for (const p of [
      '/ui/../package.json',
      '/ui/assets/../../../../etc/passwd',
      '/ui/%2e%2e/%2e%2e/package.json',
      '/ui/%2E%2E%2f%2E%2E%2fpackage.json',
      '/ui/assets/..%2f..%2f..%2fpackage.json',
      '/ui/..%5c..%5cpackage.json',
      '/ui/index.html%00.js',
      '/ui/.env',
    ]) {
      const res = await get(p);
      expect(res.status, p).toBe(400);
      expect(res.body.toString(), p).toMatch(/^path refused: /);
      expect(res.body.toString(), p).not.toMatch(/gitfleet|root:/);
      expectSecurityHeaders(res.headers);
    }
  });

  it('answers GET and HEAD only', async () => {
    const res = await get('/ui/', {}, 'POST');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expectSecurityHeaders(res.headers);
  });
});

describe('gzip on the API', () => {
  it('GET /api/v1/status: gzip when accepted, not with gzip;q=0', async () => {
    const packed = await get('/api/v1/status', {
      ...bearer(tokens.read),
      'accept-encoding': 'gzip, deflate, br',
    });
    expect(packed.status).toBe(200);
    expect(packed.headers['content-encoding']).toBe('gzip');
    expect(packed.headers.vary).toBe('accept-encoding');
    const text = zlib.gunzipSync(packed.body).toString();
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024);
    const body = JSON.parse(text) as { items: unknown[] };
    expect(body.items).toHaveLength(6);
    expect(validator.response('get', '/api/v1/status', 200, body)).toEqual([]);
    const refused = await get('/api/v1/status', {
      ...bearer(tokens.read),
      'accept-encoding': 'gzip;q=0, identity',
    });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString())).toEqual(body);
    // fetch asks gzip by itself and decodes it
    const viaFetch = await apiJson('/api/v1/status', '', tokens.read);
    expect(viaFetch.body).toEqual(body);
  });

  it('GET /api/v1/events: a gzip stream sends its snapshot and a changed row as promptly as a plain one', async () => {
    const open = async (encoding: string | undefined): Promise<SseEvent[]> => {
      const r = await rawRequest('GET', '/api/v1/events', {
        ...bearer(tokens.read),
        ...(encoding === undefined ? {} : { 'accept-encoding': encoding }),
      });
      streams.push(r);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(r.headers['content-encoding']).toBe(encoding === undefined ? undefined : 'gzip');
      return readEvents(r);
    };
    const zipped = await open('gzip');
    const plain = await open(undefined);
    const nextEvent = (events: SseEvent[], pred: (e: SseEvent) => boolean): Promise<SseEvent> =>
      waitFor('an event', () => events.find(pred), { timeoutMs: 5_000, intervalMs: 2 });
    await nextEvent(zipped, (e) => e.event === 'snapshot');
    await nextEvent(plain, (e) => e.event === 'snapshot');
    const v2 = await fleet.git?.commit('fleet', { files: fleetFiles('v2'), message: 'v2' });
    const t0 = performance.now();
    await hub?.resolver.trigger();
    const isEdgeWeb = (e: SseEvent): boolean =>
      e.event === 'cell' &&
      (e.data as { target: string; app: string }).target === 'edge' &&
      (e.data as { app: string }).app === 'web';
    const z = await nextEvent(zipped, isEdgeWeb);
    const p = await nextEvent(plain, isEdgeWeb);
    expect((z.data as { row: { desiredRevision: string } }).row.desiredRevision).toBe(v2);
    expect(z.atMs - t0).toBeLessThan(2_000);
    // the same event, written to both streams at once, arrives through gzip as fast
    expect(Math.abs(z.atMs - p.atMs)).toBeLessThan(100);
  });
});

describe('GET /api/v1/whoami', () => {
  it.each(['read', 'operate'] as const)('names a %s token', async (scope) => {
    const { status, body } = await apiJson('/api/v1/whoami', '', tokens[scope]);
    expect(status).toBe(200);
    expect(body).toEqual({ name: tokens.names[scope], scope, via: 'token' });
  });

  it('answers 401 without a token', async () => {
    const res = await fetch(`http://127.0.0.1:${String(port)}/api/v1/whoami`);
    expect(res.status).toBe(401);
  });
});

describe('GET /api/v1/report', () => {
  it('answers the last report of a pair the agent reported on', async () => {
    const report = await waitFor(
      'the report of web on sim-0',
      async () => {
        const r = await apiJson('/api/v1/report', `?target=${SIM_TARGET}&app=web`, tokens.read);
        return r.status === 200 ? r.body : undefined;
      },
      {
        timeoutMs: 20_000,
        intervalMs: 100,
        abortIf: () => (sim?.proc.running === false ? 'the sim exited' : undefined),
      },
    );
    expect(report).toMatchObject({
      target: SIM_TARGET,
      app: 'web',
      connection: 'Connected',
      sync: 'Synced',
      health: 'Healthy',
      healthMessage: '',
      revision: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown,
      objects: [
        {
          ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'web' },
          action: 'configured',
          health: 'Healthy',
          message: '',
        },
      ],
      drift: [],
      unmanaged: [],
    });
    expect(report).not.toHaveProperty('error');
  });

  it('answers 404 naming a pair without a report, 400 for a bad name', async () => {
    const missing = await apiJson('/api/v1/report', '?target=far&app=web', tokens.read);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      error: {
        code: 'NOT_FOUND',
        message: expect.stringMatching(/"web" on target "far"/) as unknown,
      },
    });
    const bad = await apiJson('/api/v1/report', '?target=Far&app=web', tokens.read);
    expect(bad.status).toBe(400);
    const none = await apiJson('/api/v1/report', '?target=far', tokens.read);
    expect(none.status).toBe(400);
  });
});
