/**
 * A least-recently-used cache bounded by the total size of its values (each value's size given
 * when it is stored), with every key computed at most once at a time: callers asking for a key
 * while it is being computed share that computation. Values larger than the whole bound are
 * returned but not kept.
 */
export interface Sized<V> {
  readonly value: V;
  readonly bytes: number;
  /** Absent: kept until evicted; else dropped once the clock passes it. */
  readonly expiresAtMs?: number;
}

export class ByteLru<V> {
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Sized<V>>();
  private readonly pending = new Map<string, Promise<V>>();
  private total = 0;

  constructor(maxBytes: number, now: () => number = Date.now) {
    this.maxBytes = maxBytes;
    this.now = now;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value of `key`: kept, being computed, or computed now by `compute`. */
  get(key: string, compute: () => Promise<Sized<V>>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      if (hit.expiresAtMs === undefined || hit.expiresAtMs > this.now()) {
        // most recently used last
        this.entries.delete(key);
        this.entries.set(key, hit);
        return Promise.resolve(hit.value);
      }
      this.drop(key);
    }
    const running = this.pending.get(key);
    if (running !== undefined) return running;
    const p = compute().then(
      (sized) => {
        this.pending.delete(key);
        this.put(key, sized);
        return sized.value;
      },
      (err: unknown) => {
        this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, p);
    return p;
  }

  private put(key: string, sized: Sized<V>): void {
    this.drop(key);
    if (sized.bytes > this.maxBytes) return;
    this.entries.set(key, sized);
    this.total += sized.bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.bytes;
    }
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.total -= old.bytes;
  }
}
