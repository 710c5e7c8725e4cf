/**
 * The command line of `gitfleet`: every command with its arguments, options (and the environment
 * variables behind them), help text and examples, and the parsing of argv into one command's
 * values. Pure: the help and the completion scripts are generated from these tables.
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.ts';

export interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** Placeholder in the help (`URL`). */
  readonly value?: string;
  readonly help: string;
  /** Environment variable used when the option is not given. */
  readonly env?: string;
  readonly default?: string;
  /** The command refuses to run without it. */
  readonly required?: boolean;
  /** What completes its value: names from the hub, a file, or fixed words. */
  readonly complete?: 'apps' | 'targets' | 'environments' | 'file' | readonly string[];
}

export interface PositionalSpec {
  readonly name: string;
  readonly complete?: 'apps' | 'targets' | 'environments' | readonly string[];
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** One paragraph under the usage line. */
  readonly description: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** Whether the command talks to the hub / writes to the fleet repository (their options apply). */
  readonly hub: boolean;
  readonly git: boolean;
}

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'output',
    short: 'o',
    type: 'string',
    value: 'FORMAT',
    help: 'table (for people, the default) or json (for scripts: stable shapes)',
    complete: ['table', 'json'],
  },
  {
    name: 'no-color',
    type: 'boolean',
    help: 'no colours (also: NO_COLOR=1; never when not a terminal)',
  },
  { name: 'help', short: 'h', type: 'boolean', help: 'this help' },
];

export const HUB_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'hub',
    type: 'string',
    value: 'URL',
    help: 'the hub HTTP API',
    env: 'GITFLEET_HUB_URL',
    default: 'http://127.0.0.1:8080',
  },
  {
    name: 'timeout',
    type: 'string',
    value: 'MS',
    help: 'deadline of each request to the hub or the Git server',
    env: 'GITFLEET_TIMEOUT_MS',
    default: '15000',
  },
];

export const GIT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'fleet-repo',
    type: 'string',
    value: 'URL',
    help: 'http(s) URL of the fleet repository (the one the hub reads)',
    env: 'GITFLEET_FLEET_REPO',
  },
  {
    name: 'fleet-branch',
    type: 'string',
    value: 'BRANCH',
    help: 'branch holding the fleet definition',
    env: 'GITFLEET_FLEET_BRANCH',
    default: 'main',
  },
  {
    name: 'fleet-token-file',
    type: 'string',
    value: 'PATH',
    help: 'file holding a token with write access (sent as HTTP Basic password)',
    env: 'GITFLEET_FLEET_TOKEN_FILE',
    complete: 'file',
  },
  {
    name: 'author',
    type: 'string',
    value: '"NAME <EMAIL>"',
    help: 'author of the commit',
    env: 'GITFLEET_AUTHOR',
    default: 'gitfleet-cli',
  },
];

