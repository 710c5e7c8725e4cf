/**
 * `gitfleet render` without a hub: the objects of one application for one target, rendered on
 * this machine by the code the hub's resolver runs. The fleet repository and the application's
 * repository are fetched with the hub's Git adapter (isomorphic-git over HTTP(S), into a
 * temporary cache removed afterwards), the fleet is parsed and held to the hub's acceptance, the
 * revision is the one the resolver would pick (target pin, environment pin, else the
 * application's targetRevision) unless one is given, and the source-render step (kustomize,
 * helm) and the per-target render (overlays, variables, project scope) are the resolver's own.
 * Rollouts holding a target back are the hub's business: this renders the revision picked.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, silentLogger, toGitfleetError, type KubeObject } from '@gitfleet/proto';
import {
  acceptFleet,
  environmentOf,
  findTarget,
  formatProblem,
  parseFleet,
  placementOf,
  resolveRevisionRef,
  type RevisionSource,
} from '../core/fleet/index.ts';
import { parseRepoCreds, type RepoCredsEntry } from '../core/git-creds/index.ts';
import { IsomorphicGitSource } from '../git/git-source.ts';
import type { GitRepo } from '../git/port.ts';
import { resolveSecretFiles } from '../git/repo-creds-options.ts';
import { RepoCredentials } from '../git/repo-creds.ts';
import { redactUrl } from '../git/repo-url.ts';
import { renderForTarget } from '../resolve/render-target.ts';
import { renderSource } from '../resolve/source-step.ts';
import { SourceRenderer } from '../sources/renderer.ts';
import { CliError, ExitCode } from './errors.ts';
import type { FleetRepoLocation } from './fleet-change.ts';

/** Problems listed before "and N more". */
const MAX_PROBLEMS_SHOWN = 10;
const FLEET_FILE = /\.(ya?ml|json)$/i;

export interface LocalRenderRequest {
  readonly fleet: FleetRepoLocation;
  readonly app: string;
  readonly target: string;
  /** A commit, branch or tag of the application's repository, instead of the resolver's pick. */
  readonly revision?: string;
  readonly kubectlCommand: string;
  readonly helmCommand: string;
  /** The entries of --repo-creds-file (secret files absolute). */
  readonly repoCreds?: readonly RepoCredsEntry[];
  /** Deadline of each fetch. */
  readonly timeoutMs: number;
}

/** Why this revision was rendered: the resolver's pick, or --revision. */
export type RenderedRevisionSource = RevisionSource | 'flag';

export interface LocalRender {
  /** Canonical order, as the hub stores them. */
  readonly objects: readonly KubeObject[];
  /** `contentDigest(objects)`: the digest the hub stores for the same render. */
  readonly digest: string;
  /** The application's repository, without credentials. */
  readonly repo: string;
  /** The ref resolved (pin, targetRevision or --revision) and the commit it named. */
  readonly ref: string;
  readonly refSource: RenderedRevisionSource;
  readonly commit: string;
  /** The commit of the fleet repository read. */
  readonly fleetCommit: string;
  /** Set when the target's environment is frozen (the hub keeps what the target has). */
  readonly frozenEnvironment?: string;
}

/**
 * Reads and checks `--repo-creds-file` as the hub does.
 *
 * @throws CliError exit 2 naming the file, and each problem with its line
 */
