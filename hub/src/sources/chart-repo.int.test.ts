/**
 * The chart repository client against real HTTP servers on 127.0.0.1 (Node http, serving bytes
 * the test chooses — what a chart is made of does not matter here, only what the client fetches
 * and checks): the highest matching version and one fetch for many callers; the sha256 check;
 * the time and byte limits; HTTP errors; credentials sent after a 401 and only to the repository's
 * own origin (a redirect elsewhere loses them), never in a problem or a log line.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '@gitfleet/proto';
import type { RemoteDependency } from '../core/render/helm-deps.ts';
import { parseRepoCreds } from '../core/git-creds/index.ts';
import { RepoCredentials } from '../git/repo-creds.ts';
import { resolveSecretFiles } from '../git/repo-creds-options.ts';
import { ChartRepoClient } from './chart-repo.ts';

const PASSWORD = 'chart-repo-password-4f1d2c';
const USER = 'robot';

interface Served {
  readonly status?: number;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Waits this long before answering. */
  readonly delayMs?: number;
  /** Needs `robot:<PASSWORD>`. */
  readonly auth?: boolean;
}

interface Seen {
  readonly path: string;
  readonly authorization?: string;
}

interface Server {
  readonly url: string;
  readonly seen: Seen[];
  routes: Map<string, Served>;
  close(): Promise<void>;
}

