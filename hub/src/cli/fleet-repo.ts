/**
 * Changes to the fleet repository as Git commits, made by the hub's fleet writer
 * (../git/fleet-writer.ts) in a temporary work repository: fetch the branch (isomorphic-git, over
 * HTTP(S) with token auth), let the caller compute the edit from the fleet's files, refuse it when
 * the hub would refuse the resulting fleet (parseFleet), commit with the operator as author and
 * committer, and push. When the branch moved meanwhile (a non-fast-forward push), fetch again,
 * re-apply the edit to the new tip and push once more; if that is rejected too, stop with exit 5.
 * Git is the source of truth and `git log` the audit trail: nothing else is written. Failures
 * become CliErrors with the exit code and the flag to fix.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, isGitfleetError } from '@gitfleet/proto';
import { fleetChangeRefusal } from '../core/fleet/change-check.ts';
import type { FleetSpec } from '../core/fleet/index.ts';
import { FleetWriter } from '../git/fleet-writer.ts';
import { RepoCredentials } from '../git/repo-creds.ts';
import { CliError, ExitCode } from './errors.ts';

/** Username sent with a token (GitHub's convention; other hosts accept any). */
const DEFAULT_GIT_USERNAME = 'x-access-token';
/** Problems listed before "and N more". */
const MAX_PROBLEMS_SHOWN = 10;

export interface GitAuthor {
  readonly name: string;
  readonly email: string;
}

export interface FleetRepoOptions {
  /** `http(s)://…` URL of the fleet repository. */
  readonly url: string;
  readonly branch: string;
  readonly token?: string;
  readonly username?: string;
  readonly author: GitAuthor;
  /** Deadline of each clone and push. */
  readonly timeoutMs: number;
}

/** One file to write, and what the commit says. */
export interface FleetEdit {
  readonly path: string;
  readonly text: string;
  /** The commit message (first line: what; after it, why and details). */
  readonly message: string;
}

/**
 * Computes the edit from the fleet as it is on the branch (every fleet file by path, and the
 * parsed fleet); undefined when there is nothing to change. Called again after a rejected push,
 * on the new tip. Throws CliError to refuse (unknown app, environment…).
 */
export type EditFleet = (
  files: ReadonlyMap<string, string>,
  fleet: FleetSpec,
) => FleetEdit | undefined;

export interface FleetCommit {
  /** The commit pushed (absent when nothing changed). */
  readonly commit?: string;
  readonly changed: boolean;
  /** The file written. */
  readonly path?: string;
  readonly message?: string;
  /** Pushes tried (2 after a rejected first push). */
  readonly attempts: number;
}

export interface FleetCommitHooks {
  /** Runs after the commit and before each push (tests use it to race another writer). */
  readonly beforePush?: (attempt: number) => Promise<void>;
}

/**
 * Parses "Name <email>".
 *
 * @throws CliError exit 2
 */
export function parseAuthor(raw: string, from: string): GitAuthor {
  const m = /^\s*([^<>]*?)\s*<([^<>\s]+)>\s*$/.exec(raw);
  if (m === null || m[1] === undefined || m[1] === '' || m[2] === undefined) {
    // a bare name gets a placeholder address, so GITFLEET_AUTHOR=alice works
    if (/^[^<>@\n]+$/.test(raw.trim()) && raw.trim() !== '') {
      const name = raw.trim();
      return { name, email: `${name.replace(/\s+/g, '.').toLowerCase()}@gitfleet.invalid` };
    }
    throw new CliError(ExitCode.Usage, `${from}: ${JSON.stringify(raw)} is not "Name <email>"`, {
      details: ['e.g. --author "Alice Example <alice@example.com>"'],
    });
  }
  return { name: m[1], email: m[2] };
}

function errProp(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null
    ? (err as Record<string, unknown>)[key]
    : undefined;
}

function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s !== undefined && s !== '') out = out.replaceAll(s, '[redacted]');
  return out;
}

/** A Git failure as a CliError naming the repository and what to do. */
function gitError(err: unknown, what: string, opts: FleetRepoOptions): CliError {
  if (err instanceof CliError) return err;
  const code = errProp(err, 'code');
  const data = errProp(err, 'data') as { statusCode?: unknown } | undefined;
  const status = typeof data?.statusCode === 'number' ? data.statusCode : undefined;
  const cause = errProp(err, 'cause') as { code?: unknown } | undefined;
  const netCode = typeof cause?.code === 'string' ? cause.code : errProp(err, 'code');
  const subject = `fleet repository ${opts.url}`;
  if (code === 'UserCanceledError' || status === 401 || status === 403) {
    return new CliError(
      ExitCode.Failed,
      `${subject}: ${what} was refused (${status === undefined ? 'credentials rejected' : `HTTP ${String(status)}`})`,
      {
        details: [
          opts.token === undefined
            ? 'give a token with write access: --fleet-token-file (or GITFLEET_FLEET_TOKEN_FILE)'
            : 'check the token in --fleet-token-file: value, expiry and write access',
        ],
      },
    );
  }
  if (status === 404) {
    return new CliError(ExitCode.NotFound, `${subject}: not found (HTTP 404)`, {
      details: [
        'check --fleet-repo (some hosts answer 404 to a private repository without credentials)',
      ],
    });
  }
  const name = errProp(err, 'name');
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    (typeof netCode === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(netCode))
  ) {
    return new CliError(
      ExitCode.Unreachable,
      `${subject}: ${what} failed: cannot reach the Git server (${typeof netCode === 'string' && netCode !== '' ? netCode : String(name)})`,
      {
        details: ['check the URL and that the Git server is reachable, then run the command again'],
      },
    );
  }
  const message = scrub(err instanceof Error ? err.message : String(err), [opts.token]);
  return new CliError(ExitCode.Failed, `${subject}: ${what} failed: ${message}`);
}

