/**
 * `spec.overlays` of an Application: per environment, target or label selector, a namespace and
 * patches (RFC 6902 JSON patches or strategic-merge patches), with overlay variables checked.
 */
import { isDnsLabel } from '@gitfleet/proto/domain';
import type { JsonObject } from '@gitfleet/proto/domain';
import { readHelm } from './read-helm.ts';
import { readKustomize } from './read-kustomize.ts';
import { isClean, readLabelSelector, readObjectSelector } from './read-selectors.ts';
import {
  entrySlot,
  readCheckedString,
  readFields,
  readJson,
  readList,
  readOneOf,
  readString,
  report,
} from './read.ts';
import type { Ctx, Slot } from './read.ts';
import { jsonPointerProblem } from './syntax.ts';
import { FleetKind, JsonPatchOp } from './types.ts';
import type { JsonPatchOperation, Overlay, OverlayPatch } from './types.ts';
import { labelOfVariable, variablesIn } from './variables.ts';
import type { Pos, YNode } from './yaml-nodes.ts';

/** A reference from one fleet object to another by name, checked once everything is read. */
export interface FleetRef {
  readonly kind: FleetKind;
  readonly name: string;
  readonly pos: Pos;
  readonly field: string;
  /** Index of the overlay the reference is in (Application overlays). */
  readonly overlay?: number;
  /** Target whose pins the reference is in (Environment targetPins). */
  readonly target?: string;
}

/** A `${target.labels.<key>}` in overlay `overlay`, checked against the targets it applies to. */
export interface LabelUse {
  readonly overlay: number;
  readonly key: string;
  readonly pos: Pos;
  readonly field: string;
}

export interface ReadOverlays {
  readonly overlays: Overlay[];
  readonly refs: FleetRef[];
  readonly labelUses: LabelUse[];
}

export const DNS_LABEL_RULE =
  "is not a DNS label (lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit)";

export function dnsLabelProblem(name: string): string | undefined {
  return isDnsLabel(name) ? undefined : DNS_LABEL_RULE;
}

const SCOPES = ['environment', 'target', 'selector'] as const;

export function readOverlays(ctx: Ctx, slot: Slot): ReadOverlays {
  const out: ReadOverlays = { overlays: [], refs: [], labelUses: [] };
  const items = readList(ctx, slot) ?? [];
  items.forEach((item, index) => {
    const overlay = readOverlay(ctx, item, index, out);
    if (overlay !== undefined) out.overlays.push(overlay);
  });
  return out;
}

function readOverlay(ctx: Ctx, slot: Slot, index: number, out: ReadOverlays): Overlay | undefined {
  const { value, clean } = isClean(ctx, (): Overlay | undefined => {
    const fields = readFields(ctx, slot, [...SCOPES, 'namespace', 'patches', 'kustomize', 'helm']);
    if (fields === undefined) return undefined;
    const scopes = SCOPES.filter((s) => fields.has(s));
    if (scopes.length > 1) {
      const second = fields.get(scopes[1] ?? '');
      report(
        ctx,
        second?.at ?? slot.at,
        second?.field ?? slot.field,
        `an overlay has at most one of environment, target and selector (found ${scopes.join(' and ')})`,
      );
    }
    let overlay: Overlay = {};
    for (const [key, kind] of [
      ['environment', FleetKind.Environment],
      ['target', FleetKind.Target],
    ] as const) {
      const s = fields.get(key);
      const name = s === undefined ? undefined : readCheckedString(ctx, s, dnsLabelProblem);
      if (s !== undefined && name !== undefined) {
        out.refs.push({ kind, name, pos: s.node.pos, field: s.field, overlay: index });
        overlay = { ...overlay, [key]: name };
      }
    }
    const selectorSlot = fields.get('selector');
    const selector = selectorSlot === undefined ? undefined : readLabelSelector(ctx, selectorSlot);
    if (selector !== undefined) overlay = { ...overlay, selector };

    const nsSlot = fields.get('namespace');
    const namespace = nsSlot === undefined ? undefined : readString(ctx, nsSlot);
    if (nsSlot !== undefined && namespace !== undefined) {
      const uses = checkVariables(ctx, nsSlot, index, out);
      if (uses === 0 && !isDnsLabel(namespace)) {
        report(
          ctx,
          nsSlot.node.pos,
          nsSlot.field,
          `${JSON.stringify(namespace)} ${DNS_LABEL_RULE}`,
        );
      }
      overlay = { ...overlay, namespace };
    }
    const patchesSlot = fields.get('patches');
    const patchItems = patchesSlot === undefined ? undefined : readList(ctx, patchesSlot);
    if (patchItems !== undefined) {
      const patches = patchItems.map((p) => readPatch(ctx, p, index, out));
      overlay = {
        ...overlay,
        patches: patches.filter((p): p is OverlayPatch => p !== undefined),
      };
    }
    const kustomizeSlot = fields.get('kustomize');
    const kustomize = kustomizeSlot === undefined ? undefined : readKustomize(ctx, kustomizeSlot);
    if (kustomizeSlot !== undefined) checkVariables(ctx, kustomizeSlot, index, out);
    if (kustomize !== undefined) overlay = { ...overlay, kustomize };
    const helmSlot = fields.get('helm');
    const helm = helmSlot === undefined ? undefined : readHelm(ctx, helmSlot, true);
    if (helmSlot !== undefined) checkVariables(ctx, helmSlot, index, out);
    if (helm !== undefined) overlay = { ...overlay, helm };
    if (
      namespace === undefined &&
      kustomize === undefined &&
      helm === undefined &&
      (patchItems === undefined || patchItems.length === 0)
    ) {
      report(
        ctx,
        slot.at,
        slot.field,
        'overlay sets neither namespace, patches, kustomize nor helm',
        'warning',
      );
    }
    return overlay;
  });
  return clean ? value : undefined;
}

