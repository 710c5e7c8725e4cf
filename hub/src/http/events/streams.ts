/**
 * The live event stream of the fleet status (`GET /api/v1/events`, ../routes/events.ts): each
 * open stream gets an `event: snapshot` (the rows of `GET /api/v1/status` and the fleet status),
 * then an `event: cell` whenever an (app, target) row changed, recomputed for that row alone
 * when the change feed (./changes.ts) names it, sent only when it differs from the row last
 * sent (../../core/live/cells.ts) and at most once per row per `coalesceMs`; an `event: fleet`
 * when the fleet status (head and in-force commits, acceptance, problems, failures) changes; and
 * a `: ping` comment every `heartbeatMs` so that proxies keep the stream open. A target that turns
 * Stale by the clock alone (its agent fell silent on an open stream: no message, so no change to
 * hear) is recomputed when its time comes, so that a Stale cell never keeps looking Connected.
 * A client that accepts gzip gets the stream gzip-encoded, flushed after every event
 * (../compression.ts).
 *
 * Bounded: at most `maxStreams` streams (over it the route answers 503); a client whose unsent
 * output passes `maxBufferBytes` is sent a final `event: reset` and the stream ends, so that it
 * reconnects and starts from a snapshot. `close` ends every stream (the server's shutdown does
 * not wait for them); a client going away releases its listener and timer.
 */
import type http from 'node:http';
import { STALE_AFTER_MISSED_HEARTBEATS, errorLogFields } from '@gitfleet/proto';
import {
  Coalescer,
  cellUpdate,
  dueByClock,
  rowSignature,
  staleAtMs,
} from '../../core/live/cells.ts';
import type { ResolverStatus } from '../../resolve/types.ts';
import type { HttpServerDeps } from '../deps.ts';
import { fleetStatus, loadCells, loadSnapshot } from '../snapshot.ts';
import { statusRows, type FleetStatusRow } from '../views.ts';
import type { CellChange, LiveChanges } from './changes.ts';
import type { LiveEventSettings } from './settings.ts';
import { streamSink, type StreamSink } from '../compression.ts';

export type { LiveEventSettings } from './settings.ts';

export const DEFAULT_MAX_EVENT_STREAMS = 200;

/** What `event: fleet` compares: the fleet status without its timings. */
function fleetSignature(s: ResolverStatus): string {
  return JSON.stringify([
    s.fleetCommit,
    s.fleetAccepted,
    s.inForceCommit,
    s.fleetProblems,
    s.problems,
    s.failures,
  ]);
}

const SEP = '\n';
const keyOf = (target: string, app: string): string => `${target}${SEP}${app}`;
/** The key of a change of every app of a target. */
const targetKey = (target: string): string => `${target}${SEP}`;

class EventStream {
  private readonly last = new Map<string, string>();
  /** When each target shown Connected turns Stale unless its agent speaks (../../core/live). */
  private readonly staleAt = new Map<string, number>();
  private readonly coalescer: Coalescer;
  private readonly unsubscribe: () => void;
  private seq = 0;
  private ready = false;
  private flushing = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly out: StreamSink;
  private readonly owner: EventStreams;
  closed = false;

  constructor(res: http.ServerResponse, out: StreamSink, owner: EventStreams) {
    this.out = out;
    this.owner = owner;
    this.coalescer = new Coalescer(owner.coalesceMs);
    this.unsubscribe = owner.changes.subscribe((c) => this.onChange(c));
    res.on('close', () => this.dispose());
    res.on('error', () => this.dispose());
  }

  async start(): Promise<void> {
    const { deps } = this.owner;
    try {
      const items = statusRows(await loadSnapshot(deps));
      if (this.closed) return;
      for (const r of items) {
        this.last.set(keyOf(r.target, r.app), rowSignature(r));
        this.watchClock(r.target, r);
      }
      this.write('snapshot', { items, fleet: fleetStatus(deps) });
      this.ready = true;
      if (this.coalescer.waiting) this.schedule(0);
    } catch (err) {
      deps.logger.warn('event stream snapshot failed', { ...errorLogFields(err) });
      this.end('reset');
    }
  }

