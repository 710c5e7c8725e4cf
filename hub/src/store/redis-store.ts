/**
 * `HubStore` on Redis (ioredis): standalone, Sentinel or Cluster. Redis is the hub's durable
 * outbox; run it with AOF.
 *
 * Key layout (P = prefix, default `gitfleet:`; `{t}` = the target as a hash tag, so everything of
 * one target lives in one Cluster slot and every Lua script stays on one slot):
 *
 * | Key | Type | Holds |
 * | --- | --- | --- |
 * | `P{t}:app:<app>` | hash | `counter` (last version allocated), `kind` (assignment/removal), `version` (current), `digest`, `fp` (digest + policies hash [+ project scope hash] [+ signing key id]), `meta` (JSON: revision, digest, policies, project scope, trace, time, the hub's signature), `objects` (gzip of the objects' JSON), `deletion`, `acked` (last acked version), `rejected` (JSON) |
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
 * With a signing key, every assignment and removal is signed for the version its write allocates
 * (./desired-signing.ts): the write reads the counter, signs, and the script writes only if the
 * counter is still the one read (else it signs again).
 * This class holds desired state, versions and wipe detection; the outbox (./redis-outbox.ts),
 * reports (./redis-reports.ts) and connections (./redis-connections.ts) are its parts, on the
 * layout of ./records.ts.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import {
  ErrorCode,
  GitfleetError,
  canonicalJson,
  contentDigest,
  isRevision,
  objectScopeOf,
  sha256Digest,
} from '@gitfleet/proto';
import type {
  AssignmentPolicies,
  DeletionMode,
  ErrorDetail,
  HubSigningKey,
  ObjectScope,
  StatusReport,
} from '@gitfleet/proto';
import type { DesiredApp, ResyncHubState } from '../core/resync.ts';
import { DesiredSigner, MAX_SIGNED_WRITE_ATTEMPTS } from './desired-signing.ts';
import { BUMP_VERSION, PUT_DESIRED, REISSUE_DESIRED, REMOVE_DESIRED } from './lua.ts';
import type { RedisClient } from './lua.ts';
import type {
  ConnectionStatus,
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
} from './port.ts';
import { RedisConnections } from './redis-connections.ts';
import { RedisOutbox } from './redis-outbox.ts';
import { RedisReports } from './redis-reports.ts';
import {
  OBJECTS_ENCODING,
  assignmentMeta,
  assignmentOf,
  byApp,
  checkName,
  checkVersion,
  indexTarget,
  indexedTargets,
  internal,
  intPair,
  isDeletionMode,
  keysOf,
  parseJson,
  readApp,
  readApps,
  toInt,
  type AssignmentMeta,
  type RemovalMeta,
} from './records.ts';

const gzipAsync = promisify(gzip);

/** Default key prefix. */
export const DEFAULT_STORE_PREFIX = 'gitfleet:';
/**
 * Default limit on an assignment's rendered objects (bytes of their JSON): what grpc-js accepts
 * per message by default; the hub sets `grpc.max_receive_message_length` from the same value.
 */
export const DEFAULT_MAX_OBJECTS_BYTES = 4 * 1024 * 1024;
/** Sync history entries kept per (target, app). */
export const DEFAULT_HISTORY_LIMIT = 50;

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
  /**
   * Signs every assignment and removal as it is written (absent: desired state is unsigned, and
   * agents that pin hub keys refuse it).
   */
  readonly signingKey?: HubSigningKey;
}

function policiesHash(policies: AssignmentPolicies): string {
  return sha256Digest(canonicalJson(policies));
}

/** The fingerprint part of a project scope: "" for none (unchanged for apps in no Project). */
function scopeHash(scope: ObjectScope | undefined): string {
  return scope === undefined ? '' : ` ${sha256Digest(canonicalJson(scope))}`;
}

