/**
 * A real Git server for the test fleet: bare repositories in a temp dir, served over Git's smart
 * HTTP protocol by the real `git http-backend`, run as CGI (one process per request) behind a Node
 * http server that listens on 127.0.0.1 only. Optional HTTP Basic or bearer-token auth, for the
 * whole server or per repository.
 *
 * Fixtures (`commit`, `tag`, `forcePush`) are written straight into the bare repositories with git
 * plumbing (`git fast-import`, `git tag`, `git update-ref`) and are not pushed over HTTP. That needs
 * one process per commit and no work tree, works the same in every auth mode, and keeps fixture
 * setup independent of the transport under test. The transport itself (fetch and push, protocol v0
 * and v2, gzip and chunked request bodies, auth) is proven in test/src/proof/git-http.int.test.ts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { checkRefName, checkRepoName, checkSha, fastImportScript } from './git-fixture-script.ts';
import {
  AUTH_REALM,
  DEFAULT_AUTHOR,
  GIT_SERVER_HOST,
  type CommitOptions,
  type CreateRepoOptions,
  type GitServer,
  type GitServerAuth,
  type GitServerOptions,
  type RepoRequestStats,
  type TagOptions,
} from './git-server-api.ts';
import {
  MAX_STDERR_CHARS,
  authorize,
  checkAuthOptions,
  plain,
  repoNameOf,
  runGitHttpBackend,
} from './git-http-cgi.ts';
import { whichOrThrow } from './paths.ts';

export {
  AUTH_REALM,
  DEFAULT_AUTHOR,
  GIT_SERVER_HOST,
  TOKEN_USER,
  type CommitOptions,
  type CreateRepoOptions,
  type GitAuthor,
  type GitServer,
  type GitServerAuth,
  type GitServerOptions,
  type RepoRequestStats,
  type TagOptions,
} from './git-server-api.ts';
export {
  checkRefName,
  checkRepoName,
  checkRepoPath,
  fastImportScript,
  type FastImportCommit,
} from './git-fixture-script.ts';
export { authorize, findHeadEnd, parseCgiHead, repoNameOf, type CgiHead } from './git-http-cgi.ts';

const GIT_FIX = 'install it: apt-get install git';

/** Starts a server, runs `fn`, and always closes the server. */
export async function withGitServer<T>(
  opts: GitServerOptions,
  fn: (server: GitServer) => Promise<T>,
): Promise<T> {
  const server = await startGitServer(opts);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

export async function startGitServer(opts: GitServerOptions = {}): Promise<GitServer> {
  if (opts.auth !== undefined) checkAuthOptions(opts.auth);
  const tools = await gitTools();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-git-'));
  const server = new LocalGitServer(tools, dir, opts.auth);
  try {
    await server.listen(opts.port ?? 0);
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}

// ---------------------------------------------------------------------------------------------
// Processes

interface GitTools {
  readonly git: string;
  readonly backend: string;
}

let gitToolsOnce: Promise<GitTools> | undefined;

function gitTools(): Promise<GitTools> {
  gitToolsOnce ??= findGitTools();
  return gitToolsOnce;
}

async function findGitTools(): Promise<GitTools> {
  const git = whichOrThrow('git', GIT_FIX);
  const { stdout } = await promisify(execFile)(git, ['--exec-path'], { encoding: 'utf8' });
  const backend = path.join(stdout.trim(), 'git-http-backend');
  try {
    await access(backend, constants.X_OK);
  } catch (err) {
    throw new GitfleetError(
      ErrorCode.PrerequisiteMissing,
      `git-http-backend not found at ${backend}: ${GIT_FIX}`,
      {
        cause: err,
        terminal: true,
      },
    );
  }
  return { git, backend };
}

interface GitRun {
  readonly code: number;
  readonly stdout: string;
}

interface Repo {
  readonly name: string;
  readonly dir: string;
  readonly defaultBranch: string;
  readonly auth: GitServerAuth | undefined;
  readonly stats: { total: number; fetches: number; pushes: number; unauthorized: number };
  /** Serialises the writes to one repository (fast-import builds on the tip it read). */
  tail: Promise<unknown>;
}

class LocalGitServer implements GitServer {
  readonly host = GIT_SERVER_HOST;
  readonly dir: string;
  #port = 0;
  readonly #tools: GitTools;
  readonly #auth: GitServerAuth | undefined;
  readonly #http: http.Server;
  readonly #env: Readonly<Record<string, string>>;
  readonly #repos = new Map<string, Repo>();
  /** Every child still running, with a promise that settles when it has exited. */
  readonly #children = new Map<ChildProcess, Promise<void>>();
  #closing: Promise<void> | undefined;

  constructor(tools: GitTools, dir: string, auth: GitServerAuth | undefined) {
    this.#tools = tools;
    this.dir = dir;
    this.#auth = auth;
    // Isolated from the machine's and the user's git config.
    this.#env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: dir,
      LANG: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
    };
    this.#http = http.createServer((req, res) => this.#handle(req, res));
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://${GIT_SERVER_HOST}:${this.#port}`;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE'
            ? new GitfleetError(
                ErrorCode.PortInUse,
                `git server: ${GIT_SERVER_HOST}:${port} is taken (another process listens there): pick another port or pass 0`,
                { cause: err, details: { port } },
              )
            : err,
        );
      });
      this.#http.listen(port, GIT_SERVER_HOST, () => {
        const addr = this.#http.address();
        this.#port = typeof addr === 'object' && addr !== null ? addr.port : port;
        resolve();
      });
    });
  }

  repoUrl(name: string): string {
    return `${this.url}/${checkRepoName(name)}.git`;
  }

  async createRepo(name: string, opts: CreateRepoOptions = {}): Promise<string> {
    checkRepoName(name);
    const defaultBranch = checkRefName(opts.defaultBranch ?? 'main');
    if (opts.auth !== undefined) checkAuthOptions(opts.auth);
    const dir = path.join(this.dir, `${name}.git`);
    if (this.#repos.has(name) || existsSync(dir)) {
      throw new GitfleetError(ErrorCode.ConfigInvalid, `repository ${name} already exists`, {
        terminal: true,
      });
    }
    await this.#git(['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, dir]);
    // Push over HTTP without REMOTE_USER (the server without auth); receive-pack is off by default.
    await this.#git(['--git-dir', dir, 'config', 'http.receivepack', 'true']);
    this.#repos.set(name, {
      name,
      dir,
      defaultBranch,
      auth: opts.auth,
      stats: { total: 0, fetches: 0, pushes: 0, unauthorized: 0 },
      tail: Promise.resolve(),
    });
    return this.repoUrl(name);
  }

  commit(name: string, opts: CommitOptions): Promise<string> {
    const repo = this.#repo(name);
    const ref = `refs/heads/${checkRefName(opts.branch ?? repo.defaultBranch)}`;
    return this.#serialised(repo, async () => {
      const isParentless = opts.parentless === true;
      const parent = isParentless ? undefined : await this.#resolve(repo, ref);
      const script = fastImportScript({
        ref,
        parent,
        files: opts.files,
        message: opts.message,
        author: opts.author ?? DEFAULT_AUTHOR,
        date: opts.date ?? new Date(),
      });
      const args = ['--git-dir', repo.dir, 'fast-import', '--quiet', '--date-format=raw'];
      // --force: let a root commit replace a branch that has history
      if (isParentless) args.push('--force');
      const { stdout } = await this.#git(args, { input: script });
      return checkSha(stdout.trim(), `git fast-import for ${name}`);
    });
  }

  tag(name: string, tagName: string, ref: string, opts: TagOptions = {}): Promise<string> {
    const repo = this.#repo(name);
    checkRefName(tagName, 'tag');
    return this.#serialised(repo, async () => {
      const args = ['--git-dir', repo.dir, 'tag'];
      if (opts.force === true) args.push('--force');
      if (opts.message !== undefined) args.push('--annotate', `--message=${opts.message}`);
      await this.#git([...args, '--', tagName, ref]);
      const sha = await this.#resolve(repo, `refs/tags/${tagName}`);
      return checkSha(sha ?? '', `tag ${tagName} in ${name}`);
    });
  }

  forcePush(name: string, branch: string, sha: string): Promise<void> {
    const repo = this.#repo(name);
    const ref = `refs/heads/${checkRefName(branch)}`;
    return this.#serialised(repo, async () => {
      const commit = await this.#resolve(repo, sha);
      if (commit === undefined) {
        throw new GitfleetError(ErrorCode.NotFound, `repository ${name}: commit ${sha} not found`);
      }
      await this.#git(['--git-dir', repo.dir, 'update-ref', '-m', 'force push', ref, commit]);
    });
  }

  head(name: string, branch?: string): Promise<string | undefined> {
    const repo = this.#repo(name);
    return this.#resolve(repo, `refs/heads/${checkRefName(branch ?? repo.defaultBranch)}`);
  }

  requests(name: string): RepoRequestStats {
    return { ...this.#repo(name).stats };
  }

  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (!this.#http.listening) resolve();
      else this.#http.close(() => resolve());
    });
    this.#http.closeAllConnections();
    for (const child of this.#children.keys()) child.kill('SIGKILL');
    await Promise.all([...this.#children.values()]);
    await closed;
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  #repo(name: string): Repo {
    const repo = this.#repos.get(name);
    if (repo === undefined) {
      throw new GitfleetError(
        ErrorCode.NotFound,
        `repository ${name} not found: create it with createRepo first`,
      );
    }
    return repo;
  }

  #serialised<T>(repo: Repo, fn: () => Promise<T>): Promise<T> {
    const run = repo.tail.then(fn);
    repo.tail = run.catch(() => undefined);
    return run;
  }

  async #resolve(repo: Repo, rev: string): Promise<string | undefined> {
    const { code, stdout } = await this.#git(
      [
        '--git-dir',
        repo.dir,
        'rev-parse',
        '--verify',
        '--quiet',
        '--end-of-options',
        `${rev}^{commit}`,
      ],
      { allowExit: [1] },
    );
    return code === 0 ? stdout.trim() : undefined;
  }

  /** Runs git with the server's isolated env; rejects with PROCESS_FAILED and git's stderr. */
  #git(
    args: readonly string[],
    opts: { input?: Buffer; allowExit?: readonly number[] } = {},
  ): Promise<GitRun> {
    if (this.#closing !== undefined) {
      return Promise.reject(new GitfleetError(ErrorCode.Internal, 'git server is closed'));
    }
    return new Promise((resolve, reject) => {
      const child = spawn(this.#tools.git, args, {
        env: {
          ...this.#env,
          GIT_AUTHOR_NAME: DEFAULT_AUTHOR.name,
          GIT_AUTHOR_EMAIL: DEFAULT_AUTHOR.email,
          GIT_COMMITTER_NAME: DEFAULT_AUTHOR.name,
          GIT_COMMITTER_EMAIL: DEFAULT_AUTHOR.email,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.#track(child);
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
      child.once('error', (err) => {
        reject(
          new GitfleetError(
            ErrorCode.ProcessFailed,
            `git ${args.join(' ')}: could not start: ${err.message}`,
            { cause: err },
          ),
        );
      });
      child.once('close', (code, signal) => {
        if (code !== null && (code === 0 || opts.allowExit?.includes(code) === true)) {
          resolve({ code, stdout: Buffer.concat(out).toString('utf8') });
          return;
        }
        const how = signal === null ? `exited with ${code}` : `was killed by ${signal}`;
        reject(
          new GitfleetError(
            ErrorCode.ProcessFailed,
            `git ${args.join(' ')} ${how}: ${stderr.trim()}`,
          ),
        );
      });
    });
  }

  #track(child: ChildProcess): void {
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    this.#children.set(child, exited);
    void exited.then(() => this.#children.delete(child));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    let pathInfo: string;
    try {
      pathInfo = decodeURIComponent(url.pathname);
    } catch {
      plain(res, 400, 'malformed path\n');
      return;
    }
    const repoName = repoNameOf(pathInfo);
    const repo = repoName === undefined ? undefined : this.#repos.get(repoName);
    const stats = repo?.stats;
    if (stats !== undefined) stats.total++;

    let remoteUser: string | undefined;
    const auth = repo?.auth ?? this.#auth;
    if (auth !== undefined) {
      remoteUser = authorize(req.headers.authorization, auth);
      if (remoteUser === undefined) {
        if (stats !== undefined) stats.unauthorized++;
        res.setHeader('WWW-Authenticate', `Basic realm="${AUTH_REALM}"`);
        plain(res, 401, 'authentication required\n');
        return;
      }
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, POST, HEAD');
      plain(res, 405, 'method not allowed\n');
      return;
    }
    if (stats !== undefined && method === 'GET' && pathInfo.endsWith('/info/refs')) {
      const service = url.searchParams.get('service');
      if (service === 'git-upload-pack') stats.fetches++;
      if (service === 'git-receive-pack') stats.pushes++;
    }
    if (this.#closing !== undefined) {
      plain(res, 503, 'server is closing\n');
      return;
    }
    runGitHttpBackend(req, res, {
      backend: this.#tools.backend,
      env: this.#env,
      projectRoot: this.dir,
      method,
      pathInfo,
      query: url.search.slice(1),
      remoteUser,
      track: (child) => this.#track(child),
    });
  }
}
