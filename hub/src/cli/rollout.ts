/**
 * `gitfleet rollout …`: read rollouts from the hub (list, status, plan), follow one live (watch),
 * and send the commands people give a rollout (approve a wave, pause, resume, abort, rollback)
 * with an API token of scope operate, whose name the hub records as the sender. A command is
 * queued by the hub and applied by its next rollout step; the CLI then reads the rollout's
 * history to say whether it was applied or ignored.
 */
import type { PlanPreview } from '../core/rollout/preview.ts';
import type { RolloutEvent } from '../core/rollout/state.ts';
import { formatDuration, parseDuration } from '../core/time/duration.ts';
import {
  hubClient,
  name,
  need,
  printJson,
  str,
  timeoutMs,
  type CommandContext,
} from './context.ts';
import { apiToken, requireApiToken } from './api-token.ts';
import { CliError, ExitCode, usageError } from './errors.ts';
import { shortSha, type Painter } from './format.ts';
import { HubClient, checkHubUrl } from './hub-client.ts';
import {
  formatRolloutList,
  formatRolloutPlan,
  formatRolloutStatus,
  formatWatchFrame,
  formatWatchLines,
  isRolloutOf,
  nextStep,
  summaryTail,
  watchKey,
  watchOutcome,
  watchRecord,
  type RolloutListItem,
  type RolloutView,
} from './rollout-format.ts';

function appArg(ctx: CommandContext): string {
  return name(ctx, 'APP', ctx.cmd.positionals[0]) ?? '';
}

// ---------------------------------------------------------------------------------------------
// Reading

export async function rolloutList(ctx: CommandContext): Promise<number> {
  const body = await hubClient(ctx).get<{ items: RolloutListItem[] }>('/api/v1/rollouts');
  if (ctx.json) printJson(ctx, body);
  else ctx.out(formatRolloutList(body.items, ctx.p));
  return ExitCode.Ok;
}

export async function rolloutStatus(ctx: CommandContext): Promise<number> {
  const app = appArg(ctx);
  const view = await hubClient(ctx).get<RolloutView>('/api/v1/rollout', { app });
  if (ctx.json) printJson(ctx, view);
  else ctx.out(formatRolloutStatus(view, ctx.p, ctx.nowMs));
  return ExitCode.Ok;
}

export async function rolloutPlan(ctx: CommandContext): Promise<number> {
  const app = appArg(ctx);
  const plan = await hubClient(ctx).get<PlanPreview>('/api/v1/rollout/plan', { app });
  if (ctx.json) printJson(ctx, plan);
  else ctx.out(formatRolloutPlan(app, plan, ctx.p));
  return ExitCode.Ok;
}

// ---------------------------------------------------------------------------------------------
// Watching

/**
 * A duration option: `90s`, `10m`, `1h30m`, or a bare number of milliseconds.
 *
 * @throws CliError exit 2 naming the option and the range
 */
export function durationOption(
  raw: string,
  from: string,
  minMs: number,
  maxMs: number,
  command: string,
): number {
  const parsed = /^\d+$/.test(raw) ? { ms: Number(raw) } : parseDuration(raw);
  if ('problem' in parsed)
    throw usageError(`${from} ${JSON.stringify(raw)} ${parsed.problem}`, command);
  if (parsed.ms < minMs || parsed.ms > maxMs) {
    throw usageError(
      `${from} ${raw}: must be from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`,
      command,
    );
  }
  return parsed.ms;
}

/** What the watch loop needs; the command wires it to the hub, the terminal and the clock. */
export interface WatchLoop {
  readonly app: string;
  /** Follow the rollout of this commit (full or abbreviated). */
  readonly revision?: string;
  /** The rollout now; undefined: there is none yet (only asked with a revision). */
  readonly poll: () => Promise<RolloutView | undefined>;
  /** `tty`: redraw in place; `lines`: one line per change; `json`: one document per change. */
  readonly mode: 'tty' | 'lines' | 'json';
  readonly p: Painter;
  readonly columns: number;
  readonly intervalMs: number;
  /** Give up after this long (exit 1). */
  readonly timeoutMs?: number;
  /** How long the hub may be unreachable once it answered, before exit 3. */
  readonly outageMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly out: (text: string) => void;
  readonly note: (text: string) => void;
}

