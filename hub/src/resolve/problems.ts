/**
 * What the resolver records when something goes wrong outside the fleet definition itself: a
 * fetch, the branch's head, the read of the fleet's files, saving or loading the last good
 * fleet, an application refused for reaching outside its project, writing an application's
 * rendered manifests to Git, or a whole pass. Each becomes a HubProblem (stage, code, message, where — repository,
 * commit, file, line, field, limit — and what to do) kept in the resolver's status, shown by
 * `GET /api/v1/fleet` and `gitfleet status`. Pure: built from the error and its context.
 */
import { ErrorCode, isGitfleetError, toGitfleetError, type GitfleetError } from '@gitfleet/proto';

export const ProblemStage = {
  /** Fetching the fleet repository. */
  Fetch: 'fetch',
  /**
   * Fetching an application's source repository (not the fleet's): its applications keep
   * rendering from the last commit fetched; the fleet stays accepted.
   */
  Source: 'source',
  /** Resolving the fleet branch to a commit. */
  Head: 'head',
  /** Reading the fleet's files at the head commit. */
  Read: 'read',
  /** Saving the last good fleet to Redis. */
  Persist: 'persist',
  /** Loading the last good fleet from Redis at start. */
  Restore: 'restore',
  /** Anything else a pass ran into (the store, a rollout, a bug). */
  Pass: 'pass',
  /**
   * An (application, target) refused for reaching outside its Project (source, target,
   * namespace, kind, or an object another project's application declares); the fleet stays
   * accepted and the other pairs are delivered.
   */
  Scope: 'scope',
  /**
   * Writing an application's rendered manifests to Git (`spec.hydrateTo`, ../hydrate): the
   * branch keeps its last commit; delivery to agents is not affected.
   */
  Hydrate: 'hydrate',
} as const;
export type ProblemStage = (typeof ProblemStage)[keyof typeof ProblemStage];

/** Stages whose problems leave the head commit's fleet unconfirmed: it is not accepted. */
export const HEAD_STAGES: ReadonlySet<string> = new Set([
  ProblemStage.Fetch,
  ProblemStage.Head,
  ProblemStage.Read,
]);

export interface HubProblem {
  readonly stage: ProblemStage;
  /** The GitfleetError code (LIMIT_EXCEEDED, GIT_FETCH_FAILED, …). */
  readonly code: string;
  /** Subject first, as the error said it. */
  readonly message: string;
  /** What to do about it. */
  readonly action: string;
  readonly repo?: string;
  readonly commit?: string;
  /** Repository-relative path of the file at fault, when known. */
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
  /** Dotted path of the field at fault, when known. */
  readonly field?: string;
  /** The name of the limit crossed (maxFileBytes, …), when a limit was. */
  readonly limit?: string;
  /** The error's structured details, as they were. */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
  /** When it was seen. */
  readonly atMs: number;
}

