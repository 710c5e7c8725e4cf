/**
 * A change of one Environment of the fleet repository as a Git commit: where the repository is
 * (flags, else the hub), the checks against the fleet as declared, the edit, the commit message
 * (subject, reason, trailers) and what is printed. The write commands (./write-commands.ts)
 * describe their change; this makes it.
 */
import { readFile } from 'node:fs/promises';
import { environmentCommitMessage } from '../core/fleet/env-commit.ts';
import type { FleetSpec } from '../core/fleet/types.ts';
import {
  declaredList,
  hubClient,
  printJson,
  str,
  timeoutMs,
  type CommandContext,
} from './context.ts';
import { editEnvironment, filesDeclaringEnvironment, type EnvironmentEdit } from './env-edit.ts';
import { CliError, ExitCode } from './errors.ts';
import type { FleetCommit, FleetRepoOptions } from './fleet-repo.ts';
import { shortSha } from './format.ts';

/** Where the fleet repository is and its token: the flags, else what the hub says. */
export interface FleetRepoLocation {
  readonly url: string;
  readonly branch: string;
  readonly token?: string;
}

/**
 * Where the fleet repository is (--fleet-repo, --fleet-branch, else what the hub says) and the
 * token of --fleet-token-file.
 *
 * @throws CliError exit 2 when no repository is given nor known to the hub, or the token file
 *   cannot be read or is empty
 */
export async function fleetRepoLocation(ctx: CommandContext): Promise<FleetRepoLocation> {
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
  return { url, branch, ...(token === undefined ? {} : { token }) };
}

/** Where the fleet repository is and how to write to it: the flags, else what the hub says. */
async function fleetRepoOptions(ctx: CommandContext): Promise<FleetRepoOptions> {
  const { parseAuthor } = await import('./fleet-repo.ts');
  return {
    ...(await fleetRepoLocation(ctx)),
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

export interface EnvChange {
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

export async function changeEnvironment(ctx: CommandContext, change: EnvChange): Promise<number> {
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
    const message = environmentCommitMessage({
      subject: change.subject,
      ...(change.reason === undefined ? {} : { reason: change.reason }),
      ...(edit.kind === 'pin' || edit.kind === 'unpin' ? { pin: { previous } } : {}),
      environment: change.env,
      file,
      via: { key: 'Gitfleet-Command', value: commandLine(ctx) },
    });
    return { path: file, text: outcome.text, message };
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

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