/** Cursor up `n` lines and clear to the end of the screen (nothing for n = 0). */
export function rewind(n: number): string {
  return n > 0 ? `\u001b[${String(n)}A\u001b[J` : '';
}

/**
 * Polls the rollout until it ends: 0 when Completed; a CliError exit 1 when Halted, RolledBack,
 * Aborted, superseded (with a revision), or when the timeout passes.
 */
export async function watchLoop(w: WatchLoop): Promise<number> {
  const deadline = w.timeoutMs === undefined ? undefined : w.now() + w.timeoutMs;
  let drawn = 0;
  let lastFrame: string | undefined;
  let lastKey: string | undefined;
  let waitingSaid = false;
  let answered = false;
  let failingSince: number | undefined;
  let last: RolloutView | undefined;
  const draw = (lines: readonly string[]): void => {
    const text = lines.join('\n');
    if (text === lastFrame) return;
    w.out(`${rewind(drawn)}${text}`);
    drawn = lines.length;
    lastFrame = text;
  };
  for (;;) {
    let view: RolloutView | undefined;
    let polled = false;
    try {
      view = await w.poll();
      polled = true;
      answered = true;
      failingSince = undefined;
    } catch (err) {
      // a hub that answered once and restarts (or a blip) is waited for a while
      if (!(answered && err instanceof CliError && err.exitCode === ExitCode.Unreachable))
        throw err;
      const at = w.now();
      if (failingSince === undefined) {
        failingSince = at;
        w.note(`warning: ${err.message}; retrying`);
      } else if (at - failingSince >= w.outageMs) throw err;
    }
    const now = w.now();
    if (polled) {
      if (view !== undefined && w.revision !== undefined && !isRolloutOf(view.state, w.revision)) {
        const prev = view.state.previous;
        if (prev !== undefined && isRolloutOf(prev, w.revision)) {
          throw new CliError(
            ExitCode.Failed,
            `the rollout of ${w.app} to ${shortSha(prev.toRevision)} was superseded (${prev.phase}) by the rollout to ${shortSha(view.state.toRevision)} (${view.state.phase})`,
            { details: [`follow that one: gitfleet rollout watch ${w.app}`] },
          );
        }
        const msg = `waiting for the rollout of ${w.app} to ${w.revision} to start (the hub shows the rollout to ${shortSha(view.state.toRevision)}: ${view.state.phase})`;
        if (w.mode === 'tty') draw([msg]);
        else if (!waitingSaid) w.note(msg);
        waitingSaid = true;
      } else if (view === undefined) {
        const msg = `waiting for the rollout of ${w.app} to ${w.revision ?? '?'} to start (the hub has none yet)`;
        if (w.mode === 'tty') draw([msg]);
        else if (!waitingSaid) w.note(msg);
        waitingSaid = true;
      } else {
        last = view;
        if (w.mode === 'tty') draw(formatWatchFrame(view, w.p, now, { columns: w.columns }));
        else {
          const key = watchKey(view);
          if (key !== lastKey) {
            lastKey = key;
            w.out(
              w.mode === 'json'
                ? JSON.stringify(watchRecord(view, now))
                : formatWatchLines(view, now).join('\n'),
            );
          }
        }
        const outcome = watchOutcome(view.state.phase);
        if (outcome === 0) return ExitCode.Ok;
        if (outcome === 1) {
          const hint = nextStep(view);
          throw new CliError(
            ExitCode.Failed,
            `the rollout of ${w.app} to ${shortSha(view.state.toRevision)} ended ${view.state.phase}: ${summaryTail(view.explanation.summary)}`,
            { details: hint === undefined ? [] : [hint] },
          );
        }
      }
    }
    if (deadline !== undefined && now >= deadline) {
      throw new CliError(
        ExitCode.Failed,
        `gave up after ${formatDuration(w.timeoutMs ?? 0)}: ${
          last === undefined
            ? `the rollout of ${w.app}${w.revision === undefined ? '' : ` to ${w.revision}`} did not start`
            : `the rollout of ${w.app} is still ${last.state.phase}: ${summaryTail(last.explanation.summary)}`
        }`,
        {
          details:
            last === undefined ? [] : [nextStep(last) ?? `look: gitfleet rollout status ${w.app}`],
        },
      );
    }
    await w.sleep(
      deadline === undefined ? w.intervalMs : Math.max(0, Math.min(w.intervalMs, deadline - now)),
    );
  }
}