function listed(lines: readonly string[]): string[] {
  const more = lines.length - MAX_PROBLEMS_SHOWN;
  return [
    ...lines.slice(0, MAX_PROBLEMS_SHOWN).map((l) => `  ${l}`),
    ...(more > 0 ? [`  … and ${String(more)} more`] : []),
  ];
}

/**
 * Commits the edit `edit` computes to the fleet repository's branch and pushes it (see the
 * module comment).
 *
 * @throws CliError exit 1 (Git refused, or the edited fleet would be refused by the hub: its
 *   problems are listed), 2 (bad URL), 3 (Git server unreachable), 4 (repository or branch not
 *   found), 5 (the push was rejected twice: the branch keeps moving)
 */
export async function commitToFleet(
  opts: FleetRepoOptions,
  edit: EditFleet,
  hooks: FleetCommitHooks = {},
): Promise<FleetCommit> {
  const u = URL.parse(opts.url);
  if (u === null || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new CliError(
      ExitCode.Usage,
      `--fleet-repo: ${JSON.stringify(opts.url)} is not an http(s) URL (the CLI pushes over HTTP(S) only)`,
      {
        details: [
          'give the URL the hub uses, e.g. --fleet-repo https://git.example.com/platform/fleet.git',
        ],
      },
    );
  }
  if (u.username !== '' || u.password !== '') {
    throw new CliError(ExitCode.Usage, '--fleet-repo: put no credentials in the URL', {
      details: ['give the token in a file: --fleet-token-file (or GITFLEET_FLEET_TOKEN_FILE)'],
    });
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-cli-'));
  try {
    const writer = new FleetWriter(
      { cacheDir: dir, limits: { fetchTimeoutMs: opts.timeoutMs }, allowPlainHttp: true },
      opts.token === undefined
        ? {}
        : {
            credentials: new RepoCredentials({
              fleet: {
                url: opts.url,
                token: opts.token,
                username: opts.username ?? DEFAULT_GIT_USERNAME,
              },
            }),
          },
    );
    const result = await writer.write({
      url: opts.url,
      branch: opts.branch,
      author: opts.author,
      committer: opts.author,
      edit: (files, fleet) => {
        const change = edit(files, fleet);
        if (change !== undefined) refuseBrokenFleet(opts, files, change);
        return change;
      },
      ...(hooks.beforePush === undefined ? {} : { beforePush: hooks.beforePush }),
    });
    if (result.kind === 'unchanged') return { changed: false, attempts: result.attempts };
    return {
      commit: result.commit,
      changed: true,
      path: result.path,
      message: result.message,
      attempts: result.attempts,
    };
  } catch (err) {
    throw cliError(err, opts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Refuses a change after which the hub would refuse the fleet, listing the errors.
 *
 * @throws CliError exit 1
 */
function refuseBrokenFleet(
  opts: FleetRepoOptions,
  files: ReadonlyMap<string, string>,
  change: FleetEdit,
): void {
  const refusal = fleetChangeRefusal(files, change.path, change.text);
  if (refusal === undefined) return;
  const { errors } = refusal;
  throw new CliError(
    ExitCode.Failed,
    refusal.introduced
      ? `the hub would refuse the fleet after this change (${String(errors.length)} error(s)); nothing was pushed`
      : `the fleet on ${opts.branch} has errors already, so the hub would refuse it with this change too; nothing was pushed`,
    { details: [...listed(errors), 'fix the fleet repository first (or change what you asked)'] },
  );
}

/** A failure of the fleet writer as a CliError: the exit code and what to do. */
function cliError(err: unknown, opts: FleetRepoOptions): CliError {
  if (err instanceof CliError) return err;
  if (!isGitfleetError(err)) return gitError(err, 'clone', opts);
  if (err.code === ErrorCode.ApplyConflict) {
    return new CliError(
      ExitCode.Conflict,
      `fleet repository ${opts.url}: ${opts.branch} moved on while we pushed, twice; nothing was pushed`,
      {
        details: [
          'someone (or a pipeline) is committing to the fleet right now: run the command again in a moment,',
          'or make the change by hand on top of the latest commit',
        ],
      },
    );
  }
  if (err.code === ErrorCode.NotFound && err.details['branch'] !== undefined) {
    return new CliError(
      ExitCode.NotFound,
      `fleet repository ${opts.url}: there is no branch ${JSON.stringify(opts.branch)}`,
      {
        details: ['check --fleet-branch (or GITFLEET_FLEET_BRANCH); the hub reads the same branch'],
      },
    );
  }
  const step = err.details['step'];
  if (step === 'fetch' || step === 'push') {
    return gitError(err.cause, step === 'fetch' ? 'clone' : 'push', opts);
  }
  return new CliError(ExitCode.Failed, scrub(err.message, [opts.token]));
}
