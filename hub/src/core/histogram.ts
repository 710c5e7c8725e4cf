/**
 * A Prometheus histogram (cumulative buckets, sum, count) kept in memory and rendered in the text
 * exposition format. Pure: observe values, read the text.
 */
export class Histogram {
  readonly name: string;
  readonly help: string;
  /** Upper bounds, ascending (+Inf is implicit). */
  readonly bounds: readonly number[];
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(name: string, help: string, bounds: readonly number[]) {
    if (bounds.some((b, i) => i > 0 && b <= (bounds[i - 1] ?? -Infinity)))
      throw new Error(`${name}: bucket bounds must ascend`);
    this.name = name;
    this.help = help;
    this.bounds = bounds;
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= (this.bounds[i] ?? Infinity)) this.counts[i] = (this.counts[i] ?? 0) + 1;
    }
  }

  /** The exposition lines (HELP, TYPE, buckets, sum, count). */
  render(): string[] {
    const fmt = (n: number): string => String(Number(n.toPrecision(12)));
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...this.bounds.map(
        (b, i) => `${this.name}_bucket{le="${fmt(b)}"} ${String(this.counts[i] ?? 0)}`,
      ),
      `${this.name}_bucket{le="+Inf"} ${String(this.count)}`,
      `${this.name}_sum ${fmt(this.sum)}`,
      `${this.name}_count ${String(this.count)}`,
    ];
  }
}
