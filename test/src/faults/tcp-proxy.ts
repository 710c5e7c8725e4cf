/**
 * A TCP proxy on loopback whose link can be broken on purpose, for fault tests: clients dial the
 * proxy, the proxy dials the upstream (a hub's gRPC port, a kube-apiserver's TLS port — bytes
 * pass through untouched, so TLS and HTTP/2 work end to end). Modes, switchable at any time:
 *
 * - `pass`: bytes flow both ways as they arrive (with backpressure).
 * - `drop`: a partition that resets: every open connection is destroyed at once, and each new one
 *   is accepted and destroyed (the client sees a reset, then EOF on every retry).
 * - `blackhole`: a partition that holds: open connections stop moving bytes in both directions
 *   (the proxy stops reading, so the kernel's buffers fill and senders stall, as when packets are
 *   lost and retransmitted), new connections are accepted and held without dialling the upstream.
 *   Leaving the mode resumes every held connection where it stopped — a partition healed before
 *   TCP gave up — so the endpoints' own timeouts (heartbeats, keep-alives, request deadlines) are
 *   what decides whether they survive it.
 * - `slow`: every chunk is delivered `latencyMs` after it arrived, and each direction of each
 *   connection is throttled to `bytesPerSecond`.
 *
 * Only 127.0.0.1 is ever listened on or dialled.
 */
import net from 'node:net';

export type ProxyMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'slow'; readonly latencyMs: number; readonly bytesPerSecond: number };

export const PASS: ProxyMode = { kind: 'pass' };
export const DROP: ProxyMode = { kind: 'drop' };
export const BLACKHOLE: ProxyMode = { kind: 'blackhole' };

export interface TcpProxyOptions {
  /** The upstream port on 127.0.0.1. */
  readonly upstreamPort: number;
  /** Port to listen on (127.0.0.1); 0 (default) lets the OS pick. */
  readonly port?: number;
  readonly mode?: ProxyMode;
  /** For messages. */
  readonly name?: string;
}

export interface TcpProxyStats {
  /** Connections accepted since start (dropped ones included). */
  readonly accepted: number;
  /** Connections destroyed by `drop` (open ones and new ones). */
  readonly dropped: number;
  /** Connections open now (held ones included). */
  readonly open: number;
  /** Bytes delivered client → upstream and upstream → client. */
  readonly bytesUp: number;
  readonly bytesDown: number;
}

export interface TcpProxy {
  readonly name: string;
  readonly port: number;
  /** 127.0.0.1:PORT */
  readonly address: string;
  readonly mode: ProxyMode;
  /** Switches the mode for every open and future connection. */
  setMode(mode: ProxyMode): void;
  stats(): TcpProxyStats;
  /** Destroys every connection and stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Most bytes queued in the proxy per direction before it stops reading from the sender. */
const HIGH_WATER_BYTES = 256 * 1024;
/** Granularity of the throttle: a slow link delivers at most this often per direction. */
const SLOW_TICK_MS = 20;
const HOST = '127.0.0.1';

interface Chunk {
  buf: Buffer;
  readonly atMs: number;
}

/** One direction of one connection: reads `from`, writes `to`, obeying the proxy's mode. */
class Pump {
  private readonly queue: Chunk[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private ended = false;
  private nextFreeMs = 0;
  private readonly from: net.Socket;
  private readonly to: () => net.Socket | undefined;
  private readonly mode: () => ProxyMode;
  private readonly count: (n: number) => void;

  constructor(
    from: net.Socket,
    to: () => net.Socket | undefined,
    mode: () => ProxyMode,
    count: (n: number) => void,
  ) {
    this.from = from;
    this.to = to;
    this.mode = mode;
    this.count = count;
    from.on('data', (buf: Buffer) => {
      this.queue.push({ buf, atMs: Date.now() });
      this.queued += buf.length;
      if (this.queued > HIGH_WATER_BYTES) from.pause();
      this.run();
    });
    from.on('end', () => {
      this.ended = true;
      this.run();
    });
  }

  /** Moves what the mode allows now; schedules itself for what it must deliver later. */
  run(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const to = this.to();
    const mode = this.mode();
    if (to === undefined || to.destroyed || mode.kind === 'blackhole' || mode.kind === 'drop') {
      if (mode.kind === 'blackhole') this.from.pause();
      return;
    }
    if (this.waitingDrain) return;
    const now = Date.now();
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head === undefined) break;
      let piece = head.buf;
      if (mode.kind === 'slow') {
        const due = Math.max(head.atMs + mode.latencyMs, this.nextFreeMs);
        if (due > now) {
          this.timer = setTimeout(() => this.run(), due - now);
          return;
        }
        const maxBytes = Math.max(1, Math.floor((mode.bytesPerSecond * SLOW_TICK_MS) / 1000));
        if (piece.length > maxBytes) {
          head.buf = piece.subarray(maxBytes);
          piece = piece.subarray(0, maxBytes);
        } else {
          this.queue.shift();
        }
        this.nextFreeMs = now + (piece.length * 1000) / mode.bytesPerSecond;
      } else {
        this.queue.shift();
      }
      this.queued -= piece.length;
      this.count(piece.length);
      if (!to.write(piece)) {
        this.waitingDrain = true;
        this.from.pause();
        to.once('drain', () => {
          this.waitingDrain = false;
          this.run();
        });
        return;
      }
    }
    if (this.queue.length === 0 && this.ended) {
      to.end();
      return;
    }
    if (this.queued <= HIGH_WATER_BYTES) this.from.resume();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

class Link {
  upstream: net.Socket | undefined;
  private readonly pumps: Pump[] = [];
  private readonly client: net.Socket;
  private readonly proxy: Proxy;

