/**
 * `spec.policies` of an Application → the agent contract's AssignmentPolicies, field for field,
 * with defaults. Three shorthands keep simple fleets short:
 *
 *   prune: false            ≡ prune: { enabled: false }
 *   drift: warn             ≡ drift: { mode: warn }
 *   unmanaged: prune        ≡ unmanaged: { mode: prune }
 *
 * Self-heal is `drift: correct` (the default): the agent puts drifted objects back.
 */
import {
  ConflictMode,
  DeletionMode,
  DriftMode,
  SyncMode,
  UnmanagedMode,
} from '@gitfleet/proto/domain';
import type {
  AssignmentPolicies,
  DriftOverride,
  DriftPolicy,
  IgnoreRule,
  ObjectSelector,
  PrunePolicy,
  UnmanagedPolicy,
} from '@gitfleet/proto/domain';
import { readObjectSelector } from './read-selectors.ts';
import { readBoolean, readCheckedString, readFields, readList, readOneOf, report } from './read.ts';
import type { Ctx, Slot } from './read.ts';
import { jsonPointerProblem } from './syntax.ts';

/** What an Application gets for every policy it does not set. */
export const DEFAULT_POLICIES: AssignmentPolicies = Object.freeze({
  sync: SyncMode.Automated,
  prune: Object.freeze({ enabled: true, allowEmpty: false }),
  drift: Object.freeze({ mode: DriftMode.Correct, overrides: Object.freeze([]) }),
  ignore: Object.freeze([]),
  unmanaged: Object.freeze({ mode: UnmanagedMode.Ignore, allow: Object.freeze([]) }),
  conflict: ConflictMode.Force,
  deletion: DeletionMode.Delete,
});

const POLICY_FIELDS = ['sync', 'prune', 'drift', 'ignore', 'unmanaged', 'conflict', 'deletion'];

/** The policies of `spec.policies` (absent: all defaults). Bad fields fall back to defaults. */
export function readPolicies(ctx: Ctx, slot: Slot | undefined): AssignmentPolicies {
  if (slot === undefined) return DEFAULT_POLICIES;
  const fields = readFields(ctx, slot, POLICY_FIELDS);
  if (fields === undefined) return DEFAULT_POLICIES;
  const d = DEFAULT_POLICIES;
  const pick = <T>(key: string, read: (s: Slot) => T | undefined, fallback: T): T => {
    const s = fields.get(key);
    return (s === undefined ? undefined : read(s)) ?? fallback;
  };
  return {
    sync: pick('sync', (s) => readOneOf(ctx, s, Object.values(SyncMode)), d.sync),
    prune: pick('prune', (s) => readPrune(ctx, s), d.prune),
    drift: pick('drift', (s) => readDrift(ctx, s), d.drift),
    ignore: pick('ignore', (s) => readIgnore(ctx, s), d.ignore),
    unmanaged: pick('unmanaged', (s) => readUnmanaged(ctx, s), d.unmanaged),
    conflict: pick('conflict', (s) => readOneOf(ctx, s, Object.values(ConflictMode)), d.conflict),
    deletion: pick('deletion', (s) => readOneOf(ctx, s, Object.values(DeletionMode)), d.deletion),
  };
}

function isScalar(slot: Slot): boolean {
  return slot.node.kind === 'scalar';
}

function readPrune(ctx: Ctx, slot: Slot): PrunePolicy | undefined {
  const d = DEFAULT_POLICIES.prune;
  if (isScalar(slot)) {
    const enabled = readBoolean(ctx, slot);
    return enabled === undefined ? undefined : { ...d, enabled };
  }
  const fields = readFields(ctx, slot, ['enabled', 'allowEmpty']);
  if (fields === undefined) return undefined;
  const enabledSlot = fields.get('enabled');
  const allowEmptySlot = fields.get('allowEmpty');
  return {
    enabled: (enabledSlot === undefined ? undefined : readBoolean(ctx, enabledSlot)) ?? d.enabled,
    allowEmpty:
      (allowEmptySlot === undefined ? undefined : readBoolean(ctx, allowEmptySlot)) ?? d.allowEmpty,
  };
}

function readDrift(ctx: Ctx, slot: Slot): DriftPolicy | undefined {
  const modes = Object.values(DriftMode);
  if (isScalar(slot)) {
    const mode = readOneOf(ctx, slot, modes);
    return mode === undefined ? undefined : { mode, overrides: [] };
  }
  const fields = readFields(ctx, slot, ['mode', 'overrides']);
  if (fields === undefined) return undefined;
  const modeSlot = fields.get('mode');
  const mode =
    (modeSlot === undefined ? undefined : readOneOf(ctx, modeSlot, modes)) ??
    DEFAULT_POLICIES.drift.mode;
  const overridesSlot = fields.get('overrides');
  const items = overridesSlot === undefined ? [] : (readList(ctx, overridesSlot) ?? []);
  const overrides: DriftOverride[] = [];
  for (const item of items) {
    const f = readFields(ctx, item, ['selector', 'mode']);
    if (f === undefined) continue;
    const selectorSlot = f.require('selector');
    const selector = selectorSlot === undefined ? undefined : readObjectSelector(ctx, selectorSlot);
    const overrideModeSlot = f.require('mode');
    const overrideMode =
      overrideModeSlot === undefined ? undefined : readOneOf(ctx, overrideModeSlot, modes);
    if (selector !== undefined && overrideMode !== undefined) {
      overrides.push({ selector, mode: overrideMode });
    }
  }
  return { mode, overrides };
}

function readIgnore(ctx: Ctx, slot: Slot): IgnoreRule[] | undefined {
  const items = readList(ctx, slot);
  if (items === undefined) return undefined;
  const rules: IgnoreRule[] = [];
  for (const item of items) {
    const f = readFields(ctx, item, ['selector', 'jsonPointers']);
    if (f === undefined) continue;
    const selectorSlot = f.require('selector');
    const selector = selectorSlot === undefined ? undefined : readObjectSelector(ctx, selectorSlot);
    const pointersSlot = f.require('jsonPointers');
    const pointerItems = pointersSlot === undefined ? undefined : readList(ctx, pointersSlot);
    if (pointersSlot !== undefined && pointerItems?.length === 0) {
      report(ctx, pointersSlot.node.pos, pointersSlot.field, 'needs at least one JSON pointer');
    }
    const pointers = (pointerItems ?? []).map((p) =>
      readCheckedString(ctx, p, (v) => jsonPointerProblem(v)),
    );
    const valid = pointers.filter((p): p is string => p !== undefined);
    if (selector !== undefined && valid.length > 0 && valid.length === pointers.length) {
      rules.push({ selector, jsonPointers: valid });
    }
  }
  return rules;
}

function readUnmanaged(ctx: Ctx, slot: Slot): UnmanagedPolicy | undefined {
  const modes = Object.values(UnmanagedMode);
  if (isScalar(slot)) {
    const mode = readOneOf(ctx, slot, modes);
    return mode === undefined ? undefined : { mode, allow: [] };
  }
  const fields = readFields(ctx, slot, ['mode', 'allow']);
  if (fields === undefined) return undefined;
  const modeSlot = fields.get('mode');
  const mode =
    (modeSlot === undefined ? undefined : readOneOf(ctx, modeSlot, modes)) ??
    DEFAULT_POLICIES.unmanaged.mode;
  const allowSlot = fields.get('allow');
  const allow = (allowSlot === undefined ? [] : (readList(ctx, allowSlot) ?? []))
    .map((item) => readObjectSelector(ctx, item))
    .filter((s): s is ObjectSelector => s !== undefined);
  return { mode, allow };
}