const SHA = /^[0-9a-f]{4,64}$/;

export async function rolloutWatch(ctx: CommandContext): Promise<number> {
  const app = appArg(ctx);
  const command = ctx.cmd.spec.name;
  const rawRevision = str(ctx, 'revision');
  const revision = rawRevision?.toLowerCase();
  if (revision !== undefined && !SHA.test(revision)) {
    throw usageError(
      `--revision ${JSON.stringify(rawRevision)}: give a commit SHA (full or abbreviated, 4 to 64 hex digits): rollouts are of commits`,
      command,
    );
  }
  const intervalMs = durationOption(
    str(ctx, 'interval') ?? '1s',
    '--interval',
    100,
    60_000,
    command,
  );
  const rawTimeout = str(ctx, 'timeout');
  const deadlineMs =
    rawTimeout === undefined
      ? undefined
      : durationOption(rawTimeout, '--timeout', 100, 366 * 24 * 3_600_000, command);
  // each request keeps the usual deadline (GITFLEET_TIMEOUT_MS, else 15 s)
  const envTimeout = Number(ctx.env['GITFLEET_TIMEOUT_MS'] ?? '');
  const requestMs =
    Number.isSafeInteger(envTimeout) && envTimeout >= 100 && envTimeout <= 600_000
      ? envTimeout
      : 15_000;
  const token = apiToken(ctx);
  const hub = new HubClient({
    url: checkHubUrl(
      str(ctx, 'hub') ?? 'http://127.0.0.1:8080',
      ctx.cmd.from.get('hub') ?? '--hub',
    ),
    timeoutMs: requestMs,
    ...(token === undefined ? {} : { token }),
  });
  return watchLoop({
    app,
    ...(revision === undefined ? {} : { revision }),
    poll: async () => {
      try {
        return await hub.get<RolloutView>('/api/v1/rollout', { app });
      } catch (err) {
        // with a revision, "no rollout yet" is something to wait for
        if (
          revision !== undefined &&
          err instanceof CliError &&
          err.exitCode === ExitCode.NotFound &&
          err.message.includes('has no rollout')
        )
          return undefined;
        throw err;
      }
    },
    mode: ctx.json ? 'json' : ctx.isTTY ? 'tty' : 'lines',
    p: ctx.p,
    columns: ctx.columns,
    intervalMs,
    ...(deadlineMs === undefined ? {} : { timeoutMs: deadlineMs }),
    outageMs: Math.max(30_000, 3 * intervalMs),
    now: ctx.clock,
    sleep: ctx.sleep,
    out: ctx.out,
    note: ctx.note,
  });
}

// ---------------------------------------------------------------------------------------------
// Commands: approve, pause, resume, abort, rollback

export type RolloutCommandName = 'approve' | 'pause' | 'resume' | 'abort' | 'rollback';

/** The event kind a command applied produces. */
const APPLIED: Readonly<Record<RolloutCommandName, string>> = {
  approve: 'approved',
  pause: 'paused',
  resume: 'resumed',
  abort: 'aborted',
  rollback: 'rollback-started',
};

/** Events of `after` that `before` did not have (the history keeps the last 100). */
export function newEvents(
  before: readonly RolloutEvent[],
  after: readonly RolloutEvent[],
): RolloutEvent[] {
  const known = new Set(before.map((e) => JSON.stringify(e)));
  return after.filter((e) => !known.has(JSON.stringify(e)));
}

