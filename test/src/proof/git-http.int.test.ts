/**
 * Proof that the fleet's Git server speaks real smart HTTP: the real `git http-backend` behind
 * startGitServer, read by isomorphic-git's Node HTTP transport (what the hub uses) and by the git
 * CLI (protocol v2, push), with auth, force-pushes, gzip/chunked bodies and a clean shutdown.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import nodeHttp from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ErrorCode } from '@gitfleet/proto';
import { startGitServer, type GitServer } from '../fleet/git-server.ts';
import { isListening } from '../fleet/ports.ts';
import { waitFor } from '../fleet/wait.ts';

const execFileAsync = promisify(execFile);

const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: apps
data:
  color: blue
`;
const TOKEN = 'test-token-7f3a';

let work: string;
const servers: GitServer[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-git-proof-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(work, { recursive: true, force: true });
});

async function server(opts: Parameters<typeof startGitServer>[0] = {}): Promise<GitServer> {
  const s = await startGitServer(opts);
  servers.push(s);
  return s;
}

/** An empty bare repository with remote origin = url for isomorphic-git to fetch into (no work tree). */
async function bareClient(url: string): Promise<string> {
  const gitdir = await mkdtemp(path.join(work, 'client-'));
  await git.init({ fs, dir: gitdir, bare: true });
  await git.addRemote({ fs, gitdir, remote: 'origin', url });
  return gitdir;
}

type FetchExtra = Pick<Parameters<typeof git.fetch>[0], 'onAuth' | 'headers'>;

async function fetchMain(gitdir: string, extra: FetchExtra = {}): Promise<string> {
  const result = await git.fetch({
    fs,
    http,
    gitdir,
    remote: 'origin',
    ref: 'main',
    singleBranch: true,
    tags: false,
    ...extra,
  });
  expect(result.fetchHead).toMatch(/^[0-9a-f]{40}$/);
  return result.fetchHead ?? '';
}

async function readText(gitdir: string, oid: string, filepath: string): Promise<string> {
  const { blob } = await git.readBlob({ fs, gitdir, oid, filepath });
  return Buffer.from(blob).toString('utf8');
}

/** git CLI isolated from the machine's config. */
async function gitCli(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'],
      HOME: work,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
    },
  });
  return stdout.trim();
}

/** Children of this process whose name starts with `prefix` (zombies included: they were not reaped). */
async function childProcesses(prefix: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid && comm.startsWith(prefix)) found.push(Number(entry));
  }
  return found;
}

