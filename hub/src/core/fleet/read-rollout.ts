/**
 * `Application.spec.rollout` (waves, deadlines, failure policy) and `Environment.spec.syncWindows`
 * (cron schedules in a time zone). The decisions live in core/rollout; this only reads and
 * validates, with defaults from ROLLOUT_DEFAULTS:
 *
 *   rollout:
 *     waves:
 *       - { name: canary, selector: { matchLabels: { env: dev } }, maxUnavailable: 1, soak: 30s, gate: manual }
 *       - { name: rest, selector: {} }
 *     progressDeadline: 10m
 *     failureBudget: 0
 *     onFailure: rollback        # rollback | halt
 *     staleTargets: block        # block | skip
 *
 *   syncWindows:
 *     - { kind: deny, schedule: "0 22 * * *", duration: 8h, timeZone: Europe/Paris }
 */
import { parseCron } from '../time/cron.ts';
import { parseDuration } from '../time/duration.ts';
import { timeZoneProblem } from '../time/zone.ts';
import { dnsLabelProblem } from './read-overlays.ts';
import { isClean, readLabelSelector } from './read-selectors.ts';
import { readCheckedString, readFields, readList, readOneOf, readString, report } from './read.ts';
import type { Ctx, Slot } from './read.ts';
import {
  ROLLOUT_DEFAULTS,
  RolloutOnFailure,
  StaleTargetPolicy,
  SyncWindowKind,
  UNMATCHED_WAVE,
  WaveGate,
} from './types.ts';
import type { MaxUnavailable, RolloutStrategy, RolloutWave, SyncWindow } from './types.ts';
import type { Pos } from './yaml-nodes.ts';

/** Where something was written: for problems found by the fleet-wide checks. */
export interface Located {
  readonly pos: Pos;
  readonly field: string;
}

/** What the fleet-wide checks need to know about where each wave is written. */
export interface ReadRollout {
  /** Undefined when anything in `rollout` is wrong: a half-read strategy would move the wrong targets. */
  readonly strategy: RolloutStrategy | undefined;
  /** `spec.rollout.waves`. */
  readonly wavesAt: Located;
  /** Per wave, where its selector is written (same order as strategy.waves). */
  readonly selectorsAt: readonly Located[];
}

const ROLLOUT_FIELDS = ['waves', 'progressDeadline', 'failureBudget', 'onFailure', 'staleTargets'];
const WAVE_FIELDS = ['name', 'selector', 'maxUnavailable', 'soak', 'gate'];
const WINDOW_FIELDS = ['kind', 'schedule', 'duration', 'timeZone'];
const PERCENT = /^(\d+(?:\.\d+)?)%$/;

export function readRollout(ctx: Ctx, slot: Slot): ReadRollout {
  const selectorsAt: Located[] = [];
  let wavesAt: Located = { pos: slot.at, field: `${slot.field}.waves` };
  const { value, clean } = isClean(ctx, (): RolloutStrategy | undefined => {
    const fields = readFields(ctx, slot, ROLLOUT_FIELDS);
    if (fields === undefined) return undefined;
    const wavesSlot = fields.require('waves');
    if (wavesSlot !== undefined) wavesAt = { pos: wavesSlot.at, field: wavesSlot.field };
    const items = wavesSlot === undefined ? undefined : readList(ctx, wavesSlot);
    if (wavesSlot !== undefined && items?.length === 0) {
      report(ctx, wavesSlot.node.pos, wavesSlot.field, 'needs at least one wave');
    }
    const seen = new Map<string, number>();
    const waves: (RolloutWave | undefined)[] = (items ?? []).map((item) => {
      const wave = readWave(ctx, item, seen);
      if (wave !== undefined) selectorsAt.push(wave.selectorAt);
      return wave?.wave;
    });
    const deadline = durationField(ctx, fields.get('progressDeadline'), {
      positive: true,
      fallback: ROLLOUT_DEFAULTS.progressDeadlineMs,
    });
    const budgetSlot = fields.get('failureBudget');
    const failureBudget =
      budgetSlot === undefined ? ROLLOUT_DEFAULTS.failureBudget : readCount(ctx, budgetSlot, 0);
    const onFailureSlot = fields.get('onFailure');
    const onFailure =
      onFailureSlot === undefined
        ? ROLLOUT_DEFAULTS.onFailure
        : readOneOf(ctx, onFailureSlot, Object.values(RolloutOnFailure));
    const staleSlot = fields.get('staleTargets');
    const staleTargets =
      staleSlot === undefined
        ? ROLLOUT_DEFAULTS.staleTargets
        : readOneOf(ctx, staleSlot, Object.values(StaleTargetPolicy));
    const complete = waves.filter((w): w is RolloutWave => w !== undefined);
    if (
      complete.length !== waves.length ||
      complete.length === 0 ||
      deadline === undefined ||
      failureBudget === undefined ||
      onFailure === undefined ||
      staleTargets === undefined
    ) {
      return undefined;
    }
    return {
      waves: complete,
      progressDeadlineMs: deadline,
      failureBudget,
      onFailure,
      staleTargets,
    };
  });
  return { strategy: clean ? value : undefined, wavesAt, selectorsAt };
}

