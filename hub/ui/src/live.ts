/**
 * The live fleet status: one event stream (`GET /api/v1/events`) shared by every page, read with
 * fetch (an EventSource cannot send the Authorization header) and parsed by ./sse.ts. A
 * `snapshot` replaces every row, a `cell` changes or removes one, a `fleet` replaces the fleet
 * status; a `reset`, the stream's end or a network failure reconnects with backoff (a new
 * snapshot follows). A hub without the stream is polled (`GET /api/v1/status`). The rows are a
 * new Map after each batch of events, so that components compare by identity.
 */
import { useEffect, useState } from 'preact/hooks';
import type { FleetStatusRow } from '../../src/http/api/fleet.ts';
import { apiGetAll, authHeaders, backToSignIn } from './api.ts';
import { cellKey } from './grid-model.ts';
import { currentSession, onSessionChange } from './session.ts';
import { SseParser, type SseEvent } from './sse.ts';
import { applyEvents, backoffMs, type FleetLive, type LiveState } from './live-model.ts';

export type { FleetLive, LiveState } from './live-model.ts';

const EMPTY: FleetLive = { rows: new Map(), state: 'closed', ready: false };
const POLL_MS = 10_000;

let data: FleetLive = EMPTY;
const listeners = new Set<() => void>();
let running: AbortController | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let attempt = 0;
let token: string | undefined;

function publish(next: FleetLive): void {
  data = next;
  for (const l of [...listeners]) l();
}

/** Events read but not applied yet: applied together once per frame (a flood is one render). */
let pending: SseEvent[] = [];
let flushing = false;

function flush(): void {
  flushing = false;
  if (pending.length === 0) return;
  const events = pending;
  pending = [];
  publish(applyEvents(data, events).live);
}

function enqueue(events: readonly SseEvent[]): void {
  pending.push(...events);
  if (flushing) return;
  flushing = true;
  // a hidden tab gets no animation frames
  if (document.hidden) setTimeout(flush, 100);
  else requestAnimationFrame(flush);
}

function schedule(delayMs: number, fn: () => void): void {
  clearTimeout(timer);
  timer = setTimeout(fn, delayMs);
}

async function poll(ac: AbortController): Promise<void> {
  try {
    const items = await apiGetAll<FleetStatusRow>('/api/v1/status');
    if (ac.signal.aborted) return;
    publish({
      ...data,
      rows: new Map(items.map((r) => [cellKey(r.app, r.target), r])),
      state: 'closed',
      ready: true,
    });
  } catch {
    // kept as it was; tried again
  }
  if (!ac.signal.aborted) schedule(POLL_MS, () => void poll(ac));
}

/**
 * Marks on the page's performance timeline (for benchmarks and the browser's profiler):
 * `gitfleet:live-request`, `gitfleet:live-response` (the stream's headers),
 * `gitfleet:live-snapshot` (the snapshot read and parsed).
 */
function mark(name: string): void {
  performance.mark(`gitfleet:${name}`);
}

async function connect(ac: AbortController): Promise<void> {
  publish({ ...data, state: 'connecting' });
  mark('live-request');
  try {
    const res = await fetch('/api/v1/events', {
      headers: authHeaders({ accept: 'text/event-stream' }),
      signal: ac.signal,
      cache: 'no-store',
    });
    if (res.status === 401) {
      backToSignIn();
      return;
    }
    if (res.status === 404) {
      await poll(ac);
      return;
    }
    if (!res.ok || res.body === null) throw new Error(`HTTP ${String(res.status)}`);
    mark('live-response');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done || ac.signal.aborted) break;
      const events = parser.push(value);
      if (events.length === 0) continue;
      if (events.some((e) => e.event === 'snapshot')) {
        attempt = 0;
        mark('live-snapshot');
      }
      enqueue(events);
      if (events.some((e) => e.event === 'reset')) {
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
  } catch {
    // the network failed or the stream broke: reconnect below
  }
  if (ac.signal.aborted || running !== ac) return;
  publish({ ...data, state: 'connecting' });
  schedule(backoffMs(attempt++), () => {
    if (running === ac) void connect(ac);
  });
}

/** Opens the shared stream when signed in and not open yet. */
export function startLive(): void {
  const s = currentSession();
  if (s === undefined) return;
  if (running !== undefined && token === s.token) return;
  stopLive();
  token = s.token;
  const ac = new AbortController();
  running = ac;
  attempt = 0;
  void connect(ac);
}

/** Closes the stream and forgets the rows. */
export function stopLive(): void {
  running?.abort();
  running = undefined;
  token = undefined;
  clearTimeout(timer);
  pending = [];
  if (data !== EMPTY) publish(EMPTY);
}

onSessionChange(() => {
  const s = currentSession();
  if (s === undefined) stopLive();
  else if (running !== undefined && s.token !== token) startLive();
});

function useLiveData(start: boolean): FleetLive {
  const [d, setD] = useState(data);
  useEffect(() => {
    const l = (): void => setD(data);
    listeners.add(l);
    l();
    if (start) startLive();
    return () => {
      listeners.delete(l);
    };
  }, [start]);
  return d;
}

/** The live rows and fleet status; opens the shared stream (kept open while signed in). */
export function useFleetLive(): FleetLive {
  return useLiveData(true);
}

/** The stream's state only, without opening it (the header's indicator). */
export function useLiveState(): LiveState {
  return useLiveData(false).state;
}
