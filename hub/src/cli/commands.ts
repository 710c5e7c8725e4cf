/**
 * The commands of `gitfleet`: read commands ask the hub's HTTP API (status, drift, history, diff);
 * write commands (pin, unpin, promote, freeze, thaw) commit to the fleet repository, which the hub
 * reads like any other commit. Each returns its exit code or throws a CliError. The rollout
 * commands are in ./rollout.ts.
 */
import { readFile } from 'node:fs/promises';
import type { FleetSpec } from '../core/fleet/types.ts';
import { gitRefProblem } from '../core/fleet/syntax.ts';
import type { DiffPreview } from '../http/preview.ts';
import type {
  ApplicationView,
  DriftItem,
  EnvironmentView,
  FleetStatusRow,
  HistoryItem,
  TargetView,
} from '../http/views.ts';
import type { ParsedCommand } from './args.ts';
import { SHELLS, completionScript, type Shell } from './completion.ts';
import { editEnvironment, filesDeclaringEnvironment, type EnvironmentEdit } from './env-edit.ts';
import { CliError, ExitCode, usageError } from './errors.ts';
import type { FleetCommit, FleetRepoOptions } from './fleet-repo.ts';
import {
  DRIFT_GROUPINGS,
  formatDiff,
  formatDrift,
  formatFleetProblems,
  formatHistory,
  formatStatus,
  isRowHealthy,
  shortSha,
  summarizeDrift,
  type DriftGrouping,
  type FleetHealth,
  type Painter,
} from './format.ts';
import { HubClient, checkHubUrl } from './hub-client.ts';
import { decidePromotion } from './promote.ts';

export interface CommandContext {
  readonly cmd: ParsedCommand;
  readonly p: Painter;
  readonly json: boolean;
  readonly nowMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  /** Notes and warnings (stderr). */
  readonly note: (text: string) => void;
  /** Whether stdout is a terminal (`rollout watch` redraws in place). */
  readonly isTTY: boolean;
  /** Width of the terminal (0: unknown). */
  readonly columns: number;
  /** The time now (nowMs is when the command started). */
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.cmd.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flag(ctx: CommandContext, name: string): boolean {
  return ctx.cmd.values.get(name) === true;
}

export function need(ctx: CommandContext, name: string): string {
  const v = str(ctx, name);
  if (v === undefined) throw usageError(`--${name} is required`, ctx.cmd.spec.name);
  return v;
}

/** Checks a name given on the command line: a DNS label, like every fleet name. */
export function name(
  ctx: CommandContext,
  what: string,
  value: string | undefined,
): string | undefined {
  if (value !== undefined && !DNS_LABEL.test(value)) {
    throw usageError(
      `${what} ${JSON.stringify(value)} is not a valid name (lowercase letters, digits and '-', at most 63)`,
      ctx.cmd.spec.name,
    );
  }
  return value;
}

export function timeoutMs(ctx: CommandContext): number {
  const raw = str(ctx, 'timeout') ?? '15000';
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 100 || n > 600_000) {
    throw usageError(
      `${ctx.cmd.from.get('timeout') ?? '--timeout'}=${raw}: must be a number of milliseconds from 100 to 600000`,
      ctx.cmd.spec.name,
    );
  }
  return n;
}

export function hubClient(ctx: CommandContext): HubClient {
  const raw = str(ctx, 'hub') ?? 'http://127.0.0.1:8080';
  return new HubClient({
    url: checkHubUrl(raw, ctx.cmd.from.get('hub') ?? '--hub'),
    timeoutMs: timeoutMs(ctx),
  });
}

export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2));
}

