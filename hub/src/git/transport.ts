/**
 * Bringing a repository's objects and refs into its cache repository: over smart HTTP with
 * isomorphic-git (token auth, metered and deadlined transfer, every branch and tag whatever the
 * server's HEAD names), or by copying objects from a repository on the local disk. Every fetch is
 * bounded (limits.ts); every fetched pack is checked before isomorphic-git inflates it
 * (pack-scan.ts, called from the cache's file system); a local path is checked against the
 * source policy again once its symlinks are resolved.
 */
import { realpath } from 'node:fs/promises';
import git from 'isomorphic-git';
import type { PromiseFsClient } from 'isomorphic-git';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import type { Logger } from '@gitfleet/proto';
import { toFetchError } from './errors.ts';
import { limitExceeded } from './limits.ts';
import type { GitLimits } from './limits.ts';
import { copyMissingObjects, findLocalGitdir, readLocalRefs } from './local-repo.ts';
import { meteredHttp } from './metered-http.ts';
import type { TransferMeter } from './metered-http.ts';
import { ObjectSizes } from './object-size.ts';
import { scanPack } from './pack-scan.ts';
import { DEFAULT_GIT_USERNAME } from './port.ts';
import type { GitRepo } from './port.ts';
import { HEADS, TAGS } from './refs.ts';
import type { CredentialSource, RepoCredential } from './repo-creds.ts';
import type { RepoLocation } from './repo-url.ts';
import { localSourceProblem, sourceRefused, tokenProblem } from './source-policy.ts';
import type { SourcePolicy } from './source-policy.ts';

export const REMOTE = 'origin';

export interface TransportContext {
  readonly limits: GitLimits;
  readonly policy: SourcePolicy;
  /** The hub's cache directory (never a source). */
  readonly cacheDir: string;
  readonly logger: Logger;
  readonly now: () => number;
  /** Repository credentials by URL (./repo-creds.ts); none: only a request's own token. */
  readonly credentials?: CredentialSource;
}

/** The cache repository a fetch fills. */
export interface CacheRepo {
  /** The URL without credentials, or the local path (for messages). */
  readonly url: string;
  readonly gitdir: string;
  readonly fs: PromiseFsClient;
  /** isomorphic-git's cache for the repository. */
  readonly cache: object;
}

export interface Fetched {
  /** Full ref name → object (tag objects not yet peeled). */
  readonly raw: ReadonlyMap<string, string>;
  readonly defaultBranch?: string;
  readonly bytes: number;
}

export async function fetchHttp(
  ctx: TransportContext,
  repo: CacheRepo,
  location: Extract<RepoLocation, { kind: 'http' }>,
  request: GitRepo,
): Promise<Fetched> {
  const cred = await credentialFor(ctx, repo.url, location, request);
  if (cred !== undefined) {
    const problem = tokenProblem(location);
    if (problem !== undefined) throw sourceRefused(repo.url, problem);
  }
  const username = cred?.username ?? location.username ?? DEFAULT_GIT_USERNAME;
  const secrets =
    cred === undefined ? [] : secretsOf({ url: repo.url, token: cred.password }, username);
  const timeoutMs = ctx.limits.fetchTimeoutMs;
  const signal = AbortSignal.timeout(timeoutMs);
  const meter: TransferMeter = { bytes: 0 };
  const http = meteredHttp(
    {
      maxBytes: ctx.limits.maxFetchBytes,
      signal,
      onExceeded: (bytes) => fetchLimitError(ctx, repo.url, bytes),
      // credentials go only to the repository's own origin (never to another after a redirect)
      authOrigin: new URL(location.url).origin,
      ...(request.branch === undefined ? {} : { preferredBranch: request.branch }),
    },
    meter,
  );
  // sent when the server asks (401), as HTTP Basic: what Git hosts expect of a token
  const onAuth = cred === undefined ? undefined : () => ({ username, password: cred.password });
  const onAuthFailure = (): { cancel: true } => ({ cancel: true });
  try {
    // Every branch and tag. HEAD is only the anchor isomorphic-git insists on; a server that
    // advertises none gets one from the advertisement check (see ref-advertisement.ts).
    const res = await git.fetch({
      fs: repo.fs,
      http,
      gitdir: repo.gitdir,
      cache: repo.cache,
      url: location.url,
      remote: REMOTE,
      ref: 'HEAD',
      singleBranch: false,
      tags: true,
      prune: true,
      pruneTags: true,
      onAuth,
      onAuthFailure,
    });
    if (res.fetchHead === null) return { raw: new Map(), bytes: meter.bytes }; // no refs at all
    const raw = await remoteRefsInCache(repo);
    if (meter.injectedHead !== undefined) {
      ctx.logger.debug('git server advertises no HEAD; fetched every branch and tag', {
        repo: repo.url,
        anchor: meter.injectedHead,
      });
    }
    return res.defaultBranch === null || meter.injectedHead !== undefined
      ? { raw, bytes: meter.bytes }
      : { raw, defaultBranch: res.defaultBranch, bytes: meter.bytes };
  } catch (err) {
    if (meter.exceeded !== undefined) throw meter.exceeded;
    throw toFetchError(err, {
      url: repo.url,
      hasToken: cred !== undefined,
      secrets: [...secrets, ...(ctx.credentials?.known.list() ?? [])],
      ...(cred?.entry === undefined ? {} : { credentials: cred.entry }),
      ...(signal.aborted ? { timedOutAfterMs: timeoutMs } : {}),
    });
  }
}

