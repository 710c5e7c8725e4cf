/**
 * The read commands of `gitfleet`, answered by the hub's HTTP API: status, drift, history and
 * diff; and `completion`, which prints a shell completion script. Each returns its exit code or
 * throws a CliError.
 */
import type {
  ApplicationView,
  DriftItem,
  FleetStatusRow,
  HistoryItem,
  TargetView,
  DiffPreview,
} from '../http/api/index.ts';
import { SHELLS, completionScript, type Shell } from './completion.ts';
import {
  declaredList,
  flag,
  hubClient,
  name,
  need,
  printJson,
  str,
  type CommandContext,
} from './context.ts';
import { CliError, ExitCode, usageError } from './errors.ts';
import {
  DRIFT_GROUPINGS,
  formatDiff,
  formatDrift,
  formatFleetProblems,
  formatHistory,
  formatStatus,
  isRowHealthy,
  summarizeDrift,
  type DriftGrouping,
  type FleetHealth,
} from './format.ts';
import type { HubClient } from './hub-client.ts';

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
export function isMissingDiffRoute(err: unknown): boolean {
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
