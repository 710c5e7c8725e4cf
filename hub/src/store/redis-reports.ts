/**
 * The agents' reports on Redis (part of `RedisHubStore`, ./redis-store.ts): the newest
 * StatusReport per (target, app), its index for the newest-wins check, and the sync history of
 * sync-state and revision transitions. The newest-wins decision is the PUT_REPORT script's.
 */
import type { StatusReport } from '@gitfleet/proto';
import { PUT_REPORT } from './lua.ts';
import type { RedisClient } from './lua.ts';
import type { PutReportResult, ReportFilter, SyncHistoryEntry } from './port.ts';
import {
  byTargetApp,
  checkName,
  checkVersion,
  indexTarget,
  indexedTargets,
  internal,
  keysOf,
  parseJson,
} from './records.ts';

export class RedisReports {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly historyLimit: number;

  constructor(opts: { redis: RedisClient; prefix: string; historyLimit: number }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.historyLimit = opts.historyLimit;
  }

  async put(report: StatusReport): Promise<PutReportResult> {
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
    const reply = await PUT_REPORT.run(
      this.redis,
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
    if (result === 'stored') await indexTarget(this.redis, this.prefix, target);
    return 'stored';
  }

  async get(target: string, app: string): Promise<StatusReport | undefined> {
    checkName('target', target);
    checkName('app', app);
    const raw = await this.redis.hget(keysOf(this.prefix, target).reports, app);
    return raw == null ? undefined : parseJson<StatusReport>(raw, `report ${target}/${app}`);
  }

  async list(filter: ReportFilter = {}): Promise<StatusReport[]> {
    if (filter.target !== undefined) checkName('target', filter.target);
    if (filter.app !== undefined) checkName('app', filter.app);
    const targets =
      filter.target !== undefined ? [filter.target] : await indexedTargets(this.redis, this.prefix);
    const { app } = filter;
    const perTarget = await Promise.all(
      targets.map(async (target): Promise<StatusReport[]> => {
        if (app !== undefined) {
          const one = await this.get(target, app);
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

  async history(target: string, app: string): Promise<SyncHistoryEntry[]> {
    checkName('target', target);
    checkName('app', app);
    const raw = await this.redis.lrange(keysOf(this.prefix, target).history(app), 0, -1);
    return raw.map((r) => parseJson<SyncHistoryEntry>(r, `sync history ${target}/${app}`));
  }
}
