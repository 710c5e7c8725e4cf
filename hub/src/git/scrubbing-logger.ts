/**
 * A Logger that keeps known secrets (repository credentials, ./repo-creds.ts) out of every log
 * line: the message and every string in the metadata, nested or in errors, are scrubbed before
 * the line is written. A defence behind the rule that secrets are never passed to a logger.
 */
import type { LogMeta, Logger } from '@gitfleet/proto';
import type { KnownSecrets } from './repo-creds.ts';

const MAX_DEPTH = 8;

export function scrubbingLogger(logger: Logger, known: KnownSecrets): Logger {
  const wrap =
    (write: (message: string, meta?: LogMeta) => void) =>
    (message: string, meta?: LogMeta): void => {
      if (known.size === 0) {
        write(message, meta);
        return;
      }
      write(
        known.scrub(message),
        meta === undefined ? undefined : (scrubValue(meta, known, 0) as LogMeta),
      );
    };
  return {
    trace: wrap((m, meta) => logger.trace(m, meta)),
    debug: wrap((m, meta) => logger.debug(m, meta)),
    info: wrap((m, meta) => logger.info(m, meta)),
    warn: wrap((m, meta) => logger.warn(m, meta)),
    error: wrap((m, meta) => logger.error(m, meta)),
    child: (meta) =>
      scrubbingLogger(
        logger.child(known.size === 0 ? meta : (scrubValue(meta, known, 0) as LogMeta)),
        known,
      ),
  };
}

function scrubValue(value: unknown, known: KnownSecrets, depth: number): unknown {
  if (typeof value === 'string') return known.scrub(value);
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { name: value.name, message: known.scrub(value.message) };
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, known, depth + 1));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, known, depth + 1);
  return out;
}