function readPatch(
  ctx: Ctx,
  slot: Slot,
  index: number,
  out: ReadOverlays,
): OverlayPatch | undefined {
  const fields = readFields(ctx, slot, ['target', 'jsonPatch', 'merge']);
  if (fields === undefined) return undefined;
  const targetSlot = fields.require('target');
  const target = targetSlot === undefined ? undefined : readObjectSelector(ctx, targetSlot);
  const jsonPatchSlot = fields.get('jsonPatch');
  const mergeSlot = fields.get('merge');
  if ((jsonPatchSlot === undefined) === (mergeSlot === undefined)) {
    report(
      ctx,
      (mergeSlot ?? slot).at,
      mergeSlot?.field ?? slot.field,
      'a patch has exactly one of jsonPatch and merge',
    );
    return undefined;
  }
  if (jsonPatchSlot !== undefined) {
    const ops = (readList(ctx, jsonPatchSlot) ?? []).map((op) => readOperation(ctx, op));
    if (jsonPatchSlot.node.kind === 'seq' && ops.length === 0) {
      report(ctx, jsonPatchSlot.node.pos, jsonPatchSlot.field, 'needs at least one operation');
    }
    checkVariables(ctx, jsonPatchSlot, index, out);
    const valid = ops.filter((o): o is JsonPatchOperation => o !== undefined);
    return target === undefined || valid.length !== ops.length || valid.length === 0
      ? undefined
      : { target, jsonPatch: valid };
  }
  if (mergeSlot === undefined) return undefined;
  const merge = mergeSlot.node.kind === 'map' ? readJson(ctx, mergeSlot) : undefined;
  if (mergeSlot.node.kind !== 'map') {
    report(ctx, mergeSlot.node.pos, mergeSlot.field, 'must be a mapping (a partial object)');
  }
  checkVariables(ctx, mergeSlot, index, out);
  return target === undefined || !isJsonObject(merge) ? undefined : { target, merge };
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const OPS = Object.values(JsonPatchOp);

function readOperation(ctx: Ctx, slot: Slot): JsonPatchOperation | undefined {
  const node = slot.node;
  const opEntry = node.kind === 'map' ? node.entries.find((e) => e.key === 'op') : undefined;
  // The fields allowed depend on the op; with an unreadable op, accept them all (the op itself
  // is the problem reported).
  const opText = opEntry === undefined ? undefined : scalarText(opEntry.value);
  const opValue = OPS.find((o) => o === opText);
  const allowed =
    opValue === 'remove'
      ? ['op', 'path']
      : opValue === 'move' || opValue === 'copy'
        ? ['op', 'from', 'path']
        : opValue === undefined
          ? ['op', 'path', 'from', 'value']
          : ['op', 'path', 'value'];
  const fields = readFields(ctx, slot, allowed);
  if (fields === undefined) return undefined;
  const opSlot = fields.require('op');
  const op = opSlot === undefined ? undefined : readOneOf(ctx, opSlot, OPS);
  const pointer = (key: 'path' | 'from'): string | undefined => {
    const s = fields.require(key);
    return s === undefined ? undefined : readCheckedString(ctx, s, (v) => jsonPointerProblem(v));
  };
  if (op === undefined) {
    // Still check the pointers that are there, so one pass reports them too.
    for (const key of ['path', 'from'] as const) {
      const s = fields.get(key);
      if (s !== undefined) readCheckedString(ctx, s, (v) => jsonPointerProblem(v));
    }
    return undefined;
  }
  switch (op) {
    case 'remove': {
      const path = pointer('path');
      return path === undefined ? undefined : { op, path };
    }
    case 'move':
    case 'copy': {
      const from = pointer('from');
      const path = pointer('path');
      return from === undefined || path === undefined ? undefined : { op, from, path };
    }
    case 'add':
    case 'replace':
    case 'test': {
      const path = pointer('path');
      const valueSlot = fields.require('value');
      const value = valueSlot === undefined ? undefined : readJson(ctx, valueSlot);
      return path === undefined || value === undefined ? undefined : { op, path, value };
    }
  }
}

function scalarText(node: YNode): string | undefined {
  return node.kind === 'scalar' && typeof node.value === 'string' ? node.value : undefined;
}

/**
 * Reports every malformed `${…}` in the strings under `slot` and records label variables for
 * the cross-check against targets. Returns how many variables were used.
 */
function checkVariables(ctx: Ctx, slot: Slot, overlay: number, out: ReadOverlays): number {
  const node = slot.node;
  switch (node.kind) {
    case 'scalar': {
      if (typeof node.value !== 'string') return 0;
      const uses = variablesIn(node.value);
      for (const use of uses) {
        if (use.problem !== undefined) {
          report(ctx, node.pos, slot.field, use.problem);
          continue;
        }
        const key = labelOfVariable(use.name);
        if (key !== undefined)
          out.labelUses.push({ overlay, key, pos: node.pos, field: slot.field });
      }
      return uses.length;
    }
    case 'seq':
      return node.items.reduce(
        (n, item, i) =>
          n +
          checkVariables(
            ctx,
            { node: item, field: `${slot.field}[${String(i)}]`, at: item.pos },
            overlay,
            out,
          ),
        0,
      );
    case 'map':
      return node.entries.reduce(
        (n, entry) => n + checkVariables(ctx, entrySlot(entry, slot.field), overlay, out),
        0,
      );
  }
}
