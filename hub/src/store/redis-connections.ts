/**
 * Connection state per target on Redis (part of `RedisHubStore`, ./redis-store.ts): which
 * replica holds the target's stream, its session, when the agent was last heard from and when
 * the session ended. Sessions are recorded, touched and ended by the Lua scripts, so a superseded
 * stream on another replica can neither keep the target alive nor end the new session.
 */
import { END_SESSION, RECORD_SESSION, TOUCH } from './lua.ts';
import type { RedisClient } from './lua.ts';
import type { ConnectionStatus, RecordSessionResult, SessionInfo } from './port.ts';
import { checkName, indexTarget, keysOf, toInt } from './records.ts';

export class RedisConnections {
  private readonly redis: RedisClient;
  private readonly prefix: string;

  constructor(opts: { redis: RedisClient; prefix: string }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
  }

  async record(target: string, session: SessionInfo): Promise<RecordSessionResult> {
    checkName('target', target);
    const reply = await RECORD_SESSION.run(
      this.redis,
      [keysOf(this.prefix, target).conn],
      [session.replica, session.session, session.connectedAtMs],
    );
    await indexTarget(this.redis, this.prefix, target);
    if (Array.isArray(reply) && reply.length === 2) {
      return { superseded: { replica: String(reply[0]), session: String(reply[1]) } };
    }
    return {};
  }

  async touch(target: string, nowMs: number, session?: string): Promise<boolean> {
    checkName('target', target);
    const reply = await TOUCH.run(
      this.redis,
      [keysOf(this.prefix, target).conn],
      [nowMs, session ?? ''],
    );
    return Number(reply) === 1;
  }

  async end(target: string, session: string, nowMs: number): Promise<boolean> {
    checkName('target', target);
    const reply = await END_SESSION.run(
      this.redis,
      [keysOf(this.prefix, target).conn],
      [session, nowMs],
    );
    return Number(reply) === 1;
  }

  async status(target: string, nowMs: number, staleAfterMs: number): Promise<ConnectionStatus> {
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
}