function readWave(
  ctx: Ctx,
  slot: Slot,
  seen: Map<string, number>,
): { wave: RolloutWave; selectorAt: Located } | undefined {
  const fields = readFields(ctx, slot, WAVE_FIELDS);
  if (fields === undefined) return undefined;
  const nameSlot = fields.require('name');
  const name =
    nameSlot === undefined
      ? undefined
      : readCheckedString(ctx, nameSlot, (v) =>
          v === UNMATCHED_WAVE
            ? `is reserved for the implicit last wave of targets no wave selects`
            : dnsLabelProblem(v),
        );
  if (name !== undefined && nameSlot !== undefined) {
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, nameSlot.node.pos.line);
    } else {
      report(
        ctx,
        nameSlot.node.pos,
        nameSlot.field,
        `wave "${name}" is declared twice (line ${String(first)} and here); wave names are unique`,
      );
    }
  }
  const selectorSlot = fields.require('selector');
  const selector = selectorSlot === undefined ? undefined : readLabelSelector(ctx, selectorSlot);
  const maxSlot = fields.get('maxUnavailable');
  const maxUnavailable =
    maxSlot === undefined ? ROLLOUT_DEFAULTS.maxUnavailable : readMaxUnavailable(ctx, maxSlot);
  const soakMs = durationField(ctx, fields.get('soak'), {
    positive: false,
    fallback: ROLLOUT_DEFAULTS.soakMs,
  });
  const gateSlot = fields.get('gate');
  const gate =
    gateSlot === undefined ? undefined : readOneOf(ctx, gateSlot, Object.values(WaveGate));
  if (
    name === undefined ||
    selector === undefined ||
    selectorSlot === undefined ||
    maxUnavailable === undefined ||
    soakMs === undefined ||
    (gateSlot !== undefined && gate === undefined)
  ) {
    return undefined;
  }
  return {
    wave: { name, selector, maxUnavailable, soakMs, ...(gate === undefined ? {} : { gate }) },
    selectorAt: { pos: selectorSlot.at, field: selectorSlot.field },
  };
}

/** An integer ≥ `min`. */
function readCount(ctx: Ctx, slot: Slot, min: number): number | undefined {
  const node = slot.node;
  if (node.kind === 'scalar' && typeof node.value === 'number') {
    if (Number.isInteger(node.value) && node.value >= min) return node.value;
    report(
      ctx,
      node.pos,
      slot.field,
      `must be a whole number ≥ ${String(min)}, got ${node.source ?? String(node.value)}`,
    );
    return undefined;
  }
  report(ctx, node.pos, slot.field, `must be a whole number ≥ ${String(min)}`);
  return undefined;
}

