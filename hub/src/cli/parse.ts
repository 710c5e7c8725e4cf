/**
 * The parsing of `gitfleet` argv after the command name into that command's values: flags, else
 * their environment variables, else their defaults (./options.ts); positionals counted, required
 * options and `-o` checked. A problem is a usage error (exit 2). Pure.
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.ts';
import { usageLine } from './help.ts';
import { optionsOf, type CommandSpec, type OptionSpec } from './options.ts';

/** The values `-o` takes for a command: those its output option completes, else table and json. */
function outputFormats(opts: readonly OptionSpec[]): readonly string[] {
  const complete = opts.find((o) => o.name === 'output')?.complete;
  return complete !== undefined && typeof complete !== 'string' ? complete : ['table', 'json'];
}

export interface ParsedCommand {
  readonly spec: CommandSpec;
  readonly positionals: readonly string[];
  /** Option values by name (flags or their environment variables or defaults). */
  readonly values: ReadonlyMap<string, string | boolean>;
  /** Where each value came from (`--hub`, `GITFLEET_HUB_URL`, `default`), for messages. */
  readonly from: ReadonlyMap<string, string>;
  readonly help: boolean;
}

/**
 * Parses argv after the command name: options of the command (and hub, Git, global ones) in
 * any order, then environment variables and defaults for those not given.
 *
 * @throws CliError exit 2 naming the problem
 */
export function parseCommand(
  cmd: CommandSpec,
  argv: readonly string[],
  envVars: Readonly<Record<string, string | undefined>>,
): ParsedCommand {
  const opts = optionsOf(cmd);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        opts.map((o) => [
          o.name,
          { type: o.type, ...(o.short === undefined ? {} : { short: o.short }) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw usageError(
      err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err),
      cmd.name,
    );
  }
  const help = parsed.values['help'] === true;
  const values = new Map<string, string | boolean>();
  const from = new Map<string, string>();
  for (const o of opts) {
    const v = parsed.values[o.name];
    if (typeof v === 'string' || typeof v === 'boolean') {
      if (typeof v === 'string' && v === '' && o.type === 'string')
        throw usageError(`--${o.name} must not be empty`, cmd.name);
      values.set(o.name, v);
      from.set(o.name, `--${o.name}`);
      continue;
    }
    const e = o.env === undefined ? undefined : envVars[o.env];
    if (o.env !== undefined && e !== undefined && e !== '') {
      values.set(o.name, e);
      from.set(o.name, o.env);
    } else if (o.default !== undefined) {
      values.set(o.name, o.default);
      from.set(o.name, 'default');
    }
  }
  if (!help) {
    const n = cmd.positionals.length;
    if (parsed.positionals.length !== n) {
      throw usageError(
        parsed.positionals.length < n
          ? `missing ${cmd.positionals
              .slice(parsed.positionals.length)
              .map((p) => p.name)
              .join(' ')}: usage: ${usageLine(cmd)}`
          : `unexpected argument ${JSON.stringify(parsed.positionals[n])}: usage: ${usageLine(cmd)}`,
        cmd.name,
      );
    }
    for (const o of cmd.options) {
      if (o.required === true && !values.has(o.name))
        throw usageError(`--${o.name} is required: usage: ${usageLine(cmd)}`, cmd.name);
    }
    const output = values.get('output');
    const formats = outputFormats(opts);
    if (typeof output === 'string' && !formats.includes(output))
      throw usageError(
        `-o/--output ${JSON.stringify(output)}: use ${formats.join(' or ')}`,
        cmd.name,
      );
  }
  return { spec: cmd, positionals: parsed.positionals, values, from, help };
}
