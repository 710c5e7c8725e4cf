/**
 * The hub's change feed for the live event stream (./streams.ts): the points where a row of the
 * fleet status can change — desired state (the resolver), an agent's report, ack or rejection,
 * and a target's stream opening or ending (the agent link) — call `notify`, and every listener
 * of this replica hears it at once. With Redis pub/sub (`listen`), each change is also published
 * on `<prefix>live-changes` so that every other replica's listeners hear it too: a UI connected
 * to one replica sees a report another replica stored. Best effort: a lost message leaves a cell
 * stale until its next change or the client's next snapshot.
 */
import type { Redis } from 'ioredis';
import { errorLogFields, type Logger } from '@gitfleet/proto';
import { closeRedis } from '../../store/close-redis.ts';

/** A change of the rows of `target`: of `app`, or (absent) of every app of the target. */
export interface CellChange {
  readonly target: string;
  readonly app?: string;
}

/** The channel of a hub's live changes (every replica of one hub uses the same key prefix). */
export function liveChangesChannel(prefix: string): string {
  return `${prefix}live-changes`;
}

/** A change as published by `replica`, or undefined when the message is not one. */
export function parseLiveChange(
  message: string,
): { readonly replica: string; readonly change: CellChange } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { replica, target, app } = v as Record<string, unknown>;
  if (typeof replica !== 'string' || typeof target !== 'string') return undefined;
  if (app !== undefined && typeof app !== 'string') return undefined;
  return { replica, change: app === undefined ? { target } : { target, app } };
}

export interface LiveChangesRedis {
  /** Publishes (any connection of the hub). */
  readonly publisher: Pick<Redis, 'publish'>;
  /** A connection of its own: once subscribed, it can do nothing else. Closed by `close`. */
  readonly subscriber: Redis;
  readonly channel: string;
}

export class LiveChanges {
  private readonly listeners = new Set<(change: CellChange) => void>();
  private readonly replica: string;
  private readonly logger: Logger;
  private redis: LiveChangesRedis | undefined;

  constructor(deps: { readonly replica: string; readonly logger: Logger }) {
    this.replica = deps.replica;
    this.logger = deps.logger;
  }

  /** Listeners of this replica (open event streams). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** `listener` hears every change until the returned function is called. */
  subscribe(listener: (change: CellChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A row changed on this replica: its listeners hear it, and every other replica's. */
  notify(change: CellChange): void {
    this.emit(change);
    const redis = this.redis;
    if (redis === undefined) return;
    redis.publisher
      .publish(redis.channel, JSON.stringify({ replica: this.replica, ...change }))
      .catch((err: unknown) =>
        this.logger.debug('live change not published', { ...errorLogFields(err) }),
      );
  }

  /** Subscribes to the other replicas' changes (and publishes this one's from then on). */
  async listen(redis: LiveChangesRedis): Promise<void> {
    await redis.subscriber.subscribe(redis.channel);
    redis.subscriber.on('message', (_channel: string, message: string) => {
      const parsed = parseLiveChange(message);
      if (parsed === undefined) this.logger.warn('ignored a malformed live change message');
      else if (parsed.replica !== this.replica) this.emit(parsed.change);
    });
    this.redis = redis;
  }

  /** Drops the subscriber connection at once (Redis is gone: nothing to wait for). */
  disconnect(): void {
    this.redis?.subscriber.disconnect();
  }

  /** Closes the subscriber connection (QUIT, bounded). */
  async close(): Promise<void> {
    const redis = this.redis;
    this.redis = undefined;
    if (redis !== undefined) await closeRedis(redis.subscriber, 500);
  }

  private emit(change: CellChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.logger.error('live change listener failed', { ...errorLogFields(err) });
      }
    }
  }
}
