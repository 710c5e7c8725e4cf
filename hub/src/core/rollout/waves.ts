/**
 * Which wave each of an application's placed targets is in, and why: a target belongs to the
 * first wave (in declared order) whose selector matches its labels; targets that no wave selects
 * form the implicit last wave `unmatched`.
 *
 * Choice: unmatched targets roll out last rather than never. Argo CD's RollingSync never syncs
 * an application that no step selects, and Fleet's code leaves clusters outside manual
 * partitions alone (its docs disagree, fleet#2672); both turn a forgotten label into a cluster
 * silently stuck on an old revision. Here it gets the revision after every declared wave has
 * proven it, and parseFleet warns about it.
 */
import { formatLabelSelector, matchesLabelSelector } from '../fleet/label-selector.ts';
import { ROLLOUT_DEFAULTS, UNMATCHED_WAVE } from '../fleet/types.ts';
import type {
  LabelSelector,
  Labels,
  MaxUnavailable,
  RolloutStrategy,
  WaveGate,
} from '../fleet/types.ts';

/** A target as the wave assignment sees it. */
export interface LabelledTarget {
  readonly name: string;
  readonly labels: Labels;
}

export interface WaveMember {
  readonly name: string;
  /** `selector matched wave canary (env=dev)`, or why it is in the implicit wave. */
  readonly reason: string;
}

export interface Wave {
  /** 0-based position; the implicit wave is always last. */
  readonly index: number;
  readonly name: string;
  /** True for the implicit `unmatched` wave. */
  readonly implicit: boolean;
  /** Absent for the implicit wave. */
  readonly selector?: LabelSelector;
  readonly maxUnavailableSpec: MaxUnavailable;
  /** The spec resolved against this wave's size: at least 1. */
  readonly maxUnavailable: number;
  readonly soakMs: number;
  readonly gate?: WaveGate;
  /** Sorted by name. */
  readonly targets: readonly WaveMember[];
}

/** `env=dev`, or `everything` for the empty selector (formatLabelSelector without parentheses). */
export function selectorText(selector: LabelSelector): string {
  const text = formatLabelSelector(selector);
  return text === '(everything)' ? 'everything' : text;
}

/**
 * How many targets of a wave of `size` may be in flight: a count as is, a percentage of the size
 * rounded down, never below 1.
 *
 * @example resolveMaxUnavailable({ percent: 25 }, 10) === 2
 */
export function resolveMaxUnavailable(spec: MaxUnavailable, size: number): number {
  const n = 'count' in spec ? spec.count : Math.floor((size * spec.percent) / 100);
  return Math.max(1, n);
}

/** `1`, `25%`: the spec as written. */
export function formatMaxUnavailable(spec: MaxUnavailable): string {
  return 'count' in spec ? String(spec.count) : `${String(spec.percent)}%`;
}

/**
 * The waves of `strategy` over `targets` (the application's placed targets): every declared
 * wave in order, then the implicit `unmatched` wave; every target in exactly one wave. Waves may
 * be empty (they are then passed over).
 *
 * @example assignWaves(strategy, [{ name: 'dev-1', labels: { env: 'dev' } }])[0]?.targets
 * // [{ name: 'dev-1', reason: 'selector matched wave canary (env=dev)' }]
 */
export function assignWaves(strategy: RolloutStrategy, targets: readonly LabelledTarget[]): Wave[] {
  const members: WaveMember[][] = strategy.waves.map(() => []);
  const unmatched: WaveMember[] = [];
  const reasons = strategy.waves.map((wave, index) => {
    const earlier = strategy.waves.slice(0, index).map((w) => w.name);
    const empty =
      Object.keys(wave.selector.matchLabels ?? {}).length === 0 &&
      (wave.selector.matchExpressions ?? []).length === 0;
    return empty && earlier.length > 0
      ? `selector matched wave ${wave.name} (everything not in ${earlier.join(', ')})`
      : `selector matched wave ${wave.name} (${selectorText(wave.selector)})`;
  });
  const unmatchedReason = `no wave selector matched: implicit last wave ${UNMATCHED_WAVE}`;
  const sorted = [...targets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const target of sorted) {
    const index = strategy.waves.findIndex((w) => matchesLabelSelector(target.labels, w.selector));
    const reason = reasons[index];
    if (reason === undefined) unmatched.push({ name: target.name, reason: unmatchedReason });
    else members[index]?.push({ name: target.name, reason });
  }
  const waves: Wave[] = strategy.waves.map((w, index) => {
    const list = members[index] ?? [];
    return {
      index,
      name: w.name,
      implicit: false,
      selector: w.selector,
      maxUnavailableSpec: w.maxUnavailable,
      maxUnavailable: resolveMaxUnavailable(w.maxUnavailable, list.length),
      soakMs: w.soakMs,
      ...(w.gate === undefined ? {} : { gate: w.gate }),
      targets: list,
    };
  });
  waves.push({
    index: waves.length,
    name: UNMATCHED_WAVE,
    implicit: true,
    maxUnavailableSpec: ROLLOUT_DEFAULTS.maxUnavailable,
    maxUnavailable: resolveMaxUnavailable(ROLLOUT_DEFAULTS.maxUnavailable, unmatched.length),
    soakMs: 0,
    targets: unmatched,
  });
  return waves;
}
