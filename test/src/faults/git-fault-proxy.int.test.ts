/**
 * The Git fault proxy in front of the real test Git server, driven by the real `git` client:
 * `pass` clones, `error` answers 500, `truncate` delivers a pack git rejects.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../fleet/git-server.ts';
import { startGitFaultProxy, type GitFaultProxy } from './git-fault-proxy.ts';

const run = promisify(execFile);
let server: GitServer | undefined;
let proxy: GitFaultProxy | undefined;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-git-fault-'));
  server = await startGitServer();
  await server.createRepo('r');
  // enough content that half a pack is not a whole object
  const files: Record<string, string> = {};
  for (let i = 0; i < 50; i++) files[`f${String(i)}.txt`] = `file ${String(i)}\n`.repeat(200);
  await server.commit('r', { files, message: 'one' });
  proxy = await startGitFaultProxy(server.port);
});

afterAll(async () => {
  await proxy?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function clone(into: string): Promise<{ ok: boolean; stderr: string }> {
  try {
    await run('git', ['clone', '-q', proxy?.repoUrl('r') ?? '', path.join(dir, into)], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    return { ok: true, stderr: '' };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: string }).stderr ?? err) };
  }
}

it('pass: a clone through the proxy works', async () => {
  if (proxy === undefined) throw new Error('no proxy');
  proxy.mode = 'pass';
  expect(await clone('pass')).toEqual({ ok: true, stderr: '' });
});

it('error: every request is answered 500', async () => {
  if (proxy === undefined) throw new Error('no proxy');
  proxy.mode = 'error';
  const before = proxy.stats().failed;
  const r = await clone('error');
  expect(r.ok).toBe(false);
  expect(r.stderr).toMatch(/500/);
  expect(proxy.stats().failed).toBeGreaterThan(before);
});

it('truncate: the refs are advertised, the pack arrives cut and git refuses it', async () => {
  if (proxy === undefined) throw new Error('no proxy');
  proxy.mode = 'truncate';
  const before = proxy.stats().truncated;
  const r = await clone('truncate');
  expect(r.ok).toBe(false);
  expect(r.stderr).toMatch(/early EOF|unexpected|fatal|index-pack/i);
  expect(proxy.stats().truncated).toBe(before + 1);
});
