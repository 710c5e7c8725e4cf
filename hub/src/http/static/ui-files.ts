/**
 * The web UI's build (`--ui-dir`: index.html and assets/), read into memory with a gzip copy of
 * each text file: the build is small and every request is answered from memory, so no path of a
 * request ever reaches the file system. Only regular files inside the directory are read (a
 * symbolic link that leads out of it is skipped), dotfiles never, and at most
 * {@link MAX_UI_FILES} files of {@link MAX_UI_BYTES} in all.
 *
 * A rebuild is picked up: at most once a second a request checks the modification time of
 * index.html (the build writes it last) and reads the build again when it changed or appeared.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Logger } from '@gitfleet/proto';
import { UI_INDEX, contentTypeOf, isCompressible } from '../../core/web/ui-path.ts';

export const MAX_UI_FILES = 2_000;
export const MAX_UI_BYTES = 64 * 1024 * 1024;
/** How often a request may look for a new build. */
export const UI_RECHECK_MS = 1_000;

export interface UiFile {
  readonly body: Buffer;
  /** The gzip copy, when the file is text and the copy is smaller. */
  readonly gzip?: Buffer;
  readonly contentType: string;
  /** A strong validator of the body. */
  readonly etag: string;
}

export interface UiBuild {
  /** By path relative to the build, with `/`. */
  readonly files: ReadonlyMap<string, UiFile>;
  readonly names: ReadonlySet<string>;
}

/** Why a directory is not a build the hub serves. */
export class UiBuildProblem extends Error {}

function isInside(root: string, p: string): boolean {
  return p.startsWith(`${root}${path.sep}`);
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      const real = await realpath(full).catch(() => undefined);
      if (real === undefined || !isInside(root, real)) continue;
      const info = await stat(real);
      const name = rel === '' ? e.name : `${rel}/${e.name}`;
      if (info.isDirectory()) await walk(real, name);
      else if (info.isFile()) out.push(name);
      if (out.length > MAX_UI_FILES) {
        throw new UiBuildProblem(`more than ${String(MAX_UI_FILES)} files: is it the UI's build?`);
      }
    }
  };
  await walk(root, '');
  return out;
}

/**
 * Reads the build in `dir`.
 *
 * @throws UiBuildProblem when it is too big; a file system error (ENOENT) when it is missing
 */
export async function readUiBuild(dir: string): Promise<UiBuild> {
  const root = await realpath(dir);
  const names = await listFiles(root);
  if (!names.includes(UI_INDEX)) throw new UiBuildProblem(`no ${UI_INDEX}`);
  const files = new Map<string, UiFile>();
  let total = 0;
  for (const name of names.sort()) {
    const body = await readFile(path.join(root, ...name.split('/')));
    total += body.length;
    if (total > MAX_UI_BYTES) {
      throw new UiBuildProblem(`more than ${String(MAX_UI_BYTES)} bytes: is it the UI's build?`);
    }
    const contentType = contentTypeOf(name);
    const packed = isCompressible(contentType) ? gzipSync(body) : undefined;
    files.set(name, {
      body,
      ...(packed !== undefined && packed.length < body.length ? { gzip: packed } : {}),
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    });
  }
  return { files, names: new Set(files.keys()) };
}

/** The build of one directory, read at start and again when index.html changes. */
export class UiFiles {
  readonly dir: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private build: UiBuild | undefined;
  private indexMtimeMs: number | undefined;
  private checkedAtMs = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;

  constructor(dir: string, logger: Logger, now: () => number = Date.now) {
    this.dir = dir;
    this.logger = logger;
    this.now = now;
  }

  /** Reads the build; a missing one is logged (once: a build appearing later is picked up). */
  async start(): Promise<void> {
    this.checkedAtMs = this.now();
    await this.refresh(true);
  }

  /** The build, read again first when index.html changed (looked at once a second at most). */
  async current(): Promise<UiBuild | undefined> {
    const now = this.now();
    if (now - this.checkedAtMs >= UI_RECHECK_MS) {
      this.checkedAtMs = now;
      this.reading ??= this.refresh(false).finally(() => (this.reading = undefined));
    }
    if (this.reading !== undefined) await this.reading;
    return this.build;
  }

  private async refresh(atStart: boolean): Promise<void> {
    const mtime = await stat(path.join(this.dir, UI_INDEX)).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (mtime === undefined) {
      if (atStart) {
        this.logger.warn('ui dir missing: the web UI is not built (npm run build:ui)', {
          dir: this.dir,
        });
      } else if (this.build !== undefined) {
        this.logger.warn('ui dir missing: the web UI build went away', { dir: this.dir });
      }
      this.build = undefined;
      this.indexMtimeMs = undefined;
      return;
    }
    if (mtime === this.indexMtimeMs && this.build !== undefined) return;
    try {
      this.build = await readUiBuild(this.dir);
      this.indexMtimeMs = mtime;
      this.logger.info('web UI build read', { dir: this.dir, files: this.build.names.size });
    } catch (err) {
      // a build being written, or not a build: the last good one stays, tried again later
      this.logger.warn('web UI build not read', {
        dir: this.dir,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
