/**
 * The source-render step's Prometheus families, in a registry of their own (merged into the
 * hub's `/metrics`): runs by source type and outcome, and how long each run took.
 */
import { Counter, Histogram, Registry } from 'prom-client';

/** How a source render ended. */
export const RenderOutcome = {
  Ok: 'ok',
  /** kustomize failed (a broken kustomization). */
  Failed: 'failed',
  /** Refused before running (remote base, plugin, path outside the repository). */
  Refused: 'refused',
  Timeout: 'timeout',
  TooLarge: 'too_large',
} as const;
export type RenderOutcome = (typeof RenderOutcome)[keyof typeof RenderOutcome];

const DURATION_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class SourceRenderMetrics {
  readonly registry = new Registry();
  private readonly runs = new Counter({
    name: 'gitfleet_hub_source_renders_total',
    help: 'Source renders (kustomize runs, and those refused before running), by source type and outcome.',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'gitfleet_hub_source_render_duration_seconds',
    help: 'Time one source render process ran, by source type.',
    labelNames: ['type'],
    buckets: [...DURATION_BUCKETS],
    registers: [this.registry],
  });

  counted(type: string, outcome: RenderOutcome): void {
    this.runs.inc({ type, outcome });
  }

  ran(type: string, seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.duration.observe({ type }, seconds);
  }
}
