/**
 * What one step (or a plan preview) looks at: the strategy, the waves over the placed targets,
 * their connections, reports and sync windows, and the clock. Built once per call and read-only;
 * the predicates here are shared by the state machine and the explainer.
 */
import type { RolloutStrategy } from '../fleet/types.ts';
import type { ObservedStatus, RolloutTarget } from './state.ts';
import { short } from './text.ts';
import { assignWaves } from './waves.ts';
import type { Wave } from './waves.ts';
import type { WindowsState } from './windows.ts';

/** The inputs of one step, with the waves assigned and the targets indexed by name. */
export interface StepContext {
  readonly strategy: RolloutStrategy;
  readonly now: number;
  readonly waves: readonly Wave[];
  readonly targets: ReadonlyMap<string, RolloutTarget>;
  readonly statuses: Readonly<Record<string, ObservedStatus>>;
  readonly syncWindow: WindowsState | undefined;
  /** Target → index of its wave. */
  readonly waveOf: ReadonlyMap<string, number>;
}

/** The context of one call: waves assigned once, targets indexed by name. */
export function makeContext(
  strategy: RolloutStrategy,
  targets: readonly RolloutTarget[],
  statuses: Readonly<Record<string, ObservedStatus>>,
  now: number,
  syncWindow: WindowsState | undefined,
): StepContext {
  const waves = assignWaves(strategy, targets);
  const waveOf = new Map<string, number>();
  for (const w of waves) for (const m of w.targets) waveOf.set(m.name, w.index);
  return {
    strategy,
    now,
    waves,
    targets: new Map(targets.map((t) => [t.name, t])),
    statuses,
    syncWindow,
    waveOf,
  };
}

/** `record[key]` when `key` is its own property (target names never reach Object.prototype). */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** What `target` last reported, if anything. */
export function statusOf(ctx: StepContext, target: string): ObservedStatus | undefined {
  return own(ctx.statuses, target);
}

/**
 * Connected and reporting `revision` Synced and Healthy (the report of an agent that is not
 * Connected is old news).
 */
export function isHealthyAt(ctx: StepContext, target: string, revision: string): boolean {
  const t = ctx.targets.get(target);
  const s = statusOf(ctx, target);
  return (
    t?.connection === 'Connected' &&
    s?.revision === revision &&
    s.sync === 'Synced' &&
    s.health === 'Healthy'
  );
}

/** The sync windows that apply to `target`: its environment's, else the step's default. */
export function windowOf(ctx: StepContext, target: RolloutTarget): WindowsState | undefined {
  return target.syncWindow ?? ctx.syncWindow;
}

/** True while `target`'s sync window is closed. */
export function isHeld(ctx: StepContext, target: RolloutTarget): boolean {
  return windowOf(ctx, target)?.open === false;
}

/** A target not Connected that the rollout does not wait for (staleTargets: skip). */
export function skippedWhileStale(ctx: StepContext, target: string): boolean {
  const t = ctx.targets.get(target);
  return t !== undefined && t.connection !== 'Connected' && ctx.strategy.staleTargets === 'skip';
}

/** What a target reports, in words: `Stale; reports a1 Synced/Healthy`, `no report yet`. */
export function describeStatus(ctx: StepContext, target: string): string {
  const t = ctx.targets.get(target);
  const s = statusOf(ctx, target);
  const conn = t === undefined || t.connection === 'Connected' ? '' : `${t.connection}; `;
  if (s === undefined || s.revision === undefined) return `${conn}no report yet`;
  return `${conn}reports ${short(s.revision)} ${s.sync ?? 'Unknown'}/${s.health ?? 'Unknown'}`;
}