async function serve(): Promise<Server> {
  const seen: Seen[] = [];
  const state: { routes: Map<string, Served> } = { routes: new Map() };
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({
      path: p,
      ...(req.headers.authorization === undefined
        ? {}
        : { authorization: req.headers.authorization }),
    });
    const route = state.routes.get(p);
    const answer = (): void => {
      if (route === undefined) {
        res.writeHead(404).end('no');
        return;
      }
      const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
      if (route.auth === true && req.headers.authorization !== basic) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end('no');
        return;
      }
      res.writeHead(route.status ?? 200, route.headers ?? {});
      res.end(route.body ?? '');
    };
    if (route?.delayMs === undefined) answer();
    else setTimeout(answer, route.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${String(address.port)}`,
    seen,
    get routes() {
      return state.routes;
    },
    set routes(r) {
      state.routes = r;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

function index(
  entries: Record<string, { version: string; url: string; digest?: string }[]>,
): string {
  const out = ['apiVersion: v1', 'entries:'];
  for (const [name, versions] of Object.entries(entries)) {
    out.push(`  ${name}:`);
    for (const v of versions) {
      out.push(`    - name: ${name}`, `      version: ${v.version}`, `      urls: ["${v.url}"]`);
      if (v.digest !== undefined) out.push(`      digest: ${v.digest}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const dep = (repository: string, over: Partial<RemoteDependency> = {}): RemoteDependency => ({
  name: 'greeting',
  constraint: '^0.1.0',
  repository,
  file: 'web/Chart.yaml',
  line: 6,
  ...over,
});

let a: Server;
let b: Server;
let dir = '';
const logs: string[] = [];
const logger = jsonLogger((l) => logs.push(l), { level: 'debug' });

beforeAll(async () => {
  a = await serve();
  b = await serve();
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-chart-repo-test-'));
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('ChartRepoClient (real HTTP on loopback)', () => {
  it('fetches the highest matching version once for many callers, its digest checked', async () => {
    const v011 = Buffer.from('archive 0.1.1');
    a.routes = new Map<string, Served>([
      [
        '/stable/index.yaml',
        {
          body: index({
            greeting: [
              { version: '0.1.0', url: 'greeting-0.1.0.tgz', digest: sha('archive 0.1.0') },
              { version: '0.1.1', url: 'greeting-0.1.1.tgz', digest: sha(v011) },
              { version: '0.2.0', url: 'greeting-0.2.0.tgz', digest: sha('archive 0.2.0') },
            ],
          }),
        },
      ],
      ['/stable/greeting-0.1.1.tgz', { body: v011 }],
    ]);
    const client = new ChartRepoClient({}, { logger });
    const before = a.seen.length;
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.fetch([dep(`${a.url}/stable`)])),
    );
    const later = await client.fetch([dep(`${a.url}/stable`)]);
    for (const r of [...results, later]) {
      expect(r).toMatchObject({
        ok: true,
        archives: [{ name: 'greeting', version: '0.1.1', sha256: sha(v011) }],
      });
    }
    expect(a.seen.slice(before).map((s) => s.path)).toEqual([
      '/stable/index.yaml',
      '/stable/greeting-0.1.1.tgz',
    ]);
  });

  it('refuses an archive whose sha256 is not the index digest, and a constraint nothing meets', async () => {
    a.routes = new Map<string, Served>([
      [
        '/bad/index.yaml',
        { body: index({ greeting: [{ version: '0.1.0', url: 'g.tgz', digest: sha('other') }] }) },
      ],
      ['/bad/g.tgz', { body: 'tampered' }],
    ]);
    const client = new ChartRepoClient({}, { logger });
    const got = await client.fetch([
      dep(`${a.url}/bad`),
      dep(`${a.url}/bad`, { name: 'greeting', constraint: '>=2', line: 9 }),
    ]);
    expect(got.ok).toBe(false);
    const problems = got.ok ? [] : got.problems;
    expect(problems.map((p) => [p.file, p.line])).toEqual([
      ['web/Chart.yaml', 6],
      ['web/Chart.yaml', 9],
    ]);
    expect(problems[0]?.message).toMatch(
      new RegExp(
        `dependency "greeting" \\(version "\\^0\\.1\\.0"\\) from chart repository ${a.url}/bad: version 0\\.1\\.0: the archive .* has sha256 ${sha('tampered')}, but the index says ${sha('other')}`,
      ),
    );
    expect(problems[1]?.message).toMatch(
      /no version satisfies the constraint ">=2" \(versions available: 0\.1\.0\)/,
    );
  });

  it.each([
    [
      'a slow repository',
      { delayMs: 2_000, body: 'x' },
      { timeoutMs: 300 },
      /did not arrive within 300 ms \(--chart-repo-timeout\)/,
      'chartRepoTimeout',
    ],
    [
      'an index over the byte limit (declared)',
      { body: 'x'.repeat(5000) },
      { maxIndexBytes: 4096 },
      /index\.yaml is larger than 4096 bytes \(--chart-repo-max-index-bytes\)/,
      'chartRepoMaxIndexBytes',
    ],
    [
      'an index over the byte limit (chunked)',
      { body: 'x'.repeat(5000), headers: { 'transfer-encoding': 'chunked' } },
      { maxIndexBytes: 4096 },
      /larger than 4096 bytes/,
      'chartRepoMaxIndexBytes',
    ],
    [
      'too many versions',
      {
        body: index({
          greeting: Array.from({ length: 20 }, (_, i) => ({
            version: `0.1.${String(i)}`,
            url: 'g.tgz',
          })),
        }),
      },
      { maxIndexEntries: 10 },
      /more than 10 chart versions.*--chart-repo-max-index-entries/,
      'chartRepoMaxIndexEntries',
    ],
    ['no index', { status: 404 }, {}, /answered HTTP 404: check the repository URL/, undefined],
    ['a server error', { status: 503 }, {}, /answered HTTP 503; try again later/, undefined],
    ['not an index', { body: '- a\n- b\n' }, {}, /not a chart repository index/, undefined],
    [
      'an index that is not YAML',
      { body: 'apiVersion: v1\nentries:\n  a: [\n' },
      {},
      /index\.yaml line \d+ is not valid YAML: .*helm repo index/,
      undefined,
    ],
    [
      'an index of aliases',
      {
        body: `entries:\n  a: &a [${Array.from({ length: 1001 }, () => '{}').join(',')}]\n  b: [${Array.from({ length: 1001 }, () => '*a').join(',')}]\n`,
      },
      {},
      /index\.yaml.*not valid YAML/,
      undefined,
    ],
    [
      'a private repository without credentials',
      { auth: true, body: 'x' },
      {},
      /answered HTTP 401: the repository is private; add an entry to --repo-creds-file/,
      undefined,
    ],
  ])(
    'refuses %s, naming the dependency and the limit',
    async (_name, route, settings, why, limit) => {
      a.routes = new Map([['/edge/index.yaml', route]]);
      const client = new ChartRepoClient(settings, { logger });
      const got = await client.fetch([dep(`${a.url}/edge`)]);
      const p = got.ok ? undefined : got.problems[0];
      expect(p).toMatchObject({
        file: 'web/Chart.yaml',
        line: 6,
        ...(limit === undefined ? {} : { limit }),
      });
      expect(p?.message).toMatch(
        /^web\/Chart\.yaml:6: dependency "greeting" \(version "\^0\.1\.0"\) from chart repository /,
      );
      expect(p?.message).toMatch(why);
    },
  );

  it('says so when the repository cannot be reached', async () => {
    const gone = await serve();
    const url = gone.url;
    await gone.close();
    const got = await new ChartRepoClient({}, { logger }).fetch([dep(`${url}/stable`)]);
    expect(got.ok ? '' : got.problems[0]?.message).toMatch(
      /could not be fetched: ECONNREFUSED; check that the repository is up/,
    );
  });

  it('sends credentials after a 401, only to the own origin; never in problems or logs', async () => {
    const credsFile = path.join(dir, 'repo-creds.yaml');
    const pwFile = path.join(dir, 'charts.pw');
    await writeFile(pwFile, `${PASSWORD}\n`);
    await writeFile(
      credsFile,
      [
        `- urlPrefix: ${a.url}/private/`,
        `  username: ${USER}`,
        `  passwordFile: ${pwFile}`,
        '',
      ].join('\n'),
    );
    const parsed = parseRepoCreds(
      [
        `- urlPrefix: ${a.url}/private/`,
        `  username: ${USER}`,
        `  passwordFile: charts.pw`,
        '',
      ].join('\n'),
      credsFile,
    );
    expect(parsed.problems).toEqual([]);
    const credentials = new RepoCredentials({
      entries: resolveSecretFiles(parsed.entries, credsFile),
    });
    const archive = Buffer.from('private archive');
    a.routes = new Map<string, Served>([
      [
        '/private/charts/index.yaml',
        {
          auth: true,
          body: index({
            greeting: [{ version: '0.1.0', url: 'greeting-0.1.0.tgz', digest: sha(archive) }],
            moved: [{ version: '0.1.0', url: 'moved-0.1.0.tgz' }],
          }),
        },
      ],
      ['/private/charts/greeting-0.1.0.tgz', { auth: true, body: archive }],
      // the archive of "moved" is elsewhere: a redirect to another origin
      [
        '/private/charts/moved-0.1.0.tgz',
        { auth: true, status: 302, headers: { location: `${b.url}/mirror/moved-0.1.0.tgz` } },
      ],
    ]);
    b.routes = new Map<string, Served>([['/mirror/moved-0.1.0.tgz', { body: 'moved archive' }]]);
    const client = new ChartRepoClient({}, { logger, credentials });
    const repo = `${a.url}/private/charts`;
    const got = await client.fetch([dep(repo), dep(repo, { name: 'moved' })]);
    expect(got).toMatchObject({
      ok: true,
      archives: [
        { name: 'greeting', sha256: sha(archive) },
        { name: 'moved', sha256: sha('moved archive') },
      ],
    });
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    expect(
      a.seen.filter((s) => s.path === '/private/charts/index.yaml').map((s) => s.authorization),
    ).toEqual([undefined, basic]);
    expect(b.seen.map((s) => s.authorization)).toEqual([undefined]);

    // a wrong password: the entry is named, the secret is not
    await writeFile(pwFile, 'wrong-password-77aa\n');
    const refused = await new ChartRepoClient({}, { logger, credentials }).fetch([dep(repo)]);
    const message = refused.ok ? '' : (refused.problems[0]?.message ?? '');
    expect(message).toMatch(
      /answered HTTP 401 to the repository credentials for .*private\/ .*check that entry's file/,
    );
    for (const text of [message, ...logs]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('wrong-password-77aa');
      expect(text).not.toContain(basic.slice('Basic '.length));
    }
  });
});
