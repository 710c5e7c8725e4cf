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
  readonly complete?: 'apps' | 'targets' | 'environments' | 'rollouts' | readonly string[];
}

export interface CommandSpec {
  /** `status`, or `rollout watch` for a command of a group (`rollout`). */
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

const apiTokenFile: OptionSpec = {
  name: 'api-token-file',
  type: 'string',
  value: 'PATH',
  help: "file holding the hub's API token (its --api-token-file); else GITFLEET_API_TOKEN holds the token itself",
  env: 'GITFLEET_API_TOKEN_FILE',
  complete: 'file',
};
const by: OptionSpec = {
  name: 'by',
  type: 'string',
  value: 'NAME',
  help: 'who sends the command, kept in the rollout history (default: GITFLEET_AUTHOR, else $USER)',
};
const rolloutApp: PositionalSpec = { name: 'APP', complete: 'rollouts' };

/** `gitfleet rollout pause|resume|abort|rollback APP`. */
function rolloutCommand(
  command: 'pause' | 'resume' | 'abort' | 'rollback',
  summary: string,
  description: string,
): CommandSpec {
  return {
    name: `rollout ${command}`,
    summary,
    description: `${description} Needs the hub's API token. The hub applies the command on its next rollout step; the CLI waits (up to --timeout) to say whether it was applied or ignored (exit 1).`,
    positionals: [rolloutApp],
    options: [apiTokenFile, by],
    examples: [`gitfleet rollout ${command} web --api-token-file ~/.gitfleet/api.token`],
    hub: true,
    git: false,
  };
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    summary: 'application × target: revision, sync, health, drift, connection',
    description:
      'One line per application on each target it is placed on: the revision it runs (→ the one it is meant to run, when they differ), sync, health, drift count and the connection of the target. A Stale or Disconnected target is marked, and its health is never shown Healthy: its last report is old news. What is wrong with the fleet itself comes first: the fleet at the head of the branch not in force (and which commit is), fetch and read problems (a file over a limit, say) with what to do, and applications that could not be rendered.',
    positionals: [],
    options: [
      app,
      target,
      env,
      exitCode(
        "the fleet at the branch's head is not in force, or any application is not Synced and Healthy on a Connected target",
      ),
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
    name: 'rollout list',
    summary: 'every rollout: phase, revisions, where it is',
    description:
      'One line per application with a rollout (spec.rollout): its phase, the revision it rolls out from and to, and a summary of where it is and why.',
    positionals: [],
    options: [],
    examples: ['gitfleet rollout list', 'gitfleet rollout list -o json'],
    hub: true,
    git: false,
  },
  {
    name: 'rollout status',
    summary: "one application's rollout: its waves and targets, and why",
    description:
      'The phase and revisions; per wave its members, maxUnavailable, soak, gate, status and progress (moved, healthy); per target its wave, state, the revision it should run and the reason; the last events; and what to type when the rollout waits for a person.',
    positionals: [rolloutApp],
    options: [],
    examples: ['gitfleet rollout status web', 'gitfleet rollout status web -o json'],
    hub: true,
    git: false,
  },
  {
    name: 'rollout plan',
    summary: 'which target is in which wave and why (a preview)',
    description:
      'What a rollout of the application would do now: its waves (members, maxUnavailable, soak, gate), which target is in which wave and why (the selector that matched), and what would hold it back (connection, sync window). Nothing is changed.',
    positionals: [rolloutApp],
    options: [],
    examples: ['gitfleet rollout plan web'],
    hub: true,
    git: false,
  },
  {
    name: 'rollout watch',
    summary: 'follow a rollout live until it completes (exit 0) or stops (exit 1)',
    description:
      'On a terminal, redraws in place every --interval: one progress bar per wave (moved and healthy targets), the summary, and the reasons of waiting, held, blocked or failed targets. Not on a terminal, prints one line per change (-o json: one JSON document per line). Exits 0 when the rollout is Completed, 1 when it is Halted, RolledBack or Aborted, or when --timeout passes first. With --revision, waits for the rollout of that commit to start (and exits 1 if a newer one supersedes it).',
    positionals: [rolloutApp],
    options: [
      {
        name: 'revision',
        type: 'string',
        value: 'SHA',
        help: 'follow the rollout of this commit (full or abbreviated): wait for it to start',
      },
      {
        name: 'interval',
        type: 'string',
        value: 'DURATION',
        help: 'how often to ask the hub (100ms to 1m)',
        default: '1s',
      },
      {
        name: 'timeout',
        type: 'string',
        value: 'DURATION',
        help: 'give up after this long (exit 1): 90s, 10m, 1h (a bare number is milliseconds); default: wait as long as it takes',
      },
    ],
    examples: [
      'gitfleet rollout watch web',
      'gitfleet rollout watch web --revision "$(git rev-parse HEAD)" --timeout 30m',
    ],
    hub: true,
    git: false,
  },
  {
    name: 'rollout approve',
    summary: 'approve a wave with a manual gate',
    description:
      "Lets the wave start (gate: manual). A wave may be approved before the rollout reaches it. Needs the hub's API token. The hub applies the approval on its next rollout step; the CLI waits (up to --timeout) to say whether it was applied.",
    positionals: [rolloutApp],
    options: [
      {
        name: 'wave',
        type: 'string',
        value: 'WAVE',
        help: 'the wave to approve',
        required: true,
      },
      apiTokenFile,
      by,
    ],
    examples: ['gitfleet rollout approve web --wave prod --api-token-file ~/.gitfleet/api.token'],
    hub: true,
    git: false,
  },
  rolloutCommand(
    'pause',
    'pause a rollout: no target moves until it is resumed',
    'Stops the rollout where it is; targets keep what they run.',
  ),
  rolloutCommand(
    'resume',
    'resume a paused rollout, or retry a halted one',
    'A paused rollout continues where it was; a halted one forgets its failures and restarts their progress deadlines.',
  ),
  rolloutCommand(
    'abort',
    'stop a rollout for good, where it is',
    'Moved targets keep the new revision, the others keep what they run; the next revision starts a new rollout.',
  ),
  rolloutCommand(
    'rollback',
    'roll every moved target back to the last revision healthy everywhere',
    'Moves every target the rollout moved back to its from-revision.',
  ),
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

/** Groups of commands (`rollout`): the first word of command names of two words. */
export const GROUPS: readonly string[] = [
  ...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0] ?? '')),
];

