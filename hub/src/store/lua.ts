/**
 * Lua scripts of the Redis store, and a small runner (EVALSHA, falling back to EVAL after a
 * NOSCRIPT: a restarted or failed-over Redis has an empty script cache).
 *
 * Every script touches keys of one target only, and every per-target key carries the hash tag
 * `{target}`, so each script runs on one slot and works unchanged on a Redis Cluster.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** The client the store and scripts run on: a single Redis (standalone, Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** Script arguments; Buffers are passed binary-safe (compressed objects). */
export type ScriptArg = string | number | Buffer;

export class LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = source;
    this.sha = createHash('sha1').update(source, 'utf8').digest('hex');
  }

  /** Runs the script with `keys` (all of one hash slot) and `args`. */
  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return await client.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}

/**
 * KEYS: app hash, apps set, pending set.
 * ARGV: app, fingerprint (digest + policies hash [+ signing key id]), digest, meta JSON, objects
 *       blob, deletion, expected counter ('' = any), rewrite ('1': write even when the
 *       fingerprint is the current one).
 * Returns {version, changed (0|1)}, or {counter, 2} when the counter is not the expected one
 * (the meta's signature is for another version: sign again and retry).
 */
export const PUT_DESIRED = new LuaScript(
  'putDesired',
  `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'kind', 'fp', 'version', 'counter')
if ARGV[8] ~= '1' and cur[1] == 'assignment' and cur[2] == ARGV[2] then
  return {tonumber(cur[3]), 0}
end
local counter = tonumber(cur[4] or '0')
if ARGV[7] ~= '' and counter ~= tonumber(ARGV[7]) then
  return {counter, 2}
end
local v = redis.call('HINCRBY', k, 'counter', 1)
redis.call('HSET', k, 'kind', 'assignment', 'version', v, 'fp', ARGV[2], 'digest', ARGV[3],
  'meta', ARGV[4], 'objects', ARGV[5], 'deletion', ARGV[6])
redis.call('HDEL', k, 'rejected')
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return {v, 1}
`,
);

/**
 * KEYS: app hash, apps set, pending set.
 * ARGV: app, atLeast, deletion override ('' = remembered, else orphan), force ('1'|'0'),
 *       meta JSON (trace, time, signature), expected counter ('' = any).
 * Returns nil (nothing to remove), {version, deletion}, or {-1, ''} when the counter is not the
 * expected one (the meta's signature is for another version: sign again and retry).
 */
export const REMOVE_DESIRED = new LuaScript(
  'removeDesired',
  `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'kind', 'deletion', 'counter')
if cur[1] ~= 'assignment' and ARGV[4] ~= '1' then
  return false
end
if ARGV[6] ~= '' and tonumber(cur[3] or '0') ~= tonumber(ARGV[6]) then
  return {-1, ''}
end
local deletion = ARGV[3]
if deletion == '' then deletion = cur[2] or 'orphan' end
local v = math.max(tonumber(cur[3] or '0') + 1, tonumber(ARGV[2]))
redis.call('HSET', k, 'counter', v, 'kind', 'removal', 'version', v, 'deletion', deletion,
  'meta', ARGV[5])
redis.call('HDEL', k, 'fp', 'digest', 'objects', 'rejected')
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return {v, deletion}
`,
);

/**
 * KEYS: app hash, apps set. ARGV: app, atLeast. Returns the counter after the call.
 */
export const BUMP_VERSION = new LuaScript(
  'bumpVersion',
  `
local counter = tonumber(redis.call('HGET', KEYS[1], 'counter') or '0')
local at = tonumber(ARGV[2])
if at > counter then
  redis.call('HSET', KEYS[1], 'counter', at)
  counter = at
end
redis.call('SADD', KEYS[2], ARGV[1])
return counter
`,
);

/**
 * KEYS: app hash, pending set. ARGV: app, version, delivered ('1'|'0'), expected current version
 * ('' = any), meta JSON ('' = keep; else the meta signed for the new version).
 * Returns 1 when moved, 0 when not, 2 when the current version is not the expected one (sign
 * again and retry).
 */
