/**
 * A real Git server for the test fleet: bare repositories in a temp dir, served over Git's smart
 * HTTP protocol by the real `git http-backend`, run as CGI (one process per request) behind a Node
 * http server that listens on 127.0.0.1 only. Optional HTTP Basic or bearer-token auth.
 *
 * Fixtures (`commit`, `tag`, `forcePush`) are written straight into the bare repositories with git
 * plumbing (`git fast-import`, `git tag`, `git update-ref`) and are not pushed over HTTP. That needs
 * one process per commit and no work tree, works the same in every auth mode, and keeps fixture
 * setup independent of the transport under test. The transport itself (fetch and push, protocol v0
 * and v2, gzip and chunked request bodies, auth) is proven in test/src/proof/git-http.int.test.ts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { whichOrThrow } from './paths.ts';

/** The only interface the server listens on. */
export const GIT_SERVER_HOST = '127.0.0.1';
export const AUTH_REALM = 'gitfleet';
/** REMOTE_USER for requests authenticated by token alone (bearer, or Basic with no username). */
export const TOKEN_USER = 'token';
export const DEFAULT_AUTHOR: GitAuthor = {
  name: 'gitfleet fixture',
  email: 'fixture@gitfleet.invalid',
};

const MAX_CGI_HEAD_BYTES = 64 * 1024;
const MAX_STDERR_CHARS = 4 * 1024;
const GIT_FIX = 'install it: apt-get install git';

export type GitServerAuth =
  { readonly username: string; readonly password: string } | { readonly token: string };

export interface GitServerOptions {
  /** Port on 127.0.0.1; 0 (the default) lets the OS pick a free one. */
  readonly port?: number;
  /**
   * With auth, every request needs matching credentials or gets 401 + `WWW-Authenticate: Basic`.
   * Token mode accepts Basic with any username and the token as password, or `Bearer <token>`.
   */
  readonly auth?: GitServerAuth;
}

export interface CreateRepoOptions {
  /** Branch HEAD points to and that `commit` uses by default ('main'). */
  readonly defaultBranch?: string;
}

export interface GitAuthor {
  readonly name: string;
  readonly email: string;
}

export interface CommitOptions {
  /** Branch to commit on (the repository's default branch); created when missing. */
  readonly branch?: string;
  /** Paths to write (regular files, mode 100644) or delete (`null`); other paths are kept. */
  readonly files: Readonly<Record<string, string | Uint8Array | null>>;
  /** Commit message; a final newline is added when missing, as `git commit` does. */
  readonly message: string;
  readonly author?: GitAuthor;
  /** Author and committer date (now). Fix it for reproducible SHAs. */
  readonly date?: Date;
  /**
   * Make a root commit that holds only `files` and move the branch to it even though it does not
   * descend from the old tip (a rewritten history; clients must fetch with force).
   */
  readonly parentless?: boolean;
}

export interface TagOptions {
  /** Annotated tag with this message (a lightweight tag without). */
  readonly message?: string;
  /** Move an existing tag. */
  readonly force?: boolean;
}

export interface RepoRequestStats {
  /** Every HTTP request for the repository, rejected ones included. */
  readonly total: number;
  /** Upload-pack ref advertisements (`GET info/refs?service=git-upload-pack`): one per fetch, clone or ls-remote. */
  readonly fetches: number;
  /** Receive-pack ref advertisements: one per push. */
  readonly pushes: number;
  /** Requests answered 401. */
  readonly unauthorized: number;
}

export interface GitServer {
  readonly host: typeof GIT_SERVER_HOST;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Temp dir holding the bare repositories (removed by close). */
  readonly dir: string;
  /** http://127.0.0.1:PORT/<name>.git */
  repoUrl(name: string): string;
  /** `git init --bare` with push over HTTP enabled; resolves to the repository URL. */
  createRepo(name: string, opts?: CreateRepoOptions): Promise<string>;
  /** Makes a real commit on a branch of the bare repository; resolves to its SHA. */
  commit(name: string, opts: CommitOptions): Promise<string>;
  /** Creates (or with force moves) a tag at `ref`; resolves to the SHA of the tagged commit. */
  tag(name: string, tagName: string, ref: string, opts?: TagOptions): Promise<string>;
  /** Moves `branch` to `sha` whether or not it descends from the tip, as `git push --force` would. */
  forcePush(name: string, branch: string, sha: string): Promise<void>;
  /** SHA of the branch tip (default branch), or undefined when the branch does not exist. */
  head(name: string, branch?: string): Promise<string | undefined>;
  /** A snapshot of the HTTP requests seen for a repository. */
  requests(name: string): RepoRequestStats;
  /** Stops listening, kills every child still running, removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

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
// Pure parts (unit-tested in git-server.test.ts)

/** Checks a repository name: '/'-separated segments of [A-Za-z0-9._-], no '.git' suffix. */
export function checkRepoName(name: string): string {
  const segments = name.split('/');
  const isValid = segments.every(
    (s) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s) && !s.endsWith('.git') && !s.includes('..'),
  );
  if (!isValid || name.length > 200) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `repository name ${JSON.stringify(name)} is invalid: use segments of letters, digits, '.', '_', '-' separated by '/' and no '.git' suffix`,
      { terminal: true },
    );
  }
  return name;
}

