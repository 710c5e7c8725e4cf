/**
 * The configuration of gitfleet's binaries (hub and agent) as one table per binary: each option
 * with its flag, environment variable, description, default and parser. From that table come
 * the parsing — a flag, else the environment variable, else the JSON file of `--config` /
 * GITFLEET_CONFIG (camelCase keys), else the default — the `--help` text and the Markdown table
 * of the docs. Every problem is collected into `problems` instead of thrown, so a loader reports
 * them all at once. Secrets are read from files (`secretFile`) and never echoed in problems.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface ConfigValue {
  readonly value: string;
  /** Where it came from, for messages: `--flag`, `ENV_NAME` or `file:key`. */
  readonly from: string;
  /** The nested object the config file holds (only for options that take a JSON object). */
  readonly object?: Readonly<Record<string, unknown>>;
}

export interface ParseContext {
  /** Records a problem; it is reported with every other one. */
  readonly problem: (message: string) => void;
  readonly readFile: (path: string) => string;
  /** The option's flag, without `--`. */
  readonly flag: string;
}

/** One setting of a binary. */
export interface ConfigOption<T> {
  /** Without `--`. */
  readonly flag: string;
  readonly env: string;
  /** Placeholder of the value in `--help` and the docs: `URL`, `N`, `PATH`. */
  readonly arg: string;
  readonly description: string;
  /** The value when the option is set nowhere, or set to a value that is a problem. */
  readonly default?: T;
  /** How `--help` and the docs show the default when the value alone would not say it. */
  readonly defaultText?: string;
  /** Unset is a problem; a string says what to set, beyond the flag and the variable. */
  readonly required?: true | string;
  /** The config file may hold a nested JSON object for it (see {@link jsonObject}). */
  readonly object?: boolean;
  /**
   * A flag without a value: `--flag` sets it (its variable and config key take true or false).
   * Parse it with {@link onOff}.
   */
  readonly switch?: boolean;
  /** The setting's value; undefined after recording a problem (the default applies). */
  readonly parse: (raw: ConfigValue, ctx: ParseContext) => T | undefined;
}

/** An option of the table: one with a default always has a value, one without may have none. */
export function option<T>(spec: ConfigOption<T> & { readonly default: T }): ConfigOption<T>;
export function option<T>(spec: ConfigOption<T>): ConfigOption<T | undefined>;
export function option<T>(spec: ConfigOption<T>): ConfigOption<T | undefined> {
  return spec;
}

/** A binary's options by their name, which is also their key in the config file. */
export type ConfigTable = Readonly<Record<string, ConfigOption<unknown>>>;

export type SettingsOf<C extends ConfigTable> = {
  readonly [K in keyof C]: C[K] extends ConfigOption<infer T> ? T : never;
};

/** `--config`: the JSON file, read by every binary. */
export const CONFIG_FILE_OPTION = {
  flag: 'config',
  env: 'GITFLEET_CONFIG',
  arg: 'PATH',
  description: 'JSON file with any of the options above, keyed by their camelCase names',
} as const;

// ---------------------------------------------------------------------------------------------
// Parsers

export const text = (raw: ConfigValue): string => raw.value;

/** An integer in [min, max]. */
export function integer(
  min: number,
  max: number,
): (raw: ConfigValue, ctx: ParseContext) => number | undefined {
  return (raw, ctx) => {
    const n = Number(raw.value);
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    ctx.problem(`${raw.from}=${raw.value}: must be an integer from ${min} to ${max}`);
    return undefined;
  };
}

/** A switch's value: true or false (also 1 or 0). */
export function onOff(raw: ConfigValue, ctx: ParseContext): boolean | undefined {
  if (raw.value === 'true' || raw.value === '1') return true;
  if (raw.value === 'false' || raw.value === '0') return false;
  ctx.problem(`${raw.from}=${raw.value}: expected true or false`);
  return undefined;
}

