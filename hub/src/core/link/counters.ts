/**
 * A Prometheus counter with one label, kept in memory and rendered in the text exposition format.
 * Pure: increment, read, render.
 */
export class LabeledCounter<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly label: string;
  private readonly values = new Map<L, number>();

  /** `known` label values are rendered (as 0) before they are first counted. */
  constructor(name: string, help: string, label: string, known: readonly L[] = []) {
    this.name = name;
    this.help = help;
    this.label = label;
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

  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.values]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([v, n]) => `${this.name}{${this.label}="${v}"} ${String(n)}`),
    ];
  }
}
