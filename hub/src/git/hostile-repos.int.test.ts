/**
 * IsomorphicGitSource against hostile or unusual repositories, served by the real Git server of
 * the test fleet (`git http-backend` on 127.0.0.1) and built with real git: a server whose HEAD
 * names a missing branch, a large file, a file that inflates 1,000×, 100,000 files, a deep tree,
 * symlinks and submodules, paths that leave the repository, and local sources. Each answer is a
 * typed error naming the file or URL and the limit or flag, and nothing already fetched is lost.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { startGitServer } from '../../../test/src/fleet/git-server.ts';
import type { GitServer } from '../../../test/src/fleet/git-server.ts';
import { parseFleet } from '../core/fleet/index.ts';
import type { ProbeResult } from './__fixtures__/rss-probe.ts';
import { IsomorphicGitSource } from './git-source.ts';
import type { IsomorphicGitSourceOptions } from './git-source.ts';

const MIB = 1024 * 1024;
const PROBE = fileURLToPath(new URL('./__fixtures__/rss-probe.ts', import.meta.url));
const FLEET = `apiVersion: gitfleet.dev/v1alpha1
kind: Target
metadata: { name: edge-1, labels: { env: prod } }
`;

let work: string;
let server: GitServer;
const GIT_ENV = (): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'],
  HOME: work,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_DATE: '1700000000 +0000',
});

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-hostile-'));
  server = await startGitServer();
});

afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

/** Runs a command to completion; rejects with its stderr when it fails. */
function run(
  cmd: string,
  args: readonly string[],
  opts: { input?: Buffer | string; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: GIT_ENV(), stdio: 'pipe' });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${String(code)}: ${err}`));
    });
  });
}

/** A tree to write with git plumbing: files, directories, symlinks, submodules, raw entries. */
type Entry =
  | string
  | Buffer
  | { readonly file: string } // a file already on disk (hashed without loading it)
  | { readonly symlink: string }
  | { readonly submodule: string }
  | { readonly mode: string; readonly type: string; readonly oid: string }
  | { readonly [name: string]: Entry };

interface Plumbing {
  blob(content: string | Buffer | { file: string }): Promise<string>;
  tree(entries: Readonly<Record<string, Entry>>): Promise<string>;
  /** Commits `tree` on `branch` (after its tip, if any); resolves to the commit. */
  commit(tree: string, branch?: string): Promise<string>;
}

function plumbing(gitdir: string): Plumbing {
  const git = (args: readonly string[], input?: Buffer | string): Promise<string> =>
    run('git', ['--git-dir', gitdir, ...args], input === undefined ? {} : { input });
  const blob = async (content: string | Buffer | { file: string }): Promise<string> =>
    (typeof content === 'object' && 'file' in content
      ? await git(['hash-object', '-w', '--', content.file])
      : await git(['hash-object', '-w', '--stdin'], content)
    ).trim();
  const tree = async (entries: Readonly<Record<string, Entry>>): Promise<string> => {
    const lines: string[] = [];
    for (const [name, e] of Object.entries(entries)) {
      if (typeof e === 'string' || Buffer.isBuffer(e) || 'file' in e) {
        lines.push(`100644 blob ${await blob(e as string | Buffer | { file: string })}\t${name}`);
      } else if ('symlink' in e && typeof e.symlink === 'string') {
        lines.push(`120000 blob ${await blob(e.symlink)}\t${name}`);
      } else if ('submodule' in e && typeof e.submodule === 'string') {
        lines.push(`160000 commit ${e.submodule}\t${name}`);
      } else if ('oid' in e && typeof e.oid === 'string') {
        const raw = e as { mode: string; type: string; oid: string };
        lines.push(`${raw.mode} ${raw.type} ${raw.oid}\t${name}`);
      } else {
        lines.push(`040000 tree ${await tree(e)}\t${name}`);
      }
    }
    return (await git(['mktree', '--missing'], `${lines.join('\n')}\n`)).trim();
  };
  const commit = async (treeOid: string, branch = 'main'): Promise<string> => {
    const parent = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).catch(
      () => '',
    );
    const args = ['commit-tree', treeOid, '-m', 'fixture'];
    if (parent.trim() !== '') args.push('-p', parent.trim());
    const sha = (await git(args)).trim();
    await git(['update-ref', `refs/heads/${branch}`, sha]);
    return sha;
  };
  return { blob, tree, commit };
}

async function newRepo(name: string): Promise<{ url: string; git: Plumbing; gitdir: string }> {
  const url = await server.createRepo(name);
  const gitdir = path.join(server.dir, `${name}.git`);
  return { url, git: plumbing(gitdir), gitdir };
}

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

/** A file of `bytes` zeros on disk, made sparse (instant, whatever its size). */
async function zerosFile(name: string, bytes: number): Promise<string> {
  const file = path.join(work, name);
  const handle = await open(file, 'w');
  await handle.truncate(bytes);
  await handle.close();
  return file;
}

/** Runs rss-probe.ts in a fresh Node process; resolves to what it printed. */
async function probe(request: Record<string, unknown>): Promise<ProbeResult> {
  const out = await run(process.execPath, [PROBE, JSON.stringify(request)]);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ProbeResult;
}

describe('a server whose HEAD names a branch that does not exist', () => {
  it('fetches every branch and tag; the configured branch resolves; HEAD does not', async () => {
    // `git init --bare` with HEAD → master, and only `main` pushed to it over HTTP by real git
    const url = await server.createRepo('headless', { defaultBranch: 'master' });
    const wt = path.join(work, 'headless-wt');
    await run('git', ['init', '-q', '-b', 'main', wt]);
    await writeFile(path.join(wt, 'fleet.yaml'), FLEET);
    await run('git', ['-C', wt, 'add', '.']);
    await run('git', ['-C', wt, 'commit', '-q', '-m', 'one']);
    await run('git', ['-C', wt, 'tag', 'v1']);
    await run('git', ['-C', wt, 'push', '-q', url, 'main', 'v1']);
    const main = (await run('git', ['-C', wt, 'rev-parse', 'HEAD'])).trim();
    expect(await server.head('headless', 'master')).toBeUndefined();

    const { source } = newSource();
    const fetched = await source.fetch({ url, branch: 'main' });
    expect(fetched.refs).toEqual(
      new Map([
        ['refs/heads/main', main],
        ['refs/tags/v1', main],
      ]),
    );
    expect(fetched.defaultBranch).toBeUndefined();
    expect(await source.resolve({ url }, 'main')).toBe(main);
    expect(await source.resolve({ url }, 'v1')).toBe(main);
    expect([...(await source.readFiles({ url }, main, '')).files]).toEqual([['fleet.yaml', FLEET]]);
    expect((await rejection(source.resolve({ url }, 'HEAD'))).code).toBe(ErrorCode.NotFound);

    // without a branch hint, and on the next fetch: a new commit is seen
    await writeFile(path.join(wt, 'fleet.yaml'), `${FLEET}# two\n`);
    await run('git', ['-C', wt, 'commit', '-q', '-am', 'two']);
    await run('git', ['-C', wt, 'push', '-q', url, 'main']);
    const two = (await run('git', ['-C', wt, 'rev-parse', 'HEAD'])).trim();
    const next = await source.fetch({ url });
    expect(next.changes).toEqual([
      { ref: 'refs/heads/main', before: main, after: two, forced: false },
    ]);
  });
});

