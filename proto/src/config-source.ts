/**
 * Layered configuration for gitfleet's binaries (hub and agent): command-line flags, then
 * environment variables, then an optional JSON file (`--config` / GITFLEET_CONFIG). Collects every
 * problem into `problems` instead of throwing, so a loader can report them all at once. Secrets
 * are read from files (`secretFile`) and never echoed in problems.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface ConfigKey {
  readonly flag: string;
  readonly env: string;
}

export interface ConfigValue {
  readonly value: string;
  /** Where it came from, for messages: `--flag`, `ENV_NAME` or `file:key`. */
  readonly from: string;
}

export interface ConfigSourceInput {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly readFile?: (path: string) => string;
}

export interface ConfigSource<K extends string> {
  readonly problems: string[];
  readonly get: (key: K) => ConfigValue | undefined;
  /** Like get, but records "<key> is required: set --flag or ENV" when absent. */
  readonly required: (key: K) => ConfigValue | undefined;
  /** An integer in [min, max], or `def` when absent (a bad value is a problem). */
  readonly int: (key: K, def: number, min: number, max: number) => number;
  /** The trimmed content of the file the key names (undefined when the key is absent). */
  readonly secretFile: (key: K) => string | undefined;
  /**
   * A JSON object: from a flag or variable as JSON text, from the file as a nested object; undefined
   * when absent. Its content is never echoed in a problem (it may hold a password).
   */
  readonly jsonObject: (key: K) => Readonly<Record<string, unknown>> | undefined;
  /** An absolute http(s) URL, or undefined when absent (anything else is a problem). */
  readonly httpUrl: (key: K) => string | undefined;
  readonly readFile: (path: string) => string;
}

export function configSource<K extends string>(
  keys: Readonly<Record<K, ConfigKey>>,
  input: ConfigSourceInput = {},
): ConfigSource<K> {
  const env = input.env ?? process.env;
  const readFile = input.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: string[] = [];
  const all = Object.entries(keys) as [K, ConfigKey][];
  const options = Object.fromEntries(
    [...all.map(([, k]) => k.flag), 'config'].map((f) => [f, { type: 'string' as const }]),
  );
  let flags: Record<string, string | boolean | undefined> = {};
  try {
    flags = parseArgs({
      args: [...(input.argv ?? process.argv.slice(2))],
      options,
      strict: true,
    }).values;
  } catch (err) {
    problems.push(`${err instanceof Error ? err.message : String(err)} (see --help)`);
  }
  let file: Record<string, unknown> = {};
  const envConfig = env['GITFLEET_CONFIG'];
  const configPath =
    (flags['config'] as string | undefined) ?? (envConfig === '' ? undefined : envConfig);
  if (configPath !== undefined) {
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFile(configPath));
      } catch (err) {
        // JSON.parse quotes the text it choked on: never echo a file's content (it may be a secret)
        // eslint-disable-next-line preserve-caught-error -- the cause would carry the content
        if (err instanceof SyntaxError) throw new Error('not valid JSON');
        throw err;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error('not a JSON object');
      }
      file = parsed as Record<string, unknown>;
      for (const k of Object.keys(file)) {
        if (!(k in keys)) {
          problems.push(
            `${configPath}: unknown key "${k}" (known: ${Object.keys(keys).join(', ')})`,
          );
        }
      }
    } catch (err) {
      problems.push(
        `config file ${configPath}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const objectKeys = new Set<K>();
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const get = (key: K): ConfigValue | undefined => {
    const { flag, env: envName } = keys[key];
    const f = flags[flag];
    if (typeof f === 'string') return { value: f, from: `--${flag}` };
    const e = env[envName];
    if (e !== undefined && e !== '') return { value: e, from: envName };
    const v = file[key];
    if (objectKeys.has(key) && typeof v === 'object' && v !== null) return undefined;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      return { value: String(v), from: `${configPath ?? 'config'}:${key}` };
    }
    if (v !== undefined)
      problems.push(`${configPath ?? 'config'}: ${key} must be a string, a number or a boolean`);
    return undefined;
  };
  return {
    problems,
    readFile,
    get,
    jsonObject: (key) => {
      objectKeys.add(key);
      const inFile = file[key];
      const fromEnv = env[keys[key].env];
      const overridden = typeof flags[keys[key].flag] === 'string' || (fromEnv ?? '') !== '';
      if (!overridden && isObject(inFile)) return inFile;
      const s = get(key);
      if (s === undefined) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(s.value);
      } catch {
        parsed = undefined;
      }
      if (!isObject(parsed)) {
        problems.push(`${s.from}: expected a JSON object (e.g. '{"sentinels":[...]}')`);
        return undefined;
      }
      return parsed;
    },
    httpUrl: (key) => {
      const s = get(key);
      if (s === undefined) return undefined;
      const u = URL.parse(s.value);
      const ok =
        u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '';
      if (!ok) {
        problems.push(
          `${s.from}: "${s.value.replace(/\/\/[^@/]*@/, '//[credentials]@')}" is not an http(s) URL without credentials`,
        );
      }
      return ok ? s.value : undefined;
    },
    required: (key) => {
      const s = get(key);
      if (s === undefined)
        problems.push(`${key} is required: set --${keys[key].flag} or ${keys[key].env}`);
      return s;
    },
    int: (key, def, min, max) => {
      const s = get(key);
      if (s === undefined) return def;
      const n = Number(s.value);
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        problems.push(`${s.from}=${s.value}: must be an integer from ${min} to ${max}`);
        return def;
      }
      return n;
    },
    secretFile: (key) => {
      const s = get(key);
      if (s === undefined) return undefined;
      try {
        const v = readFile(s.value).trim();
        if (v === '') problems.push(`${s.from}: ${s.value} is empty`);
        return v;
      } catch (err) {
        problems.push(
          `${s.from}: cannot read ${s.value}: ${err instanceof Error ? err.message : String(err)}`,
        );
        return undefined;
      }
    },
  };
}
