/**
 * A real helm chart repository for tests: charts packaged and indexed by the real helm binary
 * (`helm package`, `helm repo index`) into a temporary directory, served as static files by a
 * Node http server on 127.0.0.1. Each repository is a path below the server (`/stable`,
 * `/private`); one may require HTTP Basic credentials. Every request is recorded (path, status
 * and whether it carried an Authorization header) so that tests can count fetches.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ChartRepoRequest {
  readonly path: string;
  readonly status: number;
  readonly authorized: boolean;
}

export interface ChartRepoServerOptions {
  /** The helm binary that packages and indexes the charts. */
  readonly helm: string;
  /** Repository path (e.g. `private`) → the Basic credentials it requires. */
  readonly auth?: Readonly<Record<string, { username: string; password: string }>>;
}

export interface ChartRepoServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: readonly ChartRepoRequest[];
  /** The URL of a repository: `<url>/<repo>`. */
  repoUrl(repo: string): string;
  /**
   * Packages the chart `files` (paths relative to the chart directory, with a Chart.yaml) into
   * repository `repo` and indexes the repository again.
   */
  publish(repo: string, files: Readonly<Record<string, string>>): Promise<void>;
  /** Replaces the bytes of a file the repository serves (the index is left as it is). */
  overwrite(repo: string, file: string, content: string | Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function startChartRepo(opts: ChartRepoServerOptions): Promise<ChartRepoServer> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-chart-repo-'));
  const home = path.join(root, '.helm');
  const served = path.join(root, 'repos');
  await mkdir(served, { recursive: true });
  const requests: ChartRepoRequest[] = [];
  const helmEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter((p) => p !== '');
    const answer = (status: number, body: string | Buffer, type = 'text/plain'): void => {
      requests.push({
        path: url.pathname,
        status,
        authorized: req.headers.authorization !== undefined,
      });
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const [repo, file] = parts;
    if (req.method !== 'GET' || parts.length !== 2 || repo === undefined || file === undefined) {
      answer(404, 'not found\n');
      return;
    }
    if (!SAFE.test(repo) || !SAFE.test(file)) {
      answer(404, 'not found\n');
      return;
    }
    const need = opts.auth?.[repo];
    if (need !== undefined) {
      const want = `Basic ${Buffer.from(`${need.username}:${need.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        res.setHeader('www-authenticate', 'Basic realm="charts"');
        answer(401, 'unauthorized\n');
        return;
      }
    }
    readFile(path.join(served, repo, file)).then(
      (body) =>
        answer(200, body, file.endsWith('.tgz') ? 'application/gzip' : 'application/x-yaml'),
      () => answer(404, 'not found\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('chart repo: no port');
  const url = `http://127.0.0.1:${String(address.port)}`;

  return {
    url,
    requests,
    repoUrl: (repo) => `${url}/${repo}`,
    async publish(repo, files) {
      if (!SAFE.test(repo)) throw new Error(`chart repo: bad repository name ${repo}`);
      const src = await mkdtemp(path.join(root, 'src-'));
      try {
        for (const [file, text] of Object.entries(files)) {
          const to = path.join(src, 'chart', file);
          await mkdir(path.dirname(to), { recursive: true });
          await writeFile(to, text);
        }
        const dir = path.join(served, repo);
        await mkdir(dir, { recursive: true });
        await run(opts.helm, ['package', path.join(src, 'chart'), '--destination', dir], {
          env: helmEnv,
        });
        await run(opts.helm, ['repo', 'index', dir], { env: helmEnv });
      } finally {
        await rm(src, { recursive: true, force: true });
      }
    },
    async overwrite(repo, file, content) {
      if (!SAFE.test(repo) || !SAFE.test(file))
        throw new Error(`chart repo: bad path ${repo}/${file}`);
      await writeFile(path.join(served, repo, file), content);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