describe('bounds', () => {
  it('a 5 MB file anywhere: the read that includes it fails naming file and limit; others read', async () => {
    const { url, git } = await newRepo('big-file');
    // a vendored CRD bundle: plain YAML, compressible like the real thing
    const bundle = Array.from(
      { length: 80_000 },
      (_, i) => `- name: field${String(i)}\n  type: string\n  description: a field of the CRD\n`,
    ).join('');
    expect(bundle.length).toBeGreaterThan(5 * MIB);
    const commit = await git.commit(
      await git.tree({
        'fleet.yaml': FLEET,
        apps: { crds: { 'bundle.yaml': bundle }, web: { 'deploy.yaml': 'kind: Deployment\n' } },
      }),
    );
    const { source } = newSource();
    await source.fetch({ url });

    const app = await rejection(source.readFiles({ url }, commit, 'apps/crds'));
    expect(app.code).toBe(ErrorCode.LimitExceeded);
    expect(app.message).toContain(
      `file apps/crds/bundle.yaml is ${String(bundle.length)} bytes (limit maxFileBytes = 1048576)`,
    );
    expect(app.details).toMatchObject({ path: 'apps/crds/bundle.yaml', limit: 'maxFileBytes' });
    // the fleet read (every .yaml of the repository) includes it, and fails the same way
    const fleet = await rejection(
      source.readFiles({ url }, commit, '', { include: (p) => p.endsWith('.yaml') }),
    );
    expect(fleet.details).toMatchObject({ path: 'apps/crds/bundle.yaml', limit: 'maxFileBytes' });
    // reads that do not include it are unaffected
    expect([...(await source.readFiles({ url }, commit, 'apps/web')).files.keys()]).toEqual([
      'apps/web/deploy.yaml',
    ]);
    expect([
      ...(
        await source.readFiles({ url }, commit, '', { include: (p) => p === 'fleet.yaml' })
      ).files.keys(),
    ]).toEqual(['fleet.yaml']);
    // the limit is a setting
    const { source: roomy } = newSource({ maxFileBytes: 8 * MIB });
    await roomy.fetch({ url });
    const read = await roomy.readFiles({ url }, commit, 'apps/crds');
    expect(read.files.get('apps/crds/bundle.yaml')?.length).toBe(bundle.length);
  });

  it('a file that inflates 1,000× is refused from its header: the read never inflates it', async () => {
    const { url, git } = await newRepo('zeros-read');
    const commit = await git.commit(
      await git.tree({
        'fleet.yaml': FLEET,
        apps: {
          bomb: {
            'ok.yaml': 'kind: ConfigMap\n',
            'zeros.yaml': { file: await zerosFile('z24', 24 * MIB) },
          },
        },
      }),
    );
    const { source, cacheDir } = newSource();
    const fetched = await source.fetch({ url });
    expect(fetched.bytes).toBeLessThan(MIB); // 24 MiB that travel as ~25 KiB
    expect(fetched.refs.get('refs/heads/main')).toBe(commit);

    // a fresh process reads from the same cache; its peak RSS must not grow by the file's size
    const result = await probe({
      cacheDir,
      op: 'read',
      url,
      path: 'apps/bomb',
      warmFile: 'ok.yaml',
    });
    expect(result.code).toBe(ErrorCode.LimitExceeded);
    expect(result.message).toContain(
      `file apps/bomb/zeros.yaml is ${String(24 * MIB)} bytes (limit maxFileBytes = 1048576)`,
    );
    expect(result.afterKiB - result.beforeKiB).toBeLessThan(16 * 1024);
  });

  it('a file that inflates 1,000× past maxObjectBytes: the fetch refuses it before inflating', async () => {
    const { url, git } = await newRepo('zeros-fetch');
    await git.commit(
      await git.tree({
        'fleet.yaml': FLEET,
        'zeros.bin': { file: await zerosFile('z128', 128 * MIB) },
      }),
    );
    const warm = await newRepo('zeros-warm');
    await warm.git.commit(await warm.git.tree({ 'fleet.yaml': FLEET }));
    const cacheDir = fs.mkdtempSync(path.join(work, 'cache-'));

    // defaults: maxObjectBytes = 100 MiB
    const result = await probe({ cacheDir, op: 'fetch', url, warmUrl: warm.url });
    expect(result.code).toBe(ErrorCode.LimitExceeded);
    expect(result.message).toContain(`Git repository ${url}: the fetch brings a blob`);
    expect(result.message).toContain(
      `of ${String(128 * MIB)} bytes once inflated, refused before inflating it; the last fetched commits stay in use (limit maxObjectBytes = ${String(100 * MIB)})`,
    );
    expect(result.afterKiB - result.beforeKiB).toBeLessThan(32 * 1024);

    // nothing of the refused fetch is in force; a later good fetch of another repo still works
    const source = new IsomorphicGitSource({ cacheDir });
    expect(await source.refs({ url })).toBeUndefined();
    expect((await source.fetch({ url: warm.url })).refs.size).toBe(1);
  });

  it('100,000 files: the walk stops at maxTreeEntries, quickly; a raised limit walks them all', async () => {
    const { url, git } = await newRepo('many-files');
    const leaf = await git.blob('x\n');
    const dir = await git.tree(
      Object.fromEntries(
        Array.from({ length: 1_000 }, (_, i) => [
          `f${String(i).padStart(4, '0')}.txt`,
          { mode: '100644', type: 'blob', oid: leaf },
        ]),
      ),
    );
    const root: Record<string, Entry> = { 'fleet.yaml': FLEET };
    for (let i = 0; i < 100; i++) {
      root[`d${String(i).padStart(3, '0')}`] = { mode: '040000', type: 'tree', oid: dir };
    }
    const commit = await git.commit(await git.tree(root));
    const { source } = newSource();
    await source.fetch({ url });

    const started = Date.now();
    const err = await rejection(
      source.readFiles({ url }, commit, '', { include: (p) => p.endsWith('.yaml') }),
    );
    expect(err.code).toBe(ErrorCode.LimitExceeded);
    expect(err.message).toMatch(
      /more than 50000 entries walked under the repository root \(reached at d\d{3}\) \(limit maxTreeEntries = 50000\)/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);

    const whole = await source.readFiles({ url }, commit, '', {
      include: (p) => p.endsWith('.yaml'),
      maxTreeEntries: 200_000,
    });
    expect([...whole.files.keys()]).toEqual(['fleet.yaml']);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a tree nested deeper than maxTreeDepth fails the read naming the directory', async () => {
    const url = await server.createRepo('deep');
    const commit = await server.commit('deep', {
      files: { 'fleet.yaml': FLEET, [`deep/${'d/'.repeat(70)}leaf.yaml`]: 'kind: ConfigMap\n' },
      message: 'deep',
    });
    const { source } = newSource();
    await source.fetch({ url });
    const err = await rejection(source.readFiles({ url }, commit, ''));
    expect(err.code).toBe(ErrorCode.LimitExceeded);
    expect(err.message).toMatch(
      /directory deep(\/d){64} is nested 65 levels deep \(limit maxTreeDepth = 64\)/,
    );
    const shallow = await source.readFiles({ url }, commit, '', { maxTreeDepth: 100 });
    expect(shallow.files.size).toBe(2);
  });
});

