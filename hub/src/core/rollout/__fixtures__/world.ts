/**
 * A small simulated fleet for the rollout tests: a strategy builder, six labelled targets, and
 * `world`, which keeps the targets' reports, the rollout state and the clock, and steps it.
 */
import type { HealthStatus, SyncState } from '@gitfleet/proto/domain';
import { ROLLOUT_DEFAULTS } from '../../fleet/types.ts';
import type { Labels, RolloutStrategy, RolloutWave } from '../../fleet/types.ts';
import type { TargetExplanation } from '../explain.ts';
import { step } from '../plan.ts';
import type { StepInput, StepResult } from '../plan.ts';
import { revisionFor, startRollout } from '../revisions.ts';
import type { ObservedStatus, RolloutCommand, RolloutTarget, TargetConnection } from '../state.ts';
import type { WindowsState } from '../windows.ts';

export const SEC = 1000;
export const MIN = 60 * SEC;
export const T0 = Date.parse('2026-01-05T10:00:00Z');

export type WaveInput = Pick<RolloutWave, 'name'> & Partial<RolloutWave>;

export function strategy(waves: WaveInput[], rest: Partial<RolloutStrategy> = {}): RolloutStrategy {
  return {
    waves: waves.map((w) => ({
      selector: {},
      maxUnavailable: ROLLOUT_DEFAULTS.maxUnavailable,
      soakMs: 0,
      ...w,
    })),
    progressDeadlineMs: 10 * MIN,
    failureBudget: 0,
    onFailure: 'halt',
    staleTargets: 'block',
    ...rest,
  };
}

export const dev = (env = 'dev'): Labels => ({ env });

/** Canary on dev one at a time with a 30s soak, then the rest two at a time. */
export const CANARY_THEN_REST = strategy([
  {
    name: 'canary',
    selector: { matchLabels: { env: 'dev' } },
    maxUnavailable: { count: 1 },
    soakMs: 30 * SEC,
  },
  { name: 'rest', maxUnavailable: { count: 2 } },
]);

export const SIX: Record<string, Labels> = {
  'dev-1': dev(),
  'dev-2': dev(),
  'prod-1': dev('prod'),
  'prod-2': dev('prod'),
  'prod-3': dev('prod'),
  'prod-4': dev('prod'),
};

/**
 * A small simulated fleet: targets, what they report, the rollout state and the clock. Every
 * target starts healthy at v1; `converge` makes targets report healthy at what revisionFor says.
 */
export function world(
  strat: RolloutStrategy,
  labels: Record<string, Labels> = SIX,
  options: { from?: string; to?: string } = {},
) {
  const from = options.from ?? 'v1';
  const to = options.to ?? 'v2';
  const w = {
    strategy: strat,
    now: T0,
    state: startRollout('shop', from, to, T0),
    connection: {} as Record<string, TargetConnection>,
    windows: {} as Record<string, WindowsState>,
    statuses: Object.fromEntries(
      Object.keys(labels).map((name) => [
        name,
        { revision: from, sync: 'Synced', health: 'Healthy', sinceMs: T0 - MIN },
      ]),
    ) as Record<string, ObservedStatus>,
    last: undefined as StepResult | undefined,
    targets(): RolloutTarget[] {
      return Object.entries(labels).map(([name, l]) => ({
        name,
        labels: l,
        connection: w.connection[name] ?? 'Connected',
        ...(w.windows[name] === undefined ? {} : { syncWindow: w.windows[name] }),
      }));
    },
    step(extra: Partial<StepInput> = {}): StepResult {
      w.last = step({
        strategy: w.strategy,
        targets: w.targets(),
        statuses: w.statuses,
        state: w.state,
        nowMs: w.now,
        ...extra,
      });
      w.state = w.last.state;
      return w.last;
    },
    command(...commands: RolloutCommand[]): StepResult {
      return w.step({ commands });
    },
    report(
      name: string,
      revision: string,
      health: HealthStatus = 'Healthy',
      sync: SyncState = 'Synced',
    ): void {
      w.statuses[name] = { revision, sync, health, sinceMs: w.now };
    },
    /** Every Connected target reports healthy at the revision it should run. */
    converge(): void {
      for (const name of Object.keys(labels)) {
        if ((w.connection[name] ?? 'Connected') !== 'Connected') continue;
        const revision = revisionFor(w.state, name);
        const s = w.statuses[name];
        if (s?.revision !== revision) w.report(name, revision);
      }
    },
    tick(ms: number): void {
      w.now += ms;
    },
    moved(): string[] {
      return Object.keys(w.state.moved).sort();
    },
    why(name: string): TargetExplanation | undefined {
      return w.last?.explanation.targets.find((t) => t.target === name);
    },
  };
  return w;
}

export const moves = (r: StepResult): string[] => r.actions.map((a) => `${a.target}→${a.revision}`);