/**
 * The credentials of a fetch: the request's own token when it has one, else those of the entry
 * matching the URL. A secret that cannot be read fails the fetch, naming the repository.
 */
async function credentialFor(
  ctx: TransportContext,
  url: string,
  location: Extract<RepoLocation, { kind: 'http' }>,
  request: GitRepo,
): Promise<RepoCredential | undefined> {
  if (request.token !== undefined && request.token !== '') {
    return {
      password: request.token,
      ...(request.username === undefined ? {} : { username: request.username }),
    };
  }
  if (ctx.credentials === undefined) return undefined;
  try {
    return await ctx.credentials.forUrl(location.url);
  } catch (err) {
    const e = err instanceof GitfleetError ? err : undefined;
    throw new GitfleetError(
      ErrorCode.GitAuthFailed,
      `Git repository ${url}: ${e?.message ?? 'its credentials cannot be read'}`,
      { terminal: true, details: { ...e?.details, repo: url } },
    );
  }
}

/** The branches (as refs/heads/*) and tags isomorphic-git's fetch left in the cache. */
async function remoteRefsInCache(repo: CacheRepo): Promise<Map<string, string>> {
  const { fs, gitdir } = repo;
  const raw = new Map<string, string>();
  const remoteRefs = `refs/remotes/${REMOTE}`;
  for (const name of await git.listRefs({ fs, gitdir, filepath: remoteRefs })) {
    if (name === 'HEAD') continue;
    raw.set(`${HEADS}${name}`, await git.resolveRef({ fs, gitdir, ref: `${remoteRefs}/${name}` }));
  }
  for (const name of await git.listRefs({ fs, gitdir, filepath: 'refs/tags' })) {
    raw.set(`${TAGS}${name}`, await git.resolveRef({ fs, gitdir, ref: `${TAGS}${name}` }));
  }
  return raw;
}

export async function fetchLocal(
  ctx: TransportContext,
  repo: CacheRepo,
  repoPath: string,
): Promise<Fetched> {
  const { limits } = ctx;
  const deadline = ctx.now() + limits.fetchTimeoutMs;
  await checkRealPath(ctx, repo.url, repoPath);
  const gitdir = await findLocalGitdir(repoPath);
  if (gitdir === undefined) {
    throw new GitfleetError(
      ErrorCode.GitFetchFailed,
      `Git repository ${repo.url}: not a Git repository (no .git, objects or refs); the last fetched commits stay in use; check the path`,
      { details: { repo: repo.url } },
    );
  }
  try {
    const local = await readLocalRefs(gitdir);
    const bytes = await copyMissingObjects({
      from: gitdir,
      to: repo.gitdir,
      toFs: repo.fs,
      fromCache: {},
      toCache: repo.cache,
      fromSizes: new ObjectSizes(gitdir),
      tips: local.refs.values(),
      maxBytes: limits.maxFetchBytes,
      maxObjectBytes: limits.maxObjectBytes,
      maxObjects: limits.maxFetchObjects,
      onExceeded: (n) => fetchLimitError(ctx, repo.url, n),
      onObjectTooLarge: (oid, size) =>
        packLimitError(ctx, repo.url, 'maxObjectBytes', size, `object ${oid}`),
      onTooManyObjects: (n) => packLimitError(ctx, repo.url, 'maxFetchObjects', n),
      checkDeadline: () => {
        if (ctx.now() > deadline) {
          throw toFetchError(new Error('deadline'), {
            url: repo.url,
            hasToken: false,
            secrets: [],
            timedOutAfterMs: limits.fetchTimeoutMs,
          });
        }
      },
    });
    return local.defaultBranch === undefined
      ? { raw: local.refs, bytes }
      : { raw: local.refs, defaultBranch: local.defaultBranch, bytes };
  } catch (err) {
    throw toFetchError(err, { url: repo.url, hasToken: false, secrets: [] });
  }
}

