/**
 * The Redis store's layout (./redis-store.ts has the table of keys): the key names of a target,
 * the fields of an app's hash and how a read of them becomes a checked record, the metadata
 * stored with an assignment or a removal, and the name and version checks every method runs.
 * Nothing here decides anything about versions: the Lua scripts (./lua.ts) do.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { ErrorCode, GitfleetError, isDnsLabel } from '@gitfleet/proto';
import type {
  Assignment,
  AssignmentPolicies,
  DeletionMode,
  HubSignature,
  KubeObject,
  ObjectScope,
  StatusReport,
} from '@gitfleet/proto';
import type { RedisClient } from './lua.ts';
import type { DeliveryRejection, TraceContext } from './port.ts';

const gunzipAsync = promisify(gunzip);

/** How an assignment's objects are stored (gzip of their JSON). */
export const OBJECTS_ENCODING = 'gzip-json';

/** The keys of one target: every one carries the target as a hash tag (one Cluster slot). */
export function keysOf(prefix: string, target: string) {
  const t = `${prefix}{${target}}:`;
  return {
    app: (app: string) => `${t}app:${app}`,
    apps: `${t}apps`,
    pending: `${t}pending`,
    reports: `${t}reports`,
    reportIndex: `${t}report-index`,
    history: (app: string) => `${t}history:${app}`,
    conn: `${t}conn`,
  };
}

/** The cross-target index of every target with state (its own key: another slot on a Cluster). */
export function targetsKey(prefix: string): string {
  return `${prefix}targets`;
}

/** Adds the target to the cross-target index. */
export async function indexTarget(
  redis: RedisClient,
  prefix: string,
  target: string,
): Promise<void> {
  await redis.sadd(targetsKey(prefix), target);
}

/** Every target in the cross-target index, sorted. */
export async function indexedTargets(redis: RedisClient, prefix: string): Promise<string[]> {
  return (await redis.smembers(targetsKey(prefix))).sort();
}

export function internal(
  message: string,
  details: Record<string, string | number> = {},
): GitfleetError {
  return new GitfleetError(ErrorCode.Internal, message, { terminal: true, details });
}

export function checkName(what: 'target' | 'app', name: string): void {
  if (!isDnsLabel(name)) {
    throw internal(`store: ${what} "${name}" is not a DNS label`, { [what]: name });
  }
}

export function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw internal(`store: version ${String(version)} is not a positive integer`);
  }
}

export function toInt(value: string | null | undefined): number {
  if (value == null || value === '') return 0;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : 0;
}

export function isDeletionMode(value: unknown): value is DeletionMode {
  return value === 'delete' || value === 'orphan';
}

export function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new GitfleetError(ErrorCode.Internal, `store: ${what} is not valid JSON`, {
      cause: err,
    });
  }
}

/** A script's reply of two integers, or INTERNAL naming the call. */
export function intPair(reply: unknown, what: string): [number, number] {
  if (Array.isArray(reply) && reply.length === 2) {
    const a = Number(reply[0]);
    const b = Number(reply[1]);
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return [a, b];
  }
  throw internal(`store: ${what}: unexpected reply`);
}

export function byApp(a: { readonly app: string }, b: { readonly app: string }): number {
  return a.app < b.app ? -1 : a.app > b.app ? 1 : 0;
}

export function byTargetApp(a: StatusReport, b: StatusReport): number {
  if (a.target !== b.target) return a.target < b.target ? -1 : 1;
  return byApp(a, b);
}

/** What `meta` holds for an assignment. */
export interface AssignmentMeta {
  readonly revision: string;
  readonly contentDigest: string;
  readonly policies: AssignmentPolicies;
  /** The app's project scope (absent: the app is in no Project). */
  readonly scope?: ObjectScope;
  readonly trace: TraceContext;
  readonly storedAtMs: number;
  readonly encoding: string;
  /** The hub's signature of the assignment at the record's version (absent: unsigned). */
  readonly signature?: HubSignature;
}

