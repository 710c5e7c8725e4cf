/**
 * `HubStore` on Redis (ioredis): standalone, Sentinel or Cluster. Redis is the hub's durable
 * outbox; run it with AOF.
 *
 * Key layout (P = prefix, default `gitfleet:`; `{t}` = the target as a hash tag, so everything of
 * one target lives in one Cluster slot and every Lua script stays on one slot):
 *
 * | Key | Type | Holds |
 * | --- | --- | --- |
 * | `P{t}:app:<app>` | hash | `counter` (last version allocated), `kind` (assignment/removal), `version` (current), `digest`, `fp` (digest + policies hash), `meta` (JSON: revision, digest, policies, trace, time), `objects` (gzip of the objects' JSON), `deletion`, `acked` (last acked version), `rejected` (JSON) |
 * | `P{t}:apps` | set | apps with a counter or a record on the target |
 * | `P{t}:pending` | set | apps whose current version is neither acked nor rejected (the outbox) |
 * | `P{t}:reports` | hash | app → newest StatusReport (JSON) |
 * | `P{t}:report-index` | hash | app → JSON {v, o, h, s, r} of that report, for the newest-wins check |
 * | `P{t}:history:<app>` | list | sync-state/revision transitions, newest first, capped |
 * | `P{t}:conn` | hash | `replica`, `session`, `connectedAtMs`, `lastSeenMs`, `endedAtMs` |
 * | `Ptargets` | set | every target with state (cross-target views) |
 * | `Pepoch` | string | random marker set at first use; gone = Redis was wiped |
 *
 * Writes that read first are Lua scripts (lua.ts), so two hub replicas never lose an update.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import {
  ErrorCode,
  GitfleetError,
  canonicalJson,
  contentDigest,
  isDnsLabel,
  isRevision,
  sha256Digest,
} from '@gitfleet/proto';
import type {
  AppRemoval,
  Assignment,
  AssignmentPolicies,
  DeletionMode,
  ErrorDetail,
  KubeObject,
  StatusReport,
} from '@gitfleet/proto';
import type { DesiredApp, ResyncHubState } from '../core/resync.ts';
import {
  BUMP_VERSION,
  END_SESSION,
  PUT_DESIRED,
  PUT_REPORT,
  RECORD_SESSION,
  REISSUE_DESIRED,
  REMOVE_DESIRED,
  SETTLE,
  TOUCH,
} from './lua.ts';
import type { LuaScript, RedisClient, ScriptArg } from './lua.ts';
import type {
  ConnectionStatus,
  DeliveryRejection,
  DesiredAssignment,
  DesiredInput,
  DesiredSummary,
  HubStore,
  PendingDelivery,
  PutDesiredResult,
  PutReportResult,
  RecordSessionResult,
  RemovalResult,
  RemoveDesiredOptions,
  ReportFilter,
  SessionInfo,
  SyncHistoryEntry,
  TraceContext,
} from './port.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Default key prefix. */
export const DEFAULT_STORE_PREFIX = 'gitfleet:';
/**
 * Default limit on an assignment's rendered objects (bytes of their JSON): what grpc-js accepts
 * per message by default; the hub sets `grpc.max_receive_message_length` from the same value.
 */
export const DEFAULT_MAX_OBJECTS_BYTES = 4 * 1024 * 1024;
/** Sync history entries kept per (target, app). */
export const DEFAULT_HISTORY_LIMIT = 50;

const OBJECTS_ENCODING = 'gzip-json';

export interface RedisHubStoreOptions {
  /** The connection; the caller owns it (and closes it after the store's last use). */
  readonly redis: RedisClient;
  /**
   * Prepended to every key; must not contain `{` or `}` (hash tags are the store's).
   * @defaultValue 'gitfleet:'
   */
  readonly prefix?: string;
  /** @defaultValue {@link DEFAULT_MAX_OBJECTS_BYTES} */
  readonly maxObjectsBytes?: number;
  /** @defaultValue {@link DEFAULT_HISTORY_LIMIT} */
  readonly historyLimit?: number;
  /** Hub clock (store times only). @defaultValue Date.now */
  readonly now?: () => number;
}

