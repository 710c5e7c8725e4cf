/**
 * The hub's client of helm chart repositories: for each dependency a chart fetches from an
 * http(s) repository (../core/render/helm-deps.ts decides which), the repository's index.yaml,
 * the version to use, and its archive (.tgz) — fetched by the hub, never by helm, whose run stays
 * offline. An index is loaded with js-yaml, several times faster than the document parser on
 * indexes of thousands of versions (it is read on the hub's event loop). Bounded: one time limit per request (redirects and body included), a byte limit for
 * indexes and one for archives, an entry limit for indexes; an archive whose sha256 differs from
 * the index's `digest` is refused.
 *
 * Cached in byte-bounded LRUs (a quarter of `cacheBytes` for indexes, the rest for archives): an
 * index per repository for `indexTtlMs`, an archive by URL and digest until evicted (a version's
 * archive does not change), a failure for at most a minute.
 * Thousands of targets rendering the same chart cost one index and one archive fetch.
 *
 * Credentials are the hub's repository credentials (--repo-creds-file, matched by the repository
 * URL like a Git repository's), sent as HTTP Basic only when the server asks (401), only to the
 * repository's own origin, never over plain http to a host other than loopback; a redirect to
 * another origin is followed without them. Secrets are never in a problem or a log line.
 */
import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { load, YAMLException } from 'js-yaml';
import type { Logger } from '@gitfleet/proto';
import {
  chartIndexOf,
  chooseVersion,
  dependencyProblem,
  indexUrl,
  type ChartIndex,
  type ChosenVersion,
  type RemoteDependency,
} from '../core/render/helm-deps.ts';
import type { RenderProblem } from '../core/render/problems.ts';
import { DEFAULT_CREDS_USERNAME, isLoopbackHost } from '../core/git-creds/index.ts';
import type { CredentialSource } from '../git/repo-creds.ts';
import { redactUrl } from '../git/repo-url.ts';
import { ByteLru } from './cache.ts';
import { DEFAULT_CHART_REPOS, type ChartRepoSettings } from './options.ts';

/** A fetched chart archive, verified. */
export interface ChartArchive {
  readonly name: string;
  readonly version: string;
  /** Where it came from (no userinfo). */
  readonly url: string;
  /** sha256 of `bytes`, hex. */
  readonly sha256: string;
  readonly bytes: Uint8Array;
}

export type FetchedDependencies =
  | { readonly ok: true; readonly archives: readonly ChartArchive[] }
  | { readonly ok: false; readonly problems: readonly RenderProblem[] };

export interface ChartRepoDeps {
  readonly logger: Logger;
  /** The hub's repository credentials; absent: every repository is fetched anonymously. */
  readonly credentials?: CredentialSource;
  readonly now?: () => number;
}

/** Most YAML aliases (`*ref`) an index may hold. */
const INDEX_MAX_ALIASES = 1000;
/** Redirects followed for one request. */
const MAX_REDIRECTS = 5;
/** Longest a failed fetch is kept before it is tried again. */
const MAX_FAILURE_TTL_MS = 60_000;
/** Size a kept failure counts for. */
const FAILURE_BYTES = 1024;

type Failure = { readonly ok: false; readonly detail: string; readonly limit?: string };
type IndexResult = { readonly ok: true; readonly index: ChartIndex } | Failure;
type ArchiveResult =
  { readonly ok: true; readonly bytes: Uint8Array; readonly sha256: string } | Failure;
type Got = { readonly ok: true; readonly body: Buffer } | Failure;

const fail = (detail: string, limit?: string): Failure =>
  limit === undefined ? { ok: false, detail } : { ok: false, detail, limit };

export class ChartRepoClient {
  private readonly settings: ChartRepoSettings;
  private readonly logger: Logger;
  private readonly credentials: CredentialSource | undefined;
  private readonly now: () => number;
  private readonly indexes: ByteLru<IndexResult>;
  private readonly archives: ByteLru<ArchiveResult>;

  constructor(settings: Partial<ChartRepoSettings>, deps: ChartRepoDeps) {
    this.settings = { ...DEFAULT_CHART_REPOS, ...settings };
    this.logger = deps.logger.child({ component: 'chart-repo' });
    this.credentials = deps.credentials;
    this.now = deps.now ?? Date.now;
    const indexBytes = Math.floor(this.settings.cacheBytes / 4);
    this.indexes = new ByteLru(indexBytes, this.now);
    this.archives = new ByteLru(this.settings.cacheBytes - indexBytes, this.now);
  }

