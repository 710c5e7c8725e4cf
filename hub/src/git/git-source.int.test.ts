/**
 * IsomorphicGitSource and GitPoller against the real Git server of the test fleet (`git
 * http-backend` over smart HTTP on 127.0.0.1), and against real repositories on the local disk.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { startGitServer } from '../../../test/src/fleet/git-server.ts';
import type { GitServer } from '../../../test/src/fleet/git-server.ts';
import { IsomorphicGitSource, SNAPSHOT_FILE } from './git-source.ts';
import type { IsomorphicGitSourceOptions } from './git-source.ts';
import { GitPoller } from './poller.ts';
import type { FetchResult } from './port.ts';
import { cacheDirName } from './repo-url.ts';

const MIB = 1024 * 1024;
const TOKEN = 'tok-9c41e7d2-secret';
const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n';
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n';
const AUTHOR = {
  name: 't',
  email: 't@example.invalid',
  timestamp: 1_700_000_000,
  timezoneOffset: 0,
};

let work: string;
let server: GitServer;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-git-source-'));
  server = await startGitServer();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function newSource(opts: Partial<IsomorphicGitSourceOptions> = {}): {
  source: IsomorphicGitSource;
  cacheDir: string;
} {
  const cacheDir = fs.mkdtempSync(path.join(work, 'cache-'));
  return { source: new IsomorphicGitSource({ cacheDir, ...opts }), cacheDir };
}

async function rejection(p: Promise<unknown>): Promise<GitfleetError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GitfleetError);
    return err as GitfleetError;
  }
  throw new Error('expected a rejection');
}

/** Everything an error could show: message, cause, details, inspect output. */
function everything(err: GitfleetError): string {
  return [
    err.message,
    String(err.cause),
    JSON.stringify(err.details),
    inspect(err, { depth: 5 }),
  ].join('\n');
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('IsomorphicGitSource over HTTP', () => {
  it('fetches branches and tags, resolves branch, tag, HEAD and (abbreviated) SHA, reads a subdirectory', async () => {
    const url = await server.createRepo('app');
    const c1 = await server.commit('app', {
      files: {
        'apps/web/deploy.yaml': DEPLOY,
        'apps/web/nested/svc.yaml': SERVICE,
        'apps/web-other/x.yaml': 'x: 1\n',
        'README.md': '# app\n',
      },
      message: 'one',
    });
    const dev = await server.commit('app', {
      branch: 'dev',
      files: { 'apps/web/dev.yaml': 'dev: true\n' },
      message: 'dev',
    });
    await server.tag('app', 'v1.0.0', c1, { message: 'release 1' });
    await server.tag('app', 'light', dev);
    const { source, cacheDir } = newSource();

    const first = await source.fetch({ url });
    expect(first.refs).toEqual(
      new Map([
        ['refs/heads/dev', dev],
        ['refs/heads/main', c1],
        ['refs/tags/light', dev],
        ['refs/tags/v1.0.0', c1],
      ]),
    );
    expect(first.defaultBranch).toBe('refs/heads/main');
    expect(first.previous.size).toBe(0);
    expect(first.changes).toHaveLength(4);
    expect(first.changes.every((c) => !c.forced && c.before === undefined)).toBe(true);
    expect(first.bytes).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(cacheDir, cacheDirName(url), SNAPSHOT_FILE))).toBe(true);

    expect(await source.resolve({ url }, 'main')).toBe(c1);
    expect(await source.resolve({ url }, 'HEAD')).toBe(c1);
    expect(await source.resolve({ url }, 'refs/heads/dev')).toBe(dev);
    expect(await source.resolve({ url }, 'v1.0.0')).toBe(c1); // annotated: peeled
    expect(await source.resolve({ url }, 'light')).toBe(dev);
    expect(await source.resolve({ url }, c1)).toBe(c1);
    expect(await source.resolve({ url }, c1.slice(0, 10).toUpperCase())).toBe(c1);

    const missing = await rejection(source.resolve({ url }, 'release/9'));
    expect(missing.code).toBe(ErrorCode.NotFound);
    expect(missing.message).toContain('"release/9"');
    expect(missing.message).toContain(url);
    const unknownSha = await rejection(source.resolve({ url }, 'f'.repeat(40)));
    expect(unknownSha.code).toBe(ErrorCode.NotFound);

    const web = await source.readFiles({ url }, c1, './apps//web/');
    expect(web.path).toBe('apps/web');
    expect([...web.files]).toEqual([
      ['apps/web/deploy.yaml', DEPLOY],
      ['apps/web/nested/svc.yaml', SERVICE],
    ]);
    expect(web.skipped).toEqual([]);
    expect(web.totalBytes).toBe(DEPLOY.length + SERVICE.length);

    const devFiles = await source.readFiles({ url }, dev, 'apps/web');
    expect([...devFiles.files]).toEqual([['apps/web/dev.yaml', 'dev: true\n']]);
    const one = await source.readFiles({ url }, c1, 'apps/web/deploy.yaml');
    expect([...one.files]).toEqual([['apps/web/deploy.yaml', DEPLOY]]);
    const root = await source.readFiles({ url }, c1, '', { include: (p) => p.endsWith('.yaml') });
    expect([...root.files.keys()]).toEqual([
      'apps/web-other/x.yaml',
      'apps/web/deploy.yaml',
      'apps/web/nested/svc.yaml',
    ]);

    const noPath = await rejection(source.readFiles({ url }, c1, 'apps/nope'));
    expect(noPath.code).toBe(ErrorCode.NotFound);
    expect(noPath.message).toContain('"apps/nope"');
    const escape = await rejection(source.readFiles({ url }, c1, 'apps/../../etc'));
    expect(escape.code).toBe(ErrorCode.ConfigInvalid);
    const absolute = await rejection(source.readFiles({ url }, c1, '/etc'));
    expect(absolute.code).toBe(ErrorCode.ConfigInvalid);

    // Nothing changed: the next fetch reports no change.
    const again = await source.fetch({ url });
    expect(again.changes).toEqual([]);
    expect(again.previous).toEqual(first.refs);
  });

  it('sees a new commit on the next fetch; the previous commit stays readable', async () => {
    const url = await server.createRepo('moving');
    const c1 = await server.commit('moving', { files: { 'app/a.yaml': 'a: 1\n' }, message: 'one' });
    const { source } = newSource();
    await source.fetch({ url });
    const c2 = await server.commit('moving', {
      files: { 'app/a.yaml': 'a: 2\n', 'app/b.yaml': 'b: 1\n' },
      message: 'two',
    });

    const result = await source.fetch({ url });
    expect(result.changes).toEqual([
      { ref: 'refs/heads/main', before: c1, after: c2, forced: false },
    ]);
    expect(await source.resolve({ url }, 'main')).toBe(c2);
    expect([...(await source.readFiles({ url }, c2, 'app')).files]).toEqual([
      ['app/a.yaml', 'a: 2\n'],
      ['app/b.yaml', 'b: 1\n'],
    ]);
    expect([...(await source.readFiles({ url }, c1, 'app')).files]).toEqual([
      ['app/a.yaml', 'a: 1\n'],
    ]);

    // A deleted branch disappears from the refs.
    const feature = await server.commit('moving', {
      branch: 'feature',
      files: { 'f.yaml': 'f\n' },
      message: 'feature',
    });
    expect((await source.fetch({ url })).changes).toEqual([
      { ref: 'refs/heads/feature', after: feature, forced: false },
    ]);
    await git.deleteRef({
      fs,
      gitdir: path.join(server.dir, 'moving.git'),
      ref: 'refs/heads/feature',
    });
    expect((await source.fetch({ url })).changes).toEqual([
      { ref: 'refs/heads/feature', before: feature, forced: false },
    ]);
    expect((await rejection(source.resolve({ url }, 'feature'))).code).toBe(ErrorCode.NotFound);
    expect(await source.resolve({ url }, feature)).toBe(feature);
  });

  it('reports a force-push as forced; the dropped commit stays readable by SHA', async () => {
    const url = await server.createRepo('rewind');
    const c1 = await server.commit('rewind', { files: { 'a.yaml': 'v: 1\n' }, message: 'one' });
    const c2 = await server.commit('rewind', { files: { 'a.yaml': 'v: 2\n' }, message: 'two' });
    await server.tag('rewind', 'moving', c2);
    const { source } = newSource();
    await source.fetch({ url });

    await server.forcePush('rewind', 'main', c1);
    const back = await source.fetch({ url });
    expect(back.changes).toEqual([{ ref: 'refs/heads/main', before: c2, after: c1, forced: true }]);
    expect(await source.resolve({ url }, 'main')).toBe(c1);
    expect(await source.resolve({ url }, c2)).toBe(c2);

    const root = await server.commit('rewind', {
      files: { 'only.yaml': 'kind: Namespace\n' },
      message: 'rewrite',
      parentless: true,
    });
    await server.tag('rewind', 'moving', root, { force: true });
    const rewritten = await source.fetch({ url });
    expect(rewritten.changes).toEqual([
      { ref: 'refs/heads/main', before: c1, after: root, forced: true },
      { ref: 'refs/tags/moving', before: c2, after: root, forced: true },
    ]);
    expect([...(await source.readFiles({ url }, root, '')).files.keys()]).toEqual(['only.yaml']);
    expect([...(await source.readFiles({ url }, c2, '')).files]).toEqual([['a.yaml', 'v: 2\n']]);
  });

  it('token auth: no token and a wrong token fail with GIT_AUTH_FAILED, the token never shows', async () => {
    const authed = await startGitServer({ auth: { token: TOKEN } });
    cleanups.push(() => authed.close());
    const url = await authed.createRepo('private');
    const c1 = await authed.commit('private', { files: { 'a.yaml': 'a: 1\n' }, message: 'one' });
    const { source } = newSource();

    const none = await rejection(source.fetch({ url }));
    expect(none.code).toBe(ErrorCode.GitAuthFailed);
    expect(none.message).toContain(url);
    expect(none.message).toContain('configure a token');

    const wrong = await rejection(source.fetch({ url, token: `${TOKEN}-not` }));
    expect(wrong.code).toBe(ErrorCode.GitAuthFailed);
    expect(wrong.message).toContain('rejected the credentials');
    expect(everything(wrong)).not.toContain(TOKEN);

    const ok = await source.fetch({ url, token: TOKEN });
    expect(ok.refs.get('refs/heads/main')).toBe(c1);
    expect(await source.resolve({ url }, 'main')).toBe(c1);

    // A URL that carries the token is refused without echoing it.
    const inUrl = url.replace('http://', `http://user:${TOKEN}@`);
    const refused = await rejection(source.fetch({ url: inUrl }));
    expect(refused.code).toBe(ErrorCode.ConfigInvalid);
    expect(everything(refused)).not.toContain(TOKEN);

    // A failure after auth (server gone) does not show the token either.
    await authed.close();
    const down = await rejection(source.fetch({ url, token: TOKEN }));
    expect(down.code).toBe(ErrorCode.GitFetchFailed);
    expect(everything(down)).not.toContain(TOKEN);
    for (const err of [none, wrong, ok]) expect(inspect(err, { depth: 8 })).not.toContain(TOKEN);
  });

  it('a failing fetch keeps the last good commit readable (also after a restart)', async () => {
    const flaky = await startGitServer();
    cleanups.push(() => flaky.close());
    const url = await flaky.createRepo('flaky');
    const c1 = await flaky.commit('flaky', { files: { 'app/a.yaml': 'a: 1\n' }, message: 'one' });
    const { source, cacheDir } = newSource();
    await source.fetch({ url });
    await flaky.close();

    const failed = await rejection(source.fetch({ url }));
    expect(failed.code).toBe(ErrorCode.GitFetchFailed);
    expect(failed.message).toContain(url);
    expect(failed.message).toContain('the last fetched commits stay in use');
    expect(await source.resolve({ url }, 'main')).toBe(c1);
    expect([...(await source.readFiles({ url }, c1, 'app')).files]).toEqual([
      ['app/a.yaml', 'a: 1\n'],
    ]);

    // A new source on the same cache (a hub restart) answers from the saved snapshot.
    const restarted = new IsomorphicGitSource({ cacheDir });
    expect(await restarted.resolve({ url }, 'main')).toBe(c1);
    expect((await restarted.refs({ url }))?.refs.get('refs/heads/main')).toBe(c1);
  });

  it('a server that never answers fails the fetch at its deadline', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const { source } = newSource({ fetchTimeoutMs: 300 });
      const started = Date.now();
      const err = await rejection(source.fetch({ url: `http://127.0.0.1:${String(port)}/x.git` }));
      expect(err.code).toBe(ErrorCode.GitFetchFailed);
      expect(err.message).toContain('timed out after 300 ms');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('limits: a 2 MiB file, too many files, too many bytes, and a too large fetch', async () => {
    const url = await server.createRepo('big');
    const big = randomBytes(1.5 * MIB).toString('base64'); // 2 MiB that does not compress
    const c1 = await server.commit('big', {
      files: {
        'app/big.yaml': big,
        'app/small.yaml': 'a: 1\n',
        'other/a.yaml': 'a\n',
        'other/b.yaml': 'b\n',
        'other/c.yaml': 'c\n',
      },
      message: 'big',
    });
    const { source } = newSource();
    await source.fetch({ url });

    const tooBig = await rejection(source.readFiles({ url }, c1, 'app'));
    expect(tooBig.code).toBe(ErrorCode.LimitExceeded);
    expect(tooBig.message).toContain('app/big.yaml');
    expect(tooBig.message).toContain('maxFileBytes');
    expect(tooBig.details).toMatchObject({ path: 'app/big.yaml', limit: 'maxFileBytes' });

    const tooMany = await rejection(source.readFiles({ url }, c1, 'other', { maxFiles: 2 }));
    expect(tooMany.code).toBe(ErrorCode.LimitExceeded);
    expect(tooMany.message).toContain('maxFiles');
    const tooMuch = await rejection(
      source.readFiles({ url }, c1, '', { maxFileBytes: 4 * MIB, maxTotalBytes: MIB }),
    );
    expect(tooMuch.code).toBe(ErrorCode.LimitExceeded);
    expect(tooMuch.message).toContain('maxTotalBytes');
    // Left out by `include`: neither read nor counted.
    const small = await source.readFiles({ url }, c1, 'app', {
      include: (p) => !p.endsWith('big.yaml'),
    });
    expect([...small.files.keys()]).toEqual(['app/small.yaml']);

    const { source: capped } = newSource({ maxFetchBytes: 256 * 1024 });
    const fetchLimit = await rejection(capped.fetch({ url }));
    expect(fetchLimit.code).toBe(ErrorCode.LimitExceeded);
    expect(fetchLimit.message).toContain('maxFetchBytes');
    expect(fetchLimit.message).toContain(url);
    expect(await capped.refs({ url })).toBeUndefined();
  });

  it('serialises fetches of one repository: concurrent calls share one more fetch', async () => {
    const url = await server.createRepo('busy');
    await server.commit('busy', { files: { 'a.yaml': 'a\n' }, message: 'one' });
    const { source } = newSource();
    const before = server.requests('busy').fetches;
    const results = await Promise.all([
      source.fetch({ url }),
      source.fetch({ url }),
      source.fetch({ url }),
      source.fetch({ url }),
    ]);
    expect(server.requests('busy').fetches - before).toBe(2);
    expect(results[1]).toBe(results[2]);
    expect(results[2]).toBe(results[3]);
    expect(results[0]).not.toBe(results[1]);
  });
});