  /** Sends `event` (the client is reset instead when it is too far behind). */
  write(event: string, data: unknown): void {
    if (this.closed) return;
    if (this.out.buffered > this.owner.maxBufferBytes) {
      this.owner.deps.logger.info('event stream reset: the client fell behind', {
        buffered: this.out.buffered,
      });
      this.end('reset');
      return;
    }
    this.seq++;
    this.out.write(`event: ${event}\nid: ${String(this.seq)}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  ping(): void {
    if (this.closed) return;
    if (this.out.buffered > this.owner.maxBufferBytes) this.end('reset');
    else this.out.write(': ping\n\n');
  }

  /** Ends the stream (with `event: reset` first when given). */
  end(final?: 'reset'): void {
    if (this.closed) return;
    if (final !== undefined) this.out.write(`event: ${final}\ndata: {}\n\n`);
    this.out.end();
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.owner.released(this);
  }

  /** Marks the targets that turned Stale by the clock since their rows were last read. */
  checkClock(nowMs: number): void {
    const due = dueByClock(this.staleAt, nowMs);
    for (const target of due) {
      this.staleAt.delete(target);
      this.coalescer.mark(targetKey(target));
    }
    if (due.length > 0 && this.ready) this.schedule(0);
  }

  private watchClock(target: string, row: FleetStatusRow | undefined): void {
    const at = row === undefined ? undefined : staleAtMs(row, this.owner.staleAfterMs);
    if (at === undefined) this.staleAt.delete(target);
    else this.staleAt.set(target, at);
  }

  private onChange(c: CellChange): void {
    this.coalescer.mark(c.app === undefined ? targetKey(c.target) : keyOf(c.target, c.app));
    if (this.ready) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), Math.max(0, delayMs));
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    const now = this.owner.now();
    const due = this.coalescer.take(now);
    try {
      await this.sendCells(due.keys);
      if (due.nextAtMs !== undefined) this.schedule(due.nextAtMs - now);
    } catch (err) {
      // the store is out of reach: the rows are marked again and tried a second later
      this.owner.deps.logger.warn('event stream rows not read', { ...errorLogFields(err) });
      for (const k of due.keys) this.coalescer.mark(k);
      this.schedule(1_000);
    } finally {
      this.flushing = false;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      }
    }
  }

  /** Recomputes the rows of `keys` and sends those that changed. */
  private async sendCells(keys: readonly string[]): Promise<void> {
    const byTarget = new Map<string, Set<string> | 'all'>();
    for (const k of keys) {
      const i = k.indexOf(SEP);
      const target = k.slice(0, i);
      const app = k.slice(i + 1);
      const apps = byTarget.get(target);
      if (app === '' || apps === 'all') byTarget.set(target, 'all');
      else if (apps === undefined) byTarget.set(target, new Set([app]));
      else apps.add(app);
    }
    const loaded = await Promise.all(
      [...byTarget].map(async ([target, apps]) => {
        const snap = await loadCells(
          this.owner.deps,
          target,
          apps === 'all' ? undefined : [...apps],
        );
        return { target, apps, rows: statusRows(snap) };
      }),
    );
    for (const { target, apps, rows } of loaded) {
      const now = new Map(rows.map((r) => [r.app, r]));
      const shown =
        apps === 'all'
          ? new Set([
              ...[...this.last.keys()].filter((k) => k.startsWith(targetKey(target))),
              ...rows.map((r) => keyOf(target, r.app)),
            ])
          : new Set([...apps].map((a) => keyOf(target, a)));
      for (const key of [...shown].sort()) {
        const app = key.slice(target.length + 1);
        this.sendCell(key, target, app, now.get(app));
      }
    }
  }

  private sendCell(key: string, target: string, app: string, row: FleetStatusRow | undefined) {
    if (row !== undefined) this.watchClock(target, row);
    switch (cellUpdate(this.last.get(key), row)) {
      case 'none':
        return;
      case 'remove':
        this.last.delete(key);
        this.write('cell', { target, app, row: null });
        return;
      case 'send':
        if (row === undefined) return;
        this.last.set(key, rowSignature(row));
        this.write('cell', { target, app, row });
    }
  }
}

/** The open event streams of one HTTP server. */
export class EventStreams {
  readonly changes: LiveChanges;
  readonly coalesceMs: number;
  readonly maxBufferBytes: number;
  readonly now: () => number;
  /** A Connected target whose agent is silent this long is Stale (the hub's rule). */
  readonly staleAfterMs: number;
  private readonly streams = new Set<EventStream>();
  private readonly settings: LiveEventSettings;
  private reserved = 0;
  private pinger: NodeJS.Timeout | undefined;
  private fleetCheck: NodeJS.Timeout | undefined;
  private lastFleet: string | undefined;
  private closed = false;

  readonly deps: HttpServerDeps;

  constructor(deps: HttpServerDeps, settings: LiveEventSettings) {
    this.deps = deps;
    this.settings = settings;
    this.changes = settings.changes;
    this.coalesceMs = settings.coalesceMs ?? 250;
    this.maxBufferBytes = settings.maxBufferBytes ?? 4 * 1024 * 1024;
    this.now = deps.now ?? Date.now;
    this.staleAfterMs = STALE_AFTER_MISSED_HEARTBEATS * deps.config.heartbeatIntervalMs;
  }

  get maxStreams(): number {
    return this.settings.maxStreams;
  }

  /** Open streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Takes a place for a stream; false when `maxStreams` are open (or the server is closing). */
  reserve(): boolean {
    if (this.closed || this.streams.size + this.reserved >= this.settings.maxStreams) return false;
    this.reserved++;
    return true;
  }

  /** Serves a stream on `res` (gzip-encoded when `gzipped`) in the place `reserve` took. */
  open(res: http.ServerResponse, gzipped = false): void {
    this.reserved = Math.max(0, this.reserved - 1);
    if (this.closed) {
      streamSink(res, gzipped).end();
      return;
    }
    res.flushHeaders();
    const s = new EventStream(res, streamSink(res, gzipped), this);
    this.streams.add(s);
    this.startTimers();
    void s.start();
  }

  /** A stream ended. */
  released(s: EventStream): void {
    this.streams.delete(s);
    if (this.streams.size === 0) this.stopTimers();
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const s of [...this.streams]) s.end();
    this.stopTimers();
  }

  private startTimers(): void {
    if (this.pinger !== undefined) return;
    this.lastFleet = fleetSignature(fleetStatus(this.deps));
    this.pinger = setInterval(() => {
      for (const s of this.streams) s.ping();
    }, this.settings.heartbeatMs ?? 15_000);
    this.fleetCheck = setInterval(() => {
      this.checkFleet();
      const now = this.now();
      for (const s of this.streams) s.checkClock(now);
    }, this.settings.fleetCheckMs ?? 1_000);
  }

  private stopTimers(): void {
    clearInterval(this.pinger);
    clearInterval(this.fleetCheck);
    this.pinger = undefined;
    this.fleetCheck = undefined;
  }

  private checkFleet(): void {
    const status = fleetStatus(this.deps);
    const sig = fleetSignature(status);
    if (sig === this.lastFleet) return;
    this.lastFleet = sig;
    for (const s of this.streams) s.write('fleet', status);
  }
}

const BY_DEPS = new WeakMap<HttpServerDeps, EventStreams>();

/** The event streams of a server's deps (undefined: the server has no change feed). */
export function eventStreamsOf(deps: HttpServerDeps): EventStreams | undefined {
  if (deps.live === undefined) return undefined;
  let s = BY_DEPS.get(deps);
  if (s === undefined) {
    s = new EventStreams(deps, deps.live);
    BY_DEPS.set(deps, s);
  }
  return s;
}