export class RedisHubStore implements HubStore {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly maxObjectsBytes: number;
  private readonly now: () => number;
  private readonly reports: RedisReports;
  private readonly connections: RedisConnections;
  private readonly outbox: RedisOutbox;
  private readonly signer: DesiredSigner | undefined;
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
    this.now = opts.now ?? Date.now;
    this.signer = opts.signingKey === undefined ? undefined : new DesiredSigner(opts.signingKey);
    this.reports = new RedisReports({ redis: opts.redis, prefix, historyLimit });
    this.connections = new RedisConnections({ redis: opts.redis, prefix });
    this.outbox = new RedisOutbox({ redis: opts.redis, prefix, now: this.now });
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
    const scope = input.scope === undefined ? undefined : objectScopeOf(input.scope);
    const meta: AssignmentMeta = {
      revision: input.revision,
      contentDigest: input.digest,
      policies: input.policies,
      ...(scope === undefined ? {} : { scope }),
      trace: input.trace ?? {},
      storedAtMs: this.now(),
      encoding: OBJECTS_ENCODING,
    };
    // the objects are serialised, measured and their digest checked only for a write: a signed
    // put of unchanged content (most of a pass) returns before any of it
    let gzipped: Promise<Buffer> | undefined;
    const objects = (): Promise<Buffer> => {
      gzipped ??= (async () => {
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
        return gzipAsync(Buffer.from(json, 'utf8'));
      })();
      return gzipped;
    };
    const k = keysOf(this.prefix, target);
    const signer = this.signer;
    const digest = input.digest;
    // a new signing key is a change: every app gets a version its agents can verify
    const fp = `${digest} ${policiesHash(input.policies)}${scopeHash(scope)}${signer === undefined ? '' : ` ${signer.keyId}`}`;
    const write = async (m: string, expected: string, rewrite: boolean) =>
      intPair(
        await PUT_DESIRED.run(
          this.redis,
          [k.app(app), k.apps, k.pending],
          [
            app,
            fp,
            digest,
            m,
            await objects(),
            input.policies.deletion,
            expected,
            rewrite ? '1' : '0',
          ],
        ),
        'putDesired',
      );
    for (let attempt = 1; ; attempt++) {
      let reply: [number, number];
      if (signer === undefined) {
        reply = await write(JSON.stringify(meta), '', false);
      } else {
        const [kind, curFp, curVersion, counter, curMeta] = await this.redis.hmget(
          k.app(app),
          'kind',
          'fp',
          'version',
          'counter',
          'meta',
        );
        const version = toInt(curVersion);
        if (
          kind === 'assignment' &&
          curFp === fp &&
          signer.storedAssignmentHolds(target, app, version, curMeta)
        ) {
          return { version, changed: false };
        }
        // new content, or a stored record whose signature no longer holds (Redis was edited)
        const next = toInt(counter) + 1;
        const signed = { ...meta, signature: signer.assignment(target, app, next, meta) };
        const text = JSON.stringify(signed);
        reply = await write(text, String(toInt(counter)), true);
        // the next pass finds it unchanged without verifying its own signature again
        if (reply[1] === 1) signer.stored(target, app, reply[0], text);
      }
      const [version, changed] = reply;
      if (changed === 2 && attempt < MAX_SIGNED_WRITE_ATTEMPTS) continue;
      if (changed === 2)
        throw internal(`store: putDesired ${target}/${app}: too many concurrent writes`);
      if (changed === 1) await indexTarget(this.redis, this.prefix, target);
      return { version, changed: changed === 1 };
    }
  }

  async getDesired(target: string, app: string): Promise<DesiredAssignment | undefined> {
    checkName('target', target);
    checkName('app', app);
    const [record, objects] = await readApp(this.redis, this.prefix, target, app, true);
    if (record.kind !== 'assignment') return undefined;
    const payload = await assignmentOf(target, app, record, objects);
    const meta = assignmentMeta(record, target, app);
    return { assignment: payload, trace: meta.trace, storedAtMs: meta.storedAtMs };
  }

  async listDesired(target: string): Promise<DesiredSummary[]> {
    checkName('target', target);
    const records = await readApps(this.redis, this.prefix, target);
    const out: DesiredSummary[] = [];
    for (const [app, record] of records) {
      if (record.kind !== 'assignment') continue;
      const meta = assignmentMeta(record, target, app);
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
    const meta: RemovalMeta = { trace: opts.trace ?? {}, storedAtMs: this.now() };
    let reply: unknown;
    for (let attempt = 1; ; attempt++) {
      reply = await this.removeOnce(target, app, meta, opts);
      if (!Array.isArray(reply) || Number(reply[0]) !== -1) break;
      if (attempt >= MAX_SIGNED_WRITE_ATTEMPTS) {
        throw internal(`store: removeDesired ${target}/${app}: too many concurrent writes`);
      }
    }
    if (reply == null) return undefined;
    if (!Array.isArray(reply) || reply.length !== 2) {
      throw internal('store: removeDesired: unexpected reply');
    }
    const version = Number(reply[0]);
    const deletion: unknown = String(reply[1]);
    if (!Number.isSafeInteger(version) || !isDeletionMode(deletion)) {
      throw internal('store: removeDesired: unexpected reply');
    }
    await indexTarget(this.redis, this.prefix, target);
    return { version, deletion };
  }

  /** One attempt of removeDesired: signed for the version it allocates when there is a signer. */
  private async removeOnce(
    target: string,
    app: string,
    meta: RemovalMeta,
    opts: RemoveDesiredOptions,
  ): Promise<unknown> {
    const k = keysOf(this.prefix, target);
    const args = [app, opts.atLeast ?? 0, opts.deletion ?? '', opts.force === true ? '1' : '0'];
    const signer = this.signer;
    if (signer === undefined) {
      return REMOVE_DESIRED.run(
        this.redis,
        [k.app(app), k.apps, k.pending],
        [...args, JSON.stringify(meta), ''],
      );
    }
    // what the script will decide, decided here first to sign it; it checks the counter
    const [kind, remembered, counter] = await this.redis.hmget(
      k.app(app),
      'kind',
      'deletion',
      'counter',
    );
    if (kind !== 'assignment' && opts.force !== true) return null;
    const deletion: DeletionMode =
      opts.deletion ?? (isDeletionMode(remembered) ? remembered : 'orphan');
    const version = Math.max(toInt(counter) + 1, opts.atLeast ?? 0);
    const signed: RemovalMeta = {
      ...meta,
      signature: signer.removal(target, app, version, deletion),
    };
    return REMOVE_DESIRED.run(
      this.redis,
      [k.app(app), k.apps, k.pending],
      [
        app,
        opts.atLeast ?? 0,
        deletion,
        opts.force === true ? '1' : '0',
        JSON.stringify(signed),
        String(toInt(counter)),
      ],
    );
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
    const reply = await BUMP_VERSION.run(this.redis, [k.app(app), k.apps], [app, atLeast]);
    await indexTarget(this.redis, this.prefix, target);
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
    for (let attempt = 1; attempt <= MAX_SIGNED_WRITE_ATTEMPTS; attempt++) {
      const [expected, meta] = await this.resigned(target, app, version);
      const reply = await REISSUE_DESIRED.run(
        this.redis,
        [k.app(app), k.pending],
        [app, version, opts.delivered ? '1' : '0', expected, meta],
      );
      if (Number(reply) !== 2) return Number(reply) === 1;
    }
    throw internal(`store: reissueDesired ${target}/${app}: too many concurrent writes`);
  }

  /**
   * For a reissue at `version`: the current version the script must still find, and the meta
   * signed for `version` — only when the record carries this hub's valid signature (what it did
   * not sign, it never signs: such a record goes out as it is, and the agent refuses it).
   * Without a signer: ['', ''] (any version, meta kept).
   */
  private async resigned(target: string, app: string, version: number): Promise<[string, string]> {
    const signer = this.signer;
    if (signer === undefined) return ['', ''];
    const [record] = await readApp(this.redis, this.prefix, target, app, false);
    const expected = String(record.version);
    const kept: [string, string] = [expected, ''];
    if (record.kind === undefined || record.meta === undefined) return kept;
    try {
      if (record.kind === 'assignment') {
        const meta = assignmentMeta(record, target, app);
        if (!signer.assignmentHolds(target, app, record.version, meta)) return kept;
        const signature = signer.assignment(target, app, version, meta);
        return [expected, JSON.stringify({ ...meta, signature })];
      }
      const meta = parseJson<RemovalMeta>(record.meta, `removal of ${target}/${app}`);
      if (!signer.removalHolds(target, app, record.version, record.deletion, meta)) return kept;
      const signature = signer.removal(target, app, version, record.deletion);
      return [expected, JSON.stringify({ ...meta, signature })];
    } catch {
      // a meta that is not even JSON any more: not this hub's to sign
      return kept;
    }
  }

  async knownRemovals(target: string): Promise<Map<string, DeletionMode>> {
    checkName('target', target);
    const out = new Map<string, DeletionMode>();
    for (const [app, record] of await readApps(this.redis, this.prefix, target)) {
      if (record.kind === 'removal') out.set(app, record.deletion);
    }
    return out;
  }

  async resyncState(target: string): Promise<ResyncHubState> {
    checkName('target', target);
    const k = keysOf(this.prefix, target);
    const [records, index] = await Promise.all([
      readApps(this.redis, this.prefix, target),
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
  // Delivery outbox (./redis-outbox.ts)

  pendingFor(target: string): Promise<PendingDelivery[]> {
    return this.outbox.pendingFor(target);
  }

  pendingOf(target: string, app: string): Promise<PendingDelivery | undefined> {
    return this.outbox.pendingOf(target, app);
  }

  ack(target: string, app: string, version: number): Promise<boolean> {
    return this.outbox.ack(target, app, version);
  }

  rejected(target: string, app: string, version: number, error: ErrorDetail): Promise<boolean> {
    return this.outbox.rejected(target, app, version, error);
  }

  // -------------------------------------------------------------------------------------------
  // Reports and history (./redis-reports.ts)

  putReport(report: StatusReport): Promise<PutReportResult> {
    return this.reports.put(report);
  }

  getReport(target: string, app: string): Promise<StatusReport | undefined> {
    return this.reports.get(target, app);
  }

  listReports(filter: ReportFilter = {}): Promise<StatusReport[]> {
    return this.reports.list(filter);
  }

  lastStatusHash(target: string, app: string): Promise<string | undefined> {
    return this.reports.lastStatusHash(target, app);
  }

  syncHistory(target: string, app: string): Promise<SyncHistoryEntry[]> {
    return this.reports.history(target, app);
  }

  // -------------------------------------------------------------------------------------------
  // Connections (./redis-connections.ts)

  recordSession(target: string, session: SessionInfo): Promise<RecordSessionResult> {
    return this.connections.record(target, session);
  }

  touch(target: string, nowMs: number, session?: string): Promise<boolean> {
    return this.connections.touch(target, nowMs, session);
  }

  endSession(target: string, session: string, nowMs: number): Promise<boolean> {
    return this.connections.end(target, session, nowMs);
  }

  connection(target: string, nowMs: number, staleAfterMs: number): Promise<ConnectionStatus> {
    return this.connections.status(target, nowMs, staleAfterMs);
  }

  targets(): Promise<string[]> {
    return indexedTargets(this.redis, this.prefix);
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
}