export async function readRepoCreds(file: string, from: string): Promise<RepoCredsEntry[]> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new CliError(
      ExitCode.Usage,
      `${from}: cannot read ${abs}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = parseRepoCreds(text, abs);
  if (parsed.problems.length > 0) {
    throw new CliError(ExitCode.Usage, `${from}: ${abs} is not a valid credentials list`, {
      details: [
        ...listed(parsed.problems),
        'the format is the hub’s --repo-creds-file (docs/sources.md)',
      ],
    });
  }
  return resolveSecretFiles(parsed.entries, abs);
}

function listed(lines: readonly string[]): string[] {
  const more = lines.length - MAX_PROBLEMS_SHOWN;
  return [
    ...lines.slice(0, MAX_PROBLEMS_SHOWN).map((l) => `  ${l}`),
    ...(more > 0 ? [`  … and ${String(more)} more`] : []),
  ];
}

/** The hub's wording about its own retries and kept state, which the CLI has none of. */
function withoutHubNotes(message: string): string {
  return message
    .replaceAll('; the last fetched commits stay in use', '')
    .replaceAll(', the fetch is retried', '')
    .replaceAll('; the fetch is retried', '');
}

/** A failure of the Git adapter or of a render as a CliError with its exit code and place. */
export function cliErrorOf(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const e = toGitfleetError(err);
  const message = withoutHubNotes(e.message);
  const file = typeof e.details['file'] === 'string' ? e.details['file'] : undefined;
  const line = typeof e.details['line'] === 'number' ? e.details['line'] : undefined;
  const limit = typeof e.details['limit'] === 'string' ? e.details['limit'] : undefined;
  const where = [
    ...(file === undefined ? [] : [`at ${file}${line === undefined ? '' : `:${String(line)}`}`]),
    ...(limit === undefined ? [] : [`limit: ${limit}`]),
  ];
  switch (e.code) {
    case ErrorCode.NotFound:
      return new CliError(ExitCode.NotFound, message, { details: where });
    case ErrorCode.ConfigInvalid:
    case ErrorCode.SourceRefused:
      return new CliError(ExitCode.Usage, message, { details: where });
    case ErrorCode.GitFetchFailed:
      return new CliError(
        e.details['httpStatus'] === 404
          ? ExitCode.NotFound
          : e.details['httpStatus'] === undefined
            ? ExitCode.Unreachable
            : ExitCode.Failed,
        message,
        { details: where },
      );
    default:
      return new CliError(ExitCode.Failed, message, { details: where });
  }
}

function declared(kind: string, name: string, names: readonly string[]): CliError {
  return new CliError(
    ExitCode.NotFound,
    `${kind} "${name}" is not declared in the fleet repository (declared: ${names.length === 0 ? 'none' : names.join(', ')})`,
  );
}

/**
 * Renders the application for the target (see the module comment); the temporary Git cache is
 * removed whatever happens.
 *
 * @throws CliError exit 1 (the fleet is refused, or the render failed: the problems with file
 *   and line), 2 (bad repository URL or credentials file), 3 (a Git server cannot be reached),
 *   4 (application, target, revision or repository not found)
 */
export async function renderLocally(req: LocalRenderRequest): Promise<LocalRender> {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-render-'));
  try {
    return await renderIn(cacheDir, req);
  } catch (err) {
    throw cliErrorOf(err);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function renderIn(cacheDir: string, req: LocalRenderRequest): Promise<LocalRender> {
  const credentials = new RepoCredentials({
    entries: req.repoCreds ?? [],
    ...(req.fleet.token === undefined
      ? {}
      : { fleet: { url: req.fleet.url, token: req.fleet.token } }),
  });
  const git = new IsomorphicGitSource(
    { cacheDir, fetchTimeoutMs: req.timeoutMs },
    { logger: silentLogger, credentials },
  );
  const fleetRepo: GitRepo = { url: req.fleet.url, branch: req.fleet.branch };
  await git.fetch(fleetRepo);
  let fleetCommit: string;
  try {
    fleetCommit = await git.resolve(fleetRepo, req.fleet.branch);
  } catch (err) {
    throw new CliError(
      ExitCode.NotFound,
      `fleet repository ${redactUrl(req.fleet.url)}: there is no branch ${JSON.stringify(req.fleet.branch)}`,
      {
        details: ['check --fleet-branch (or GITFLEET_FLEET_BRANCH); the hub reads the same branch'],
        cause: err,
      },
    );
  }
  const read = await git.readFiles(fleetRepo, fleetCommit, '', {
    include: (p) => FLEET_FILE.test(p),
  });
  const decision = acceptFleet(undefined, parseFleet(read.files));
  const spec = decision.inForce;
  if (!decision.accepted || spec === undefined) {
    const errors = decision.problems.filter((p) => p.severity === 'error').map(formatProblem);
    throw new CliError(
      ExitCode.Failed,
      `the fleet at ${req.fleet.branch} (${fleetCommit.slice(0, 12)}) of ${redactUrl(req.fleet.url)} has ${String(errors.length)} error(s): the hub refuses it too`,
      { details: [...listed(errors), 'fix the fleet repository, then run the command again'] },
    );
  }
  const app = spec.applications.find((a) => a.name === req.app);
  if (app === undefined)
    throw declared(
      'application',
      req.app,
      spec.applications.map((a) => a.name),
    );
  const target = findTarget(spec, req.target);
  if (target === undefined)
    throw declared(
      'target',
      req.target,
      spec.targets.map((t) => t.name),
    );
  const placed = placementOf(spec, app.name);
  if (!placed.includes(target.name)) {
    throw new CliError(
      ExitCode.NotFound,
      `application "${app.name}" is not placed on target "${target.name}": the hub renders nothing for it there`,
      {
        details: [
          `its placement selects: ${placed.length === 0 ? 'no target' : placed.slice(0, 20).join(', ')}${placed.length > 20 ? ', …' : ''}`,
        ],
      },
    );
  }
  const pin = resolveRevisionRef(spec, app.name, target.name);
  const ref = req.revision ?? pin.ref;
  const repoUrl = app.source.repoURL ?? req.fleet.url;
  const repo: GitRepo = repoUrl === req.fleet.url ? fleetRepo : { url: repoUrl };
  if (repo !== fleetRepo) await git.fetch(repo);
  let commit: string;
  try {
    commit = await git.resolve(repo, ref);
  } catch (err) {
    const e = toGitfleetError(err);
    if (e.code !== ErrorCode.NotFound) throw err;
    throw new CliError(
      ExitCode.NotFound,
      `revision ${JSON.stringify(ref)} (${req.revision === undefined ? pin.source : '--revision'}) is not a branch, tag or commit of ${redactUrl(repoUrl)}`,
      { details: ['check the name; gitfleet render takes a commit SHA, a branch or a tag'] },
    );
  }
  const files = await git.readFiles(repo, commit, app.source.path);
  const subject = `${app.name} on ${target.name} at ${commit.slice(0, 12)}`;
  const input = { fleet: spec, app, target, files: files.files, subject };
  const renderer = new SourceRenderer(
    { kubectlCommand: req.kubectlCommand, helmCommand: req.helmCommand },
    { logger: silentLogger },
  );
  const baseObjects = await renderSource(renderer, {
    ...input,
    repoUrl: repo.url,
    commit,
    read: async (p) => (await git.readFiles(repo, commit, p)).files,
  });
  const rendered = renderForTarget({
    ...input,
    ...(baseObjects === undefined ? {} : { baseObjects }),
  });
  const env = environmentOf(spec, target.name);
  return {
    objects: rendered.objects,
    digest: rendered.digest,
    repo: redactUrl(repoUrl),
    ref,
    refSource: req.revision === undefined ? pin.source : 'flag',
    commit,
    fleetCommit,
    ...(env?.frozen === true ? { frozenEnvironment: env.name } : {}),
  };
}
