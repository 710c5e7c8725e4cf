/**
 * The delivery outbox on Redis (part of `RedisHubStore`, ./redis-store.ts): per target, the
 * current version of each app while the agent has neither acked nor rejected it. Latest-wins by
 * construction — only an app's current version exists — and settled by the SETTLE script, which
 * ignores an ack or rejection of any other version.
 */
import type { AppRemoval, ErrorDetail } from '@gitfleet/proto';
import { SETTLE } from './lua.ts';
import type { RedisClient } from './lua.ts';
import type { DeliveryRejection, PendingDelivery } from './port.ts';
import {
  assignmentMeta,
  assignmentOf,
  checkName,
  checkVersion,
  keysOf,
  parseJson,
  readApp,
  type RemovalMeta,
} from './records.ts';

export class RedisOutbox {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(opts: { redis: RedisClient; prefix: string; now: () => number }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.now = opts.now;
  }

  async pendingFor(target: string): Promise<PendingDelivery[]> {
    checkName('target', target);
    const apps = (await this.redis.smembers(keysOf(this.prefix, target).pending)).sort();
    const all = await Promise.all(apps.map((app) => this.pendingOf(target, app)));
    return all.filter((p): p is PendingDelivery => p !== undefined);
  }

  async pendingOf(target: string, app: string): Promise<PendingDelivery | undefined> {
    checkName('target', target);
    checkName('app', app);
    const [record, objects] = await readApp(this.redis, this.prefix, target, app, true);
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
        ...(meta?.signature === undefined ? {} : { signature: meta.signature }),
      };
      return { payload: removal, trace: meta?.trace ?? {} };
    }
    const assignment = await assignmentOf(target, app, record, objects);
    return { payload: assignment, trace: assignmentMeta(record, target, app).trace };
  }

  ack(target: string, app: string, version: number): Promise<boolean> {
    return this.settle(target, app, version, '');
  }

  rejected(target: string, app: string, version: number, error: ErrorDetail): Promise<boolean> {
    const rejection: DeliveryRejection = {
      version,
      error: { code: error.code, message: error.message },
      atMs: this.now(),
    };
    return this.settle(target, app, version, JSON.stringify(rejection));
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
    const reply = await SETTLE.run(this.redis, [k.app(app), k.pending], [app, version, rejection]);
    return Number(reply) === 1;
  }
}
