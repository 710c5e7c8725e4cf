/**
 * Hydration's Prometheus families, in a registry of their own (merged into the hub's `/metrics`):
 * commits written to hydration branches, and failed writes by error code.
 */
import { Counter, Registry } from 'prom-client';

export class HydrateMetrics {
  readonly registry = new Registry();
  private readonly commits = new Counter({
    name: 'gitfleet_hub_hydration_commits_total',
    help: 'Commits of rendered manifests pushed to hydration branches (spec.hydrateTo).',
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'gitfleet_hub_hydration_failures_total',
    help: 'Writes of rendered manifests to hydration branches that failed, by error code.',
    labelNames: ['code'],
    registers: [this.registry],
  });

  committed(): void {
    this.commits.inc();
  }

  failed(code: string): void {
    this.failures.inc({ code });
  }
}