export const REISSUE_DESIRED = new LuaScript(
  'reissueDesired',
  `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'kind', 'version', 'counter')
if not cur[1] then return 0 end
local v = tonumber(ARGV[2])
if v <= tonumber(cur[2]) then return 0 end
if ARGV[4] ~= '' and tonumber(cur[2]) ~= tonumber(ARGV[4]) then return 2 end
if v > tonumber(cur[3] or '0') then redis.call('HSET', k, 'counter', v) end
if ARGV[5] ~= '' then redis.call('HSET', k, 'meta', ARGV[5]) end
redis.call('HSET', k, 'version', v)
redis.call('HDEL', k, 'rejected')
if ARGV[3] == '1' then
  redis.call('HSET', k, 'acked', v)
  redis.call('SREM', KEYS[2], ARGV[1])
else
  redis.call('SADD', KEYS[2], ARGV[1])
end
return 1
`,
);

/**
 * KEYS: app hash, pending set. ARGV: app, version, rejection JSON ('' = ack).
 * Returns 1 when `version` was the current one (acked or rejected), else 0.
 */
export const SETTLE = new LuaScript(
  'settle',
  `
local k = KEYS[1]
local cur = redis.call('HGET', k, 'version')
if not cur or tonumber(cur) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '' then
  redis.call('HSET', k, 'acked', ARGV[2])
  redis.call('HDEL', k, 'rejected')
else
  redis.call('HSET', k, 'rejected', ARGV[3])
end
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`,
);

/**
 * KEYS: reports hash, report index hash, history list.
 * ARGV: app, report JSON, assignmentVersion, observedAtUnixMs, statusHash, syncState, revision,
 *       history entry JSON, history limit.
 * Returns 'stored', 'duplicate' or 'stale'.
 */
export const PUT_REPORT = new LuaScript(
  'putReport',
  `
local app = ARGV[1]
local v = tonumber(ARGV[3])
local o = tonumber(ARGV[4])
local transition = true
local raw = redis.call('HGET', KEYS[2], app)
if raw then
  local c = cjson.decode(raw)
  local cv = tonumber(c['v'])
  local co = tonumber(c['o'])
  if v < cv or (v == cv and o < co) then return 'stale' end
  if v == cv and o == co and c['h'] == ARGV[5] then return 'duplicate' end
  transition = c['s'] ~= ARGV[6] or c['r'] ~= ARGV[7]
end
redis.call('HSET', KEYS[1], app, ARGV[2])
redis.call('HSET', KEYS[2], app, cjson.encode({v = ARGV[3], o = ARGV[4], h = ARGV[5],
  s = ARGV[6], r = ARGV[7]}))
if transition then
  redis.call('LPUSH', KEYS[3], ARGV[8])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[9]) - 1)
end
return 'stored'
`,
);

/**
 * KEYS: connection hash. ARGV: replica, session, connectedAtMs.
 * Returns {} or {replica, session} of the live session it superseded.
 */
export const RECORD_SESSION = new LuaScript(
  'recordSession',
  `
local k = KEYS[1]
local prev = redis.call('HMGET', k, 'replica', 'session', 'endedAtMs')
redis.call('HSET', k, 'replica', ARGV[1], 'session', ARGV[2], 'connectedAtMs', ARGV[3],
  'lastSeenMs', ARGV[3])
redis.call('HDEL', k, 'endedAtMs')
if prev[2] and prev[2] ~= ARGV[2] and not prev[3] then
  return {prev[1], prev[2]}
end
return {}
`,
);

/**
 * KEYS: connection hash. ARGV: nowMs, session ('' = any). Returns 1 when the live session was
 * touched.
 */
export const TOUCH = new LuaScript(
  'touch',
  `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'session', 'endedAtMs', 'lastSeenMs')
if not cur[1] or cur[2] then return 0 end
if ARGV[2] ~= '' and cur[1] ~= ARGV[2] then return 0 end
if tonumber(ARGV[1]) > tonumber(cur[3] or '0') then
  redis.call('HSET', k, 'lastSeenMs', ARGV[1])
end
return 1
`,
);

/** KEYS: connection hash. ARGV: session, nowMs. Returns 1 when that live session ended. */
export const END_SESSION = new LuaScript(
  'endSession',
  `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'session', 'endedAtMs')
if cur[1] ~= ARGV[1] or cur[2] then return 0 end
redis.call('HSET', k, 'endedAtMs', ARGV[2])
return 1
`,
);
