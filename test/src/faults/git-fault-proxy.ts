/**
 * An HTTP proxy in front of the test fleet's Git server (test/src/fleet/git-server.ts) that breaks
 * Git's smart HTTP protocol on purpose, for fault tests. The hub is given the proxy's URL for the
 * fleet repository; fixtures are still written straight into the server's bare repositories.
 *
 * - `pass`: every request is forwarded unchanged.
 * - `error`: every request is answered `500 Internal Server Error` (a broken forge or front end).
 * - `truncate`: ref advertisements pass; an upload-pack result (the packfile a fetch downloads) is
 *   cut to its first half and the response ends cleanly, as a proxy or forge that drops a
 *   connection mid-pack and still closes the chunked body would produce: a complete HTTP answer
 *   holding a corrupt pack.
 *
 * Listens on 127.0.0.1 only and forwards to 127.0.0.1 only.
 */
import http from 'node:http';

export type GitFaultMode = 'pass' | 'error' | 'truncate';

export interface GitFaultStats {
  readonly requests: number;
  /** Requests answered 500 by the `error` mode. */
  readonly failed: number;
  /** Upload-pack results cut by the `truncate` mode. */
  readonly truncated: number;
}

export interface GitFaultProxy {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  mode: GitFaultMode;
  /** The proxied URL of a repository of the upstream server (`<url>/<name>.git`). */
  repoUrl(name: string): string;
  stats(): GitFaultStats;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startGitFaultProxy(upstreamPort: number): Promise<GitFaultProxy> {
  const counts = { requests: 0, failed: 0, truncated: 0 };
  const state: { mode: GitFaultMode } = { mode: 'pass' };
  const server = http.createServer((req, res) => {
    counts.requests++;
    const mode = state.mode;
    if (mode === 'error') {
      counts.failed++;
      req.resume();
      res.writeHead(500, { 'content-type': 'text/plain' }).end('injected fault: 500\n');
      return;
    }
    const cut = mode === 'truncate' && (req.url ?? '').endsWith('/git-upload-pack');
    const headers = { ...req.headers, host: `${HOST}:${upstreamPort}` };
    const up = http.request(
      { host: HOST, port: upstreamPort, method: req.method, path: req.url, headers },
      (upRes) => {
        const out = { ...upRes.headers };
        if (!cut) {
          res.writeHead(upRes.statusCode ?? 502, out);
          upRes.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(chunks);
          counts.truncated++;
          delete out['content-length'];
          res.writeHead(upRes.statusCode ?? 502, out);
          res.end(body.subarray(0, Math.floor(body.length / 2)));
        });
        upRes.on('error', () => res.destroy());
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const a = server.address();
  const port = typeof a === 'object' && a !== null ? a.port : 0;
  const url = `http://${HOST}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    get mode() {
      return state.mode;
    },
    set mode(m: GitFaultMode) {
      state.mode = m;
    },
    repoUrl: (name) => `${url}/${name}.git`,
    stats: () => ({ ...counts }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
