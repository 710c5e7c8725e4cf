/**
 * The decode side's checks (./codec.ts): every field a peer sends is read through one of these,
 * which return the value when the domain can represent it and otherwise throw a GitfleetError
 * PROTOCOL_VIOLATION naming the message, its id and the field — or LIMIT_EXCEEDED naming the
 * limit, for a list longer than its documented bound (./domain/limits.ts).
 */
import { ErrorCode, GitfleetError } from './domain/errors.ts';
import { isDnsLabel, isMessageId, isRevision, isSha256Digest } from './domain/ids.ts';
import { formatPointer, parsePointer } from './domain/kube.ts';
import type { JsonValue, KubeObject } from './domain/messages.ts';

/** What is being decoded: named in every violation. */
export interface Ctx {
  /** Wire message being decoded ("AgentMessage" / "HubMessage"). */
  readonly message: string;
  /** Its message_id as received (may be empty or invalid). */
  readonly messageId: string;
}

function idOf(ctx: Ctx): string {
  return ctx.messageId === '' ? '(no message_id)' : ctx.messageId;
}

export function violation(ctx: Ctx, field: string, problem: string): GitfleetError {
  return new GitfleetError(
    ErrorCode.ProtocolViolation,
    `${ctx.message} ${idOf(ctx)}: ${field} ${problem}`,
    {
      terminal: true,
      details: { message: ctx.message, field, messageId: ctx.messageId },
    },
  );
}

/**
 * A list longer than its documented limit: LIMIT_EXCEEDED (the hub ends the stream with
 * RESOURCE_EXHAUSTED), checked before any entry is decoded.
 */
export function atMost(ctx: Ctx, field: string, length: number, limit: number, name: string): void {
  if (length <= limit) return;
  throw new GitfleetError(
    ErrorCode.LimitExceeded,
    `${ctx.message} ${idOf(ctx)}: ${field} lists ${String(length)} apps, more than the limit of ${String(limit)} (${name}); a target cannot hold more apps than that`,
    {
      terminal: true,
      details: { message: ctx.message, field, messageId: ctx.messageId, limit: name, length },
    },
  );
}

export function present<T>(ctx: Ctx, field: string, value: T | null | undefined): T {
  if (value === null || value === undefined) throw violation(ctx, field, 'is missing');
  return value;
}

export function nonEmpty(ctx: Ctx, field: string, value: string): string {
  if (value === '') throw violation(ctx, field, 'is missing');
  return value;
}

function checked(
  ctx: Ctx,
  field: string,
  value: string,
  isValid: (v: string) => boolean,
  expected: string,
): string {
  nonEmpty(ctx, field, value);
  if (!isValid(value))
    throw violation(ctx, field, `is ${JSON.stringify(value)} (expected ${expected})`);
  return value;
}

export const dnsLabel = (ctx: Ctx, field: string, v: string): string =>
  checked(ctx, field, v, isDnsLabel, 'a DNS label');
export const messageId = (ctx: Ctx, field: string, v: string): string =>
  checked(ctx, field, v, isMessageId, "an id without ':' or whitespace");
export const revision = (ctx: Ctx, field: string, v: string): string =>
  checked(ctx, field, v, isRevision, 'a 40 or 64 hex commit SHA');
export const sha256 = (ctx: Ctx, field: string, v: string): string =>
  checked(ctx, field, v, isSha256Digest, 'sha256:<64 hex>');

/** A uint64/int64 decoded as a decimal string (longs: String) → a safe integer ≥ min. */
export function integer(ctx: Ctx, field: string, value: string | number, min: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    throw violation(
      ctx,
      field,
      `is ${String(value)} (expected an integer >= ${String(min)} and <= 2^53-1)`,
    );
  }
  return n;
}

/** An RFC 6901 JSON pointer ("" or `/`-separated tokens, `~` only as `~0` or `~1`). */
export function jsonPointer(ctx: Ctx, field: string, value: string): string {
  if (parsePointer(value) === undefined) {
    throw violation(ctx, field, `is ${JSON.stringify(value)} (expected an RFC 6901 JSON pointer)`);
  }
  return value;
}

/**
 * Deepest nesting of arrays and objects accepted in a JSON field (an object of an assignment, a
 * drifted value). What the hub renders stays far below it (YAML nesting is limited to 100, and
 * an overlay adds at most as much again); the JSON helpers that walk values recursively
 * (canonicalJson, the digests) stay far from the stack's end below it.
 */
const MAX_WIRE_JSON_DEPTH = 512;

/** True when JSON text nests arrays and objects deeper than `max` (one pass, no recursion). */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character; a quote ends the string.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

export function parseJson(ctx: Ctx, field: string, text: string): JsonValue {
  if (nestedDeeperThan(text, MAX_WIRE_JSON_DEPTH)) {
    throw violation(
      ctx,
      field,
      `nests arrays and objects more than ${String(MAX_WIRE_JSON_DEPTH)} deep (MAX_WIRE_JSON_DEPTH)`,
    );
  }
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw violation(
      ctx,
      field,
      `is not JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (MAY_OVERFLOW.test(text)) {
    const at = nonFinitePath(value, []);
    if (at !== undefined) {
      throw violation(
        ctx,
        field,
        `holds a number at "${formatPointer(at)}" too large for a double (it parses to Infinity)`,
      );
    }
  }
  return value;
}

/**
 * JSON.parse turns a number literal beyond ±1.8e308 into Infinity, which no peer can encode
 * again. Such a literal has 309 or more integer digits or a three-digit positive exponent; text
 * without either is skipped, so ordinary payloads are not walked twice.
 */
const MAY_OVERFLOW = /\d{309}|[eE]\+?\d{3}/;

/** The path of the first non-finite number in `value`, if any. */
function nonFinitePath(
  value: JsonValue,
  path: readonly (string | number)[],
): readonly (string | number)[] | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  const entries: [string | number, JsonValue][] = Array.isArray(value)
    ? value.map((item, i) => [i, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const at = nonFinitePath(item, [...path, key]);
    if (at !== undefined) return at;
  }
  return undefined;
}

function isJsonObject(value: JsonValue): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON text of a Kubernetes object: an object with apiVersion, kind and metadata.name. */
export function kubeObject(ctx: Ctx, field: string, text: string): KubeObject {
  const value = parseJson(ctx, field, text);
  if (!isJsonObject(value)) throw violation(ctx, field, 'is not a JSON object');
  const metadata = value['metadata'];
  const problems = [
    typeof value['apiVersion'] === 'string' && value['apiVersion'] !== '' ? '' : 'apiVersion',
    typeof value['kind'] === 'string' && value['kind'] !== '' ? '' : 'kind',
    metadata !== undefined &&
    isJsonObject(metadata) &&
    typeof metadata['name'] === 'string' &&
    metadata['name'] !== ''
      ? ''
      : 'metadata.name',
  ].filter((p) => p !== '');
  if (problems.length > 0) {
    throw violation(ctx, field, `is not a Kubernetes object (missing ${problems.join(', ')})`);
  }
  return value;
}

export function unique(ctx: Ctx, field: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw violation(ctx, field, `lists ${JSON.stringify(name)} more than once`);
    seen.add(name);
  }
}
