/**
 * One 'error' listener per Redis connection (ioredis clients, BullMQ's queue and worker): without
 * one, ioredis prints raw `[ioredis] Unhandled error event` lines and an EventEmitter throws.
 * While Redis is down every retry errors, so lines are throttled: one per connection and message
 * per window, with the count of the ones suppressed.
 */
import { DEFAULT_LOG_THROTTLE_MS, errorLogFields, logThrottle, type Logger } from '@gitfleet/proto';

/** Something that emits 'error' (an ioredis client, a BullMQ Queue or Worker). */
export interface ErrorEmitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface ConnectionErrors {
  /** The listener for the connection called `name` (in the log line). */
  listener(name: string): (err: Error) => void;
  /** Adds the listener to `emitter`; returns it. */
  watch<T extends ErrorEmitter>(name: string, emitter: T): T;
}

export function connectionErrors(
  logger: Logger,
  opts: { readonly windowMs?: number; readonly now?: () => number } = {},
): ConnectionErrors {
  const throttle = logThrottle(opts.windowMs ?? DEFAULT_LOG_THROTTLE_MS, opts.now);
  const listener =
    (name: string) =>
    (err: Error): void => {
      const fields = errorLogFields(err);
      const verdict = throttle.check(`${name}\n${String(fields['error'])}`);
      if (!verdict.log) return;
      const { stack: _stack, ...rest } = fields;
      logger.warn('Redis connection error; the client retries', {
        connection: name,
        ...rest,
        ...(verdict.suppressed > 0 ? { suppressedRepeats: verdict.suppressed } : {}),
      });
    };
  return {
    listener,
    watch(name, emitter) {
      emitter.on('error', listener(name));
      return emitter;
    },
  };
}
