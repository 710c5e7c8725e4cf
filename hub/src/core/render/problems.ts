/**
 * Render problems: everything wrong with an app's manifests or overlays, returned as values so
 * that one render reports all of them at once. A render with problems produces no objects.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto/domain';

/** One thing wrong with an app's manifests or overlays. */
export interface RenderProblem {
  /** LIMIT_EXCEEDED when a documented limit was crossed (then `limit` names it). */
  readonly code: typeof ErrorCode.ManifestInvalid | typeof ErrorCode.LimitExceeded;
  /** Self-contained, subject first (`file:line: Kind/ns/name: what; what to do`). */
  readonly message: string;
  /** Repository path of the manifest file, when the problem is in one. */
  readonly file?: string;
  /** 1-based line in `file`. */
  readonly line?: number;
  /** `Kind/namespace/name` of the object, when the problem is about one. */
  readonly object?: string;
  /** Name of the overlay, when the problem is in one. */
  readonly overlay?: string;
  /** Name of the limit crossed (maxFileBytes, maxDepth, …), when that is the problem. */
  readonly limit?: string;
}

/** Where a problem is: any of file, line, object and overlay. */
export type ProblemSubject = Omit<RenderProblem, 'code' | 'message' | 'limit'>;

/**
 * Builds a problem whose message starts with its subject (`file:line: object: detail`); with
 * `limit`, a LIMIT_EXCEEDED problem naming that limit.
 */
export function problem(subject: ProblemSubject, detail: string, limit?: string): RenderProblem {
  const where: string[] = [];
  if (subject.file !== undefined) {
    where.push(
      subject.line === undefined ? subject.file : `${subject.file}:${String(subject.line)}`,
    );
  }
  if (subject.overlay !== undefined) where.push(subject.overlay);
  if (subject.object !== undefined) where.push(subject.object);
  const message = where.length === 0 ? detail : `${where.join(': ')}: ${detail}`;
  const out: { -readonly [K in keyof RenderProblem]: RenderProblem[K] } = {
    code: limit === undefined ? ErrorCode.ManifestInvalid : ErrorCode.LimitExceeded,
    message,
  };
  if (subject.file !== undefined) out.file = subject.file;
  if (subject.line !== undefined) out.line = subject.line;
  if (subject.object !== undefined) out.object = subject.object;
  if (subject.overlay !== undefined) out.overlay = subject.overlay;
  if (limit !== undefined) out.limit = limit;
  return out;
}

/** Problems quoted in the message of {@link renderError}; the rest are counted. */
const QUOTED_PROBLEMS = 5;

/**
 * One terminal MANIFEST_INVALID error for a failed render (for the queue processor and status):
 * names the subject, quotes the first problems and counts the rest; `details.limit` names the
 * first limit crossed, if any. Terminal: rendering the same
 * revision again gives the same problems, so only a new commit can fix it.
 */
export function renderError(subject: string, problems: readonly RenderProblem[]): GitfleetError {
  const quoted = problems.slice(0, QUOTED_PROBLEMS).map((p) => p.message);
  const more = problems.length - quoted.length;
  const first = problems[0];
  const limit = problems.find((p) => p.limit !== undefined)?.limit;
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `${subject}: render failed with ${String(problems.length)} problem(s): ${quoted.join('; ')}${
      more > 0 ? `; and ${String(more)} more` : ''
    }`,
    {
      terminal: true,
      details: {
        problems: problems.length,
        ...(first?.file === undefined ? {} : { file: first.file }),
        ...(first?.line === undefined ? {} : { line: first.line }),
        ...(limit === undefined ? {} : { limit }),
      },
    },
  );
}
