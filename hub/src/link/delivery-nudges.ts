/**
 * The cross-replica delivery nudge: a Redis pub/sub channel (`<prefix>deliver-nudge`) on which a
 * replica whose delivery found no stream for the target asks every replica to deliver it; the
 * one holding the target's stream sends. Best effort: the store keeps the message pending either
 * way, and the holder's pending sweep (./outbound.ts) or the agent's next resync delivers it.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '@gitfleet/proto';
import { closeRedis } from '../store/close-redis.ts';

/** Deliver the pending message of (target, app), continuing `trace`. */
export interface DeliveryNudge {
  readonly target: string;
  readonly app: string;
  readonly trace?: Readonly<Record<string, string>>;
}

/** The channel of a hub's nudges (every replica of one hub uses the same key prefix). */
export function nudgeChannel(prefix: string): string {
  return `${prefix}deliver-nudge`;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'string')
  );
}

/** A nudge as published, or undefined when the message is not one. */
export function parseNudge(message: string): DeliveryNudge | undefined {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { target, app, trace } = v as Record<string, unknown>;
  if (typeof target !== 'string' || typeof app !== 'string') return undefined;
  if (trace !== undefined && !isStringRecord(trace)) return undefined;
  return trace === undefined ? { target, app } : { target, app, trace };
}

export interface DeliveryNudgesOptions {
  /** Publishes (any connection of the hub). */
  readonly publisher: Pick<Redis, 'publish'>;
  /** A connection of its own: once subscribed, it can do nothing else. Closed by `close`. */
  readonly subscriber: Redis;
  readonly channel: string;
  readonly logger: Logger;
}

export class DeliveryNudges {
  private readonly opts: DeliveryNudgesOptions;

  constructor(opts: DeliveryNudgesOptions) {
    this.opts = opts;
  }

  /** Subscribes; every nudge any replica publishes (this one's too) goes to `onNudge`. */
  async listen(onNudge: (nudge: DeliveryNudge) => void): Promise<void> {
    const { subscriber, channel, logger } = this.opts;
    await subscriber.subscribe(channel);
    subscriber.on('message', (_channel: string, message: string) => {
      const nudge = parseNudge(message);
      if (nudge === undefined) logger.warn('ignored a malformed delivery nudge');
      else onNudge(nudge);
    });
  }

  /** Asks every replica to deliver. */
  async publish(nudge: DeliveryNudge): Promise<void> {
    await this.opts.publisher.publish(this.opts.channel, JSON.stringify(nudge));
  }

  /** Drops the subscriber connection at once (Redis is gone: nothing to wait for). */
  disconnect(): void {
    this.opts.subscriber.disconnect();
  }

  /** Closes the subscriber connection (QUIT, bounded). */
  close(): Promise<void> {
    return closeRedis(this.opts.subscriber, 500);
  }
}
