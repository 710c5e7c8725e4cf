/**
 * `gitfleet`, the operator CLI: dispatch of argv to a command, help, and the one place where a
 * failure becomes a message on stderr and an exit code (./errors.ts). All I/O goes through
 * `CliIo`, so the dispatch is tested without a process.
 */
import { registrationToken, revoke } from './agent-commands.ts';
import { environmentApiToken } from './api-token.ts';
import { COMMANDS, GROUPS, commandSpec, groupCommands, subcommandName } from './command-table.ts';
import { NAME_KINDS, type NameKind } from './completion.ts';
import type { CommandContext } from './context.ts';
import { CliError, ExitCode, isCliError } from './errors.ts';
import { painter } from './format.ts';
import { commandHelp, groupHelp, mainHelp } from './help.ts';
import { HubClient, checkHubUrl } from './hub-client.ts';
import type { CommandSpec } from './options.ts';
import { parseCommand } from './parse.ts';
import { completion, diff, drift, history, status } from './read-commands.ts';
import { render } from './render-command.ts';
import {
  rolloutCommand,
  rolloutList,
  rolloutPlan,
  rolloutStatus,
  rolloutWatch,
} from './rollout.ts';
import { freezeOrThaw, pin, promote, unpin } from './write-commands.ts';

export const CLI_VERSION = '0.1.0';

export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (colours; `rollout watch` redraws in place). */
  readonly isTTY: boolean;
  /** Width of the terminal, when stdout is one. */
  readonly columns?: number;
  readonly now: () => number;
  /** Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const RUN: Readonly<Record<string, (ctx: CommandContext) => Promise<number> | number>> = {
  status,
  drift,
  history,
  diff,
  render,
  pin,
  unpin,
  promote,
  freeze: (ctx) => freezeOrThaw(ctx, 'freeze'),
  thaw: (ctx) => freezeOrThaw(ctx, 'thaw'),
  completion,
  'rollout list': rolloutList,
  'rollout status': rolloutStatus,
  'rollout plan': rolloutPlan,
  'rollout watch': rolloutWatch,
  'rollout approve': (ctx) => rolloutCommand(ctx, 'approve'),
  'rollout pause': (ctx) => rolloutCommand(ctx, 'pause'),
  'rollout resume': (ctx) => rolloutCommand(ctx, 'resume'),
  'rollout abort': (ctx) => rolloutCommand(ctx, 'abort'),
  'rollout rollback': (ctx) => rolloutCommand(ctx, 'rollback'),
  'registration-token': registrationToken,
  revoke,
};

const HELP_FLAGS: readonly string[] = ['--help', '-h', 'help'];

/**
 * The command named by the first words of argv (`status`, or `rollout watch`), the words after
 * it, or the help to print for a group named without (or with an unknown) command.
 */
function findCommand(
  argv: readonly string[],
):
  | { readonly spec: CommandSpec; readonly rest: readonly string[] }
  | { readonly group: string; readonly code: number; readonly text: string }
  | { readonly unknown: string } {
  const [first = '', second, ...more] = argv;
  if (!GROUPS.includes(first)) {
    const spec = commandSpec(first);
    return spec === undefined ? { unknown: first } : { spec, rest: argv.slice(1) };
  }
  if (second === undefined) return { group: first, code: ExitCode.Usage, text: groupHelp(first) };
  if (HELP_FLAGS.includes(second))
    return { group: first, code: ExitCode.Ok, text: groupHelp(first) };
  const spec = commandSpec(`${first} ${second}`);
  if (spec !== undefined) return { spec, rest: more };
  const guess = closest(second, groupCommands(first).map(subcommandName));
  return {
    group: first,
    code: ExitCode.Usage,
    text: `gitfleet: unknown command ${JSON.stringify(`${first} ${second}`)}${guess === undefined ? '' : ` (did you mean ${first} ${guess}?)`}\n\n${groupHelp(first)}`,
  };
}

function closest(word: string, words: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0] ?? 0;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const tmp = row[j] ?? 0;
        row[j] = Math.min(
          (row[j] ?? 0) + 1,
          (row[j - 1] ?? 0) + 1,
          prev + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
        prev = tmp;
      }
    }
    return row[b.length] ?? 0;
  };
  const best = [...words].sort((x, y) => distance(word, x) - distance(word, y))[0];
  return best !== undefined && distance(word, best) <= 2 ? best : undefined;
}

