/**
 * The per-stream message quota of AgentLink (proto/README.md, "Limits and quotas"): a token
 * bucket whose capacity grows with the number of apps the stream carries. Pure: the caller keeps
 * the bucket and passes the clock.
 */
import type { StreamQuota } from '@gitfleet/proto/domain';

export interface TokenBucket {
  /** Tokens left (fractional while refilling). */
  readonly tokens: number;
  /** Capacity the bucket was last filled against. */
  readonly capacity: number;
  /** Time of the last refill. */
  readonly atMs: number;
}

/** Capacity of a stream carrying `apps` apps. */
export function streamCapacity(quota: StreamQuota, apps: number): number {
  return quota.burstMessages + quota.burstPerApp * Math.max(0, apps);
}

/** A full bucket for a stream that carries `apps` apps. */
export function newBucket(quota: StreamQuota, apps: number, nowMs: number): TokenBucket {
  const capacity = streamCapacity(quota, apps);
  return { tokens: capacity, capacity, atMs: nowMs };
}

/**
 * The stream now carries `apps` apps: a larger capacity also adds the new apps' burst to the
 * tokens (their first acks and reports may come at once); a smaller one only caps the tokens.
 */
export function resizeBucket(bucket: TokenBucket, quota: StreamQuota, apps: number): TokenBucket {
  const capacity = streamCapacity(quota, apps);
  if (capacity === bucket.capacity) return bucket;
  const tokens =
    capacity > bucket.capacity
      ? bucket.tokens + (capacity - bucket.capacity)
      : Math.min(bucket.tokens, capacity);
  return { tokens, capacity, atMs: bucket.atMs };
}

export interface TakeResult {
  /** False: the stream exceeded its quota (the message must not be handled). */
  readonly ok: boolean;
  readonly bucket: TokenBucket;
}

/**
 * Takes one token for one received message, after refilling at `quota.messagesPerSecond` for the
 * time since the last take (a clock that went back refills nothing).
 */
export function takeToken(bucket: TokenBucket, quota: StreamQuota, nowMs: number): TakeResult {
  const elapsedMs = Math.max(0, nowMs - bucket.atMs);
  const refilled = Math.min(
    bucket.capacity,
    bucket.tokens + (elapsedMs * quota.messagesPerSecond) / 1_000,
  );
  const atMs = Math.max(bucket.atMs, nowMs);
  if (refilled < 1) return { ok: false, bucket: { ...bucket, tokens: refilled, atMs } };
  return { ok: true, bucket: { ...bucket, tokens: refilled - 1, atMs } };
}

/** The message that ends a stream over its quota: names the target, the limit and what to do. */
export function quotaExceededMessage(target: string, quota: StreamQuota, capacity: number): string {
  return (
    `target ${target}: the agent sent more than ${String(quota.messagesPerSecond)} messages/s ` +
    `(burst ${String(capacity)}) on one AgentLink stream (limit: stream quota messagesPerSecond / ` +
    `burstMessages + burstPerApp × apps); the stream is closed and nothing past the limit was ` +
    `stored. Reconnect with backoff; if this agent is not flooding, look for another process using ` +
    `the target's token`
  );
}

/** Validates a quota (all positive finite numbers; bursts ≥ 1). */
export function quotaProblems(quota: StreamQuota): string[] {
  const problems: string[] = [];
  const check = (name: keyof StreamQuota, min: number): void => {
    const v = quota[name];
    if (!Number.isFinite(v) || v < min) problems.push(`${name} must be a number ≥ ${String(min)}`);
  };
  check('messagesPerSecond', Number.MIN_VALUE);
  check('burstMessages', 1);
  check('burstPerApp', 0);
  return problems;
}
