/**
 * `GET /api/v1/fleet` and the application source repositories: the poller fetches each of them
 * between passes, and a pass runs only when a ref moved, so a repository that starts refusing
 * (a revoked token, a deleted repository) would otherwise show nothing until the fleet changes.
 * A source repository whose last fetch failed after its last success is a `source` problem (its
 * applications render from the last commit fetched; the fleet stays accepted); a `source`
 * problem of the last pass whose repository fetched successfully since is gone. Pure.
 */
import { GitfleetError } from '@gitfleet/proto';
import type { PollStatus } from '../git/poller.ts';
import { formatHubProblem, problemOf, ProblemStage } from '../resolve/problems.ts';
import type { HubProblem, ResolverStatus } from '../resolve/resolver.ts';

type SourcePoll = Pick<PollStatus, 'url' | 'lastError' | 'lastSuccessAtMs'>;

/** `status` with the source repositories' fetches (`polls`, the fleet repository's left out). */
export function sourcesView(status: ResolverStatus, polls: readonly SourcePoll[]): ResolverStatus {
  if (polls.length === 0) return status;
  const byRepo = new Map(polls.map((p) => [p.url, p]));
  let changed = false;
  const problems: HubProblem[] = [];
  for (const p of status.problems) {
    const poll =
      p.stage === ProblemStage.Source && p.repo !== undefined ? byRepo.get(p.repo) : undefined;
    const healed =
      poll?.lastError === undefined &&
      poll?.lastSuccessAtMs !== undefined &&
      poll.lastSuccessAtMs > p.atMs;
    if (healed) changed = true;
    else problems.push(p);
  }
  for (const poll of polls) {
    const failed = poll.lastError;
    if (failed === undefined) continue;
    const known = problems.findIndex((p) => p.stage === ProblemStage.Source && p.repo === poll.url);
    if (known >= 0 && (problems[known]?.atMs ?? 0) >= failed.atMs) continue;
    const problem = problemOf(ProblemStage.Source, new GitfleetError(failed.code, failed.message), {
      repo: poll.url,
      atMs: failed.atMs,
    });
    if (known >= 0) problems[known] = problem;
    else problems.push(problem);
    changed = true;
  }
  if (!changed) return status;
  const first = problems[0];
  return {
    ...status,
    problems,
    lastError: first === undefined ? undefined : formatHubProblem(first),
  };
}