describe('symlinks, submodules and paths that leave the repository', () => {
  it('a symlink anywhere the hub reads fails the read, naming it and what to do', async () => {
    const { url, git } = await newRepo('links');
    const commit = await git.commit(
      await git.tree({
        'fleet.yaml': FLEET,
        'README.md': { symlink: 'docs/README.md' },
        apps: {
          web: { 'deploy.yaml': 'kind: Deployment\n', 'passwd.yaml': { symlink: '/etc/passwd' } },
          alias: { symlink: 'web' },
          vendored: { 'chart.yaml': 'kind: ConfigMap\n', lib: { submodule: 'ab'.repeat(20) } },
        },
      }),
    );
    const { source } = newSource();
    await source.fetch({ url });
    const cases: [string, ((p: string) => boolean) | undefined, string][] = [
      [
        'apps/web',
        undefined,
        'apps/web/passwd.yaml is a symlink; symlinks are not followed: replace apps/web/passwd.yaml with the file it points to',
      ],
      ['', (p) => p.endsWith('.yaml'), 'apps/web/passwd.yaml is a symlink'],
      ['apps/alias', undefined, 'apps/alias is a symlink; symlinks are not followed'],
      [
        'apps/alias/deploy.yaml',
        undefined,
        'path "apps/alias/deploy.yaml" goes through apps/alias, a symlink',
      ],
      ['apps/vendored', undefined, 'apps/vendored/lib is a submodule; submodules are not fetched'],
    ];
    for (const [base, include, message] of cases) {
      const err = await rejection(
        source.readFiles({ url }, commit, base, include === undefined ? {} : { include }),
      );
      expect(err.code).toBe(ErrorCode.ManifestInvalid);
      expect(err.message).toContain(`Git repository ${url} at ${commit.slice(0, 12)}: `);
      expect(err.message).toContain(message);
    }
    // a link the read would not include is listed, not an error
    const fleet = await source.readFiles({ url }, commit, '', {
      include: (p) => p === 'fleet.yaml',
    });
    expect([...fleet.files.keys()]).toEqual(['fleet.yaml']);
    expect(fleet.skipped.map((s) => s.path)).toEqual([
      'README.md',
      'apps/alias',
      'apps/vendored/lib',
      'apps/web/passwd.yaml',
    ]);
  });

  it("'..' and absolute paths: refused by the fleet (located) and by the reader", async () => {
    const { url, git } = await newRepo('escape');
    const app = (name: string, p: string): string => `---
apiVersion: gitfleet.dev/v1alpha1
kind: Application
metadata: { name: ${name} }
spec:
  source: { path: ${JSON.stringify(p)} }
  placement: { selector: {} }
`;
    const fleetText = `${FLEET}${app('up', '../../etc')}${app('abs', '/etc')}${app('mid', 'apps/../../x')}`;
    const commit = await git.commit(
      await git.tree({ 'fleet.yaml': fleetText, apps: { 'a.yaml': 'a: 1\n' } }),
    );
    const { source } = newSource();
    await source.fetch({ url });
    const read = await source.readFiles({ url }, commit, '', {
      include: (p) => p.endsWith('.yaml'),
    });
    const problems = parseFleet(read.files).problems.filter((p) => p.field.endsWith('source.path'));
    expect(problems.map((p) => [p.file, p.line, p.message])).toEqual([
      ['fleet.yaml', 9, expect.stringContaining("must not contain '..'")],
      ['fleet.yaml', 16, expect.stringContaining('must be relative to the repository root')],
      ['fleet.yaml', 23, expect.stringContaining("must not contain '..'")],
    ]);
    for (const p of ['../../etc', '/etc', 'apps/../../x', 'apps\\..\\..', '..']) {
      const err = await rejection(source.readFiles({ url }, commit, p));
      expect(err.code).toBe(ErrorCode.ConfigInvalid);
      expect(err.message).toContain(JSON.stringify(p));
    }
  });
});

