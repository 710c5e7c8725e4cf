/**
 * The help of `gitfleet` — the main help, a group's, a command's — generated from the command
 * and option tables. Pure.
 */
import { COMMANDS, groupCommands, subcommandName } from './command-table.ts';
import {
  GLOBAL_OPTIONS,
  HUB_OPTIONS,
  optionsOf,
  type CommandSpec,
  type OptionSpec,
} from './options.ts';

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

/** `--hub URL`. */
export function flagOf(o: OptionSpec): string {
  return `--${o.name}${o.value === undefined ? '' : ` ${o.value}`}`;
}

/** The variables an option is read from: `GITFLEET_HUB_URL`, or a note. */
function envOf(o: OptionSpec): string | undefined {
  const all = [o.env, o.envNote].filter((e) => e !== undefined);
  return all.length === 0 ? undefined : all.join(' or ');
}

function optionLine(o: OptionSpec): string {
  const flag = `${o.short === undefined ? '    ' : `-${o.short}, `}${flagOf(o)}`;
  const env = envOf(o);
  const shownDefault = o.defaultText ?? o.default;
  const extra = [
    ...(o.required === true ? ['required'] : []),
    ...(env === undefined ? [] : [`env ${env}`]),
    ...(shownDefault === undefined ? [] : [`default ${shownDefault}`]),
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
     the hub refused the API token (401, or 403: its scope is not enough) or ignored a rollout
     command; rollout watch: the
     rollout halted, rolled back, was aborted, or --timeout passed
  2  usage or configuration error
  3  the hub (or the fleet's Git server) cannot be reached
  4  not found: application, target, environment, revision, rollout, wave
  5  the fleet repository moved on while pushing, twice (a conflict: try again)`;

const COMMAND_WIDTH = Math.max(...COMMANDS.map((c) => c.name.length));

export function mainHelp(): string {
  return [
    'gitfleet: operate a gitfleet fleet — status, drift, history and rollouts from the hub; pins, promotions and freezes as Git commits; an application rendered locally as the hub renders it',
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