export interface ProblemContext {
  readonly repo?: string;
  readonly commit?: string;
  readonly atMs: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;

/** What to do, by stage and code; the error's own message says what happened. */
export function actionFor(
  stage: ProblemStage,
  code: string,
  where: { readonly file?: string; readonly limit?: string },
): string {
  const keeps = 'the last good fleet stays in force';
  if (where.limit !== undefined) {
    const what = where.file === undefined ? 'the content' : where.file;
    return `make ${what} smaller or remove it from the repository (or raise ${where.limit}); ${keeps}`;
  }
  switch (stage) {
    case ProblemStage.Fetch:
      return code === 'GIT_AUTH_FAILED'
        ? `check the fleet repository's token (--fleet-token-file) and its read access; ${keeps}`
        : code === 'SOURCE_REFUSED' || code === 'CONFIG_INVALID'
          ? `fix --fleet-repo (an http(s) URL the hub may read); ${keeps}`
          : `check that the Git server answers and the repository exists; the last fetched commit stays in use`;
    case ProblemStage.Source:
      return code === 'GIT_AUTH_FAILED'
        ? 'check the credentials the repository matches in --repo-creds-file and their read access; its applications render from the last fetched commit'
        : code === 'SOURCE_REFUSED'
          ? "fix the application's source.repoURL (an http(s) URL the hub may read)"
          : 'check that the Git server answers and the repository exists; its applications render from the last fetched commit';
    case ProblemStage.Head:
      return `check --fleet-branch: the branch must exist in the fleet repository; ${keeps}`;
    case ProblemStage.Read:
      return `fix the fleet repository at this commit (push a commit that removes the cause); ${keeps}`;
    case ProblemStage.Persist:
      return 'check Redis: the fleet in force stays in memory and is saved again after the next accepted change';
    case ProblemStage.Restore:
      return 'the saved fleet was not used: the hub reads the fleet from Git';
    case ProblemStage.Pass:
      return 'the next pass retries; if it persists, check Redis and the hub log';
    case ProblemStage.Scope:
      return 'keep the application inside its project, or widen the project; nothing new of it is delivered to the target until then';
    case ProblemStage.Hydrate:
      return hydrateActionFor(code);
  }
}

function hydrateActionFor(code: string): string {
  const unaffected = 'delivery to agents is not affected';
  switch (code) {
    case ErrorCode.GitAuthFailed:
      return `give the hub write access: an entry of --repo-creds-file whose urlPrefix matches the repository, with a token that may push to the branch; ${unaffected}`;
    case ErrorCode.ApplyConflict:
      return `let only the hub write to this branch (it never force-pushes); it tries again at the next pass; ${unaffected}`;
    case ErrorCode.LimitExceeded:
      return `render less into the application, or raise the limit named; ${unaffected}`;
    case ErrorCode.SourceRefused:
    case ErrorCode.ConfigInvalid:
      return `fix spec.hydrateTo or the application's source.repoURL as the message says; ${unaffected}`;
    default:
      return `check that the Git server answers and accepts pushes to the branch; the hub tries again at the next pass; ${unaffected}`;
  }
}

/** The problem an error at `stage` makes, with where it happened as far as the error says. */
export function problemOf(
  stage: ProblemStage,
  err: GitfleetError,
  ctx: ProblemContext,
): HubProblem {
  const d = err.details;
  const file = str(d['file']) ?? str(d['path']);
  const line = int(d['line']);
  const field = str(d['field']);
  const limit = str(d['limit']);
  const repo = ctx.repo ?? str(d['repo']);
  const commit = ctx.commit ?? str(d['commit']);
  return {
    stage,
    code: err.code,
    message: err.message,
    // a scope refusal knows the rule that refused and where it is written
    action:
      (stage === ProblemStage.Scope ? str(d['action']) : undefined) ??
      actionFor(stage, err.code, {
        ...(file === undefined ? {} : { file }),
        ...(limit === undefined ? {} : { limit }),
      }),
    ...(repo === undefined ? {} : { repo }),
    ...(commit === undefined ? {} : { commit }),
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line }),
    ...(field === undefined ? {} : { field }),
    ...(limit === undefined ? {} : { limit }),
    ...(Object.keys(d).length === 0 ? {} : { details: d }),
    atMs: ctx.atMs,
  };
}

/** The `scope` problem of what resolving a pair threw, when it was a SCOPE_VIOLATION. */
export function scopeProblemOf(err: unknown, ctx: ProblemContext): HubProblem | undefined {
  return isGitfleetError(err, ErrorCode.ScopeViolation)
    ? problemOf(ProblemStage.Scope, err, ctx)
    : undefined;
}

/** `stage: file:line: message` for one log line or one line of `gitfleet status`. */
export function formatHubProblem(p: HubProblem): string {
  const place =
    p.file === undefined ? '' : `${p.file}${p.line === undefined ? '' : `:${String(p.line)}`}: `;
  return `${p.stage}: ${place}${p.message}`;
}

/** Why one (application, target) could not be resolved; its last good desired state stays. */
export interface ResolveFailure {
  readonly app: string;
  readonly target: string;
  readonly code: string;
  readonly message: string;
  /** The file at fault (a manifest, or the file that crossed a limit), when known. */
  readonly file?: string;
  readonly line?: number;
  /** The limit crossed, when one was. */
  readonly limit?: string;
}

/** The failure of (app, target) from whatever its resolution threw. */
export function failureOf(app: string, target: string, err: unknown): ResolveFailure {
  const e = toGitfleetError(err);
  const file = str(e.details['file']) ?? str(e.details['path']);
  const line = int(e.details['line']);
  const limit = str(e.details['limit']);
  return {
    app,
    target,
    code: e.code,
    message: e.message,
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line }),
    ...(limit === undefined ? {} : { limit }),
  };
}