describe('IsomorphicGitSource from a local path', () => {
  it('reads the same commits from file:// and an absolute path as over HTTP', async () => {
    const url = await server.createRepo('local');
    const c1 = await server.commit('local', { files: { 'app/a.yaml': 'a: 1\n' }, message: 'one' });
    await server.tag('local', 'v1', c1, { message: 'annotated' });
    const bare = path.join(server.dir, 'local.git');
    const { source } = newSource({ allowLocalRoots: [server.dir, work] });

    for (const local of [bare, `file://${bare}`]) {
      const result = await source.fetch({ url: local });
      expect(result.refs).toEqual(
        new Map([
          ['refs/heads/main', c1],
          ['refs/tags/v1', c1],
        ]),
      );
      expect(result.defaultBranch).toBe('refs/heads/main');
    }
    expect((await source.fetch({ url })).refs).toEqual((await source.refs({ url: bare }))?.refs);
    expect(await source.resolve({ url: bare }, 'v1')).toBe(c1);
    expect([...(await source.readFiles({ url: bare }, c1, 'app')).files]).toEqual([
      ['app/a.yaml', 'a: 1\n'],
    ]);

    const c2 = await server.commit('local', { files: { 'app/a.yaml': 'a: 2\n' }, message: 'two' });
    const next = await source.fetch({ url: bare });
    expect(next.changes).toEqual([
      { ref: 'refs/heads/main', before: c1, after: c2, forced: false },
    ]);
    await server.forcePush('local', 'main', c1);
    const forced = await source.fetch({ url: bare });
    expect(forced.changes).toEqual([
      { ref: 'refs/heads/main', before: c2, after: c1, forced: true },
    ]);
    expect([...(await source.readFiles({ url: bare }, c2, 'app')).files]).toEqual([
      ['app/a.yaml', 'a: 2\n'],
    ]);

    const notRepo = await rejection(source.fetch({ url: work }));
    expect(notRepo.code).toBe(ErrorCode.GitFetchFailed);
    expect(notRepo.message).toContain('not a Git repository');
  });

  it('refuses symlinks and submodules it would read, naming them, and an unsafe tree entry', async () => {
    const gitdir = path.join(work, 'crafted.git');
    await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
    const blob = (text: string): Promise<string> =>
      git.writeBlob({ fs, gitdir, blob: Buffer.from(text) });
    const cm = await blob('kind: ConfigMap\n');
    const link = await blob('/etc/passwd');
    const app = await git.writeTree({
      fs,
      gitdir,
      tree: [
        { mode: '100644', path: 'cm.yaml', oid: cm, type: 'blob' },
        { mode: '120000', path: 'passwd.yaml', oid: link, type: 'blob' },
        { mode: '160000', path: 'vendor', oid: 'a'.repeat(40), type: 'commit' },
      ],
    });
    const root = await git.writeTree({
      fs,
      gitdir,
      tree: [{ mode: '040000', path: 'app', oid: app, type: 'tree' }],
    });
    const commit = await git.writeCommit({
      fs,
      gitdir,
      commit: { tree: root, parent: [], author: AUTHOR, committer: AUTHOR, message: 'crafted\n' },
    });
    await git.writeRef({ fs, gitdir, ref: 'refs/heads/main', value: commit });
    const evilTree = await git.writeTree({
      fs,
      gitdir,
      tree: [{ mode: '100644', path: '..', oid: cm, type: 'blob' }],
    });
    const evilRoot = await git.writeTree({
      fs,
      gitdir,
      tree: [{ mode: '040000', path: 'app', oid: evilTree, type: 'tree' }],
    });
    const evil = await git.writeCommit({
      fs,
      gitdir,
      commit: { tree: evilRoot, parent: [], author: AUTHOR, committer: AUTHOR, message: 'evil\n' },
    });
    await git.writeRef({ fs, gitdir, ref: 'refs/heads/evil', value: evil });

    const { source } = newSource({ allowLocalRoots: [work] });
    await source.fetch({ url: gitdir });
    const linked = await rejection(source.readFiles({ url: gitdir }, commit, 'app'));
    expect(linked.code).toBe(ErrorCode.ManifestInvalid);
    expect(linked.message).toContain(
      'app/passwd.yaml is a symlink; symlinks are not followed: replace app/passwd.yaml with the file it points to',
    );
    expect(linked.details).toMatchObject({ path: 'app/passwd.yaml' });
    const sub = await rejection(
      source.readFiles({ url: gitdir }, commit, 'app', { include: (p) => !p.endsWith('.yaml') }),
    );
    expect(sub.message).toContain('app/vendor is a submodule; submodules are not fetched');
    // entries the filter leaves out are listed, never read
    const files = await source.readFiles({ url: gitdir }, commit, 'app', {
      include: (p) => p.endsWith('cm.yaml'),
    });
    expect([...files.files]).toEqual([['app/cm.yaml', 'kind: ConfigMap\n']]);
    expect(files.skipped).toEqual([
      { path: 'app/passwd.yaml', reason: 'symlink' },
      { path: 'app/vendor', reason: 'submodule' },
    ]);
    const unsafe = await rejection(source.readFiles({ url: gitdir }, evil, 'app'));
    expect(unsafe.code).toBe(ErrorCode.ManifestInvalid);
    expect(unsafe.message).toContain('unsafe');
  });
});

