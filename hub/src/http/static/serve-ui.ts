/**
 * Serving the web UI at `/ui/` (open: the page holds no data; its API calls carry the token), and
 * `/` redirected there when no route serves `/`. Which file answers a path is decided by
 * ../../core/web/ui-path.ts against the build in memory (./ui-files.ts): the file, `index.html`
 * for a deep link, 404 for a missing asset, 400 for a path that tries to leave the build.
 * GET and HEAD only. Assets (content-hashed) are cached for a year, everything else revalidated
 * (ETag, 304); text is gzip-encoded for a client that accepts it. Every answer carries the
 * security headers (a strict content security policy: the page loads only its own files). No
 * build: 503 saying how to make one.
 */
import type http from 'node:http';
import type { Logger } from '@gitfleet/proto';
import { decideUiPath, isUiPath, UI_BASE } from '../../core/web/ui-path.ts';
import { wantsGzip } from '../compression.ts';
import { UiFiles, type UiBuild } from './ui-files.ts';

/**
 * The security headers of every UI answer; `connectSources`: origins the pages may connect to
 * besides their own (the OIDC issuer of the sign-in, ../../core/api-access/oidc-browser.ts).
 */
export function uiSecurityHeaders(
  connectSources: readonly string[] = [],
): Readonly<Record<string, string>> {
  const connect = ["'self'", ...connectSources].join(' ');
  return {
    'content-security-policy': `default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src ${connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = uiSecurityHeaders();

export const UI_NOT_BUILT = 'the web UI is not built: run npm run build:ui';

export interface UiHandler {
  /** Answers the request when it is the UI's (true), else leaves it to the API (false). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Reads the build (logs once when there is none). */
  start(): Promise<void>;
}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(`${body}\n`);
}

function redirect(res: http.ServerResponse, location: string): void {
  res.statusCode = 302;
  res.setHeader('location', location);
  res.setHeader('cache-control', 'no-store');
  res.end();
}

function ifNoneMatch(req: http.IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (header === undefined) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

function sendFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  build: UiBuild,
  file: string,
  cacheControl: string,
): void {
  const f = build.files.get(file);
  if (f === undefined) {
    text(res, 404, `no file ${file} in the web UI build`);
    return;
  }
  res.setHeader('cache-control', cacheControl);
  res.setHeader('etag', f.etag);
  if (f.gzip !== undefined) res.setHeader('vary', 'accept-encoding');
  if (ifNoneMatch(req, f.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('content-type', f.contentType);
  const body = f.gzip !== undefined && wantsGzip(req) ? f.gzip : f.body;
  if (body === f.gzip) res.setHeader('content-encoding', 'gzip');
  res.setHeader('content-length', String(body.length));
  res.end(body);
}

/** Everything of a request path up to its query. */
function rawPathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * The UI of the build in `dir`. `servesRoot`: a route of the API answers `/` (then `/` is not
 * redirected). `connectSources`: see {@link uiSecurityHeaders}.
 */
export function uiHandler(
  dir: string,
  logger: Logger,
  servesRoot: boolean,
  connectSources: readonly string[] = [],
): UiHandler {
  const files = new UiFiles(dir, logger);
  const headers = uiSecurityHeaders(connectSources);

  async function serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rawPath: string,
  ): Promise<void> {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      text(res, 405, `${req.method ?? ''} ${UI_BASE}: method not allowed (use GET, HEAD)`);
      return;
    }
    const build = await files.current();
    const decision = decideUiPath(rawPath, build?.names ?? new Set());
    switch (decision.kind) {
      case 'none':
        // `/`, redirected to the UI
        redirect(res, `${UI_BASE}/`);
        return;
      case 'redirect': {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        redirect(res, `${decision.location}${q < 0 ? '' : url.slice(q)}`);
        return;
      }
      case 'refused':
        text(res, 400, `path refused: ${decision.reason}`);
        return;
      case 'not-found':
        text(res, 404, `no file ${decision.file} in the web UI build`);
        return;
      case 'file':
        if (build === undefined) {
          res.setHeader('retry-after', '5');
          text(res, 503, UI_NOT_BUILT);
          return;
        }
        sendFile(req, res, build, decision.file, decision.cacheControl);
    }
  }

  return {
    start: () => files.start(),
    handle(req, res) {
      const rawPath = rawPathOf(req);
      if (!isUiPath(rawPath) && (servesRoot || rawPath !== '/')) return false;
      serve(req, res, rawPath).catch((err: unknown) => {
        logger.error('web UI request failed', {
          error: err instanceof Error ? err.message : String(err),
        });
        if (!res.headersSent) text(res, 500, 'the web UI file could not be served');
        else res.destroy();
      });
      return true;
    },
  };
}
