/**
 * Strict readers over located YAML nodes. Each reader checks one value, reports what is wrong as
 * a FleetProblem (file, line, column, dotted field) and returns undefined instead of throwing, so
 * one pass collects every problem of a document.
 */
import { ErrorCode } from '@gitfleet/proto/domain';
import type { JsonValue } from '@gitfleet/proto/domain';
import type { FleetProblem, ProblemSeverity } from './types.ts';
import type { Pos, YEntry, YNode } from './yaml-nodes.ts';

/** Where problems of one file go. */
export interface Ctx {
  readonly file: string;
  readonly problems: FleetProblem[];
}

/** A value to read, the dotted field it sits at, and where to report it missing or wrong. */
export interface Slot {
  readonly node: YNode;
  readonly field: string;
  /** The key (or list item) that holds the value: where "missing field" problems point. */
  readonly at: Pos;
}

/** Adds a problem; `limit` names the documented limit it crossed (code LIMIT_EXCEEDED). */
export function report(
  ctx: Ctx,
  pos: Pos,
  field: string,
  message: string,
  severity: ProblemSeverity = 'error',
  limit?: string,
): void {
  ctx.problems.push({
    file: ctx.file,
    line: pos.line,
    column: pos.column,
    field,
    message,
    severity,
    ...(limit === undefined ? {} : { code: ErrorCode.LimitExceeded, limit }),
  });
}

const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** `parent.key`, or `parent["key"]` when the key has dots, slashes or other punctuation. */
export function fieldPath(parent: string, key: string): string {
  const segment = PLAIN_SEGMENT.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (parent === '') return segment.startsWith('[') ? segment : key;
  return segment.startsWith('[') ? `${parent}${segment}` : `${parent}.${segment}`;
}

/** What a node is, for "must be X, got Y" messages. */
export function describeNode(node: YNode): string {
  switch (node.kind) {
    case 'map':
      return 'a mapping';
    case 'seq':
      return 'a list';
    case 'scalar':
      if (node.value === null) return 'an empty value';
      if (typeof node.value === 'string') {
        const text = node.value.length > 40 ? `${node.value.slice(0, 40)}…` : node.value;
        return `the string ${JSON.stringify(text)}`;
      }
      return `the ${typeof node.value} ${node.source ?? String(node.value)}`;
  }
}

function wrongType(ctx: Ctx, slot: Slot, expected: string): undefined {
  const node = slot.node;
  const quoteHint =
    expected.startsWith('a string') &&
    node.kind === 'scalar' &&
    (typeof node.value === 'number' || typeof node.value === 'boolean')
      ? ` (quote it: "${node.source ?? String(node.value)}")`
      : '';
  report(ctx, node.pos, slot.field, `must be ${expected}, got ${describeNode(node)}${quoteHint}`);
  return undefined;
}

export function readString(ctx: Ctx, slot: Slot): string | undefined {
  const node = slot.node;
  if (node.kind === 'scalar' && typeof node.value === 'string') return node.value;
  return wrongType(ctx, slot, 'a string');
}

/** A string that passes `check` (which returns the reason when it does not). */
export function readCheckedString(
  ctx: Ctx,
  slot: Slot,
  check: (value: string) => string | undefined,
): string | undefined {
  const value = readString(ctx, slot);
  if (value === undefined) return undefined;
  const problem = check(value);
  if (problem === undefined) return value;
  report(ctx, slot.node.pos, slot.field, `${JSON.stringify(value)} ${problem}`);
  return undefined;
}

export function readBoolean(ctx: Ctx, slot: Slot): boolean | undefined {
  const node = slot.node;
  if (node.kind === 'scalar' && typeof node.value === 'boolean') return node.value;
  return wrongType(ctx, slot, 'true or false');
}

/** One of a closed vocabulary (case-sensitive, as Kubernetes is). */
export function readOneOf<T extends string>(
  ctx: Ctx,
  slot: Slot,
  values: readonly T[],
): T | undefined {
  const value = readString(ctx, slot);
  if (value === undefined) return undefined;
  const found = values.find((v) => v === value);
  if (found !== undefined) return found;
  const hint = closest(value, values);
  report(
    ctx,
    slot.node.pos,
    slot.field,
    `${JSON.stringify(value)} is not one of ${values.join(', ')}${hint === undefined ? '' : ` (did you mean ${hint}?)`}`,
  );
  return undefined;
}

/** The items of a list, each as a slot `field[i]`. */
export function readList(ctx: Ctx, slot: Slot): Slot[] | undefined {
  const node = slot.node;
  if (node.kind !== 'seq') return wrongType(ctx, slot, 'a list');
  return node.items.map((item, i) => ({
    node: item,
    field: `${slot.field}[${String(i)}]`,
    at: item.pos,
  }));
}

/** The fields of a mapping whose allowed keys are known; unknown keys are reported. */
export class Fields {
  readonly slot: Slot;
  private readonly ctx: Ctx;
  private readonly byKey: ReadonlyMap<string, YEntry>;

