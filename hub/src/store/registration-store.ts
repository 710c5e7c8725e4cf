/**
 * Registration tokens and revocations in Redis (docs/security.md, "Registration, renewal and
 * revocation").
 *
 * | Key | Type | Holds |
 * | --- | --- | --- |
 * | `Preg-token:<sha256 of the token>` | hash | `target`, `createdAtMs`, `expiresAtMs`, `usedAtMs` once presented; expires (PX) a day after the token, so that a late agent hears "expired" or "used", not "unknown" |
 * | `Prevocations` | hash | target → cutoff (unix ms, Redis's clock): certificates of the target issued at or before it are refused |
 *
 * A token is kept only as its SHA-256: whoever reads Redis cannot present it. It is consumed
 * atomically (a Lua script: the first Register that presents it marks it used, whatever the
 * outcome). The revocation cutoff is Redis's own time, the one clock every replica and the
 * `gitfleet-hub revoke` command share; a cutoff only moves forward.
 */
import { createHash, randomBytes } from 'node:crypto';
import { REGISTRATION_TOKEN_PREFIX } from '@gitfleet/proto';
import type { TokenRecord } from '../core/registration/index.ts';
import { LuaScript, type RedisClient } from './lua.ts';

/** How long a token's record outlives the token (to tell "expired" or "used" from "unknown"). */
const RECORD_GRACE_MS = 24 * 3_600_000;

/**
 * KEYS: the token's hash. ARGV: now (ms).
 * Returns the record's fields and `fresh` (1: this call marked it used), or nil.
 */
const CONSUME_TOKEN = new LuaScript(
  'consume-registration-token',
  `
local r = redis.call('HGETALL', KEYS[1])
if #r == 0 then return false end
local fresh = redis.call('HSETNX', KEYS[1], 'usedAtMs', ARGV[1])
table.insert(r, 'fresh')
table.insert(r, tostring(fresh))
return r
`,
);

/**
 * KEYS: the revocations hash. ARGV: target.
 * Sets the target's cutoff to Redis's time now (never backwards); returns the cutoff.
 */
const REVOKE = new LuaScript(
  'revoke-target',
  `
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if ms > cur then
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', ms))
else
  ms = cur
end
return ms
`,
);

/** The SHA-256 of a token (hex): the only form of it the store keeps. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new registration token: the prefix and 32 random bytes, base64url. */
export function newRegistrationToken(): string {
  return `${REGISTRATION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export interface CreatedToken {
  /** The token itself: shown once, to whoever created it. */
  readonly token: string;
  readonly target: string;
  readonly expiresAtMs: number;
}

/** What Register and Renew need of the store, and what creates tokens and revokes targets. */
export interface RegistrationStorePort {
  createToken(target: string, ttlMs: number, nowMs: number): Promise<CreatedToken>;
  /** Marks the token used and returns its record as it was (undefined: unknown). */
  consumeToken(token: string, nowMs: number): Promise<TokenRecord | undefined>;
  /** Records a revocation of `target` now; resolves with the cutoff (unix ms). */
  revoke(target: string): Promise<number>;
  cutoffOf(target: string): Promise<number | undefined>;
  cutoffs(): Promise<ReadonlyMap<string, number>>;
}

const toNumber = (v: string | undefined): number | undefined => {
  const n = Number(v);
  return v === undefined || v === '' || !Number.isFinite(n) ? undefined : n;
};

export class RedisRegistrationStore implements RegistrationStorePort {
  private readonly redis: RedisClient;
  private readonly prefix: string;

  constructor(opts: { readonly redis: RedisClient; readonly prefix: string }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
  }

  private tokenKey(token: string): string {
    return `${this.prefix}reg-token:${tokenDigest(token)}`;
  }

  private get revocationsKey(): string {
    return `${this.prefix}revocations`;
  }

  async createToken(target: string, ttlMs: number, nowMs: number): Promise<CreatedToken> {
    const token = newRegistrationToken();
    const expiresAtMs = nowMs + ttlMs;
    const key = this.tokenKey(token);
    await this.redis
      .multi()
      .hset(key, {
        target,
        createdAtMs: String(nowMs),
        expiresAtMs: String(expiresAtMs),
      })
      .pexpire(key, ttlMs + RECORD_GRACE_MS)
      .exec();
    return { token, target, expiresAtMs };
  }

  async consumeToken(token: string, nowMs: number): Promise<TokenRecord | undefined> {
    const reply = (await CONSUME_TOKEN.run(this.redis, [this.tokenKey(token)], [nowMs])) as
      string[] | null;
    if (reply === null) return undefined;
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < reply.length; i += 2) fields.set(reply[i] ?? '', reply[i + 1] ?? '');
    const target = fields.get('target');
    const createdAtMs = toNumber(fields.get('createdAtMs'));
    const expiresAtMs = toNumber(fields.get('expiresAtMs'));
    // a record this hub did not write counts as no token
    if (target === undefined || createdAtMs === undefined || expiresAtMs === undefined) {
      return undefined;
    }
    const usedAtMs = fields.get('fresh') === '1' ? undefined : toNumber(fields.get('usedAtMs'));
    return { target, createdAtMs, expiresAtMs, ...(usedAtMs === undefined ? {} : { usedAtMs }) };
  }

  async revoke(target: string): Promise<number> {
    return Number(await REVOKE.run(this.redis, [this.revocationsKey], [target]));
  }

  async cutoffOf(target: string): Promise<number | undefined> {
    return toNumber((await this.redis.hget(this.revocationsKey, target)) ?? undefined);
  }

  async cutoffs(): Promise<ReadonlyMap<string, number>> {
    const all = await this.redis.hgetall(this.revocationsKey);
    const out = new Map<string, number>();
    for (const [target, v] of Object.entries(all)) {
      const n = toNumber(v);
      if (n !== undefined) out.set(target, n);
    }
    return out;
  }
}