const app: OptionSpec = {
  name: 'app',
  type: 'string',
  value: 'APP',
  help: 'only this application',
  complete: 'apps',
};
const target: OptionSpec = {
  name: 'target',
  type: 'string',
  value: 'TARGET',
  help: 'only this target',
  complete: 'targets',
};
const env: OptionSpec = {
  name: 'env',
  type: 'string',
  value: 'ENV',
  help: 'only the targets of this environment',
  complete: 'environments',
};
const reason = (required: boolean): OptionSpec => ({
  name: 'reason',
  type: 'string',
  value: 'TEXT',
  help: 'why: goes into the commit message, the audit trail',
  ...(required ? { required: true } : {}),
});
const exitCode = (when: string): OptionSpec => ({
  name: 'exit-code',
  type: 'boolean',
  help: `exit 1 when ${when}`,
});

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    summary: 'application × target: revision, sync, health, drift, connection',
    description:
      'One line per application on each target it is placed on: the revision it runs (→ the one it is meant to run, when they differ), sync, health, drift count and the connection of the target. A Stale or Disconnected target is marked, and its health is never shown Healthy: its last report is old news.',
    positionals: [],
    options: [
      app,
      target,
      env,
      exitCode('any application is not Synced and Healthy on a Connected target'),
    ],
    examples: [
      'gitfleet status',
      'gitfleet status --env prod --exit-code',
      'gitfleet status --app web -o json',
    ],
    hub: true,
    git: false,
  },
  {
    name: 'drift',
    summary: 'what was changed on the clusters behind Git’s back, and since when',
    description:
      'Drift records grouped per target (then application, then object), per application (--by app) or per object across the fleet (--by object): each field with its desired and live value, the field manager that changed it, since when, and what the agent did (corrected, reported). Ends with fleet-wide counts by manager, kind and action.',
    positionals: [],
    options: [
      env,
      app,
      target,
      {
        name: 'kind',
        type: 'string',
        value: 'KIND',
        help: 'only objects of this kind (Deployment)',
      },
      {
        name: 'manager',
        type: 'string',
        value: 'MANAGER',
        help: 'only drift made by this field manager (kubectl-edit)',
      },
      {
        name: 'by',
        type: 'string',
        value: 'GROUPING',
        help: 'group by target (then app), app (then target), or object (one object across targets)',
        default: 'target',
        complete: ['target', 'app', 'object'],
      },
      exitCode('there is any drift'),
    ],
    examples: [
      'gitfleet drift',
      'gitfleet drift --env prod --manager kubectl-edit',
      'gitfleet drift --by object --kind Deployment',
      'gitfleet drift -o json',
    ],
    hub: true,
    git: false,
  },
  {
    name: 'history',
    summary: 'sync history of an application on a target, newest first',
    description:
      'Every change of sync state or revision the hub saw for the application on the target (the last 50).',
    positionals: [
      { name: 'APP', complete: 'apps' },
      { name: 'TARGET', complete: 'targets' },
    ],
    options: [],
    examples: ['gitfleet history web prod-eu-1'],
    hub: true,
    git: false,
  },
  {
    name: 'diff',
    summary: 'what a revision would change on a target',
    description:
      'The hub renders the application at REVISION for the target (its overlays and variables, the fleet in force) and compares the objects with what the target is meant to run now: per object added, removed or changed, with a unified diff of its YAML. Nothing is changed.',
    positionals: [{ name: 'APP', complete: 'apps' }],
    options: [
      { ...target, help: 'the target to render for', required: true },
      {
        name: 'revision',
        type: 'string',
        value: 'REV',
        help: 'branch, tag or commit SHA',
        required: true,
      },
      exitCode('the revision would change something'),
    ],
    examples: ['gitfleet diff web --target prod-eu-1 --revision v1.3.0'],
    hub: true,
    git: false,
  },
  {
    name: 'pin',
    summary: 'pin an application to a revision in an environment (a Git commit)',
    description:
      "Sets the Environment's pin (or, with --target, its target pin) in the fleet repository and pushes the commit; the hub rolls it out like any other commit. The revision is checked with the hub first (it must exist and render; --no-verify skips that). The fleet is validated as the hub would before anything is pushed.",
    positionals: [{ name: 'APP', complete: 'apps' }, { name: 'REVISION' }],
    options: [
      { ...env, help: 'the environment', required: true },
      { ...target, help: 'pin on this target of the environment only (targetPins)' },
      reason(true),
      {
        name: 'no-verify',
        type: 'boolean',
        help: 'do not ask the hub whether the revision exists and renders',
      },
    ],
    examples: ['gitfleet pin web v1.2.0 --env prod --reason "hold prod on 1.2 during the audit"'],
    hub: true,
    git: true,
  },
  {
    name: 'unpin',
    summary: 'remove a pin (a Git commit)',
    description:
      'Removes the pin of the application in the environment (or, with --target, its target pin): it follows the application’s targetRevision (or the environment pin) again.',
    positionals: [{ name: 'APP', complete: 'apps' }],
    options: [
      { ...env, help: 'the environment', required: true },
      { ...target, help: 'remove the target pin of this target' },
      reason(false),
    ],
    examples: ['gitfleet unpin web --env prod --reason "audit done"'],
    hub: false,
    git: true,
  },
  {
    name: 'promote',
    summary: 'pin the next environment to the revision the previous one runs healthily',
    description:
      'Asks the hub whether every target of --from that the application is placed on reports it Synced and Healthy, Connected, at the same revision; if so, pins --to to that commit (a Git commit), otherwise refuses (exit 1) and names the targets that are not there yet.',
    positionals: [{ name: 'APP', complete: 'apps' }],
    options: [
      {
        name: 'from',
        type: 'string',
        value: 'ENV',
        help: 'the environment that runs it',
        required: true,
        complete: 'environments',
      },
      {
        name: 'to',
        type: 'string',
        value: 'ENV',
        help: 'the environment to pin',
        required: true,
        complete: 'environments',
      },
      reason(true),
    ],
    examples: ['gitfleet promote web --from staging --to prod --reason "soaked 24h in staging"'],
    hub: true,
    git: true,
  },
  {
    name: 'freeze',
    summary: 'freeze an environment: its targets keep what they have (a Git commit)',
    description:
      'Sets `frozen: true` on the Environment; its targets take no new revisions until it is thawed.',
    positionals: [{ name: 'ENV', complete: 'environments' }],
    options: [reason(false)],
    examples: ['gitfleet freeze prod --reason "black friday"'],
    hub: false,
    git: true,
  },
  {
    name: 'thaw',
    summary: 'thaw a frozen environment (a Git commit)',
    description: 'Removes `frozen: true` from the Environment; its targets catch up with Git.',
    positionals: [{ name: 'ENV', complete: 'environments' }],
    options: [reason(false)],
    examples: ['gitfleet thaw prod'],
    hub: false,
    git: true,
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash or zsh)',
    description:
      'bash: `source <(gitfleet completion bash)` (or save it in /etc/bash_completion.d/gitfleet). zsh: `source <(gitfleet completion zsh)` (or save it as _gitfleet in a directory of $fpath). Application, target and environment names are completed from the hub.',
    positionals: [{ name: 'SHELL', complete: ['bash', 'zsh'] }],
    options: [],
    examples: ['source <(gitfleet completion bash)'],
    hub: false,
    git: false,
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Every option a command takes (its own, then hub, Git and global options). */
export function optionsOf(cmd: CommandSpec): OptionSpec[] {
  return [
    ...cmd.options,
    ...(cmd.hub || cmd.git ? HUB_OPTIONS : []),
    ...(cmd.git ? GIT_OPTIONS : []),
    ...GLOBAL_OPTIONS,
  ];
}

