/**
 * The pure parts of the hub's live event stream (../../http/events): which rows changed since
 * they were last sent, and when a changed row may be sent again (at most once per interval per
 * row, the changes in between coalesced into the one sent at the end of the interval).
 */

/** A row's fields that do not make it a change on their own (they move with every heartbeat or report). */
export const VOLATILE_FIELDS: readonly string[] = ['lastSeenMs', 'reportedAtMs'];

/**
 * What is compared of a row: every field but the volatile ones, as JSON with sorted keys (equal
 * rows have equal signatures whatever the order their fields were set in).
 */
export function rowSignature(row: Readonly<Record<string, unknown>>): string {
  const kept: Record<string, unknown> = {};
  for (const k of Object.keys(row).sort()) {
    if (!VOLATILE_FIELDS.includes(k) && row[k] !== undefined) kept[k] = row[k];
  }
  return JSON.stringify(kept, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** What to send for a row: `send` (new or changed), `remove` (gone), `none` (as last sent). */
export type CellUpdate = 'send' | 'remove' | 'none';

/** The update of a row last sent with `last` (undefined: never, or removed) that is now `row`. */
export function cellUpdate(
  last: string | undefined,
  row: Readonly<Record<string, unknown>> | undefined,
): CellUpdate {
  if (row === undefined) return last === undefined ? 'none' : 'remove';
  return last === rowSignature(row) ? 'none' : 'send';
}

/** The keys that may be sent at a moment, and when the next of the others may. */
export interface Due {
  readonly keys: readonly string[];
  /** The earliest time a key still waiting may be sent (undefined: none waits). */
  readonly nextAtMs: number | undefined;
}

/**
 * Coalesces marks per key: a key marked is due at once when it was not taken within the last
 * `intervalMs`, else at the end of that interval; marks in between make one. Time is given.
 */
export class Coalescer {
  private readonly intervalMs: number;
  private readonly pending = new Set<string>();
  /** When each key was last taken (kept only while within the interval). */
  private readonly takenAt = new Map<string, number>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** `key` changed. */
  mark(key: string): void {
    this.pending.add(key);
  }

  /** Whether any key waits. */
  get waiting(): boolean {
    return this.pending.size > 0;
  }

  /** Takes the keys due at `nowMs` (they count as sent at `nowMs`). */
  take(nowMs: number): Due {
    for (const [k, at] of this.takenAt) {
      if (nowMs - at >= this.intervalMs) this.takenAt.delete(k);
    }
    const keys: string[] = [];
    let nextAtMs: number | undefined;
    for (const k of this.pending) {
      const at = this.takenAt.get(k);
      if (at === undefined) {
        keys.push(k);
        continue;
      }
      const due = at + this.intervalMs;
      nextAtMs = nextAtMs === undefined ? due : Math.min(nextAtMs, due);
    }
    for (const k of keys) {
      this.pending.delete(k);
      this.takenAt.set(k, nowMs);
    }
    return { keys, nextAtMs };
  }
}

/** What the clock can change of a row: its connection, from the last message of its agent. */
export interface ClockFields {
  readonly connection: string;
  readonly lastSeenMs?: number;
}

/**
 * When a row shown Connected turns Stale by the clock alone — no message from its agent for
 * more than `staleAfterMs` — or undefined when the clock cannot change it (it is Stale or
 * Disconnected already, or was never seen). The hub's rule is `now - lastSeen > staleAfter`.
 */
export function staleAtMs(row: ClockFields, staleAfterMs: number): number | undefined {
  if (row.connection !== 'Connected' || row.lastSeenMs === undefined) return undefined;
  return row.lastSeenMs + staleAfterMs + 1;
}

/** The keys whose time in `deadlines` has come at `nowMs`, sorted. */
export function dueByClock(deadlines: ReadonlyMap<string, number>, nowMs: number): string[] {
  const due: string[] = [];
  for (const [key, at] of deadlines) if (at <= nowMs) due.push(key);
  return due.sort();
}
