/**
 * Compression on a real loopback HTTP server, read by fetch (undici decodes gzip) and by raw
 * node:http (to see the bytes on the wire): JSON over 1 KiB gzip-encoded only when accepted,
 * an event stream whose every write reaches the client at once through gzip, and the size of
 * the event stream's snapshot of a 5,000-row fleet, raw and gzip.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetStatusRow } from './api/fleet.ts';
import { MIN_GZIP_BYTES, sendJson, streamEncodingHeaders, streamSink } from './compression.ts';

const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  if (typeof a !== 'object' || a === null) throw new Error('no port');
  return a.port;
}

/** The raw response: headers and the bytes as sent. */
function rawGet(
  port: number,
  headers: http.OutgoingHttpHeaders,
): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** 1,000 targets × 5 apps, as GET /api/v1/status shows them. */
function statusRows(n: number): FleetStatusRow[] {
  const apps = ['web', 'api', 'worker', 'cache', 'ingress'];
  const revisions = apps.map(() => randomBytes(20).toString('hex'));
  const rows: FleetStatusRow[] = [];
  for (let i = 0; rows.length < n; i++) {
    const target = `edge-${String(i).padStart(4, '0')}`;
    for (const [a, app] of apps.entries()) {
      if (rows.length >= n) break;
      const synced = (i + a) % 17 !== 0;
      rows.push({
        target,
        app,
        environment: i % 10 === 0 ? 'staging' : 'prod',
        desiredVersion: 3 + a,
        desiredRevision: revisions[a] ?? '',
        delivered: true,
        reportedVersion: synced ? 3 + a : 2 + a,
        revision: revisions[a] ?? '',
        sync: synced ? 'Synced' : 'OutOfSync',
        health: synced ? 'Healthy' : 'Progressing',
        drift: i % 50 === 0 ? 1 : 0,
        connection: 'Connected',
        lastSeenMs: 1_765_000_000_000 + i * 37,
        reportedAtMs: 1_765_000_000_000 + i * 41 + a,
      });
    }
  }
  return rows;
}

describe('sendJson', () => {
  const big = { items: statusRows(20) };
  const small = { ok: true };

  it.each<[string, unknown, string | undefined, boolean]>([
    ['a large body, gzip accepted', big, 'gzip, deflate, br', true],
    ['a large body, gzip refused (q=0)', big, 'gzip;q=0, br', false],
    ['a large body, no Accept-Encoding', big, undefined, false],
    ['a small body, gzip accepted', small, 'gzip', false],
  ])('%s', async (_name, body, acceptEncoding, gzipped) => {
    const port = await serve((req, res) => void sendJson(req, res, body));
    const res = await rawGet(
      port,
      acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
    );
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['vary']).toBe('accept-encoding');
    expect(res.headers['content-encoding']).toBe(gzipped ? 'gzip' : undefined);
    const text = gzipped ? zlib.gunzipSync(res.body).toString() : res.body.toString();
    expect(JSON.parse(text)).toEqual(body);
    if (gzipped) expect(res.body.length).toBeLessThan(Buffer.byteLength(JSON.stringify(body)));
    else if (body === small) expect(res.body.length).toBeLessThanOrEqual(MIN_GZIP_BYTES);
  });

  it('is read by fetch as it was sent', async () => {
    const port = await serve((req, res) => void sendJson(req, res, big));
    const res = await fetch(`http://127.0.0.1:${String(port)}/`);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.json()).toEqual(big);
  });
});

describe('streamSink', () => {
  it.each([true, false])(
    'gzip %s: every write reaches the client at once, the stream still open',
    async (gzipped) => {
      let sink: ReturnType<typeof streamSink> | undefined;
      const port = await serve((_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          ...streamEncodingHeaders(gzipped),
        });
        res.flushHeaders();
        sink = streamSink(res, gzipped);
      });
      const abort = new AbortController();
      const res = await fetch(`http://127.0.0.1:${String(port)}/`, { signal: abort.signal });
      expect(res.headers.get('content-encoding')).toBe(gzipped ? 'gzip' : null);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      const delays: number[] = [];
      for (let i = 0; i < 20; i++) {
        const sent = performance.now();
        const event = `event: cell\nid: ${String(i)}\ndata: ${JSON.stringify(statusRows(1)[0])}\n\n`;
        sink?.write(event);
        let got = '';
        while (!got.endsWith('\n\n')) {
          const { value, done } = await reader.read();
          if (done) throw new Error('the stream ended');
          got += decoder.decode(value, { stream: true });
        }
        delays.push(performance.now() - sent);
        expect(got).toBe(event);
      }
      sink?.end();
      expect((await reader.read()).done).toBe(true);
      abort.abort();
      // each event arrives as soon as written: no waiting for a compression block to fill
      delays.sort((a, b) => a - b);
      expect(delays[Math.floor(delays.length / 2)]).toBeLessThan(50);
    },
  );

  it('the snapshot of a 5,000-row fleet: gzip makes it several times smaller', () => {
    const items = statusRows(5_000);
    const event = `event: snapshot\nid: 1\ndata: ${JSON.stringify({ items })}\n\n`;
    const raw = Buffer.byteLength(event);
    const packed = zlib.gzipSync(event).length;
    expect(raw).toBeGreaterThan(1_000_000);
    expect(raw / packed).toBeGreaterThan(5);
  });
});