  constructor(client: net.Socket, proxy: Proxy) {
    this.client = client;
    this.proxy = proxy;
    client.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
    this.pumps.push(
      new Pump(
        client,
        () => this.upstream,
        () => proxy.mode,
        (n) => (proxy.bytesUp += n),
      ),
    );
    if (proxy.mode.kind !== 'blackhole') this.dial();
    else client.pause();
  }

  /** Dials the upstream (once); bytes held so far are delivered when it connects. */
  dial(): void {
    if (this.upstream !== undefined || this.client.destroyed) return;
    const up = net.connect({ host: HOST, port: this.proxy.upstreamPort });
    this.upstream = up;
    up.on('error', () => this.destroy());
    up.on('close', () => this.destroy());
    this.pumps.push(
      new Pump(
        up,
        () => this.client,
        () => this.proxy.mode,
        (n) => (this.proxy.bytesDown += n),
      ),
    );
    up.once('connect', () => this.kick());
  }

  kick(): void {
    if (this.proxy.mode.kind !== 'blackhole') this.dial();
    for (const p of this.pumps) p.run();
  }

  destroy(): void {
    for (const p of this.pumps) p.stop();
    this.client.destroy();
    this.upstream?.destroy();
    this.proxy.links.delete(this);
  }
}

class Proxy implements TcpProxy {
  readonly name: string;
  readonly upstreamPort: number;
  readonly links = new Set<Link>();
  readonly server: net.Server;
  port = 0;
  mode: ProxyMode;
  accepted = 0;
  dropped = 0;
  bytesUp = 0;
  bytesDown = 0;
  private closing: Promise<void> | undefined;

  constructor(opts: TcpProxyOptions) {
    this.name = opts.name ?? `tcp-proxy→${opts.upstreamPort}`;
    this.upstreamPort = opts.upstreamPort;
    this.mode = opts.mode ?? PASS;
    this.server = net.createServer({ pauseOnConnect: false }, (sock) => this.accept(sock));
  }

  get address(): string {
    return `${HOST}:${this.port}`;
  }

  accept(sock: net.Socket): void {
    this.accepted++;
    if (this.mode.kind === 'drop') {
      this.dropped++;
      sock.on('error', () => undefined);
      sock.destroy();
      return;
    }
    sock.setNoDelay(true);
    this.links.add(new Link(sock, this));
  }

  setMode(mode: ProxyMode): void {
    checkMode(mode);
    this.mode = mode;
    if (mode.kind === 'drop') {
      for (const l of [...this.links]) {
        this.dropped++;
        l.destroy();
      }
      return;
    }
    for (const l of this.links) l.kick();
  }

  stats(): TcpProxyStats {
    return {
      accepted: this.accepted,
      dropped: this.dropped,
      open: this.links.size,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
    };
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const l of [...this.links]) l.destroy();
      this.server.close(() => resolve());
    });
    return this.closing;
  }
}

function checkMode(mode: ProxyMode): void {
  if (mode.kind !== 'slow') return;
  if (!(mode.latencyMs >= 0) || !(mode.bytesPerSecond > 0)) {
    throw new Error(
      `slow mode needs latencyMs >= 0 and bytesPerSecond > 0 (got ${String(mode.latencyMs)} ms, ${String(mode.bytesPerSecond)} B/s)`,
    );
  }
}

/** Starts a proxy listening on 127.0.0.1 that forwards to 127.0.0.1:`upstreamPort`. */
export async function startTcpProxy(opts: TcpProxyOptions): Promise<TcpProxy> {
  if (opts.mode !== undefined) checkMode(opts.mode);
  const p = new Proxy(opts);
  await new Promise<void>((resolve, reject) => {
    p.server.once('error', reject);
    p.server.listen(opts.port ?? 0, HOST, () => {
      p.server.off('error', reject);
      resolve();
    });
  });
  const a = p.server.address();
  p.port = typeof a === 'object' && a !== null ? a.port : 0;
  return p;
}