  /**
   * The archives of `deps` (one per distinct chart and version), or a problem for each
   * dependency that could not be fetched, at its Chart.yaml line, naming the repository
   * (redacted) and what to do. Never rejects.
   */
  async fetch(deps: readonly RemoteDependency[]): Promise<FetchedDependencies> {
    const results = await Promise.all(deps.map((d) => this.fetchOne(d)));
    const problems = results.flatMap((r) => ('problem' in r ? [r.problem] : []));
    if (problems.length > 0) return { ok: false, problems };
    const archives = new Map<string, ChartArchive>();
    for (const r of results) {
      if ('archive' in r) archives.set(`${r.archive.name}\n${r.archive.version}`, r.archive);
    }
    return { ok: true, archives: [...archives.values()] };
  }

  private async fetchOne(
    dep: RemoteDependency,
  ): Promise<{ archive: ChartArchive } | { problem: RenderProblem }> {
    const repo = redactUrl(dep.repository);
    const index = await this.index(dep.repository);
    if (!index.ok) return { problem: dependencyProblem(dep, repo, index.detail, index.limit) };
    const choice = chooseVersion(dep, index.index);
    if ('problem' in choice) return { problem: dependencyProblem(dep, repo, choice.problem) };
    const archive = await this.archive(dep.repository, choice.chosen);
    if (!archive.ok) {
      return {
        problem: dependencyProblem(
          dep,
          repo,
          `version ${choice.chosen.version}: ${archive.detail}`,
          archive.limit,
        ),
      };
    }
    return {
      archive: {
        name: dep.name,
        version: choice.chosen.version,
        url: redactUrl(choice.chosen.url),
        sha256: archive.sha256,
        bytes: archive.bytes,
      },
    };
  }

  private failureTtl(): number {
    return Math.min(this.settings.indexTtlMs, MAX_FAILURE_TTL_MS);
  }

  /** The repository's index (cached; see the module comment). */
  private async index(repository: string): Promise<IndexResult> {
    return this.indexes.get(repository, async () => {
      const started = performance.now();
      const got = await this.get(indexUrl(repository), repository, {
        maxBytes: this.settings.maxIndexBytes,
        limit: 'chartRepoMaxIndexBytes',
        flag: '--chart-repo-max-index-bytes',
        what: 'index.yaml',
      });
      const result: IndexResult = got.ok ? this.parseIndex(got.body) : got;
      const where = { repo: redactUrl(repository), ms: Math.round(performance.now() - started) };
      if (result.ok) {
        this.logger.info('chart repository index fetched', {
          ...where,
          bytes: got.ok ? got.body.length : 0,
          charts: result.index.charts.size,
        });
        return {
          value: result,
          bytes: got.ok ? Math.max(got.body.length, FAILURE_BYTES) : FAILURE_BYTES,
          expiresAtMs: this.now() + this.settings.indexTtlMs,
        };
      }
      this.logger.warn('chart repository index not usable', { ...where, error: result.detail });
      return { value: result, bytes: FAILURE_BYTES, expiresAtMs: this.now() + this.failureTtl() };
    });
  }

  private parseIndex(body: Buffer): IndexResult {
    const broken = '; the repository is broken: ask its owner to run `helm repo index` again';
    let value: unknown;
    try {
      value = load(body.toString('utf8'), { maxAliases: INDEX_MAX_ALIASES, json: true });
    } catch (err) {
      if (!(err instanceof YAMLException)) {
        return fail(`index.yaml could not be read (${String(err)})${broken}`);
      }
      const line = err.mark === undefined ? '' : ` line ${String(err.mark.line + 1)}`;
      return fail(`index.yaml${line} is not valid YAML: ${err.reason}${broken}`);
    }
    const read = chartIndexOf(value, { maxEntries: this.settings.maxIndexEntries });
    if ('index' in read) return { ok: true, index: read.index };
    return read.limit === undefined
      ? fail(`${read.problem}${broken}`)
      : fail(
          `${read.problem} (--chart-repo-max-index-entries); raise it, or use a smaller repository`,
          read.limit,
        );
  }

  /** The archive of `chosen` (cached by URL and digest), its sha256 checked against the index's. */
  private async archive(repository: string, chosen: ChosenVersion): Promise<ArchiveResult> {
    return this.archives.get(`${chosen.url}\n${chosen.digest ?? ''}`, async () => {
      const started = performance.now();
      const got = await this.get(chosen.url, repository, {
        maxBytes: this.settings.maxArchiveBytes,
        limit: 'chartRepoMaxArchiveBytes',
        flag: '--chart-repo-max-archive-bytes',
        what: 'the chart archive',
      });
      const where = { url: redactUrl(chosen.url), ms: Math.round(performance.now() - started) };
      let result: ArchiveResult;
      if (got.ok) {
        const sha256 = createHash('sha256').update(got.body).digest('hex');
        result =
          chosen.digest === undefined || chosen.digest === sha256
            ? { ok: true, bytes: new Uint8Array(got.body), sha256 }
            : fail(
                `the archive ${redactUrl(chosen.url)} has sha256 ${sha256}, but the index says ${chosen.digest}; nothing of it is used: the repository is broken or the archive was changed — ask its owner to publish it again`,
              );
      } else {
        result = got;
      }
      if (result.ok) {
        this.logger.info('chart archive fetched', { ...where, bytes: result.bytes.length });
        return { value: result, bytes: result.bytes.length };
      }
      this.logger.warn('chart archive not usable', { ...where, error: result.detail });
      return { value: result, bytes: FAILURE_BYTES, expiresAtMs: this.now() + this.failureTtl() };
    });
  }