function declaredList(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

/** When a filtered list came back empty: is that because a name does not exist? (exit 4) */
async function checkNames(
  hub: HubClient,
  names: { readonly app?: string; readonly target?: string },
): Promise<void> {
  if (names.app !== undefined) {
    const apps = await hub.list<ApplicationView>('/api/v1/applications');
    if (!apps.some((a) => a.name === names.app)) {
      throw new CliError(
        ExitCode.NotFound,
        `application "${names.app}" is not known to the hub (declared: ${declaredList(apps.filter((a) => a.declared).map((a) => a.name))})`,
        { details: ['check the name: gitfleet status lists every application'] },
      );
    }
  }
  if (names.target !== undefined) {
    const targets = await hub.list<TargetView>('/api/v1/targets');
    if (!targets.some((t) => t.name === names.target)) {
      throw new CliError(
        ExitCode.NotFound,
        `target "${names.target}" is not known to the hub (declared: ${declaredList(targets.filter((t) => t.declared).map((t) => t.name))})`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Read commands

export async function status(ctx: CommandContext): Promise<number> {
  const hub = hubClient(ctx);
  const app = name(ctx, '--app', str(ctx, 'app'));
  const target = name(ctx, '--target', str(ctx, 'target'));
  const rows = await hub.list<FleetStatusRow>('/api/v1/status', {
    app,
    target,
    environment: str(ctx, 'env'),
  });
  if (rows.length === 0) await checkNames(hub, { app, target });
  // what is wrong with the fleet itself goes above the table (a hub that cannot say: nothing)
  const fleet = await hub.get<FleetHealth>('/api/v1/fleet').catch(() => undefined);
  if (ctx.json) printJson(ctx, { items: rows, ...(fleet === undefined ? {} : { fleet }) });
  else {
    const problems = fleet === undefined ? undefined : formatFleetProblems(fleet, ctx.p);
    ctx.out(
      problems === undefined
        ? formatStatus(rows, ctx.p, ctx.nowMs)
        : `${problems}\n\n${formatStatus(rows, ctx.p, ctx.nowMs)}`,
    );
  }
  const fleetBad = fleet !== undefined && !fleet.fleetAccepted;
  return flag(ctx, 'exit-code') && (fleetBad || !rows.every(isRowHealthy))
    ? ExitCode.Failed
    : ExitCode.Ok;
}

export async function drift(ctx: CommandContext): Promise<number> {
  const by = str(ctx, 'by') ?? 'target';
  if (!(DRIFT_GROUPINGS as readonly string[]).includes(by)) {
    throw usageError(`--by ${JSON.stringify(by)}: use ${DRIFT_GROUPINGS.join(', ')}`, 'drift');
  }
  const hub = hubClient(ctx);
  const app = name(ctx, '--app', str(ctx, 'app'));
  const target = name(ctx, '--target', str(ctx, 'target'));
  const items = await hub.list<DriftItem>('/api/v1/drift', {
    app,
    target,
    environment: str(ctx, 'env'),
    kind: str(ctx, 'kind'),
    manager: str(ctx, 'manager'),
  });
  if (items.length === 0) await checkNames(hub, { app, target });
  if (ctx.json) printJson(ctx, { items, summary: summarizeDrift(items) });
  else ctx.out(formatDrift(items, ctx.p, ctx.nowMs, by as DriftGrouping));
  return flag(ctx, 'exit-code') && items.length > 0 ? ExitCode.Failed : ExitCode.Ok;
}

export async function history(ctx: CommandContext): Promise<number> {
  const hub = hubClient(ctx);
  const [appArg, targetArg] = ctx.cmd.positionals;
  const app = name(ctx, 'APP', appArg) ?? '';
  const target = name(ctx, 'TARGET', targetArg) ?? '';
  const items = await hub.list<HistoryItem>('/api/v1/history', { app, target });
  if (items.length === 0) await checkNames(hub, { app, target });
  if (ctx.json) printJson(ctx, { items });
  else ctx.out(formatHistory(items, ctx.p, ctx.nowMs));
  return ExitCode.Ok;
}

/** A 404 for the route itself: the hub predates `GET /api/v1/diff`. */
function isMissingDiffRoute(err: unknown): boolean {
  return (
    err instanceof CliError &&
    err.exitCode === ExitCode.NotFound &&
    (err.message.startsWith('no route /api/v1/diff') ||
      err.message.includes('without diff previews'))
  );
}

function olderHub(err: unknown): unknown {
  return isMissingDiffRoute(err)
    ? new CliError(
        ExitCode.Failed,
        'this hub has no diff preview (GET /api/v1/diff): it is older than the CLI',
        { details: ['upgrade the hub'] },
      )
    : err;
}

export async function diff(ctx: CommandContext): Promise<number> {
  const hub = hubClient(ctx);
  const app = name(ctx, 'APP', ctx.cmd.positionals[0]) ?? '';
  const target = name(ctx, '--target', need(ctx, 'target')) ?? '';
  const revision = need(ctx, 'revision');
  const body = await hub
    .get<DiffPreview>('/api/v1/diff', { app, target, revision })
    .catch((err: unknown) => {
      throw olderHub(err);
    });
  if (ctx.json) printJson(ctx, body);
  else ctx.out(formatDiff(body, ctx.p));
  return flag(ctx, 'exit-code') && body.objects.length > 0 ? ExitCode.Failed : ExitCode.Ok;
}

export function completion(ctx: CommandContext): number {
  const shell = ctx.cmd.positionals[0] ?? '';
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw usageError(
      `unknown shell ${JSON.stringify(shell)}: use ${SHELLS.join(' or ')}`,
      'completion',
    );
  }
  ctx.out(completionScript(shell as Shell).trimEnd());
  return ExitCode.Ok;
}

// ---------------------------------------------------------------------------------------------
// Write commands: commits to the fleet repository

async function fleetRepoOptions(ctx: CommandContext): Promise<FleetRepoOptions> {
  const { parseAuthor } = await import('./fleet-repo.ts');
  let url = str(ctx, 'fleet-repo');
  let branch = str(ctx, 'fleet-branch') ?? 'main';
  if (url === undefined) {
    // a hub that says where its fleet lives spares the flag
    const fleet = await hubClient(ctx)
      .get<Record<string, unknown>>('/api/v1/fleet')
      .catch(() => undefined);
    const fromHub = fleet?.['fleetRepo'] ?? fleet?.['repoURL'];
    if (typeof fromHub === 'string' && /^https?:\/\//.test(fromHub)) {
      url = fromHub;
      const hubBranch = fleet?.['fleetBranch'];
      if (ctx.cmd.from.get('fleet-branch') === 'default' && typeof hubBranch === 'string')
        branch = hubBranch;
    }
  }
  if (url === undefined) {
    throw new CliError(
      ExitCode.Usage,
      'which fleet repository? set --fleet-repo or GITFLEET_FLEET_REPO',
      {
        details: ['the same http(s) URL the hub reads (its --fleet-repo)'],
      },
    );
  }
  const tokenFile = str(ctx, 'fleet-token-file');
  let token: string | undefined;
  if (tokenFile !== undefined) {
    try {
      token = (await readFile(tokenFile, 'utf8')).trim();
    } catch (err) {
      throw new CliError(
        ExitCode.Usage,
        `${ctx.cmd.from.get('fleet-token-file') ?? '--fleet-token-file'}: cannot read ${tokenFile}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (token === '')
      throw new CliError(ExitCode.Usage, `--fleet-token-file: ${tokenFile} is empty`);
  }
  return {
    url,
    branch,
    ...(token === undefined ? {} : { token }),
    author: parseAuthor(
      str(ctx, 'author') ?? 'gitfleet-cli',
      ctx.cmd.from.get('author') ?? '--author',
    ),
    timeoutMs: timeoutMs(ctx),
  };
}

function requireDeclared(
  fleet: FleetSpec,
  names: { readonly app?: string; readonly env?: string; readonly target?: string },
): void {
  const check = (kind: string, n: string | undefined, declared: readonly string[]): void => {
    if (n !== undefined && !declared.includes(n)) {
      throw new CliError(
        ExitCode.NotFound,
        `${kind} "${n}" is not declared in the fleet repository (declared: ${declaredList(declared)})`,
      );
    }
  };
  check(
    'application',
    names.app,
    fleet.applications.map((a) => a.name),
  );
  check(
    'environment',
    names.env,
    fleet.environments.map((e) => e.name),
  );
  check(
    'target',
    names.target,
    fleet.targets.map((t) => t.name),
  );
}

function environmentFile(files: ReadonlyMap<string, string>, env: string): string {
  const found = filesDeclaringEnvironment(files, env);
  const [file, ...more] = found;
  if (file === undefined) {
    throw new CliError(
      ExitCode.NotFound,
      `no file of the fleet repository declares Environment "${env}"`,
    );
  }
  if (more.length > 0) {
    throw new CliError(
      ExitCode.Failed,
      `Environment "${env}" is declared in ${String(found.length)} files (${found.join(', ')}); the hub refuses that too`,
      { details: ['keep one declaration, then run the command again'] },
    );
  }
  return file;
}

interface EnvChange {
  readonly env: string;
  readonly edit: EnvironmentEdit;
  /** First line of the commit message. */
  readonly subject: string;
  readonly reason: string | undefined;
  /** What to say when it was already so. */
  readonly already: string;
  /** What to say after the push. */
  readonly done: (previous: string | undefined) => string;
  /** Extra fields of the `-o json` result. */
  readonly fields: Readonly<Record<string, string>>;
}

async function changeEnvironment(ctx: CommandContext, change: EnvChange): Promise<number> {
  const opts = await fleetRepoOptions(ctx);
  const { commitToFleet } = await import('./fleet-repo.ts');
  let previous: string | undefined;
  const { edit } = change;
  const result: FleetCommit = await commitToFleet(opts, (files, fleet) => {
    requireDeclared(fleet, {
      env: change.env,
      ...('app' in edit ? { app: edit.app } : {}),
      ...('target' in edit && edit.target !== undefined ? { target: edit.target } : {}),
    });
    const file = environmentFile(files, change.env);
    const outcome = editEnvironment(files.get(file) ?? '', change.env, edit);
    previous = outcome.previous;
    if (!outcome.changed) return undefined;
    const body = [
      // a reason of several lines: the first is in the subject, all of it here
      ...(change.reason?.includes('\n') === true ? ['', change.reason] : []),
      '',
      ...(edit.kind === 'pin' || edit.kind === 'unpin'
        ? [`Previous-Pin: ${previous ?? '(none)'}`]
        : []),
      `Environment: ${change.env} (${file})`,
      `Gitfleet-Command: ${commandLine(ctx)}`,
    ];
    const subject =
      change.reason === undefined
        ? change.subject
        : `${change.subject}: ${firstLine(change.reason)}`;
    return { path: file, text: outcome.text, message: [subject, ...body].join('\n') };
  });
  if (result.attempts > 1 && result.changed) {
    ctx.note(
      `note: ${opts.branch} had moved on while pushing; the change was re-applied on its new tip`,
    );
  }
  if (ctx.json) {
    printJson(ctx, {
      changed: result.changed,
      ...(result.commit === undefined ? {} : { commit: result.commit }),
      repo: opts.url,
      branch: opts.branch,
      ...(result.path === undefined ? {} : { file: result.path }),
      ...(result.message === undefined ? {} : { message: result.message }),
      environment: change.env,
      ...change.fields,
      ...(previous === undefined ? {} : { previous }),
    });
    return ExitCode.Ok;
  }
  if (!result.changed) {
    ctx.out(`${change.already}: nothing to commit`);
    return ExitCode.Ok;
  }
  ctx.out(
    [
      change.done(previous),
      `commit ${shortSha(result.commit)} "${firstLine(result.message ?? '')}" pushed to ${opts.branch} of ${opts.url}`,
      `the hub picks it up on its next poll (at once with its webhook); follow it: gitfleet status --env ${change.env}`,
    ].join('\n'),
  );
  return ExitCode.Ok;
}

/** The command as typed, without hub, Git and output options (and the reason: it is above). */
function commandLine(ctx: CommandContext): string {
  const quote = (v: string): string =>
    /^[\w./:@=-]+$/.test(v) ? v : `'${v.replaceAll("'", "'\\''")}'`;
  const words = ['gitfleet', ctx.cmd.spec.name, ...ctx.cmd.positionals.map(quote)];
  for (const o of ctx.cmd.spec.options) {
    if (o.name === 'reason' || ctx.cmd.from.get(o.name) !== `--${o.name}`) continue;
    const v = ctx.cmd.values.get(o.name);
    if (v === true) words.push(`--${o.name}`);
    else if (typeof v === 'string') words.push(`--${o.name}`, quote(v));
  }
  return words.join(' ');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function checkRevision(ctx: CommandContext, revision: string): string {
  const problem = gitRefProblem(revision);
  if (problem !== undefined) {
    throw usageError(
      `REVISION ${JSON.stringify(revision)} ${problem}: give a branch, tag or commit SHA`,
      ctx.cmd.spec.name,
    );
  }
  return revision;
}

/**
 * Asks the hub to render the revision for one target of the environment: it must exist (else
 * exit 4) and render (else exit 1). A hub that cannot be reached only earns a warning.
 */
async function verifyRevision(
  ctx: CommandContext,
  app: string,
  env: string,
  target: string | undefined,
  revision: string,
): Promise<void> {
  const hub = hubClient(ctx);
  try {
    let on = target;
    if (on === undefined) {
      const envs = await hub.list<EnvironmentView>('/api/v1/environments');
      const apps = await hub.list<ApplicationView>('/api/v1/applications');
      const placed = new Set(apps.find((a) => a.name === app)?.targets ?? []);
      on = envs.find((e) => e.name === env)?.targets.find((t) => placed.has(t));
    }
    if (on === undefined) return; // placed nowhere in the environment (yet): nothing to render
    await hub.get<DiffPreview>('/api/v1/diff', { app, target: on, revision });
  } catch (err) {
    if (
      err instanceof CliError &&
      (err.exitCode === ExitCode.Unreachable || isMissingDiffRoute(err))
    ) {
      ctx.note(
        `warning: could not check ${revision} with the hub (${err.message}); pinning it unchecked`,
      );
      return;
    }
    if (err instanceof CliError && err.exitCode === ExitCode.NotFound) {
      throw new CliError(ExitCode.NotFound, `not pinning: ${err.message}`, {
        details: ['check the revision (or pass --no-verify to pin it anyway)'],
      });
    }
    if (err instanceof CliError) {
      throw new CliError(err.exitCode, `not pinning: ${err.message}`, {
        details: ['fix the revision first (or pass --no-verify to pin it anyway)'],
      });
    }
    throw err;
  }
}

export async function pin(ctx: CommandContext): Promise<number> {
  const app = name(ctx, 'APP', ctx.cmd.positionals[0]) ?? '';
  const revision = checkRevision(ctx, ctx.cmd.positionals[1] ?? '');
  const env = name(ctx, '--env', need(ctx, 'env')) ?? '';
  const target = name(ctx, '--target', str(ctx, 'target'));
  const reason = need(ctx, 'reason');
  if (!flag(ctx, 'no-verify')) await verifyRevision(ctx, app, env, target, revision);
  const where = target === undefined ? `in ${env}` : `on ${target} (${env})`;
  return changeEnvironment(ctx, {
    env,
    edit: { kind: 'pin', app, revision, ...(target === undefined ? {} : { target }) },
    subject: `pin ${app} to ${revision} ${where}`,
    reason,
    already: `${app} is already pinned to ${revision} ${where}`,
    done: (prev) =>
      `pinned ${app} to ${revision} ${where}${prev === undefined ? '' : ` (was ${prev})`}`,
    fields: { app, revision, ...(target === undefined ? {} : { target }) },
  });
}

export async function unpin(ctx: CommandContext): Promise<number> {
  const app = name(ctx, 'APP', ctx.cmd.positionals[0]) ?? '';
  const env = name(ctx, '--env', need(ctx, 'env')) ?? '';
  const target = name(ctx, '--target', str(ctx, 'target'));
  const where = target === undefined ? `in ${env}` : `on ${target} (${env})`;
  return changeEnvironment(ctx, {
    env,
    edit: { kind: 'unpin', app, ...(target === undefined ? {} : { target }) },
    subject: `unpin ${app} ${where}`,
    reason: str(ctx, 'reason'),
    already: `${app} is not pinned ${where}`,
    done: (prev) => `unpinned ${app} ${where}${prev === undefined ? '' : ` (was ${prev})`}`,
    fields: { app, ...(target === undefined ? {} : { target }) },
  });
}

export async function promote(ctx: CommandContext): Promise<number> {
  const app = name(ctx, 'APP', ctx.cmd.positionals[0]) ?? '';
  const from = name(ctx, '--from', need(ctx, 'from')) ?? '';
  const to = name(ctx, '--to', need(ctx, 'to')) ?? '';
  const reason = need(ctx, 'reason');
  if (from === to) throw usageError('--from and --to name the same environment', 'promote');
  const hub = hubClient(ctx);
  const envs = await hub.list<EnvironmentView>('/api/v1/environments');
  const known = envs.map((e) => e.name);
  const fromEnv = envs.find((e) => e.name === from);
  const toEnv = envs.find((e) => e.name === to);
  for (const [n, e] of [
    [from, fromEnv],
    [to, toEnv],
  ] as const) {
    if (e === undefined) {
      throw new CliError(
        ExitCode.NotFound,
        `environment "${n}" is not declared in the fleet in force (declared: ${declaredList(known)})`,
      );
    }
  }
  const apps = await hub.list<ApplicationView>('/api/v1/applications');
  const appView = apps.find((a) => a.name === app && a.declared);
  if (appView === undefined) {
    throw new CliError(
      ExitCode.NotFound,
      `application "${app}" is not declared in the fleet in force (declared: ${declaredList(apps.filter((a) => a.declared).map((a) => a.name))})`,
    );
  }
  const inFrom = new Set(fromEnv?.targets ?? []);
  const targets = appView.targets.filter((t) => inFrom.has(t));
  const rows = await hub.list<FleetStatusRow>('/api/v1/status', { app, environment: from });
  const decision = decidePromotion({ app, from, targets, rows });
  if (!decision.ok) {
    throw new CliError(
      ExitCode.Failed,
      `not promoting ${app} from ${from} to ${to}: ${from} does not run it healthily everywhere yet`,
      {
        details: [
          ...decision.reasons.map((r) => `  ${r}`),
          `wait for them (gitfleet status --app ${app} --env ${from}), or pin ${to} by hand (gitfleet pin ${app} REVISION --env ${to})`,
        ],
      },
    );
  }
  const revision = decision.revision;
  const overridden = Object.entries(toEnv?.targetPins ?? {})
    .filter(([, pins]) => Object.hasOwn(pins, app))
    .map(([t]) => t);
  if (overridden.length > 0) {
    ctx.note(
      `note: ${overridden.join(', ')} in ${to} keep their own target pin of ${app}; the promotion does not change those`,
    );
  }
  if (toEnv?.frozen === true)
    ctx.note(`note: ${to} is frozen: the pin takes effect when it is thawed`);
  const short = shortSha(revision);
  return changeEnvironment(ctx, {
    env: to,
    edit: { kind: 'pin', app, revision },
    subject: `promote ${app} to ${short} in ${to} (healthy in ${from})`,
    reason,
    already: `${app} is already pinned to ${short} in ${to}`,
    done: (prev) =>
      `promoted ${app} to ${short} in ${to}: it runs Synced and Healthy on ${decision.targets.join(', ')} in ${from}${prev === undefined ? '' : ` (was ${shortSha(prev)})`}`,
    fields: { app, revision, from },
  });
}

export async function freezeOrThaw(ctx: CommandContext, kind: 'freeze' | 'thaw'): Promise<number> {
  const env = name(ctx, 'ENV', ctx.cmd.positionals[0]) ?? '';
  return changeEnvironment(ctx, {
    env,
    edit: { kind },
    subject: `${kind} ${env}`,
    reason: str(ctx, 'reason'),
    already: kind === 'freeze' ? `${env} is already frozen` : `${env} is not frozen`,
    done: () =>
      kind === 'freeze'
        ? `froze ${env}: its targets keep what they have until it is thawed`
        : `thawed ${env}: its targets catch up with Git`,
    fields: {},
  });
}
