/**
 * The fault proxy against a real echo server on loopback: each mode does what the fault suite
 * relies on (pass forwards, drop resets, blackhole holds and resumes without losing a byte, slow
 * delays and throttles).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BLACKHOLE, DROP, PASS, startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function echoServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  );
  const a = srv.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

async function proxyToEcho(): Promise<TcpProxy> {
  const p = await startTcpProxy({ upstreamPort: await echoServer() });
  cleanups.push(() => p.close());
  return p;
}

interface Client {
  readonly sock: net.Socket;
  received(): string;
  readonly closed: Promise<void>;
}

async function connect(port: number): Promise<Client> {
  const sock = net.connect({ host: '127.0.0.1', port });
  let data = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => (data += d));
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  cleanups.push(async () => {
    sock.destroy();
    await closed;
  });
  return { sock, received: () => data, closed };
}

async function until(what: string, pred: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('tcp fault proxy', () => {
  it('pass forwards both ways', async () => {
    const p = await proxyToEcho();
    const c = await connect(p.port);
    c.sock.write('hello');
    await until('echo', () => c.received() === 'hello');
    expect(p.stats()).toMatchObject({ accepted: 1, open: 1, bytesUp: 5, bytesDown: 5 });
  });

  it('drop resets open connections and every new one', async () => {
    const p = await proxyToEcho();
    const c = await connect(p.port);
    p.setMode(DROP);
    await c.closed;
    const again = await connect(p.port);
    await again.closed;
    expect(p.stats()).toMatchObject({ accepted: 2, dropped: 2, open: 0 });
    p.setMode(PASS);
    const healed = await connect(p.port);
    healed.sock.write('back');
    await until('echo after heal', () => healed.received() === 'back');
  });

  it('blackhole holds open and new connections, and heal delivers every held byte', async () => {
    const p = await proxyToEcho();
    const open = await connect(p.port);
    p.setMode(BLACKHOLE);
    open.sock.write('held-1');
    const fresh = await connect(p.port);
    fresh.sock.write('held-2');
    await new Promise((r) => setTimeout(r, 200));
    expect(open.received()).toBe('');
    expect(fresh.received()).toBe('');
    expect(p.stats().open).toBe(2);
    p.setMode(PASS);
    await until('held bytes', () => open.received() === 'held-1' && fresh.received() === 'held-2');
  });

  it('slow delays each chunk by the latency and throttles to the bandwidth', async () => {
    const p = await proxyToEcho();
    const c = await connect(p.port);
    p.setMode({ kind: 'slow', latencyMs: 150, bytesPerSecond: 20_000 });
    const t0 = Date.now();
    c.sock.write('x');
    await until('one byte', () => c.received() === 'x');
    // through the proxy twice (there and back): at least two latencies
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const payload = 'y'.repeat(4_000);
    const t1 = Date.now();
    c.sock.write(payload);
    await until('4 kB', () => c.received().length === 1 + payload.length, 5_000);
    // 4,000 bytes at 20,000 B/s: 200 ms each way at least, plus the latency
    expect(Date.now() - t1).toBeGreaterThanOrEqual(340);
  });

  it('refuses a slow mode without a bandwidth', async () => {
    const p = await proxyToEcho();
    expect(() => p.setMode({ kind: 'slow', latencyMs: 10, bytesPerSecond: 0 })).toThrow(
      /bytesPerSecond > 0/,
    );
  });
});