function readMaxUnavailable(ctx: Ctx, slot: Slot): MaxUnavailable | undefined {
  const node = slot.node;
  const rule = 'must be a count ≥ 1 or a percentage in (0%, 100%], e.g. 1 or "25%"';
  if (node.kind === 'scalar' && typeof node.value === 'number') {
    if (Number.isInteger(node.value) && node.value >= 1) return { count: node.value };
    report(ctx, node.pos, slot.field, `${rule}, got ${node.source ?? String(node.value)}`);
    return undefined;
  }
  if (node.kind === 'scalar' && typeof node.value === 'string') {
    const match = PERCENT.exec(node.value);
    const percent = match?.[1] === undefined ? undefined : Number(match[1]);
    if (percent !== undefined && percent > 0 && percent <= 100) return { percent };
    report(ctx, node.pos, slot.field, `${rule}, got ${JSON.stringify(node.value)}`);
    return undefined;
  }
  report(ctx, node.pos, slot.field, rule);
  return undefined;
}

/** A duration string (a bare 0 is allowed); `fallback` when absent. */
function durationField(
  ctx: Ctx,
  slot: Slot | undefined,
  options: { positive: boolean; fallback: number },
): number | undefined {
  if (slot === undefined) return options.fallback;
  return readDuration(ctx, slot, options.positive);
}

function readDuration(ctx: Ctx, slot: Slot, positive: boolean): number | undefined {
  const node = slot.node;
  if (node.kind === 'scalar' && node.value === 0 && !positive) return 0;
  if (node.kind === 'scalar' && typeof node.value === 'number') {
    report(
      ctx,
      node.pos,
      slot.field,
      `must be a duration with a unit, e.g. ${String(node.value)}s or ${String(node.value)}m (got the number ${node.source ?? String(node.value)})`,
    );
    return undefined;
  }
  const text = readString(ctx, slot);
  if (text === undefined) return undefined;
  const parsed = parseDuration(text);
  if ('problem' in parsed) {
    report(ctx, node.pos, slot.field, `${JSON.stringify(text)} ${parsed.problem}`);
    return undefined;
  }
  if (positive && parsed.ms === 0) {
    report(ctx, node.pos, slot.field, `${JSON.stringify(text)} must be longer than 0`);
    return undefined;
  }
  return parsed.ms;
}

/** `spec.syncWindows`: every window, or undefined when any is wrong. */
export function readSyncWindows(ctx: Ctx, slot: Slot): SyncWindow[] | undefined {
  const { value, clean } = isClean(ctx, () =>
    (readList(ctx, slot) ?? []).map((item) => readSyncWindow(ctx, item)),
  );
  if (!clean) return undefined;
  const windows = value.filter((w): w is SyncWindow => w !== undefined);
  return windows.length === value.length ? windows : undefined;
}

function readSyncWindow(ctx: Ctx, slot: Slot): SyncWindow | undefined {
  const fields = readFields(ctx, slot, WINDOW_FIELDS);
  if (fields === undefined) return undefined;
  const kindSlot = fields.require('kind');
  const kind =
    kindSlot === undefined ? undefined : readOneOf(ctx, kindSlot, Object.values(SyncWindowKind));
  const scheduleSlot = fields.require('schedule');
  const schedule =
    scheduleSlot === undefined
      ? undefined
      : readCheckedString(ctx, scheduleSlot, (v) => {
          const parsed = parseCron(v);
          return 'problem' in parsed ? parsed.problem : undefined;
        });
  const durationSlot = fields.require('duration');
  const durationMs = durationSlot === undefined ? undefined : readDuration(ctx, durationSlot, true);
  const zoneSlot = fields.get('timeZone');
  const timeZone =
    zoneSlot === undefined ? 'UTC' : readCheckedString(ctx, zoneSlot, timeZoneProblem);
  if (
    kind === undefined ||
    schedule === undefined ||
    durationMs === undefined ||
    timeZone === undefined
  ) {
    return undefined;
  }
  return { kind, schedule, durationMs, timeZone };
}