describe('sources are confined', () => {
  it('file:// and local paths are refused by default, naming the URL and the flag', async () => {
    const url = await server.createRepo('local-src');
    const c1 = await server.commit('local-src', { files: { 'fleet.yaml': FLEET }, message: 'one' });
    const bare = path.join(server.dir, 'local-src.git');
    const { source } = newSource();
    for (const local of [`file://${bare}`, bare]) {
      for (const call of [
        () => source.fetch({ url: local }),
        () => source.resolve({ url: local }, 'main'),
        () => source.readFiles({ url: local }, c1, ''),
      ]) {
        const err = await rejection(call());
        expect(err.code).toBe(ErrorCode.SourceRefused);
        expect(err.message).toContain(`Git repository file://${bare} is a local repository`);
        expect(err.message).toContain(
          '--allow-local-sources DIR[,DIR…] (GITFLEET_ALLOW_LOCAL_SOURCES)',
        );
      }
    }
    // a fleet may declare one (the parser accepts file://); the source refuses to read it
    const declared = parseFleet(
      new Map([
        [
          'fleet.yaml',
          `apiVersion: gitfleet.dev/v1alpha1
kind: Application
metadata: { name: sneaky }
spec:
  source: { repoURL: "file://${bare}", path: "." }
  placement: { selector: {} }
`,
        ],
      ]),
    );
    const repoURL = declared.spec.applications[0]?.source.repoURL ?? '';
    expect(repoURL).toBe(`file://${bare}`);
    expect((await rejection(source.fetch({ url: repoURL }))).code).toBe(ErrorCode.SourceRefused);
    // over HTTP the same repository is fine
    expect((await source.fetch({ url })).refs.get('refs/heads/main')).toBe(c1);
  });

  it('allowed roots: inside is read; outside, a symlink leading out, and the cache are refused', async () => {
    await server.createRepo('rooted');
    const c1 = await server.commit('rooted', { files: { 'fleet.yaml': FLEET }, message: 'one' });
    const bare = path.join(server.dir, 'rooted.git');
    const root = await mkdtemp(path.join(work, 'root-'));
    const { source } = newSource({ allowLocalRoots: [server.dir, root] });
    expect((await source.fetch({ url: bare })).refs.get('refs/heads/main')).toBe(c1);
    expect([...(await source.readFiles({ url: bare }, c1, '')).files.keys()]).toEqual([
      'fleet.yaml',
    ]);

    const { source: narrow } = newSource({ allowLocalRoots: [root] });
    const outside = await rejection(narrow.fetch({ url: bare }));
    expect(outside.code).toBe(ErrorCode.SourceRefused);
    expect(outside.message).toContain(
      `is outside the directories allowed by --allow-local-sources (${root})`,
    );

    const link = path.join(root, 'escape.git');
    await symlink(bare, link);
    const viaLink = await rejection(narrow.fetch({ url: link }));
    expect(viaLink.code).toBe(ErrorCode.SourceRefused);
    expect(viaLink.message).toContain(`resolves to ${fs.realpathSync(bare)}, which is outside`);

    // the hub's own cache is never a source, even under an allowed root
    const { source: wide, cacheDir: wideCache } = newSource({
      allowLocalRoots: [work, server.dir],
    });
    await wide.fetch({ url: bare });
    const cached = fs.readdirSync(wideCache).find((d) => d !== '.tmp') ?? '';
    const ownCache = await rejection(wide.fetch({ url: path.join(wideCache, cached) }));
    expect(ownCache.code).toBe(ErrorCode.SourceRefused);
    expect(ownCache.message).toContain("inside the hub's Git cache");
  });

  it('a token is never sent over plain http:// to a host other than loopback', async () => {
    const { source } = newSource();
    for (const url of ['http://git.example.invalid/fleet.git', 'http://10.255.255.1/fleet.git']) {
      const err = await rejection(source.fetch({ url, token: 'tok-0123456789' }));
      expect(err.code).toBe(ErrorCode.SourceRefused);
      expect(err.message).toBe(
        `Git repository ${url} uses plain http:// to a host other than loopback, and a token is never sent in clear text; use the https:// URL, or remove the token`,
      );
      expect(err.message).not.toContain('tok-0123456789');
    }
  });
});
