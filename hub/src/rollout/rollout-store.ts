/**
 * Rollout state in Redis: one JSON RolloutState per application, a list of commands people sent
 * (pause, resume, abort, rollback, approve) consumed by the next step, and a leader lease so that
 * of several hub replicas exactly one steps rollouts at a time (the others read the states, which
 * their resolvers need). A state is written with a compare-and-set on its previous JSON, so a
 * replica that lost the lease mid-step cannot overwrite a newer state.
 *
 * | Key | Type | Holds |
 * | --- | --- | --- |
 * | `Prollout:<app>` | string | RolloutState (JSON) |
 * | `Prollout-commands:<app>` | list | RolloutCommand (JSON), oldest first |
 * | `Prollouts` | set | apps with a rollout state |
 * | `Prollout-leader` | string | replica id holding the lease (PX) |
 */
import type { Redis } from 'ioredis';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import type { RolloutCommand, RolloutState } from '../core/rollout/state.ts';

const CAS = `
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return 1`;

const RENEW = `
local cur = redis.call('GET', KEYS[1])
if cur == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const MAX_PENDING_COMMANDS = 100;

export class RolloutStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(opts: { redis: Redis; prefix: string }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
  }

  private key(app: string): string {
    return `${this.prefix}rollout:${app}`;
  }

  /** Every stored state, by application. */
  async loadAll(): Promise<Map<string, RolloutState>> {
    const apps = (await this.redis.smembers(`${this.prefix}rollouts`)).sort();
    const out = new Map<string, RolloutState>();
    if (apps.length === 0) return out;
    const values = await this.redis.mget(apps.map((a) => this.key(a)));
    apps.forEach((app, i) => {
      const v = values[i];
      if (typeof v === 'string') out.set(app, JSON.parse(v) as RolloutState);
    });
    return out;
  }

  async load(app: string): Promise<RolloutState | undefined> {
    const v = await this.redis.get(this.key(app));
    return v === null ? undefined : (JSON.parse(v) as RolloutState);
  }

  /** Writes `next` if the stored state is still `prev` (undefined: none); false when it changed. */
  async save(prev: RolloutState | undefined, next: RolloutState): Promise<boolean> {
    const r = await this.redis.eval(
      CAS,
      2,
      this.key(next.app),
      `${this.prefix}rollouts`,
      prev === undefined ? '' : JSON.stringify(prev),
      JSON.stringify(next),
      next.app,
    );
    return r === 1;
  }

  /** Forgets an application's rollout (it left the fleet or lost its strategy). */
  async remove(app: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.key(app), `${this.prefix}rollout-commands:${app}`)
      .srem(`${this.prefix}rollouts`, app)
      .exec();
  }

  /** Queues a command for the next step; a flood is refused rather than kept. */
  async command(app: string, cmd: RolloutCommand): Promise<void> {
    const key = `${this.prefix}rollout-commands:${app}`;
    const len = await this.redis.rpush(key, JSON.stringify(cmd));
    if (len > MAX_PENDING_COMMANDS) {
      await this.redis.rpop(key);
      throw new GitfleetError(
        ErrorCode.InvalidRequest,
        `${MAX_PENDING_COMMANDS} commands for ${app} are waiting already; try again in a second`,
      );
    }
  }

  /** Takes every queued command of `app`, oldest first. */
  async takeCommands(app: string): Promise<RolloutCommand[]> {
    const key = `${this.prefix}rollout-commands:${app}`;
    const [[, items] = [null, []]] =
      (await this.redis.multi().lrange(key, 0, -1).del(key).exec()) ?? [];
    return (items as string[]).map((s) => JSON.parse(s) as RolloutCommand);
  }

  /** Takes or keeps the leader lease for `ttlMs`; true when this replica holds it. */
  async lead(replica: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, `${this.prefix}rollout-leader`, replica, ttlMs)) === 1;
  }

  /** Gives the lease up (shutdown), if held. */
  async resign(replica: string): Promise<void> {
    const key = `${this.prefix}rollout-leader`;
    if ((await this.redis.get(key)) === replica) await this.redis.del(key);
  }
}
