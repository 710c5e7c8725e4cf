/**
 * The pure part of the live fleet status (./live.ts): a batch of stream events applied to the
 * rows, and the reconnect backoff.
 */
import type { FleetStatusRow } from '../../src/http/api/fleet.ts';
import type { FleetStatus } from '../../src/http/api/fleet-status.ts';
import { cellKey } from './grid-model.ts';
import type { SseEvent } from './sse.ts';

export type LiveState = 'connecting' | 'open' | 'closed';

export interface FleetLive {
  /** Key `${app}/${target}`. */
  readonly rows: ReadonlyMap<string, FleetStatusRow>;
  readonly fleet?: FleetStatus;
  readonly state: LiveState;
  /** A snapshot has been received (the rows are the fleet's, not empty for want of one). */
  readonly ready: boolean;
}

const MAX_BACKOFF_MS = 30_000;

/** The delay before reconnect attempt `n` (0-based): 0.5 s doubling to 30 s, with jitter. */
export function backoffMs(n: number, random: number = Math.random()): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(n, 10));
  return Math.round(base * (0.75 + 0.5 * random));
}

/** Applies a batch of events to `live`; `reset` says the stream asked to reconnect. */
export function applyEvents(
  live: FleetLive,
  events: readonly SseEvent[],
): { readonly live: FleetLive; readonly reset: boolean } {
  let rows: Map<string, FleetStatusRow> | undefined;
  let next = live;
  let reset = false;
  for (const ev of events) {
    switch (ev.event) {
      case 'snapshot': {
        const body = JSON.parse(ev.data) as { items: FleetStatusRow[]; fleet?: FleetStatus };
        rows = new Map(body.items.map((r) => [cellKey(r.app, r.target), r]));
        next = { ...next, fleet: body.fleet ?? next.fleet, state: 'open', ready: true };
        break;
      }
      case 'cell': {
        const body = JSON.parse(ev.data) as {
          target: string;
          app: string;
          row: FleetStatusRow | null;
        };
        rows ??= new Map(next.rows);
        const key = cellKey(body.app, body.target);
        if (body.row === null) rows.delete(key);
        else rows.set(key, body.row);
        break;
      }
      case 'fleet':
        next = { ...next, fleet: JSON.parse(ev.data) as FleetStatus };
        break;
      case 'reset':
        reset = true;
        break;
      default:
      // events a later hub may add: ignored
    }
  }
  return { live: rows === undefined ? next : { ...next, rows }, reset };
}
