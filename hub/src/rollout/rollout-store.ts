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
 * | `Prollout-seals` | hash | app → the hub's seal of its state (with a signing key) |
 *
 * With a signing key (`--signing-key-file`) states and commands are sealed by the hub
 * (../store/record-seal.ts): a state without a valid seal is refused — every read of the states
 * fails, so no rollout steps and no target moves until it is removed — and a command without
 * one, or sealed for another rollout, is dropped. Writing Redis then approves nothing.
 */
import type { Redis } from 'ioredis';
import { ErrorCode, GitfleetError, silentLogger } from '@gitfleet/proto';
import type { HubSigningKey, Logger } from '@gitfleet/proto';
import type { RolloutCommand, RolloutState } from '../core/rollout/state.ts';
import { RecordSeal } from '../store/record-seal.ts';

const CAS = `
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[3], ARGV[4]) end
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
  private readonly seal: RecordSeal | undefined;
  private readonly logger: Logger;

  constructor(opts: { redis: Redis; prefix: string; signingKey?: HubSigningKey; logger?: Logger }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.seal = opts.signingKey === undefined ? undefined : new RecordSeal(opts.signingKey);
    this.logger = opts.logger ?? silentLogger;
  }

  private key(app: string): string {
    return `${this.prefix}rollout:${app}`;
  }

  private get sealsKey(): string {
    return `${this.prefix}rollout-seals`;
  }

  /** Every stored state, by application. @throws GitfleetError SIGNATURE_INVALID (see above) */
  async loadAll(): Promise<Map<string, RolloutState>> {
    const apps = (await this.redis.smembers(`${this.prefix}rollouts`)).sort();
    const out = new Map<string, RolloutState>();
    if (apps.length === 0) return out;
    const values = await this.redis.mget(apps.map((a) => this.key(a)));
    const seals = this.seal === undefined ? [] : await this.redis.hmget(this.sealsKey, ...apps);
    apps.forEach((app, i) => {
      const v = values[i];
      if (typeof v === 'string') out.set(app, this.checked(app, v, seals[i]));
    });
    return out;
  }

  /** @throws GitfleetError SIGNATURE_INVALID (see above) */
  async load(app: string): Promise<RolloutState | undefined> {
    const v = await this.redis.get(this.key(app));
    if (v === null) return undefined;
    const seal = this.seal === undefined ? null : await this.redis.hget(this.sealsKey, app);
    return this.checked(app, v, seal);
  }

  /** A stored state, refused unless this hub sealed it (with a signing key). */
  private checked(app: string, raw: string, seal: string | null | undefined): RolloutState {
    if (this.seal !== undefined && !this.seal.holds('rollout-state', [app, raw], seal)) {
      throw new GitfleetError(
        ErrorCode.SignatureInvalid,
        `rollout state of application ${app} in Redis (${this.key(app)}) does not carry this hub's seal: it was written or changed outside the hub; no rollout steps and no target moves until it is removed (deleting ${this.key(app)} starts the application's rollouts over from the revision Git asks for)`,
        { terminal: true, details: { app } },
      );
    }
    return JSON.parse(raw) as RolloutState;
  }

  /** Writes `next` if the stored state is still `prev` (undefined: none); false when it changed. */
  async save(prev: RolloutState | undefined, next: RolloutState): Promise<boolean> {
    const raw = JSON.stringify(next);
    const r = await this.redis.eval(
      CAS,
      3,
      this.key(next.app),
      `${this.prefix}rollouts`,
      this.sealsKey,
      prev === undefined ? '' : JSON.stringify(prev),
      raw,
      next.app,
      this.seal?.seal('rollout-state', [next.app, raw]) ?? '',
    );
    return r === 1;
  }

  /** Forgets an application's rollout (it left the fleet or lost its strategy). */
  async remove(app: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.key(app), `${this.prefix}rollout-commands:${app}`)
      .srem(`${this.prefix}rollouts`, app)
      .hdel(this.sealsKey, app)
      .exec();
  }

  /**
   * Queues a command for the next step; a flood is refused rather than kept. With a signing key
   * it is sealed for the application's current rollout.
   */
  async command(app: string, cmd: RolloutCommand): Promise<void> {
    const key = `${this.prefix}rollout-commands:${app}`;
    let entry = JSON.stringify(cmd);
    if (this.seal !== undefined) {
      const rollout = (await this.load(app))?.id ?? '';
      const seal = this.seal.seal('rollout-command', [app, rollout, entry]);
      entry = JSON.stringify({ command: entry, rollout, seal });
    }
    const len = await this.redis.rpush(key, entry);
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
    const entries = items as string[];
    if (this.seal === undefined) return entries.map((s) => JSON.parse(s) as RolloutCommand);
    if (entries.length === 0) return [];
    const rollout = (await this.load(app))?.id ?? '';
    const out: RolloutCommand[] = [];
    for (const entry of entries) {
      const sealed = this.unsealed(app, rollout, entry);
      if (sealed !== undefined) out.push(sealed);
      else
        this.logger.warn(
          'rollout command refused: not sealed by this hub for the current rollout (written to Redis outside the hub, or sent for an earlier rollout)',
          { app, rollout },
        );
    }
    return out;
  }

  /** The command of a sealed entry, if sealed by this hub for `rollout` of `app`. */
  private unsealed(app: string, rollout: string, entry: string): RolloutCommand | undefined {
    try {
      const e = JSON.parse(entry) as { command?: unknown; rollout?: unknown; seal?: unknown };
      if (typeof e.command !== 'string' || e.rollout !== rollout || typeof e.seal !== 'string') {
        return undefined;
      }
      if (this.seal?.holds('rollout-command', [app, rollout, e.command], e.seal) !== true) {
        return undefined;
      }
      return JSON.parse(e.command) as RolloutCommand;
    } catch {
      return undefined;
    }
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