/** What `meta` holds for an assignment. */
interface AssignmentMeta {
  readonly revision: string;
  readonly contentDigest: string;
  readonly policies: AssignmentPolicies;
  readonly trace: TraceContext;
  readonly storedAtMs: number;
  readonly encoding: string;
}

/** What `meta` holds for a removal. */
interface RemovalMeta {
  readonly trace: TraceContext;
  readonly storedAtMs: number;
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

interface AppRecord {
  readonly kind: 'assignment' | 'removal' | undefined;
  readonly version: number;
  readonly counter: number;
  readonly digest: string | undefined;
  readonly meta: string | undefined;
  readonly deletion: DeletionMode;
  readonly acked: number;
  readonly rejected: DeliveryRejection | undefined;
}

function keysOf(prefix: string, target: string) {
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

function internal(message: string, details: Record<string, string | number> = {}): GitfleetError {
  return new GitfleetError(ErrorCode.Internal, message, { terminal: true, details });
}

function checkName(what: 'target' | 'app', name: string): void {
  if (!isDnsLabel(name)) {
    throw internal(`store: ${what} "${name}" is not a DNS label`, { [what]: name });
  }
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw internal(`store: version ${String(version)} is not a positive integer`);
  }
}

function toInt(value: string | null | undefined): number {
  if (value == null || value === '') return 0;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : 0;
}

function isDeletionMode(value: unknown): value is DeletionMode {
  return value === 'delete' || value === 'orphan';
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new GitfleetError(ErrorCode.Internal, `store: ${what} is not valid JSON`, {
      cause: err,
    });
  }
}

function policiesHash(policies: AssignmentPolicies): string {
  return sha256Digest(canonicalJson(policies));
}

function byApp(a: { readonly app: string }, b: { readonly app: string }): number {
  return a.app < b.app ? -1 : a.app > b.app ? 1 : 0;
}

function byTargetApp(a: StatusReport, b: StatusReport): number {
  if (a.target !== b.target) return a.target < b.target ? -1 : 1;
  return byApp(a, b);
}

export class RedisHubStore implements HubStore {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly maxObjectsBytes: number;
  private readonly historyLimit: number;
  private readonly now: () => number;
  /**
   * The epoch this instance saw first (undefined until `epochChanged` ran once). Only
   * `epochChanged` reads and writes it; concurrent calls may both report one wipe.
   */
  private epoch: string | undefined;