/** The trimmed content of the file the value names; the content is never echoed. */
export function secretFile(raw: ConfigValue, ctx: ParseContext): string | undefined {
  try {
    const v = ctx.readFile(raw.value).trim();
    if (v === '') ctx.problem(`${raw.from}: ${raw.value} is empty`);
    return v;
  } catch (err) {
    ctx.problem(
      `${raw.from}: cannot read ${raw.value}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON object: JSON text in a flag or variable, a nested object in the config file. Its
 * content is never echoed in a problem (it may hold a password); `example` shows the shape.
 */
export function jsonObject(
  example: string,
): (raw: ConfigValue, ctx: ParseContext) => Readonly<Record<string, unknown>> | undefined {
  return (raw, ctx) => {
    if (raw.object !== undefined) return raw.object;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.value);
    } catch {
      parsed = undefined;
    }
    if (isObject(parsed)) return parsed;
    ctx.problem(`${raw.from}: expected a JSON object (e.g. '${example}')`);
    return undefined;
  };
}

/** An absolute http(s) URL without credentials. */
export function httpUrl(raw: ConfigValue, ctx: ParseContext): string | undefined {
  const u = URL.parse(raw.value);
  if (u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '')
    return raw.value;
  ctx.problem(
    `${raw.from}: "${raw.value.replace(/\/\/[^@/]*@/, '//[credentials]@')}" is not an http(s) URL without credentials`,
  );
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface ConfigSourceInput {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly readFile?: (path: string) => string;
}

export interface LoadedConfig<C extends ConfigTable> {
  readonly values: SettingsOf<C>;
  /** Where each option that was set came from (`--flag`, `ENV`, `file:key`); absent: unset. */
  readonly from: Readonly<Partial<Record<keyof C, string>>>;
  /** Every problem so far; the binary adds those of its checks across options. */
  readonly problems: string[];
  readonly env: NodeJS.ProcessEnv;
  readonly readFile: (path: string) => string;
}

function readFlags(
  names: readonly (readonly [flag: string, isSwitch: boolean])[],
  argv: readonly string[],
  problems: string[],
): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        names.map(([f, isSwitch]) => [
          f,
          { type: isSwitch ? ('boolean' as const) : ('string' as const) },
        ]),
      ),
      strict: true,
    }).values;
  } catch (err) {
    problems.push(`${err instanceof Error ? err.message : String(err)} (see --help)`);
    return {};
  }
}

function readConfigFile(
  path: string,
  known: readonly string[],
  readFile: (path: string) => string,
  problems: string[],
): Record<string, unknown> {
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(path));
    } catch (err) {
      // JSON.parse quotes the text it choked on: never echo a file's content (it may be a secret)
      // eslint-disable-next-line preserve-caught-error -- the cause would carry the content
      if (err instanceof SyntaxError) throw new Error('not valid JSON');
      throw err;
    }
    if (!isObject(parsed)) throw new Error('not a JSON object');
    for (const k of Object.keys(parsed)) {
      if (!known.includes(k))
        problems.push(`${path}: unknown key "${k}" (known: ${known.join(', ')})`);
    }
    return parsed;
  } catch (err) {
    problems.push(`config file ${path}: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
}

/**
 * Reads every option of the table: its flag, else its variable (empty counts as unset), else
 * the config file, else its default. Never throws: see `problems`.
 */
export function readConfig<C extends ConfigTable>(
  table: C,
  input: ConfigSourceInput = {},
): LoadedConfig<C> {
  const env = input.env ?? process.env;
  const readFile = input.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems: string[] = [];
  const options = Object.entries(table);
  const flags = readFlags(
    [
      ...options.map(([, o]) => [o.flag, o.switch === true] as const),
      [CONFIG_FILE_OPTION.flag, false] as const,
    ],
    input.argv ?? process.argv.slice(2),
    problems,
  );
  const envConfig = env[CONFIG_FILE_OPTION.env];
  const flagConfig = flags[CONFIG_FILE_OPTION.flag];
  const configPath =
    typeof flagConfig === 'string' ? flagConfig : envConfig === '' ? undefined : envConfig;
  const file =
    configPath === undefined
      ? {}
      : readConfigFile(
          configPath,
          options.map(([k]) => k),
          readFile,
          problems,
        );

  const raw = (key: string, o: ConfigOption<unknown>): ConfigValue | undefined => {
    const f = flags[o.flag];
    if (typeof f === 'string') return { value: f, from: `--${o.flag}` };
    if (f === true) return { value: 'true', from: `--${o.flag}` };
    const e = env[o.env];
    if (e !== undefined && e !== '') return { value: e, from: o.env };
    const v = file[key];
    const from = `${configPath ?? 'config'}:${key}`;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      return { value: String(v), from };
    if (o.object === true && isObject(v)) return { value: JSON.stringify(v), from, object: v };
    if (v !== undefined) {
      problems.push(
        `${configPath ?? 'config'}: ${key} must be ${o.object === true ? 'a JSON object, ' : ''}a string, a number or a boolean`,
      );
    }
    return undefined;
  };

  const values: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  for (const [key, o] of options) {
    const r = raw(key, o);
    let value: unknown;
    if (r === undefined) {
      if (o.required !== undefined) {
        const hint = typeof o.required === 'string' ? ` (${o.required})` : '';
        problems.push(`${key} is required: set --${o.flag} or ${o.env}${hint}`);
      }
    } else {
      from[key] = r.from;
      value = o.parse(r, { problem: (m) => problems.push(m), readFile, flag: o.flag });
    }
    values[key] = value ?? o.default;
  }
  return {
    values: values as SettingsOf<C>,
    from: from as Partial<Record<keyof C, string>>,
    problems,
    env,
    readFile,
  };
}

/** Every environment variable a binary reads (GITFLEET_CONFIG and each option's). */
export function configEnvVars(table: ConfigTable): string[] {
  return [CONFIG_FILE_OPTION.env, ...Object.values(table).map((o) => o.env)];
}

// ---------------------------------------------------------------------------------------------
// Help and docs

/** `--flag ARG`, or `--flag` for a switch. */
function flagSyntax(o: ConfigOption<unknown>): string {
  return o.switch === true ? `--${o.flag}` : `--${o.flag} ${o.arg}`;
}

/** How the default shows: `required`, its text, the value itself, or undefined (none). */
function defaultShown(o: ConfigOption<unknown>): string | undefined {
  if (o.required !== undefined) return 'required';
  if (o.defaultText !== undefined) return o.defaultText;
  const d = o.default;
  return typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean'
    ? String(d)
    : undefined;
}

export interface ConfigUsage {
  /** `gitfleet-hub`. */
  readonly name: string;
  /** What the binary does, one line. */
  readonly summary: string;
  /** Paragraphs after the options. */
  readonly notes?: readonly string[];
}

/**
 * The `--help` text: per option its flag, description, environment variable (in parentheses)
 * and default (or `required`).
 */
export function configUsage(table: ConfigTable, usage: ConfigUsage): string {
  const rows = [
    ...Object.values(table).map((o) => ({
      flag: flagSyntax(o),
      description: o.description,
      env: o.env,
      shown: defaultShown(o),
    })),
    {
      flag: `--${CONFIG_FILE_OPTION.flag} ${CONFIG_FILE_OPTION.arg}`,
      description: CONFIG_FILE_OPTION.description,
      env: CONFIG_FILE_OPTION.env,
      shown: undefined,
    },
  ];
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  const lines = rows.flatMap((r) => [
    `  ${r.flag.padEnd(width)}${r.description}`,
    `  ${' '.repeat(width)}(${r.env})${r.shown === undefined ? '' : `  ${r.shown === 'required' ? 'required' : `default: ${r.shown}`}`}`,
  ]);
  return [
    `${usage.name}: ${usage.summary}`,
    '',
    `usage: ${usage.name} [options]`,
    '',
    'Each option is taken from its flag, else its environment variable, else the --config file,',
    'else its default.',
    '',
    ...lines,
    `  ${'-h, --help'.padEnd(width)}this help`,
    ...(usage.notes ?? []).flatMap((n) => ['', n]),
    '',
  ].join('\n');
}

/** Text in a Markdown table cell: `|` and `<` escaped (`<target>` would be taken for HTML). */
export function markdownText(s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('\n', ' ');
}

/** Code in a Markdown table cell (`|` escaped: GitHub splits cells first). */
export function markdownCode(s: string): string {
  return `\`${s.replaceAll('|', '\\|')}\``;
}

/** The Markdown table of the docs: flag, environment variable, config key, default, meaning. */
export function configDocsTable(table: ConfigTable): string {
  const rows = [
    ...Object.entries(table).map(([key, o]) => {
      const shown = defaultShown(o);
      return [
        markdownCode(flagSyntax(o)),
        markdownCode(o.env),
        markdownCode(key),
        shown === undefined
          ? '—'
          : shown === 'required' || o.defaultText !== undefined
            ? markdownText(shown)
            : markdownCode(shown),
        markdownText(o.description),
      ];
    }),
    [
      markdownCode(`--${CONFIG_FILE_OPTION.flag} ${CONFIG_FILE_OPTION.arg}`),
      markdownCode(CONFIG_FILE_OPTION.env),
      '—',
      '—',
      markdownText(CONFIG_FILE_OPTION.description),
    ],
  ];
  return [
    '| flag | environment | config key | default | meaning |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