/** Checks a branch or tag name against the rules of `git check-ref-format` that matter here. */
export function checkRefName(name: string, what = 'branch'): string {
  const isValid =
    name !== '' &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    !name.endsWith('.lock') &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('@{') &&
    name !== '@' &&
    !name.split('/').some((s) => s.startsWith('.')) &&
    // eslint-disable-next-line no-control-regex
    !/[\x00-\x20\x7f~^:?*[\\]/.test(name);
  if (!isValid) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `${what} name ${JSON.stringify(name)} is invalid (see git check-ref-format)`,
      { terminal: true },
    );
  }
  return name;
}

/** Checks a file path inside a repository: relative, '/'-separated, no '.', '..' or '.git' segments. */
export function checkRepoPath(p: string): string {
  const isValid =
    p !== '' &&
    !p.includes('\0') &&
    !p.includes('\n') &&
    p.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && s.toLowerCase() !== '.git');
  if (!isValid) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `file path ${JSON.stringify(p)} is invalid: use a relative '/'-separated path without '.', '..' or '.git' segments`,
      { terminal: true },
    );
  }
  return p;
}

/** The repository a smart-HTTP path is about: '/team/app.git/info/refs' → 'team/app'. */
export function repoNameOf(pathInfo: string): string | undefined {
  return /^\/(.+?)\.git(?:\/|$)/.exec(pathInfo)?.[1];
}

export interface FastImportCommit {
  /** Full ref name, e.g. refs/heads/main. */
  readonly ref: string;
  /** Commit to build on; undefined makes a root commit. */
  readonly parent: string | undefined;
  readonly files: Readonly<Record<string, string | Uint8Array | null>>;
  readonly message: string;
  readonly author: GitAuthor;
  readonly date: Date;
}

/**
 * The `git fast-import` stream for one commit (mark :1), followed by `get-mark :1` so that
 * fast-import prints the new commit's SHA. Paths are C-quoted; contents are counted in bytes.
 */
export function fastImportScript(c: FastImportCommit): Buffer {
  const ident = `${checkIdent(c.author.name)} <${checkIdent(c.author.email)}> ${Math.floor(c.date.getTime() / 1000)} +0000`;
  const parts: Buffer[] = [];
  const line = (s: string): void => {
    parts.push(Buffer.from(`${s}\n`, 'utf8'));
  };
  const data = (content: string | Uint8Array): void => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    line(`data ${bytes.length}`);
    parts.push(bytes, Buffer.from('\n'));
  };
  line(`commit ${c.ref}`);
  line('mark :1');
  line(`author ${ident}`);
  line(`committer ${ident}`);
  data(c.message.endsWith('\n') ? c.message : `${c.message}\n`);
  if (c.parent !== undefined) line(`from ${c.parent}`);
  for (const [p, content] of Object.entries(c.files)) {
    const quoted = quotePath(checkRepoPath(p));
    if (content === null) {
      line(`D ${quoted}`);
    } else {
      line(`M 100644 inline ${quoted}`);
      data(content);
    }
  }
  line('');
  line('get-mark :1');
  return Buffer.concat(parts);
}

function quotePath(p: string): string {
  return `"${p.replace(/[\\"]/g, (ch) => `\\${ch}`).replace(/\t/g, '\\t')}"`;
}

function checkIdent(s: string): string {
  if (s === '' || /[<>\n\0]/.test(s)) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `author ${JSON.stringify(s)} is invalid: no '<', '>' or newlines`,
      { terminal: true },
    );
  }
  return s;
}

/**
 * The REMOTE_USER for an Authorization header that matches `auth`, or undefined. Comparisons run
 * in constant time over SHA-256 digests, so neither content nor length leaks through timing.
 */
export function authorize(header: string | undefined, auth: GitServerAuth): string | undefined {
  if (header === undefined) return undefined;
  const match = /^(\S+)\s+(.+)$/.exec(header.trim());
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2] ?? '';
  if (scheme === 'bearer') {
    return 'token' in auth && safeEqual(value, auth.token) ? TOKEN_USER : undefined;
  }
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if ('token' in auth) {
    if (!safeEqual(password, auth.token)) return undefined;
    return username === '' ? TOKEN_USER : username;
  }
  const isUserOk = safeEqual(username, auth.username);
  const isPasswordOk = safeEqual(password, auth.password);
  return isUserOk && isPasswordOk ? username : undefined;
}

function safeEqual(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function checkAuthOptions(auth: GitServerAuth): void {
  const isEmpty =
    'token' in auth ? auth.token === '' : auth.username === '' || auth.password === '';
  if (isEmpty) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      'git server auth: token, username and password must not be empty',
      { terminal: true },
    );
  }
}

