/**
 * RFC 6902 JSON Patch over RFC 6901 JSON Pointers, on a private working copy. All six operations
 * (add, remove, replace, move, copy, test), `-` to append to an array, array indexes without
 * leading zeros. A patch is atomic: the caller passes a copy and keeps the original if any
 * operation fails.
 *
 * Two limits keep a patch from growing an object without bound (`copy` doubles what it copies
 * into a part of itself; `move` can stack subtrees one under another): the `copy` and `move`
 * operations of one patch handle at most {@link MAX_PATCH_COPIED_VALUES} values together, and no
 * operation may put a value deeper than {@link MAX_PATCHED_DEPTH} levels. Crossing one fails the
 * patch (LIMIT_EXCEEDED).
 */
import {
  ErrorCode,
  GitfleetError,
  canonicalJson,
  jsonEqual,
  parsePointer,
} from '@gitfleet/proto/domain';
import type { JsonValue } from '@gitfleet/proto/domain';
import { cloneJson, getOwn, isRecord, setOwn } from './json.ts';
import type { Json } from './json.ts';

/** One RFC 6902 operation. */
export type JsonPatchOp =
  | { readonly op: 'add'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'move'; readonly from: string; readonly path: string }
  | { readonly op: 'copy'; readonly from: string; readonly path: string }
  | { readonly op: 'test'; readonly path: string; readonly value: JsonValue };

export const JSON_PATCH_OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Deepest nesting of objects and arrays an operation may create (the root object is level 1). A
 * manifest is at most 100 deep (maxDepth) and so is a patch's value; twice that is the most a
 * patch needs, and half of what the wire accepts.
 */
export const MAX_PATCHED_DEPTH = 256;
/**
 * Most values (objects, arrays, scalars) the `copy` and `move` operations of one patch may copy
 * or move, together (each is measured, so this also bounds the work of a long patch).
 */
export const MAX_PATCH_COPIED_VALUES = 100_000;

/** Thrown for a failing operation; `details.op` is its index in the patch (and `limit`, if one). */
function failure(index: number, message: string, limit?: string): GitfleetError {
  return new GitfleetError(
    limit === undefined ? ErrorCode.ManifestInvalid : ErrorCode.LimitExceeded,
    message,
    {
      details: limit === undefined ? { op: index } : { op: index, limit },
    },
  );
}

/**
 * Size and nesting of a value (containers count one level each), walked with an explicit
 * stack; stops early once `maxValues` values or `maxDepth` levels are exceeded.
 */
function measure(
  value: Json,
  maxValues: number,
  maxDepth: number,
): { values: number; depth: number } {
  let values = 0;
  let depth = 0;
  const stack: [Json, number][] = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, level] = next;
    values += 1;
    if (v === null || typeof v !== 'object') continue;
    depth = Math.max(depth, level + 1);
    if (values > maxValues || depth > maxDepth) break;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, level + 1]);
  }
  return { values, depth };
}

/** Budget of one patch application: values copied or moved so far. */
interface Budget {
  copied: number;
}

/** Checks that `value` may go at `tokens` (depth), and, when copied, that the budget allows it. */
function checkGrowth(
  index: number,
  tokens: readonly string[],
  value: Json,
  pointer: string,
  budget: Budget | undefined,
): void {
  const allowedDepth = MAX_PATCHED_DEPTH - tokens.length;
  const remaining =
    budget === undefined ? Number.MAX_SAFE_INTEGER : MAX_PATCH_COPIED_VALUES - budget.copied;
  const m = measure(value, remaining, Math.max(0, allowedDepth));
  if (m.depth > allowedDepth) {
    throw failure(
      index,
      `${pointer}: the value would nest the object more than ${String(MAX_PATCHED_DEPTH)} levels deep (limit MAX_PATCHED_DEPTH)`,
      'MAX_PATCHED_DEPTH',
    );
  }
  if (budget === undefined) return;
  budget.copied += m.values;
  if (budget.copied > MAX_PATCH_COPIED_VALUES) {
    throw failure(
      index,
      `the patch copies or moves more than ${String(MAX_PATCH_COPIED_VALUES)} values (limit MAX_PATCH_COPIED_VALUES); copy less, or write the values out`,
      'MAX_PATCH_COPIED_VALUES',
    );
  }
}

function pointerOf(index: number, pointer: unknown, field: string): string[] {
  const tokens = typeof pointer === 'string' ? parsePointer(pointer) : undefined;
  if (tokens === undefined) {
    throw failure(
      index,
      `${field} ${JSON.stringify(pointer) ?? 'undefined'} is not a JSON pointer (it must be "" or start with "/", and "~" only as "~0" or "~1")`,
    );
  }
  return tokens;
}