/** The event that tells what became of the command, if the hub recorded it yet. */
export function commandOutcome(
  events: readonly RolloutEvent[],
  command: RolloutCommandName,
  by: string | undefined,
  wave: string | undefined,
): { outcome: 'applied' | 'ignored'; event: RolloutEvent } | undefined {
  const ignoredPrefix = `${command}${by === undefined ? '' : ` by ${by}`} ignored: `;
  for (const e of events) {
    if (e.kind === 'ignored' && e.message.startsWith(ignoredPrefix))
      return { outcome: 'ignored', event: e };
    if (e.kind !== APPLIED[command]) continue;
    if (command === 'approve' && e.wave !== wave) continue;
    // a rollback started by the hub itself (too many failures) carries no sender
    if (by !== undefined && e.by !== undefined && e.by !== by) continue;
    return { outcome: 'applied', event: e };
  }
  return undefined;
}

interface Accepted {
  readonly accepted: boolean;
  readonly app: string;
  /** `by`: the name of the token that sent it, as the hub records it. */
  readonly command: Readonly<Record<string, unknown>> & { readonly by?: string };
}

export async function rolloutCommand(
  ctx: CommandContext,
  command: RolloutCommandName,
): Promise<number> {
  const app = appArg(ctx);
  const wave = command === 'approve' ? need(ctx, 'wave') : undefined;
  // checked before anything is asked of the hub: without a token nothing can be sent
  requireApiToken(ctx);
  const hub = hubClient(ctx);
  const before = await hub.get<RolloutView>('/api/v1/rollout', { app });
  if (wave !== undefined) {
    const waves = before.explanation.waves.filter((w) => !w.implicit);
    const w = waves.find((x) => x.name === wave);
    if (w === undefined) {
      throw new CliError(
        ExitCode.NotFound,
        `wave "${wave}" is not a wave of ${app}'s rollout (waves: ${waves.map((x) => x.name).join(', ') || 'none'})`,
        { details: [`see: gitfleet rollout status ${app}`] },
      );
    }
    if (w.gate === undefined)
      ctx.note(`note: wave ${wave} has no gate: approving it changes nothing`);
    else if (w.status === 'done')
      ctx.note(`note: wave ${wave} already passed: approving it changes nothing`);
  }
  const accepted = await hub.post<Accepted>('/api/v1/rollout/command', { app, command, wave });
  const by = accepted.command.by;
  // the hub applies it on its next step: read the history until it says what became of it
  const deadline = ctx.clock() + timeoutMs(ctx);
  let result: ReturnType<typeof commandOutcome>;
  while (result === undefined && ctx.clock() < deadline) {
    await ctx.sleep(150);
    // the command was accepted: a failure to read back only leaves its outcome unknown
    const view = await hub.get<RolloutView>('/api/v1/rollout', { app }).catch((err: unknown) => {
      ctx.note(
        `warning: cannot read the rollout back (${err instanceof Error ? err.message : String(err)})`,
      );
      return undefined;
    });
    if (view === undefined) break;
    result = commandOutcome(newEvents(before.state.history, view.state.history), command, by, wave);
  }
  const what = `${command}${wave === undefined ? '' : ` of wave ${wave}`}`;
  if (ctx.json) {
    printJson(ctx, {
      ...accepted,
      outcome: result?.outcome ?? 'queued',
      ...(result === undefined ? {} : { event: result.event }),
    });
  }
  if (result === undefined) {
    if (!ctx.json) {
      ctx.out(
        `${what} sent for ${app}${by === undefined ? '' : ` by ${by}`}: queued, the hub applies it on its next rollout step`,
      );
    }
    ctx.note(`follow it: gitfleet rollout watch ${app}`);
    return ExitCode.Ok;
  }
  if (result.outcome === 'ignored') {
    throw new CliError(
      ExitCode.Failed,
      `the hub ignored ${what} of ${app}: ${result.event.message}`,
      {
        details: [`see: gitfleet rollout status ${app}`],
      },
    );
  }
  if (!ctx.json) {
    ctx.out(`${app}: ${result.event.message}`);
    ctx.note(`follow it: gitfleet rollout watch ${app}`);
  }
  return ExitCode.Ok;
}