describe('git server over smart HTTP, read by isomorphic-git', () => {
  it('serves a commit that isomorphic-git fetches into a bare repo and reads from the object store', async () => {
    const s = await server();
    const url = await s.createRepo('fleet-config');
    expect(url).toBe(`${s.url}/fleet-config.git`);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.port).toBeGreaterThan(0);
    const sha = await s.commit('fleet-config', {
      files: { 'apps/web/configmap.yaml': MANIFEST, 'README.md': '# fleet\n' },
      message: 'add web',
    });

    const gitdir = await bareClient(url);
    expect(await fetchMain(gitdir)).toBe(sha);
    expect(await git.resolveRef({ fs, gitdir, ref: 'refs/remotes/origin/main' })).toBe(sha);
    const yaml = await readText(gitdir, sha, 'apps/web/configmap.yaml');
    expect(yaml).toBe(MANIFEST);
    expect(parseYaml(yaml)).toMatchObject({
      kind: 'ConfigMap',
      metadata: { name: 'web', namespace: 'apps' },
    });
    expect(await readText(gitdir, sha, 'README.md')).toBe('# fleet\n');
    expect((await git.readCommit({ fs, gitdir, oid: sha })).commit.message).toBe('add web\n');
    expect(s.requests('fleet-config')).toMatchObject({ fetches: 1, pushes: 0, unauthorized: 0 });
  });

  it('a second commit is seen by the next fetch (new SHA, new content, deleted file gone)', async () => {
    const s = await server();
    const url = await s.createRepo('second');
    const first = await s.commit('second', {
      files: { 'app.yaml': MANIFEST, 'old.txt': 'old' },
      message: 'one',
    });
    const gitdir = await bareClient(url);
    expect(await fetchMain(gitdir)).toBe(first);

    const changed = MANIFEST.replace('blue', 'green');
    const second = await s.commit('second', {
      files: { 'app.yaml': changed, 'old.txt': null },
      message: 'two',
    });
    expect(second).not.toBe(first);
    expect(await fetchMain(gitdir)).toBe(second);
    expect(await git.resolveRef({ fs, gitdir, ref: 'refs/remotes/origin/main' })).toBe(second);
    expect(await readText(gitdir, second, 'app.yaml')).toBe(changed);
    expect((await git.readCommit({ fs, gitdir, oid: second })).commit.parent).toEqual([first]);
    await expect(readText(gitdir, second, 'old.txt')).rejects.toMatchObject({
      code: 'NotFoundError',
    });
    expect(s.requests('second').fetches).toBe(2);
  });

  it('a force-push back to the first commit is seen by the next fetch as the old SHA', async () => {
    const s = await server();
    const url = await s.createRepo('rewind');
    const first = await s.commit('rewind', { files: { 'app.yaml': MANIFEST }, message: 'one' });
    const second = await s.commit('rewind', {
      files: { 'app.yaml': 'kind: Secret\n' },
      message: 'two',
    });
    const gitdir = await bareClient(url);
    expect(await fetchMain(gitdir)).toBe(second);

    await s.forcePush('rewind', 'main', first);
    expect(await s.head('rewind')).toBe(first);
    expect(await fetchMain(gitdir)).toBe(first);
    expect(await git.resolveRef({ fs, gitdir, ref: 'refs/remotes/origin/main' })).toBe(first);
    expect(await readText(gitdir, first, 'app.yaml')).toBe(MANIFEST);

    // A rewritten history (a root commit that does not descend from the old tip) is seen too.
    const root = await s.commit('rewind', {
      files: { 'only.yaml': 'kind: Namespace\n' },
      message: 'rewrite',
      parentless: true,
    });
    expect(await fetchMain(gitdir)).toBe(root);
    expect((await git.readCommit({ fs, gitdir, oid: root })).commit.parent).toEqual([]);
    await expect(readText(gitdir, root, 'app.yaml')).rejects.toMatchObject({
      code: 'NotFoundError',
    });
  });

  it('serves tags (annotated and lightweight) and branches other than the default', async () => {
    const s = await server();
    const url = await s.createRepo('tags', { defaultBranch: 'trunk' });
    const one = await s.commit('tags', { files: { 'a.txt': 'a' }, message: 'one' });
    const dev = await s.commit('tags', { branch: 'dev', files: { 'b.txt': 'b' }, message: 'dev' });
    expect(await s.tag('tags', 'v1.0.0', one, { message: 'release' })).toBe(one);
    expect(await s.tag('tags', 'light', dev)).toBe(dev);

    const refs = await git.listServerRefs({ http, url, peelTags: true, symrefs: true });
    const byRef = new Map(refs.map((r) => [r.ref, r]));
    expect(byRef.get('HEAD')?.target).toBe('refs/heads/trunk');
    expect(byRef.get('refs/heads/trunk')?.oid).toBe(one);
    expect(byRef.get('refs/heads/dev')?.oid).toBe(dev);
    expect(byRef.get('refs/tags/v1.0.0')?.peeled).toBe(one);
    expect(byRef.get('refs/tags/light')?.oid).toBe(dev);
  });
});

describe('auth', () => {
  it('token: no credentials and a wrong token get HTTP 401, the right token (Basic or Bearer) fetches', async () => {
    const s = await server({ auth: { token: TOKEN } });
    const url = await s.createRepo('private');
    const sha = await s.commit('private', { files: { 'app.yaml': MANIFEST }, message: 'one' });

    const raw = await fetch(`${url}/info/refs?service=git-upload-pack`);
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe('Basic realm="gitfleet"');
    expect(await raw.text()).not.toContain(TOKEN);

    const gitdir = await bareClient(url);
    await expect(fetchMain(gitdir)).rejects.toMatchObject({
      code: 'HttpError',
      data: { statusCode: 401 },
    });
    let asked = 0;
    const wrong = (): { username: string; password: string } => {
      asked++;
      return { username: 'x', password: 'not-the-token' };
    };
    await expect(fetchMain(gitdir, { onAuth: wrong })).rejects.toMatchObject({
      code: 'HttpError',
      data: { statusCode: 401 },
    });
    expect(asked).toBe(1);
    await expect(
      fetchMain(gitdir, { headers: { Authorization: 'Bearer nope' } }),
    ).rejects.toMatchObject({
      data: { statusCode: 401 },
    });

    expect(await fetchMain(gitdir, { onAuth: () => ({ username: 'x', password: TOKEN }) })).toBe(
      sha,
    );
    expect(await readText(gitdir, sha, 'app.yaml')).toBe(MANIFEST);
    expect(await fetchMain(gitdir, { headers: { Authorization: `Bearer ${TOKEN}` } })).toBe(sha);
    // 401s: raw, no onAuth, wrong (before and after onAuth), bad bearer, right onAuth's first try
    expect(s.requests('private')).toMatchObject({ unauthorized: 6, fetches: 2 });
  });

  it('username and password: only the exact pair is accepted', async () => {
    const s = await server({ auth: { username: 'fleet', password: 'pw-1' } });
    const url = await s.createRepo('basic');
    const sha = await s.commit('basic', { files: { 'a.txt': 'a' }, message: 'one' });
    const gitdir = await bareClient(url);
    await expect(
      fetchMain(gitdir, { onAuth: () => ({ username: 'other', password: 'pw-1' }) }),
    ).rejects.toMatchObject({ data: { statusCode: 401 } });
    expect(
      await fetchMain(gitdir, { onAuth: () => ({ username: 'fleet', password: 'pw-1' }) }),
    ).toBe(sha);
  });
});