/** The value at `tokens`, or undefined when it does not exist. */
function lookup(doc: Json, tokens: readonly string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const token of tokens) {
    if (Array.isArray(cur)) {
      cur = ARRAY_INDEX.test(token) ? cur[Number(token)] : undefined;
    } else if (isRecord(cur)) {
      cur = getOwn(cur, token);
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** The container holding the last token (which must exist), for add/remove/replace. */
function parentOf(index: number, doc: Json, tokens: readonly string[], pointer: string): Json {
  const parent = lookup(doc, tokens.slice(0, -1));
  if (parent === undefined) {
    throw failure(index, `the parent of ${pointer} does not exist; add it first`);
  }
  if (!Array.isArray(parent) && !isRecord(parent)) {
    throw failure(index, `the parent of ${pointer} is not an object or array`);
  }
  return parent;
}

function addAt(
  index: number,
  doc: Json,
  tokens: readonly string[],
  value: Json,
  pointer: string,
): Json {
  const last = tokens.at(-1);
  if (last === undefined) return value;
  const parent = parentOf(index, doc, tokens, pointer);
  if (Array.isArray(parent)) {
    if (last === '-') {
      parent.push(value);
    } else if (ARRAY_INDEX.test(last) && Number(last) <= parent.length) {
      parent.splice(Number(last), 0, value);
    } else {
      throw failure(
        index,
        `${pointer}: "${last}" is not an index of the array (0–${String(parent.length)} or "-")`,
      );
    }
  } else if (isRecord(parent)) {
    setOwn(parent, last, value);
  }
  return doc;
}

function removeAt(index: number, doc: Json, tokens: readonly string[], pointer: string): Json {
  const last = tokens.at(-1);
  if (last === undefined) throw failure(index, 'cannot remove the whole object');
  const parent = parentOf(index, doc, tokens, pointer);
  if (Array.isArray(parent)) {
    if (!ARRAY_INDEX.test(last) || Number(last) >= parent.length) {
      throw failure(
        index,
        `${pointer} does not exist (the array has ${String(parent.length)} items)`,
      );
    }
    parent.splice(Number(last), 1);
  } else if (isRecord(parent)) {
    if (!Object.hasOwn(parent, last)) throw failure(index, `${pointer} does not exist`);
    delete parent[last];
  }
  return doc;
}

function valueAt(index: number, doc: Json, tokens: readonly string[], pointer: string): Json {
  const value = lookup(doc, tokens);
  if (value === undefined) throw failure(index, `${pointer} does not exist`);
  return value;
}

function valueOf(index: number, op: { readonly value?: unknown }): Json {
  if (!Object.hasOwn(op, 'value') || op.value === undefined) {
    throw failure(index, 'the operation has no "value"');
  }
  return cloneJson(op.value as JsonValue);
}

/** Applies one operation to `doc` (mutated in place where possible); returns the new root. */
function applyOp(doc: Json, op: JsonPatchOp, index: number, budget: Budget): Json {
  const path = pointerOf(index, op.path, 'path');
  switch (op.op) {
    case 'add': {
      const value = valueOf(index, op);
      checkGrowth(index, path, value, op.path, undefined);
      return addAt(index, doc, path, value, op.path);
    }
    case 'remove':
      return removeAt(index, doc, path, op.path);
    case 'replace': {
      const value = valueOf(index, op);
      valueAt(index, doc, path, op.path);
      checkGrowth(index, path, value, op.path, undefined);
      if (path.length === 0) return value;
      return addAt(index, removeAt(index, doc, path, op.path), path, value, op.path);
    }
    case 'move': {
      const from = pointerOf(index, op.from, 'from');
      const value = valueAt(index, doc, from, op.from);
      if (op.path === op.from) return doc;
      if (op.path.startsWith(`${op.from}/`)) {
        throw failure(index, `cannot move ${op.from} into its own child ${op.path}`);
      }
      checkGrowth(index, path, value, op.path, budget);
      return addAt(index, removeAt(index, doc, from, op.from), path, value, op.path);
    }
    case 'copy': {
      const from = pointerOf(index, op.from, 'from');
      const value = valueAt(index, doc, from, op.from);
      checkGrowth(index, path, value, op.path, budget);
      return addAt(index, doc, path, cloneJson(value), op.path);
    }
    case 'test': {
      const expected = valueOf(index, op);
      const actual = lookup(doc, path);
      if (!jsonEqual(actual, expected)) {
        throw failure(
          index,
          `test failed: ${op.path === '' ? 'the object' : op.path} ${
            actual === undefined ? 'does not exist' : 'has another value'
          } (expected ${isSecret(doc) ? 'value not shown: a Secret' : truncate(canonicalJson(expected))})`,
        );
      }
      return doc;
    }
    default: {
      const unknown: unknown = (op as { readonly op: unknown }).op;
      throw failure(
        index,
        `unknown op ${JSON.stringify(unknown) ?? 'undefined'}; use one of ${JSON_PATCH_OPS.join(', ')}`,
      );
    }
  }
}

const MAX_QUOTED = 80;

function truncate(text: string): string {
  return text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED)}…`;
}

/**
 * Applies an RFC 6902 patch to `doc`, mutating it where possible, and returns the new root
 * (different from `doc` only when an operation replaces the root).
 *
 * @throws GitfleetError MANIFEST_INVALID for the first failing operation, with `details.op`
 *   its 0-based index and a message saying what is wrong; LIMIT_EXCEEDED (and `details.limit`)
 *   when it crossed MAX_PATCHED_DEPTH or MAX_PATCH_COPIED_VALUES
 */
export function applyJsonPatch(doc: Json, ops: readonly JsonPatchOp[]): Json {
  let root = doc;
  const budget: Budget = { copied: 0 };
  for (const [index, op] of ops.entries()) root = applyOp(root, op, index, budget);
  return root;
}

/** Values of a Secret are never quoted in messages (they end up in logs and API answers). */
function isSecret(doc: Json): boolean {
  return isRecord(doc) && getOwn(doc, 'kind') === 'Secret' && getOwn(doc, 'apiVersion') === 'v1';
}
