/**
 * Counts by one label value (a refusal reason, say), kept in memory. Pure: increment, read. The
 * hub's metrics (../../metrics.ts) expose them to Prometheus.
 */
export class LabeledCounter<L extends string> {
  private readonly values = new Map<L, number>();

  /** `known` label values count 0 (and are listed) before they are first counted. */
  constructor(known: readonly L[] = []) {
    for (const k of known) this.values.set(k, 0);
  }

  inc(value: L, by = 1): void {
    this.values.set(value, (this.values.get(value) ?? 0) + by);
  }

  get(value: L): number {
    return this.values.get(value) ?? 0;
  }

  /** Every label value with its count. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.values);
  }
}