describe('GitPoller', () => {
  it('sees a pushed commit within the poll interval, fetches at once on trigger, reports failures', async () => {
    const polled = await startGitServer();
    cleanups.push(() => polled.close());
    const fastUrl = await polled.createRepo('fast');
    const slowUrl = await polled.createRepo('slow');
    const f1 = await polled.commit('fast', { files: { 'a.yaml': 'a\n' }, message: 'one' });
    const s1 = await polled.commit('slow', { files: { 'a.yaml': 'a\n' }, message: 'one' });
    const { source } = newSource();
    const seen: {
      url: string;
      refs: ReadonlyMap<string, string>;
      previous: ReadonlyMap<string, string>;
      result: FetchResult;
    }[] = [];
    const fast = new GitPoller(
      { intervalMs: 200 },
      {
        source,
        onChange: (url, refs, previous, result) => void seen.push({ url, refs, previous, result }),
      },
    );
    const slow = new GitPoller(
      { intervalMs: 60_000 },
      {
        source,
        onChange: (url, refs, previous, result) => void seen.push({ url, refs, previous, result }),
      },
    );
    cleanups.push(() => fast.close());
    cleanups.push(() => slow.close());
    const last = (url: string): string | undefined =>
      seen
        .filter((s) => s.url === url)
        .at(-1)
        ?.refs.get('refs/heads/main');

    fast.setRepos([{ url: fastUrl }]);
    slow.setRepos([{ url: slowUrl }]);
    await waitUntil('first polls', () => last(fastUrl) === f1 && last(slowUrl) === s1);
    expect(seen.filter((s) => s.url === fastUrl)).toHaveLength(1);

    // Polling: a new commit is seen within about one interval.
    const f2 = await polled.commit('fast', { files: { 'a.yaml': 'b\n' }, message: 'two' });
    const committedAt = Date.now();
    await waitUntil('the poll to see f2', () => last(fastUrl) === f2, 2_000);
    expect(Date.now() - committedAt).toBeLessThan(1_000);
    const change = seen.at(-1);
    expect(change?.previous.get('refs/heads/main')).toBe(f1);
    expect(change?.result.changes).toEqual([
      { ref: 'refs/heads/main', before: f1, after: f2, forced: false },
    ]);
    // Unchanged refs are not reported again.
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.length).toBe(count);

    // Trigger: the 60 s poller fetches now; ssh/https variants of the URL match.
    const s2 = await polled.commit('slow', { files: { 'a.yaml': 'b\n' }, message: 'two' });
    const triggeredAt = Date.now();
    expect(slow.trigger(slowUrl.replace(/\.git$/, ''))).toBe(true);
    expect(slow.trigger('https://elsewhere.example/x.git')).toBe(false);
    await waitUntil('the trigger to see s2', () => last(slowUrl) === s2, 2_000);
    expect(Date.now() - triggeredAt).toBeLessThan(1_000);
    const [slowStatus] = slow.status();
    expect(slowStatus).toMatchObject({ url: slowUrl, consecutiveFailures: 0 });
    expect(slowStatus?.nextPollAtMs).toBeGreaterThan(Date.now() + 30_000);

    // Failures: the server goes away; polling goes on with the error in status.
    await polled.close();
    await waitUntil(
      'a failed poll',
      () => (fast.status()[0]?.consecutiveFailures ?? 0) >= 2,
      5_000,
    );
    const [failing] = fast.status();
    expect(failing?.lastError?.code).toBe(ErrorCode.GitFetchFailed);
    expect(failing?.lastError?.message).toContain(fastUrl);
    expect(failing?.nextPollAtMs).toBeGreaterThan(Date.now());
    expect(await source.resolve({ url: fastUrl }, 'main')).toBe(f2);

    await fast.close();
    await fast.close();
    expect(fast.status()[0]?.nextPollAtMs).toBeUndefined();
  });
});