  constructor(opts: RedisHubStoreOptions) {
    const prefix = opts.prefix ?? DEFAULT_STORE_PREFIX;
    const maxObjectsBytes = opts.maxObjectsBytes ?? DEFAULT_MAX_OBJECTS_BYTES;
    const historyLimit = opts.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    const problems: string[] = [];
    if (/[{}\s]/.test(prefix)) problems.push(`prefix "${prefix}" must not contain {, } or spaces`);
    if (!Number.isSafeInteger(maxObjectsBytes) || maxObjectsBytes < 1) {
      problems.push('maxObjectsBytes must be a positive integer');
    }
    if (!Number.isSafeInteger(historyLimit) || historyLimit < 1) {
      problems.push('historyLimit must be a positive integer');
    }
    if (problems.length > 0) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `RedisHubStore options:\n- ${problems.join('\n- ')}`,
        { terminal: true },
      );
    }
    this.redis = opts.redis;
    this.prefix = prefix;
    this.maxObjectsBytes = maxObjectsBytes;
    this.historyLimit = historyLimit;
    this.now = opts.now ?? Date.now;
  }

  // -------------------------------------------------------------------------------------------
  // Desired state

  async putDesired(target: string, app: string, input: DesiredInput): Promise<PutDesiredResult> {
    checkName('target', target);
    checkName('app', app);
    if (!isRevision(input.revision)) {
      throw internal(
        `store: target ${target} app ${app}: revision "${input.revision}" is not a commit SHA`,
        {
          target,
          app,
        },
      );
    }
    const json = JSON.stringify(input.objects);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.maxObjectsBytes) {
      throw new GitfleetError(
        ErrorCode.ManifestInvalid,
        `target ${target} app ${app}: rendered objects are ${bytes} bytes, above the limit of ${this.maxObjectsBytes} bytes`,
        { terminal: true, details: { target, app, bytes, limit: this.maxObjectsBytes } },
      );
    }
    const digest = contentDigest(input.objects);
    if (digest !== input.digest) {
      throw internal(
        `store: target ${target} app ${app}: digest ${input.digest} is not the content digest of the objects (${digest})`,
        { target, app },
      );
    }
    const meta: AssignmentMeta = {
      revision: input.revision,
      contentDigest: digest,
      policies: input.policies,
      trace: input.trace ?? {},
      storedAtMs: this.now(),
      encoding: OBJECTS_ENCODING,
    };
    const objects = await gzipAsync(Buffer.from(json, 'utf8'));
    const k = keysOf(this.prefix, target);
    const reply = await this.script(
      PUT_DESIRED,
      [k.app(app), k.apps, k.pending],
      [
        app,
        `${digest} ${policiesHash(input.policies)}`,
        digest,
        JSON.stringify(meta),
        objects,
        input.policies.deletion,
      ],
    );
    const [version, changed] = this.intPair(reply, 'putDesired');
    if (changed === 1) await this.indexTarget(target);
    return { version, changed: changed === 1 };
  }

  async getDesired(target: string, app: string): Promise<DesiredAssignment | undefined> {
    checkName('target', target);
    checkName('app', app);
    const [record, objects] = await this.readApp(target, app, true);
    if (record.kind !== 'assignment') return undefined;
    const payload = await this.assignmentOf(target, app, record, objects);
    const meta = this.assignmentMeta(record, target, app);
    return { assignment: payload, trace: meta.trace, storedAtMs: meta.storedAtMs };
  }

  async listDesired(target: string): Promise<DesiredSummary[]> {
    checkName('target', target);
    const records = await this.readApps(target);
    const out: DesiredSummary[] = [];
    for (const [app, record] of records) {
      if (record.kind !== 'assignment') continue;
      const meta = this.assignmentMeta(record, target, app);
      out.push({
        app,
        version: record.version,
        revision: meta.revision,
        contentDigest: meta.contentDigest,
        deletion: record.deletion,
        storedAtMs: meta.storedAtMs,
        delivered: record.acked === record.version,
        ...(record.rejected !== undefined && record.rejected.version === record.version
          ? { rejection: record.rejected }
          : {}),
      });
    }
    return out.sort(byApp);
  }

  async removeDesired(
    target: string,
    app: string,
    opts: RemoveDesiredOptions = {},
  ): Promise<RemovalResult | undefined> {
    checkName('target', target);
    checkName('app', app);
    if (opts.atLeast !== undefined) checkVersion(opts.atLeast);
    const k = keysOf(this.prefix, target);
    const meta: RemovalMeta = { trace: opts.trace ?? {}, storedAtMs: this.now() };
    const reply = await this.script(
      REMOVE_DESIRED,
      [k.app(app), k.apps, k.pending],
      [
        app,
        opts.atLeast ?? 0,
        opts.deletion ?? '',
        opts.force === true ? '1' : '0',
        JSON.stringify(meta),
      ],
    );
    if (reply == null) return undefined;
    if (!Array.isArray(reply) || reply.length !== 2) {
      throw internal('store: removeDesired: unexpected reply');
    }
    const version = Number(reply[0]);
    const deletion: unknown = String(reply[1]);
    if (!Number.isSafeInteger(version) || !isDeletionMode(deletion)) {
      throw internal('store: removeDesired: unexpected reply');
    }
    await this.indexTarget(target);
    return { version, deletion };
  }

  async versionOf(target: string, app: string): Promise<number> {
    checkName('target', target);
    checkName('app', app);
    return toInt(await this.redis.hget(keysOf(this.prefix, target).app(app), 'counter'));
  }

  async bumpVersion(target: string, app: string, atLeast: number): Promise<number> {
    checkName('target', target);
    checkName('app', app);
    checkVersion(atLeast);
    const k = keysOf(this.prefix, target);
    const reply = await this.script(BUMP_VERSION, [k.app(app), k.apps], [app, atLeast]);
    await this.indexTarget(target);
    return Number(reply);
  }

  async reissueDesired(
    target: string,
    app: string,
    version: number,
    opts: { readonly delivered: boolean },
  ): Promise<boolean> {
    checkName('target', target);
    checkName('app', app);
    checkVersion(version);
    const k = keysOf(this.prefix, target);
    const reply = await this.script(
      REISSUE_DESIRED,
      [k.app(app), k.pending],
      [app, version, opts.delivered ? '1' : '0'],
    );
    return Number(reply) === 1;
  }

  async knownRemovals(target: string): Promise<Map<string, DeletionMode>> {
    checkName('target', target);
    const out = new Map<string, DeletionMode>();
    for (const [app, record] of await this.readApps(target)) {
      if (record.kind === 'removal') out.set(app, record.deletion);
    }
    return out;
  }

  async resyncState(target: string): Promise<ResyncHubState> {
    checkName('target', target);
    const k = keysOf(this.prefix, target);
    const [records, index] = await Promise.all([
      this.readApps(target),
      this.redis.hgetall(k.reportIndex),
    ]);
    const desired = new Map<string, DesiredApp>();
    const counters = new Map<string, number>();
    const knownRemovals = new Map<string, DeletionMode>();
    for (const [app, record] of records) {
      counters.set(app, record.counter);
      if (record.kind === 'assignment' && record.digest !== undefined) {
        desired.set(app, {
          version: record.version,
          digest: record.digest,
          deletion: record.deletion,
        });
      } else if (record.kind === 'removal') {
        knownRemovals.set(app, record.deletion);
      }
    }
    const hashes = new Map<string, string>();
    for (const [app, raw] of Object.entries(index)) {
      hashes.set(app, parseJson<{ h: string }>(raw, `report index of ${target}/${app}`).h);
    }
    return {
      desired,
      versionOf: (app) => counters.get(app) ?? 0,
      lastStatusHash: (app) => hashes.get(app),
      knownRemovals,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Delivery outbox

  async pendingFor(target: string): Promise<PendingDelivery[]> {
    checkName('target', target);
    const apps = (await this.redis.smembers(keysOf(this.prefix, target).pending)).sort();
    const all = await Promise.all(apps.map((app) => this.pendingOf(target, app)));
    return all.filter((p): p is PendingDelivery => p !== undefined);
  }

  async pendingOf(target: string, app: string): Promise<PendingDelivery | undefined> {
    checkName('target', target);
    checkName('app', app);
    const [record, objects] = await this.readApp(target, app, true);
    // One HMGET is a consistent snapshot of the record; the pending set is only the index.
    if (record.kind === undefined || record.acked >= record.version) return undefined;
    if (record.rejected !== undefined && record.rejected.version === record.version) {
      return undefined;
    }
    if (record.kind === 'removal') {
      const meta =
        record.meta === undefined
          ? undefined
          : parseJson<RemovalMeta>(record.meta, `removal of ${target}/${app}`);
      const removal: AppRemoval = {
        kind: 'appRemoval',
        target,
        app,
        version: record.version,
        deletion: record.deletion,
      };
      return { payload: removal, trace: meta?.trace ?? {} };
    }
    const assignment = await this.assignmentOf(target, app, record, objects);
    return { payload: assignment, trace: this.assignmentMeta(record, target, app).trace };
  }

  async ack(target: string, app: string, version: number): Promise<boolean> {
    return this.settle(target, app, version, '');
  }

  async rejected(
    target: string,
    app: string,
    version: number,
    error: ErrorDetail,
  ): Promise<boolean> {
    const rejection: DeliveryRejection = {
      version,
      error: { code: error.code, message: error.message },
      atMs: this.now(),
    };
    return this.settle(target, app, version, JSON.stringify(rejection));
  }

  // -------------------------------------------------------------------------------------------
  // Reports and history

  async putReport(report: StatusReport): Promise<PutReportResult> {
    const { target, app } = report;
    checkName('target', target);
    checkName('app', app);
    checkVersion(report.assignmentVersion);
    if (!Number.isSafeInteger(report.observedAtUnixMs) || report.observedAtUnixMs < 0) {
      throw internal(`store: report ${target}/${app}: observedAtUnixMs is not a time`);
    }
    const k = keysOf(this.prefix, target);
    const entry: SyncHistoryEntry = {
      atMs: report.observedAtUnixMs,
      syncState: report.syncState,
      revision: report.revision,
      assignmentVersion: report.assignmentVersion,
      health: report.health.status,
    };
    const reply = await this.script(
      PUT_REPORT,
      [k.reports, k.reportIndex, k.history(app)],
      [
        app,
        JSON.stringify(report),
        report.assignmentVersion,
        report.observedAtUnixMs,
        report.statusHash,
        report.syncState,
        report.revision,
        JSON.stringify(entry),
        this.historyLimit,
      ],
    );
    const result = String(reply);
    if (result === 'stale') return 'stale';
    if (result === 'stored') await this.indexTarget(target);
    return 'stored';
  }

  async getReport(target: string, app: string): Promise<StatusReport | undefined> {
    checkName('target', target);
    checkName('app', app);
    const raw = await this.redis.hget(keysOf(this.prefix, target).reports, app);
    return raw == null ? undefined : parseJson<StatusReport>(raw, `report ${target}/${app}`);
  }

  async listReports(filter: ReportFilter = {}): Promise<StatusReport[]> {
    if (filter.target !== undefined) checkName('target', filter.target);
    if (filter.app !== undefined) checkName('app', filter.app);
    const targets = filter.target !== undefined ? [filter.target] : await this.targets();
    const { app } = filter;
    const perTarget = await Promise.all(
      targets.map(async (target): Promise<StatusReport[]> => {
        if (app !== undefined) {
          const one = await this.getReport(target, app);
          return one === undefined ? [] : [one];
        }
        const raw = await this.redis.hvals(keysOf(this.prefix, target).reports);
        return raw.map((r) => parseJson<StatusReport>(r, `report of ${target}`));
      }),
    );
    return perTarget.flat().sort(byTargetApp);
  }

  async lastStatusHash(target: string, app: string): Promise<string | undefined> {
    checkName('target', target);
    checkName('app', app);
    const raw = await this.redis.hget(keysOf(this.prefix, target).reportIndex, app);
    return raw == null
      ? undefined
      : parseJson<{ h: string }>(raw, `report index ${target}/${app}`).h;
  }

  async syncHistory(target: string, app: string): Promise<SyncHistoryEntry[]> {
    checkName('target', target);
    checkName('app', app);
    const raw = await this.redis.lrange(keysOf(this.prefix, target).history(app), 0, -1);
    return raw.map((r) => parseJson<SyncHistoryEntry>(r, `sync history ${target}/${app}`));
  }

  // -------------------------------------------------------------------------------------------
  // Connections

  async recordSession(target: string, session: SessionInfo): Promise<RecordSessionResult> {
    checkName('target', target);
    const reply = await this.script(
      RECORD_SESSION,
      [keysOf(this.prefix, target).conn],
      [session.replica, session.session, session.connectedAtMs],
    );
    await this.indexTarget(target);
    if (Array.isArray(reply) && reply.length === 2) {
      return { superseded: { replica: String(reply[0]), session: String(reply[1]) } };
    }
    return {};
  }

  async touch(target: string, nowMs: number, session?: string): Promise<boolean> {
    checkName('target', target);
    const reply = await this.script(
      TOUCH,
      [keysOf(this.prefix, target).conn],
      [nowMs, session ?? ''],
    );
    return Number(reply) === 1;
  }

  async endSession(target: string, session: string, nowMs: number): Promise<boolean> {
    checkName('target', target);
    const reply = await this.script(
      END_SESSION,
      [keysOf(this.prefix, target).conn],
      [session, nowMs],
    );
    return Number(reply) === 1;
  }

  async connection(target: string, nowMs: number, staleAfterMs: number): Promise<ConnectionStatus> {
    checkName('target', target);
    const c = await this.redis.hgetall(keysOf(this.prefix, target).conn);
    const sessionId = c['session'];
    if (sessionId === undefined) return { state: 'Disconnected' };
    const session: SessionInfo = {
      replica: c['replica'] ?? '',
      session: sessionId,
      connectedAtMs: toInt(c['connectedAtMs']),
    };
    const lastSeenMs = toInt(c['lastSeenMs']);
    if (c['endedAtMs'] !== undefined) {
      return { state: 'Disconnected', lastSeenMs, session, endedAtMs: toInt(c['endedAtMs']) };
    }
    const state = nowMs - lastSeenMs > staleAfterMs ? 'Stale' : 'Connected';
    return { state, lastSeenMs, session };
  }

  async targets(): Promise<string[]> {
    return (await this.redis.smembers(`${this.prefix}targets`)).sort();
  }

  // -------------------------------------------------------------------------------------------
  // Wipe detection

  async epochChanged(): Promise<boolean> {
    const key = `${this.prefix}epoch`;
    const seen = await this.redis.get(key);
    if (seen !== null && seen === this.epoch) return false;
    if (seen === null) await this.redis.set(key, randomUUID(), 'NX');
    const now = await this.redis.get(key);
    if (now === null) throw internal('store: epoch marker vanished while being set');
    const first = this.epoch === undefined;
    this.epoch = now;
    return !first;
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  private async script(
    script: LuaScript,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    return script.run(this.redis, keys, args);
  }

  private intPair(reply: unknown, what: string): [number, number] {
    if (Array.isArray(reply) && reply.length === 2) {
      const a = Number(reply[0]);
      const b = Number(reply[1]);
      if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return [a, b];
    }
    throw internal(`store: ${what}: unexpected reply`);
  }

  /** Adds the target to the cross-target index (its own key: another slot on a Cluster). */
  private async indexTarget(target: string): Promise<void> {
    await this.redis.sadd(`${this.prefix}targets`, target);
  }

  private async settle(
    target: string,
    app: string,
    version: number,
    rejection: string,
  ): Promise<boolean> {
    checkName('target', target);
    checkName('app', app);
    checkVersion(version);
    const k = keysOf(this.prefix, target);
    const reply = await this.script(SETTLE, [k.app(app), k.pending], [app, version, rejection]);
    return Number(reply) === 1;
  }

  /** One app's record (one HMGET: a consistent snapshot), with its objects blob if asked. */
  private async readApp(
    target: string,
    app: string,
    withObjects: boolean,
  ): Promise<[AppRecord, Buffer | undefined]> {
    const fields: string[] = [...APP_FIELDS];
    if (withObjects) fields.push('objects');
    const raw = await this.redis.hmgetBuffer(keysOf(this.prefix, target).app(app), ...fields);
    const objects = withObjects ? (raw[APP_FIELDS.length] ?? undefined) : undefined;
    return [this.recordOf(raw.map((b) => (b == null ? null : b.toString('utf8')))), objects];
  }

  /** The records of every app of the target (objects left out). */
  private async readApps(target: string): Promise<Map<string, AppRecord>> {
    const k = keysOf(this.prefix, target);
    const apps = (await this.redis.smembers(k.apps)).sort();
    const rows = await Promise.all(apps.map((app) => this.redis.hmget(k.app(app), ...APP_FIELDS)));
    const out = new Map<string, AppRecord>();
    apps.forEach((app, i) => out.set(app, this.recordOf(rows[i] ?? [])));
    return out;
  }

  private recordOf(raw: readonly (string | null)[]): AppRecord {
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

  private assignmentMeta(record: AppRecord, target: string, app: string): AssignmentMeta {
    if (record.meta === undefined) {
      throw internal(`store: assignment ${target}/${app} has no metadata`, { target, app });
    }
    return parseJson<AssignmentMeta>(record.meta, `assignment ${target}/${app}`);
  }

  private async assignmentOf(
    target: string,
    app: string,
    record: AppRecord,
    blob: Buffer | undefined,
  ): Promise<Assignment> {
    const meta = this.assignmentMeta(record, target, app);
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
    };
  }
}
