/**
 * The HTTP side of the test fleet's Git server: authorization of a request (HTTP Basic or bearer
 * token), the repository a smart-HTTP path names, and the bridge that runs the real
 * `git http-backend` as CGI (one process per request) and streams its response. The pure parts are
 * unit-tested in git-server.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { TOKEN_USER, type GitServerAuth } from './git-server-api.ts';

const MAX_CGI_HEAD_BYTES = 64 * 1024;
/** How much of a child's stderr is kept for error messages. */
export const MAX_STDERR_CHARS = 4 * 1024;

/** The repository a smart-HTTP path is about: '/team/app.git/info/refs' → 'team/app'. */
export function repoNameOf(pathInfo: string): string | undefined {
  return /^\/(.+?)\.git(?:\/|$)/.exec(pathInfo)?.[1];
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

/** Rejects empty credentials (they would let anybody in). */
export function checkAuthOptions(auth: GitServerAuth): void {
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
  return { status: code, statusText: statusText ?? STATUS_CODES[code] ?? '', headers };
}

/** Answers with a short plain-text body. */
export function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

/** One smart-HTTP request for `git http-backend`, and how to run it. */
export interface CgiRequest {
  /** Path of the `git-http-backend` binary. */
  readonly backend: string;
  /** The server's isolated environment (PATH, HOME, git config). */
  readonly env: Readonly<Record<string, string>>;
  /** Directory holding the bare repositories (GIT_PROJECT_ROOT). */
  readonly projectRoot: string;
  readonly method: string;
  /** The decoded URL path. */
  readonly pathInfo: string;
  /** The query string without '?'. */
  readonly query: string;
  /** The authenticated user, if the server has auth. */
  readonly remoteUser: string | undefined;
  /** Called with the child at once, so that the server can kill it on close. */
  readonly track: (child: ChildProcess) => void;
}

/** Runs `git http-backend` for one request and streams its CGI response back. */
export function runGitHttpBackend(
  req: IncomingMessage,
  res: ServerResponse,
  cgi: CgiRequest,
): void {
  const { method, pathInfo, query, remoteUser } = cgi;
  const env: Record<string, string> = {
    ...cgi.env,
    GIT_PROJECT_ROOT: cgi.projectRoot,
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

  const child = spawn(cgi.backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  cgi.track(child);
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
      if (head.length > MAX_CGI_HEAD_BYTES) fail(502, 'git http-backend sent an oversized header');
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
      fail(502, `git http-backend ended (${signal ?? code}) before its response: ${stderr.trim()}`);
    }
  });
  // The client went away (or close() cut the connection): nobody reads the rest.
  res.once('close', () => {
    if (!res.writableFinished) child.kill('SIGKILL');
  });
}