describe('the transport beyond isomorphic-git', () => {
  it('the git CLI clones and pushes over the same endpoint (protocol v2, receive-pack)', async () => {
    const s = await server();
    const url = await s.createRepo('cli');
    const first = await s.commit('cli', { files: { 'app.yaml': MANIFEST }, message: 'one' });
    const clone = path.join(work, 'cli-clone');
    await gitCli(work, '-c', 'protocol.version=2', 'clone', '--quiet', url, clone);
    expect(await gitCli(clone, 'rev-parse', 'HEAD')).toBe(first);

    await writeFile(path.join(clone, 'pushed.txt'), 'over http\n');
    await gitCli(clone, 'add', 'pushed.txt');
    await gitCli(
      clone,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.invalid',
      'commit',
      '--quiet',
      '-m',
      'push',
    );
    const pushed = await gitCli(clone, 'rev-parse', 'HEAD');
    await gitCli(clone, 'push', '--quiet', 'origin', 'main');
    expect(await s.head('cli')).toBe(pushed);
    expect(s.requests('cli')).toMatchObject({ fetches: 1, pushes: 1 });

    const gitdir = await bareClient(url);
    expect(await fetchMain(gitdir)).toBe(pushed);
    expect(await readText(gitdir, pushed, 'pushed.txt')).toBe('over http\n');
  });

  it('passes gzip-encoded, chunked request bodies to http-backend', async () => {
    const s = await server();
    const url = await s.createRepo('gzip');
    const sha = await s.commit('gzip', { files: { 'a.txt': 'a' }, message: 'one' });
    // protocol v0 upload-pack request: want <sha>, flush, done
    const want = `want ${sha}\n`;
    const body = gzipSync(
      `${(want.length + 4).toString(16).padStart(4, '0')}${want}00000009done\n`,
    );
    const { status, response } = await new Promise<{ status: number; response: Buffer }>(
      (resolve, reject) => {
        const req = nodeHttp.request(`${url}/git-upload-pack`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-git-upload-pack-request',
            'Content-Encoding': 'gzip',
            'Transfer-Encoding': 'chunked',
          },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, response: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        });
        req.write(body.subarray(0, 10));
        req.end(body.subarray(10));
      },
    );
    expect(status).toBe(200);
    expect(response.subarray(0, 8).toString('latin1')).toBe('0008NAK\n');
    expect(response.subarray(8, 12).toString('latin1')).toBe('PACK');
  });

  it('answers 404 for a repository that does not exist', async () => {
    const s = await server();
    const res = await fetch(`${s.url}/missing.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});

describe('lifecycle', () => {
  it('close() kills running CGI children, frees the port, removes the temp dir and is idempotent', async () => {
    const s = await startGitServer();
    try {
      await s.createRepo('slow');
      // A request whose body never ends keeps one git-http-backend waiting on stdin.
      const req = nodeHttp.request(`${s.repoUrl('slow')}/git-upload-pack`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-git-upload-pack-request' },
      });
      const ended = new Promise<string>((resolve) => {
        req.on('error', (err) => resolve(err.message));
        req.on('response', (res) => {
          res.on('error', (err) => resolve(err.message));
          res.on('end', () => resolve(`complete HTTP ${res.statusCode}`));
          res.resume();
        });
      });
      req.write('0032want ');
      await waitFor(
        'a running git-http-backend',
        async () => (await childProcesses('git-http-backen')).length === 1,
        {
          timeoutMs: 5_000,
          intervalMs: 10,
        },
      );

      await s.close();
      expect(await childProcesses('git-http-backen')).toEqual([]);
      expect(await childProcesses('git')).toEqual([]);
      expect(await ended).toMatch(/aborted|socket hang up|ECONNRESET/);
      expect(fs.existsSync(s.dir)).toBe(false);
      expect(await isListening(s.port)).toBe(false);
      await s.close();
      await expect(s.commit('slow', { files: {}, message: 'late' })).rejects.toThrow(/closed/);
    } finally {
      await s.close();
    }
  });

  it('rejects a taken port with PORT_IN_USE', async () => {
    const s = await server();
    await expect(startGitServer({ port: s.port })).rejects.toMatchObject({
      code: ErrorCode.PortInUse,
    });
  });

  it('without git on PATH, fails with PREREQUISITE_MISSING and a one-line fix', async () => {
    const script = `
      import { startGitServer } from ${JSON.stringify(path.resolve(import.meta.dirname, '../fleet/git-server.ts'))};
      try { await startGitServer(); } catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }
    `;
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        env: { PATH: '/nonexistent' },
        encoding: 'utf8',
      },
    );
    const err = JSON.parse(stdout) as { code: string; message: string };
    expect(err.code).toBe(ErrorCode.PrerequisiteMissing);
    expect(err.message).toBe('git not found on PATH: install it: apt-get install git');
  });
});