function optionLine(o: OptionSpec): string {
  const flag = `${o.short === undefined ? '    ' : `-${o.short}, `}--${o.name}${o.value === undefined ? '' : ` ${o.value}`}`;
  const extra = [
    ...(o.required === true ? ['required'] : []),
    ...(o.env === undefined ? [] : [`env ${o.env}`]),
    ...(o.default === undefined ? [] : [`default ${o.default}`]),
  ];
  return `  ${flag.padEnd(34)} ${o.help}${extra.length === 0 ? '' : ` (${extra.join(', ')})`}`;
}

export function usageLine(cmd: CommandSpec): string {
  const required = cmd.options
    .filter((o) => o.required === true)
    .map((o) => `--${o.name} ${o.value ?? ''}`.trimEnd());
  return [
    'gitfleet',
    cmd.name,
    ...cmd.positionals.map((p) => p.name),
    ...required,
    '[options]',
  ].join(' ');
}

export function commandHelp(cmd: CommandSpec): string {
  return [
    `usage: ${usageLine(cmd)}`,
    '',
    cmd.description,
    '',
    'options:',
    ...optionsOf(cmd).map(optionLine),
    '',
    'examples:',
    ...cmd.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

export const EXIT_CODES_HELP = `exit codes:
  0  ok
  1  the operation failed, or (with --exit-code) something is not healthy / has drift / would change
  2  usage or configuration error
  3  the hub (or the fleet's Git server) cannot be reached
  4  not found: application, target, environment, revision
  5  the fleet repository moved on while pushing, twice (a conflict: try again)`;

export function mainHelp(): string {
  return [
    'gitfleet: operate a gitfleet fleet — status, drift and history from the hub; pins, promotions and freezes as Git commits',
    '',
    'usage: gitfleet COMMAND [ARGS] [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`),
    '',
    'Run `gitfleet COMMAND --help` for its arguments and options.',
    '',
    'common options:',
    ...[...HUB_OPTIONS, ...GLOBAL_OPTIONS].map(optionLine),
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
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
    if (output !== undefined && output !== 'table' && output !== 'json')
      throw usageError(`-o/--output ${JSON.stringify(output)}: use table or json`, cmd.name);
  }
  return { spec: cmd, positionals: parsed.positionals, values, from, help };
}