/** Where a CGI response head ends: the first blank line (LF LF or CRLF CRLF). */
export function findHeadEnd(buf: Buffer): { headEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return undefined;
  if (lf >= 0 && (crlf < 0 || lf < crlf)) return { headEnd: lf, bodyStart: lf + 2 };
  return { headEnd: crlf, bodyStart: crlf + 4 };
}

export interface CgiHead {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
}

/** Parses CGI response headers: `Status: 404 Not Found` sets the status (302 for a bare Location). */
export function parseCgiHead(head: string): CgiHead {
  let status: number | undefined;
  let statusText: string | undefined;
  const headers: Record<string, string | string[]> = {};
  for (const line of head.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new GitfleetError(
        ErrorCode.ProtocolViolation,
        `CGI response header line is malformed: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const m = /^([1-5]\d\d)(?:\s+(.*))?$/.exec(value);
      if (m?.[1] === undefined) {
        throw new GitfleetError(
          ErrorCode.ProtocolViolation,
          `CGI Status header is malformed: ${JSON.stringify(value)}`,
        );
      }
      status = Number(m[1]);
      statusText = m[2];
      continue;
    }
    const previous = headers[name];
    headers[name] =
      previous === undefined
        ? value
        : Array.isArray(previous)
          ? [...previous, value]
          : [previous, value];
  }
  const hasLocation = Object.keys(headers).some((h) => h.toLowerCase() === 'location');
  const code = status ?? (hasLocation ? 302 : 200);
  return { status: code, statusText: statusText ?? http.STATUS_CODES[code] ?? '', headers };
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
    const stats = repoName === undefined ? undefined : this.#repos.get(repoName)?.stats;
    if (stats !== undefined) stats.total++;

    let remoteUser: string | undefined;
    if (this.#auth !== undefined) {
      remoteUser = authorize(req.headers.authorization, this.#auth);
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
    this.#runCgi(req, res, method, pathInfo, url.search.slice(1), remoteUser);
  }

  /** Runs `git http-backend` for one request and streams its CGI response back. */
  #runCgi(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    pathInfo: string,
    query: string,
    remoteUser: string | undefined,
  ): void {
    if (this.#closing !== undefined) {
      plain(res, 503, 'server is closing\n');
      return;
    }
    const env: Record<string, string> = {
      ...this.#env,
      GIT_PROJECT_ROOT: this.dir,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
      REQUEST_METHOD: method,
      PATH_INFO: pathInfo,
      QUERY_STRING: query,
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
    };
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    const optional: Record<string, string | undefined> = {
      CONTENT_TYPE: header('content-type'),
      // Absent for chunked bodies: http-backend then reads stdin to EOF.
      CONTENT_LENGTH: header('content-length'),
      HTTP_CONTENT_ENCODING: header('content-encoding'),
      GIT_PROTOCOL: header('git-protocol'),
      REMOTE_USER: remoteUser,
    };
    for (const [k, v] of Object.entries(optional)) if (v !== undefined) env[k] = v;

    const child = spawn(this.#tools.backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#track(child);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
    });
    // EPIPE when http-backend answers (e.g. 404) without reading the body
    child.stdin.on('error', () => undefined);
    req.pipe(child.stdin);

    let isHeadDone = false;
    const fail = (status: number, message: string): void => {
      isHeadDone = true;
      child.kill('SIGKILL');
      if (res.headersSent) res.destroy();
      else plain(res, status, `${message}\n`);
    };
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = findHeadEnd(head);
      if (end === undefined) {
        if (head.length > MAX_CGI_HEAD_BYTES)
          fail(502, 'git http-backend sent an oversized header');
        return;
      }
      isHeadDone = true;
      child.stdout.off('data', onData);
      child.stdout.pause();
      let parsed: CgiHead;
      try {
        parsed = parseCgiHead(head.subarray(0, end.headEnd).toString('latin1'));
      } catch (err) {
        fail(502, err instanceof Error ? err.message : String(err));
        return;
      }
      res.writeHead(parsed.status, parsed.statusText, parsed.headers);
      res.write(head.subarray(end.bodyStart));
      child.stdout.pipe(res);
    };
    child.stdout.on('data', onData);
    child.once('error', (err) => {
      if (!isHeadDone) fail(500, `git http-backend could not start: ${err.message}`);
    });
    child.once('close', (code, signal) => {
      if (!isHeadDone) {
        fail(
          502,
          `git http-backend ended (${signal ?? code}) before its response: ${stderr.trim()}`,
        );
      }
    });
    // The client went away (or close() cut the connection): nobody reads the rest.
    res.once('close', () => {
      if (!res.writableFinished) child.kill('SIGKILL');
    });
  }
}

function plain(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

function checkSha(sha: string, what: string): string {
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha)) {
    throw new GitfleetError(
      ErrorCode.ProcessFailed,
      `${what}: expected a commit SHA, got ${JSON.stringify(sha.slice(0, 80))}`,
    );
  }
  return sha;
}