/** The policy again, on the real path: a symlink under an allowed root may lead out of it. */
async function checkRealPath(ctx: TransportContext, url: string, repoPath: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(repoPath);
  } catch {
    return; // missing: findLocalGitdir reports it
  }
  const allowLocalRoots = await Promise.all(
    ctx.policy.allowLocalRoots.map((r) => realpath(r).catch(() => r)),
  );
  const cacheDir = await realpath(ctx.cacheDir).catch(() => ctx.cacheDir);
  const problem = localSourceProblem(real, { allowLocalRoots, cacheDir });
  if (problem !== undefined) throw sourceRefused(url, `resolves to ${real}, which ${problem}`);
}

/** Refuses a pack before isomorphic-git indexes (inflates) it. */
export function checkPack(
  ctx: Pick<TransportContext, 'limits'>,
  url: string,
  pack: Uint8Array,
): void {
  const verdict = scanPack(pack, ctx.limits);
  if (verdict.ok) return;
  if ('corrupt' in verdict) {
    throw new GitfleetError(
      ErrorCode.GitFetchFailed,
      `Git repository ${url}: the server sent a corrupt pack (${verdict.corrupt}); the last fetched commits stay in use; the fetch is retried`,
      { details: { repo: url } },
    );
  }
  const what =
    verdict.type === undefined
      ? undefined
      : `a ${verdict.type} at pack offset ${String(verdict.offset ?? 0)}`;
  throw packLimitError(ctx, url, verdict.limit, verdict.value, what);
}

function fetchLimitError(ctx: TransportContext, url: string, bytes: number): GitfleetError {
  return limitExceeded(
    `Git repository ${url}`,
    `the fetch received ${String(bytes)} bytes and was stopped; the last fetched commits stay in use`,
    'maxFetchBytes',
    ctx.limits.maxFetchBytes,
    { repo: url, bytes },
    'make the repository smaller',
  );
}

const PACK_LIMIT_FIX = {
  maxObjectBytes:
    "remove the file from the repository's history (list the largest with: git rev-list --objects --all | git cat-file --batch-check='%(objectsize) %(rest)' | sort -n | tail)",
  maxFetchObjects: 'use a smaller repository for the fleet and its applications',
  maxFetchInflatedBytes: 'use a smaller repository for the fleet and its applications',
} as const;

function packLimitError(
  ctx: Pick<TransportContext, 'limits'>,
  url: string,
  limit: keyof typeof PACK_LIMIT_FIX,
  value: number,
  what?: string,
): GitfleetError {
  const kept = 'the last fetched commits stay in use';
  const text = {
    maxObjectBytes: `the fetch brings ${what ?? 'an object'} of ${String(value)} bytes once inflated, refused before inflating it; ${kept}`,
    maxFetchObjects: `the fetch brings ${String(value)} objects; ${kept}`,
    maxFetchInflatedBytes: `the objects of the fetch inflate to at least ${String(value)} bytes, refused before inflating them; ${kept}`,
  }[limit];
  return limitExceeded(
    `Git repository ${url}`,
    text,
    limit,
    ctx.limits[limit],
    { repo: url, value },
    PACK_LIMIT_FIX[limit],
  );
}

/** Texts that must never appear in errors: the token and the Basic header value built from it. */
export function secretsOf(
  repo: GitRepo,
  username = repo.username ?? DEFAULT_GIT_USERNAME,
): string[] {
  if (repo.token === undefined || repo.token === '') return [];
  return [repo.token, Buffer.from(`${username}:${repo.token}`).toString('base64')];
}