  /**
   * GET `url` (redirects followed, the credentials of `repository` only on its own origin), its
   * body bounded; never rejects.
   */
  private async get(
    url: string,
    repository: string,
    bound: { maxBytes: number; limit: string; flag: string; what: string },
  ): Promise<Got> {
    const timeoutMs = this.settings.timeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    const origin = new URL(repository).origin;
    let current = url;
    let authorization: string | undefined;
    let entry: string | undefined;
    try {
      for (let hop = 0; hop <= MAX_REDIRECTS;) {
        const at = new URL(current);
        const own = at.origin === origin;
        const headers: Record<string, string> = { 'user-agent': 'gitfleet-hub' };
        if (authorization !== undefined && own && sendsSecrets(at)) {
          headers['authorization'] = authorization;
        }
        const res = await fetch(current, { redirect: 'manual', signal, headers });
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location !== null) {
          await res.body?.cancel();
          const next = new URL(location, current);
          if (next.protocol !== 'https:' && next.protocol !== 'http:') {
            return fail(`${bound.what} redirects to ${next.protocol} URL, which is not followed`);
          }
          current = next.href;
          hop++;
          continue;
        }
        if (res.status === 401 && authorization === undefined && own && sendsSecrets(at)) {
          const cred = await this.credentials?.forUrl(repository);
          if (cred !== undefined) {
            await res.body?.cancel();
            const user = cred.username ?? DEFAULT_CREDS_USERNAME;
            authorization = `Basic ${Buffer.from(`${user}:${cred.password}`).toString('base64')}`;
            entry = cred.entry;
            continue;
          }
        }
        if (!res.ok) {
          await res.body?.cancel();
          return fail(this.scrub(statusDetail(res.status, bound.what, redactUrl(current), entry)));
        }
        return await readBounded(res, bound);
      }
      return fail(`${bound.what} redirects more than ${String(MAX_REDIRECTS)} times`);
    } catch (err) {
      if (signal.aborted) {
        return fail(
          `${bound.what} did not arrive within ${String(timeoutMs)} ms (--chart-repo-timeout); try again later, or raise the limit`,
          'chartRepoTimeout',
        );
      }
      return fail(this.scrub(`${bound.what} could not be fetched: ${networkReason(err)}`));
    }
  }

  private scrub(text: string): string {
    return this.credentials === undefined ? text : this.credentials.known.scrub(text);
  }
}

/** Whether credentials may go to `url`: https, or plain http to loopback. */
function sendsSecrets(url: URL): boolean {
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}

function statusDetail(
  status: number,
  what: string,
  url: string,
  entry: string | undefined,
): string {
  if (status === 401 || status === 403) {
    return entry === undefined
      ? `${what} (${url}) answered HTTP ${String(status)}: the repository is private; add an entry to --repo-creds-file whose urlPrefix matches it (docs/sources.md, Private repositories)`
      : `${what} (${url}) answered HTTP ${String(status)} to ${entry}; check that entry's file (value, expiry, read access)`;
  }
  if (status === 404) {
    return `${what} (${url}) answered HTTP 404: check the repository URL in Chart.yaml (the one \`helm repo add\` takes)`;
  }
  return `${what} (${url}) answered HTTP ${String(status)}; try again later`;
}

function networkReason(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string')
    return `${cause.code}; check that the repository is up and reachable from the hub`;
  return `${err instanceof Error ? err.message : String(err)}; check that the repository is up and reachable from the hub`;
}

async function readBounded(
  res: Response,
  bound: { maxBytes: number; limit: string; flag: string; what: string },
): Promise<Got> {
  const tooLarge = (): Failure =>
    fail(
      `${bound.what} is larger than ${String(bound.maxBytes)} bytes (${bound.flag}); raise the limit, or use a smaller one`,
      bound.limit,
    );
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > bound.maxBytes) {
    await res.body?.cancel();
    return tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body !== null) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || value === undefined) break;
      total += value.byteLength;
      if (total > bound.maxBytes) {
        await reader.cancel();
        return tooLarge();
      }
      chunks.push(value);
    }
  }
  return { ok: true, body: Buffer.concat(chunks, total) };
}
