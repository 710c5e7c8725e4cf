/**
 * Git for the hub: the GitSource port and its isomorphic-git adapter (fetch over HTTP(S) or from
 * an allowed local path into a bare cache, resolve refs, read files from the object store, every
 * step bounded by a named limit),
 * push webhook verification (GitHub, Gitea, GitLab), and the poller that keeps repositories
 * fresh and reports ref changes.
 */
export {
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_FETCH_BYTES,
  IsomorphicGitSource,
  SNAPSHOT_FILE,
} from './git-source.ts';
export type { IsomorphicGitSourceDeps, IsomorphicGitSourceOptions } from './git-source.ts';
export {
  DEFAULT_JITTER_RATIO,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MAX_CONCURRENT_FETCHES,
  GitPoller,
  REAL_TIMERS,
  nextPollDelayMs,
  resolvePollerOptions,
} from './poller.ts';
export type {
  GitPollerDeps,
  GitPollerOptions,
  OnRefsChange,
  PollError,
  PollStatus,
  PollerTimers,
  ResolvedGitPollerOptions,
} from './poller.ts';
export {
  DEFAULT_FETCH_LIMITS,
  DEFAULT_GIT_LIMITS,
  GIT_LIMIT_NAMES,
  readGitLimits,
  resolveGitLimits,
} from './limits.ts';
export type { FetchLimits, GitLimits } from './limits.ts';
export { DEFAULT_GIT_USERNAME, DEFAULT_READ_LIMITS, SkipReason } from './port.ts';
export type {
  FetchResult,
  GitRepo,
  GitRepoRef,
  GitSource,
  ReadFilesOptions,
  ReadLimits,
  RefChange,
  RefSnapshot,
  RepoFiles,
  SkippedEntry,
} from './port.ts';
export { diffRefs, lookupRef, sameRefs } from './refs.ts';
export type { RefDiff, RefLookup } from './refs.ts';
export {
  cacheDirName,
  normaliseRepoUrl,
  parseRepoUrl,
  redactUrl,
  repoKey,
  scrubSecrets,
} from './repo-url.ts';
export type { RepoLocation } from './repo-url.ts';
export {
  ALLOW_LOCAL_ENV,
  ALLOW_LOCAL_FLAG,
  isLoopbackHost,
  parseLocalRoots,
  sourceProblem,
} from './source-policy.ts';
export type { SourcePolicy } from './source-policy.ts';
export { MAX_WEBHOOK_BODY_BYTES, WebhookProvider, equalSecrets, verifyWebhook } from './webhook.ts';
export type {
  WebhookHeaders,
  WebhookPush,
  WebhookRejection,
  WebhookRequest,
  WebhookSecrets,
  WebhookVerdict,
} from './webhook.ts';