/** `gitfleet __complete KIND [--hub URL]`: names for shell completion; silent on any failure. */
async function completeNames(io: CliIo, args: readonly string[]): Promise<number> {
  const [kind, ...rest] = args;
  if (kind === undefined || !(NAME_KINDS as readonly string[]).includes(kind))
    return ExitCode.Usage;
  const i = rest.indexOf('--hub');
  const raw =
    (i === -1 ? undefined : rest[i + 1]) ?? io.env['GITFLEET_HUB_URL'] ?? 'http://127.0.0.1:8080';
  try {
    const token = environmentApiToken(io.env);
    const hub = new HubClient({
      url: checkHubUrl(raw, '--hub'),
      timeoutMs: 2_000,
      ...(token === undefined ? {} : { token }),
    });
    if (kind === 'rollouts') {
      // applications with a rollout (the list is not paginated)
      const body = await hub.get<{ items: { app: string }[] }>('/api/v1/rollouts');
      io.stdout(body.items.map((x) => x.app).join('\n'));
      return ExitCode.Ok;
    }
    const path = {
      apps: '/api/v1/applications',
      targets: '/api/v1/targets',
      environments: '/api/v1/environments',
    }[kind as Exclude<NameKind, 'rollouts'>];
    const items = await hub.list<{ name: string }>(path);
    io.stdout(items.map((x) => x.name).join('\n'));
  } catch {
    // completion must never print errors into the command line
  }
  return ExitCode.Ok;
}

/** Runs the CLI; resolves to the exit code. */
export async function runCli(io: CliIo): Promise<number> {
  const [first, ...rest] = io.argv;
  if (first === undefined) {
    io.stderr(mainHelp());
    return ExitCode.Usage;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    if (rest.length === 0) {
      io.stdout(mainHelp());
      return ExitCode.Ok;
    }
    const about = findCommand(rest);
    if ('spec' in about) {
      io.stdout(commandHelp(about.spec));
      return ExitCode.Ok;
    }
    if ('group' in about && rest.length === 1) {
      io.stdout(about.text);
      return ExitCode.Ok;
    }
    io.stderr(`gitfleet help: unknown command ${JSON.stringify(rest.join(' '))}\n\n${mainHelp()}`);
    return ExitCode.Usage;
  }
  if (first === '--version' || first === 'version') {
    io.stdout(`gitfleet ${CLI_VERSION}`);
    return ExitCode.Ok;
  }
  if (first === '__complete') return completeNames(io, rest);
  const found = findCommand(io.argv);
  if ('unknown' in found) {
    const guess = closest(first, [
      ...COMMANDS.filter((c) => !c.name.includes(' ')).map((c) => c.name),
      ...GROUPS,
    ]);
    io.stderr(
      `gitfleet: unknown command ${JSON.stringify(first)}${guess === undefined ? '' : ` (did you mean ${guess}?)`}\nsee: gitfleet --help`,
    );
    return ExitCode.Usage;
  }
  if ('group' in found) {
    if (found.code === ExitCode.Ok) io.stdout(found.text);
    else io.stderr(found.text);
    return found.code;
  }
  const { spec } = found;
  try {
    const cmd = parseCommand(spec, found.rest, io.env);
    if (cmd.help) {
      io.stdout(commandHelp(spec));
      return ExitCode.Ok;
    }
    const json = cmd.values.get('output') === 'json';
    const color =
      !json &&
      io.isTTY &&
      cmd.values.get('no-color') !== true &&
      (io.env['NO_COLOR'] ?? '') === '' &&
      io.env['TERM'] !== 'dumb';
    const run = RUN[spec.name];
    if (run === undefined) throw new CliError(ExitCode.Failed, `command ${spec.name} is not wired`);
    return await run({
      cmd,
      p: painter(color),
      json,
      nowMs: io.now(),
      env: io.env,
      out: io.stdout,
      note: io.stderr,
      isTTY: io.isTTY,
      columns: io.columns ?? 0,
      clock: io.now,
      sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    });
  } catch (err) {
    if (isCliError(err)) {
      io.stderr([`gitfleet ${spec.name}: ${err.message}`, ...err.details].join('\n'));
      return err.exitCode;
    }
    io.stderr(
      `gitfleet ${spec.name}: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\nplease report this`,
    );
    return ExitCode.Failed;
  }
}