  constructor(ctx: Ctx, slot: Slot, byKey: ReadonlyMap<string, YEntry>) {
    this.ctx = ctx;
    this.slot = slot;
    this.byKey = byKey;
  }

  /** The slot of `key`, or undefined when absent. */
  get(key: string): Slot | undefined {
    const entry = this.byKey.get(key);
    return entry === undefined ? undefined : entrySlot(entry, this.slot.field);
  }

  /** The slot of `key`; reports it missing (at the mapping's key) when absent. */
  require(key: string): Slot | undefined {
    const slot = this.get(key);
    if (slot === undefined) {
      report(this.ctx, this.slot.at, fieldPath(this.slot.field, key), 'is required');
    }
    return slot;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }
}

export function entrySlot(entry: YEntry, parentField: string): Slot {
  return { node: entry.value, field: fieldPath(parentField, entry.key), at: entry.keyPos };
}

/**
 * The fields of a mapping with a fixed set of keys. Every other key is a problem (strict
 * schema: a typo must not silently become a default).
 */
export function readFields(ctx: Ctx, slot: Slot, allowed: readonly string[]): Fields | undefined {
  const node = slot.node;
  if (node.kind !== 'map') return wrongType(ctx, slot, 'a mapping');
  const byKey = new Map<string, YEntry>();
  for (const entry of node.entries) {
    if (allowed.includes(entry.key)) {
      byKey.set(entry.key, entry);
      continue;
    }
    const suggestion = closest(entry.key, allowed);
    report(
      ctx,
      entry.keyPos,
      fieldPath(slot.field, entry.key),
      `unknown field ${JSON.stringify(entry.key)}${
        suggestion === undefined
          ? allowed.length === 0
            ? ' (no fields are allowed here)'
            : ` (allowed: ${allowed.join(', ')})`
          : `; did you mean ${JSON.stringify(suggestion)}?`
      }`,
    );
  }
  return new Fields(ctx, slot, byKey);
}

/** The entries of a mapping with free keys (labels, pins), each with its key's slot. */
export function readEntries(ctx: Ctx, slot: Slot): { key: string; slot: Slot }[] | undefined {
  const node = slot.node;
  if (node.kind !== 'map') return wrongType(ctx, slot, 'a mapping');
  return node.entries.map((entry) => ({ key: entry.key, slot: entrySlot(entry, slot.field) }));
}

/**
 * A string → string mapping. Keys failing `checkKey` and values failing `checkValue` are
 * reported (at the key and the value); only entries that pass are returned.
 */
export function readStringMap(
  ctx: Ctx,
  slot: Slot,
  checkKey: (key: string) => string | undefined,
  checkValue: (value: string) => string | undefined,
): { key: string; value: string; slot: Slot }[] | undefined {
  const entries = readEntries(ctx, slot);
  if (entries === undefined) return undefined;
  const out: { key: string; value: string; slot: Slot }[] = [];
  for (const { key, slot: valueSlot } of entries) {
    const keyProblem = checkKey(key);
    if (keyProblem !== undefined) {
      report(ctx, valueSlot.at, valueSlot.field, `key ${JSON.stringify(key)} ${keyProblem}`);
      continue;
    }
    const value = readCheckedString(ctx, valueSlot, checkValue);
    if (value !== undefined) out.push({ key, value, slot: valueSlot });
  }
  return out;
}

/** Any JSON value (numbers must be finite). Object keys keep their order. */
export function readJson(ctx: Ctx, slot: Slot): JsonValue | undefined {
  const node = slot.node;
  switch (node.kind) {
    case 'scalar':
      if (typeof node.value === 'number' && !Number.isFinite(node.value)) {
        report(
          ctx,
          node.pos,
          slot.field,
          `${node.source ?? String(node.value)} is not a JSON number`,
        );
        return undefined;
      }
      return node.value;
    case 'seq': {
      const items = readList(ctx, slot) ?? [];
      const values = items.map((item) => readJson(ctx, item));
      const complete = values.filter((v): v is JsonValue => v !== undefined);
      return complete.length === values.length ? complete : undefined;
    }
    case 'map': {
      const entries = readEntries(ctx, slot) ?? [];
      const values: [string, JsonValue][] = [];
      let complete = true;
      for (const { key, slot: s } of entries) {
        const v = readJson(ctx, s);
        if (v === undefined) complete = false;
        else values.push([key, v]);
      }
      // Object.fromEntries defines own properties, so a "__proto__" key stays a plain key.
      return complete ? Object.fromEntries(values) : undefined;
    }
  }
}

/** The allowed word closest to `word` (edit distance ≤ 2, or equal ignoring case). */
function closest(word: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, candidate, 3);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, capped at `cap` (anything larger returns `cap`). */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return Math.min(previous[b.length] ?? cap, cap);
}
