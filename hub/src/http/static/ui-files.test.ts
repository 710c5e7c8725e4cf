import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '@gitfleet/proto';
import { UiBuildProblem, UiFiles, readUiBuild } from './ui-files.ts';

let dir = '';
let outside = '';

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-ui-files-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-ui-outside-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const PAGE = `<!doctype html><html><head><script type="module" src="/ui/assets/app-x1.js"></script></head><body>${'<div></div>'.repeat(200)}</body></html>`;

async function writeBuild(page = PAGE): Promise<void> {
  await mkdir(path.join(dir, 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'index.html'), page);
  await writeFile(path.join(dir, 'assets', 'app-x1.js'), 'console.log(1);'.repeat(100));
  await writeFile(path.join(dir, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
}

describe('readUiBuild', () => {
  it('reads every file with its type, a gzip copy of text, and skips dotfiles and links out', async () => {
    await writeBuild();
    await writeFile(path.join(dir, '.env'), 'SECRET=1');
    await writeFile(path.join(outside, 'passwd'), 'root:x:0:0');
    await symlink(path.join(outside, 'passwd'), path.join(dir, 'assets', 'passwd'));
    await symlink(outside, path.join(dir, 'elsewhere'));
    const build = await readUiBuild(dir);
    expect([...build.names].sort()).toEqual(['assets/app-x1.js', 'assets/logo.png', 'index.html']);
    const page = build.files.get('index.html');
    expect(page?.contentType).toBe('text/html; charset=utf-8');
    expect(gunzipSync(page?.gzip ?? Buffer.alloc(0)).toString()).toBe(PAGE);
    expect(page?.etag).toMatch(/^"[\w-]{27}"$/);
    expect(build.files.get('assets/logo.png')?.gzip).toBeUndefined();
  });

  it('refuses a directory without index.html', async () => {
    await mkdir(path.join(dir, 'assets'));
    await expect(readUiBuild(dir)).rejects.toBeInstanceOf(UiBuildProblem);
  });
});

describe('UiFiles', () => {
  it('logs a missing build once, then picks up a build and its rebuild', async () => {
    const lines: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (msg: string) => void lines.push(msg) };
    let now = 0;
    const files = new UiFiles(dir, logger, () => now);
    await files.start();
    expect(lines).toEqual(['ui dir missing: the web UI is not built (npm run build:ui)']);
    expect(await files.current()).toBeUndefined();
    await writeBuild();
    // looked at again only after a second
    expect(await files.current()).toBeUndefined();
    now += 1_000;
    expect((await files.current())?.names.has('index.html')).toBe(true);
    await writeFile(path.join(dir, 'index.html'), '<p>v2</p>');
    await utimes(path.join(dir, 'index.html'), new Date(), new Date(Date.now() + 5_000));
    now += 1_000;
    expect((await files.current())?.files.get('index.html')?.body.toString()).toBe('<p>v2</p>');
    expect(lines).toHaveLength(1);
  });
});
