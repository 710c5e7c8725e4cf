/**
 * Structured logging interface. Messages are constant strings; data goes in `meta`.
 * Implementations live at composition roots (hub/agent main, test harness); decision code only
 * sees this interface. Secrets must never be passed in meta (see `redact`).
 */
export type LogMeta = Readonly<Record<string, unknown>>;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  trace(message: string, meta?: LogMeta): void;
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
  child(meta: LogMeta): Logger;
}

const LEVELS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };
const SECRET_KEY = /token|password|secret|credential|authorization|private.?key/i;

/** Replaces values under secret-looking keys with '[redacted]' (recursively, plain data only). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

/** JSON-lines logger writing through `write` (stderr by default at the composition root). */
export function jsonLogger(
  write: (line: string) => void,
  opts: { level?: LogLevel; base?: LogMeta; now?: () => number } = {},
): Logger {
  const min = LEVELS[opts.level ?? 'info'];
  const base = opts.base ?? {};
  const now = opts.now ?? Date.now;
  const emit = (level: LogLevel, message: string, meta?: LogMeta): void => {
    if (LEVELS[level] < min) return;
    const record = {
      time: new Date(now()).toISOString(),
      level,
      msg: message,
      ...base,
      ...(meta ?? {}),
    };
    write(JSON.stringify(redact(record)));
  };
  return {
    trace: (m, meta) => emit('trace', m, meta),
    debug: (m, meta) => emit('debug', m, meta),
    info: (m, meta) => emit('info', m, meta),
    warn: (m, meta) => emit('warn', m, meta),
    error: (m, meta) => emit('error', m, meta),
    child: (meta) => jsonLogger(write, { ...opts, base: { ...base, ...meta } }),
  };
}

/** A logger that drops everything (tests that assert on data, not on logs). */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
