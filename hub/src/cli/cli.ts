/**
 * `gitfleet`, the operator CLI: dispatch of argv to a command, help, and the one place where a
 * failure becomes a message on stderr and an exit code (./errors.ts). All I/O goes through
 * `CliIo`, so the dispatch is tested without a process.
 */
import { COMMANDS, commandHelp, commandSpec, mainHelp, parseCommand } from './args.ts';
import {
  completion,
  diff,
  drift,
  freezeOrThaw,
  history,
  pin,
  promote,
  status,
  unpin,
  type CommandContext,
} from './commands.ts';
import { NAME_KINDS, type NameKind } from './completion.ts';
import { CliError, ExitCode, isCliError } from './errors.ts';
import { painter } from './format.ts';
import { HubClient, checkHubUrl } from './hub-client.ts';

export const CLI_VERSION = '0.1.0';

export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (colours). */
  readonly isTTY: boolean;
  readonly now: () => number;
}

const RUN: Readonly<Record<string, (ctx: CommandContext) => Promise<number> | number>> = {
  status,
  drift,
  history,
  diff,
  pin,
  unpin,
  promote,
  freeze: (ctx) => freezeOrThaw(ctx, 'freeze'),
  thaw: (ctx) => freezeOrThaw(ctx, 'thaw'),
  completion,
};

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
    const hub = new HubClient({ url: checkHubUrl(raw, '--hub'), timeoutMs: 2_000 });
    const path = {
      apps: '/api/v1/applications',
      targets: '/api/v1/targets',
      environments: '/api/v1/environments',
    }[kind as NameKind];
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
    const about = rest[0] === undefined ? undefined : commandSpec(rest[0]);
    if (rest[0] !== undefined && about === undefined) {
      io.stderr(`gitfleet help: unknown command ${JSON.stringify(rest[0])}\n\n${mainHelp()}`);
      return ExitCode.Usage;
    }
    io.stdout(about === undefined ? mainHelp() : commandHelp(about));
    return ExitCode.Ok;
  }
  if (first === '--version' || first === 'version') {
    io.stdout(`gitfleet ${CLI_VERSION}`);
    return ExitCode.Ok;
  }
  if (first === '__complete') return completeNames(io, rest);
  const spec = commandSpec(first);
  if (spec === undefined) {
    const guess = closest(
      first,
      COMMANDS.map((c) => c.name),
    );
    io.stderr(
      `gitfleet: unknown command ${JSON.stringify(first)}${guess === undefined ? '' : ` (did you mean ${guess}?)`}\nsee: gitfleet --help`,
    );
    return ExitCode.Usage;
  }
  try {
    const cmd = parseCommand(spec, rest, io.env);
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