/** What `meta` holds for a removal. */
export interface RemovalMeta {
  readonly trace: TraceContext;
  readonly storedAtMs: number;
  /** The hub's signature of the removal at the record's version (absent: unsigned). */
  readonly signature?: HubSignature;
}

/** Fields of the app hash, in the order every read asks for them. */
const APP_FIELDS = [
  'kind',
  'version',
  'counter',
  'digest',
  'meta',
  'deletion',
  'acked',
  'rejected',
] as const;

/** One app's hash on a target, read and checked (objects apart). */
export interface AppRecord {
  readonly kind: 'assignment' | 'removal' | undefined;
  readonly version: number;
  readonly counter: number;
  readonly digest: string | undefined;
  readonly meta: string | undefined;
  readonly deletion: DeletionMode;
  readonly acked: number;
  readonly rejected: DeliveryRejection | undefined;
}

function recordOf(raw: readonly (string | null)[]): AppRecord {
  const [kind, version, counter, digest, meta, deletion, acked, rejected] = raw;
  return {
    kind: kind === 'assignment' || kind === 'removal' ? kind : undefined,
    version: toInt(version),
    counter: toInt(counter),
    digest: digest ?? undefined,
    meta: meta ?? undefined,
    deletion: isDeletionMode(deletion) ? deletion : 'orphan',
    acked: toInt(acked),
    rejected:
      rejected == null ? undefined : parseJson<DeliveryRejection>(rejected, 'rejection record'),
  };
}

/** One app's record (one HMGET: a consistent snapshot), with its objects blob if asked. */
export async function readApp(
  redis: RedisClient,
  prefix: string,
  target: string,
  app: string,
  withObjects: boolean,
): Promise<[AppRecord, Buffer | undefined]> {
  const fields: string[] = [...APP_FIELDS];
  if (withObjects) fields.push('objects');
  const raw = await redis.hmgetBuffer(keysOf(prefix, target).app(app), ...fields);
  const objects = withObjects ? (raw[APP_FIELDS.length] ?? undefined) : undefined;
  return [recordOf(raw.map((b) => (b == null ? null : b.toString('utf8')))), objects];
}

/** The records of every app of the target (objects left out), by app. */
export async function readApps(
  redis: RedisClient,
  prefix: string,
  target: string,
): Promise<Map<string, AppRecord>> {
  const k = keysOf(prefix, target);
  const apps = (await redis.smembers(k.apps)).sort();
  const rows = await Promise.all(apps.map((app) => redis.hmget(k.app(app), ...APP_FIELDS)));
  const out = new Map<string, AppRecord>();
  apps.forEach((app, i) => out.set(app, recordOf(rows[i] ?? [])));
  return out;
}

export function assignmentMeta(record: AppRecord, target: string, app: string): AssignmentMeta {
  if (record.meta === undefined) {
    throw internal(`store: assignment ${target}/${app} has no metadata`, { target, app });
  }
  return parseJson<AssignmentMeta>(record.meta, `assignment ${target}/${app}`);
}

/** The full assignment of an assignment record and its objects blob. */
export async function assignmentOf(
  target: string,
  app: string,
  record: AppRecord,
  blob: Buffer | undefined,
): Promise<Assignment> {
  const meta = assignmentMeta(record, target, app);
  if (blob === undefined || meta.encoding !== OBJECTS_ENCODING) {
    throw internal(`store: assignment ${target}/${app} has no readable objects`, {
      target,
      app,
    });
  }
  const objects = parseJson<KubeObject[]>(
    (await gunzipAsync(blob)).toString('utf8'),
    `objects of ${target}/${app}`,
  );
  return {
    kind: 'assignment',
    target,
    app,
    version: record.version,
    revision: meta.revision,
    contentDigest: meta.contentDigest,
    objects,
    policies: meta.policies,
    ...(meta.scope === undefined ? {} : { scope: meta.scope }),
    ...(meta.signature === undefined ? {} : { signature: meta.signature }),
  };
}
