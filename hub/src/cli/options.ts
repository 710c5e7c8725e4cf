/**
 * The options of `gitfleet`: what an option, a positional argument and a command are, the options
 * shared by many commands (hub, Git and global options, each with its
 * environment variable and default) and which options a command takes. The command table
 * (./command-table.ts), the parser (./parse.ts), the help and the docs table (./help.ts) and the
 * completion scripts (./completion.ts) are all read from these. Pure.
 */

export interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** Placeholder in the help (`URL`). */
  readonly value?: string;
  readonly help: string;
  /** Environment variable used when the option is not given. */
  readonly env?: string;
  /** Another variable the command reads for it, shown in the help and the docs (not parsed here). */
  readonly envNote?: string;
  readonly default?: string;
  /** How the help and the docs show a default that the command works out itself. */
  readonly defaultText?: string;
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
    help: 'table (for people) or json (for scripts: stable shapes)',
    defaultText: 'table',
    complete: ['table', 'json'],
  },
  {
    name: 'no-color',
    type: 'boolean',
    help: 'no colours (never when not a terminal)',
    envNote: 'NO_COLOR=1',
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
    help: 'deadline of each request to the hub and of each clone or push',
    env: 'GITFLEET_TIMEOUT_MS',
    default: '15000',
  },
  {
    name: 'api-token-file',
    type: 'string',
    value: 'PATH',
    help: "file holding a bearer token of the hub's API (its --api-tokens-file): scope read to read, operate for rollout commands",
    env: 'GITFLEET_API_TOKEN_FILE',
    envNote: 'GITFLEET_API_TOKEN: the token itself',
    defaultText: 'none',
    complete: 'file',
  },
];

export const GIT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'fleet-repo',
    type: 'string',
    value: 'URL',
    help: 'http(s) URL of the fleet repository (the one the hub reads)',
    env: 'GITFLEET_FLEET_REPO',
    defaultText: 'asked of the hub, else required',
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
    help: 'file holding a token of the fleet repository: write access to commit, read access for render (sent as the HTTP Basic password, user x-access-token)',
    env: 'GITFLEET_FLEET_TOKEN_FILE',
    defaultText: 'none (anonymous)',
    complete: 'file',
  },
  {
    name: 'author',
    type: 'string',
    value: '"NAME <EMAIL>"',
    help: 'author of the commit (a bare name gets an @gitfleet.invalid email)',
    env: 'GITFLEET_AUTHOR',
    default: 'gitfleet-cli',
  },
];

export const appOption: OptionSpec = {
  name: 'app',
  type: 'string',
  value: 'APP',
  help: 'only this application',
  complete: 'apps',
};
export const targetOption: OptionSpec = {
  name: 'target',
  type: 'string',
  value: 'TARGET',
  help: 'only this target',
  complete: 'targets',
};
export const envOption: OptionSpec = {
  name: 'env',
  type: 'string',
  value: 'ENV',
  help: 'only the targets of this environment',
  complete: 'environments',
};
export const reasonOption = (required: boolean): OptionSpec => ({
  name: 'reason',
  type: 'string',
  value: 'TEXT',
  help: 'why: goes into the commit message, the audit trail',
  ...(required ? { required: true } : {}),
});
export const exitCodeOption = (when: string): OptionSpec => ({
  name: 'exit-code',
  type: 'boolean',
  help: `exit 1 when ${when}`,
});

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
