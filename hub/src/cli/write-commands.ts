/**
 * The write commands of `gitfleet`: pin, unpin, promote, freeze and thaw, each a commit to the
 * fleet repository (./fleet-change.ts) that the hub reads like any other. A pin's revision is
 * checked with the hub first; a promotion asks the hub whether the previous environment runs the
 * application healthily. Each returns its exit code or throws a CliError.
 */
import { gitRefProblem } from '../core/fleet/syntax.ts';
import type {
  ApplicationView,
  EnvironmentView,
  FleetStatusRow,
  DiffPreview,
} from '../http/api/index.ts';
import { declaredList, flag, hubClient, name, need, str, type CommandContext } from './context.ts';
import { CliError, ExitCode, usageError } from './errors.ts';
import { changeEnvironment } from './fleet-change.ts';
import { shortSha } from './format.ts';
import { decidePromotion } from '../core/promotion/index.ts';
import { isMissingDiffRoute } from './read-commands.ts';

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