export const GROUP_SUMMARIES: Readonly<Record<string, string>> = {
  rollout: 'rollouts: list, status, plan, watch; approve, pause, resume, abort, rollback',
};

/** The commands of a group, by their second word. */
export function groupCommands(group: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}

/** The word after the group (`watch` of `rollout watch`), or the name itself. */
export function subcommandName(cmd: CommandSpec): string {
  return cmd.name.slice(cmd.name.indexOf(' ') + 1);
}

export function groupHelp(group: string): string {
  const cmds = groupCommands(group);
  const width = Math.max(...cmds.map((c) => subcommandName(c).length));
  return [
    `usage: gitfleet ${group} COMMAND [ARGS] [options]`,
    '',
    `${group} commands:`,
    ...cmds.map((c) => `  ${subcommandName(c).padEnd(width)}  ${c.summary}`),
    '',
    `Run \`gitfleet ${group} COMMAND --help\` for its arguments and options.`,
    '',
  ].join('\n');
}

/** Every option a command takes (its own, then hub, Git and global options; its own win). */
export function optionsOf(cmd: CommandSpec): OptionSpec[] {
  const own = new Set(cmd.options.map((o) => o.name));
  return [
    ...cmd.options,
    ...[
      ...(cmd.hub || cmd.git ? HUB_OPTIONS : []),
      ...(cmd.git ? GIT_OPTIONS : []),
      ...GLOBAL_OPTIONS,
    ].filter((o) => !own.has(o.name)),
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
  1  the operation failed, or (with --exit-code) something is not healthy / has drift / would change;
     the hub refused (a wrong API token: 401) or ignored a rollout command; rollout watch: the
     rollout halted, rolled back, was aborted, or --timeout passed
  2  usage or configuration error
  3  the hub (or the fleet's Git server) cannot be reached
  4  not found: application, target, environment, revision, rollout, wave
  5  the fleet repository moved on while pushing, twice (a conflict: try again)`;

const COMMAND_WIDTH = Math.max(...COMMANDS.map((c) => c.name.length));

export function mainHelp(): string {
  return [
    'gitfleet: operate a gitfleet fleet — status, drift, history and rollouts from the hub; pins, promotions and freezes as Git commits',
    '',
    'usage: gitfleet COMMAND [ARGS] [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(COMMAND_WIDTH + 1)} ${c.summary}`),
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
