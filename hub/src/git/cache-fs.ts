/**
 * The file system isomorphic-git uses for the cache repositories: Node's, except that every
 * file is written to a temp file and renamed into place. Reads (resolve, readFiles) run while a
 * fetch writes, and must never see a half-written pack index, loose object or ref. The temp
 * files live in their own directory on the same file system, so that no directory listing
 * isomorphic-git makes (refs, loose objects, packs) ever shows one.
 *
 * A fetched pack is written before isomorphic-git indexes it (which inflates every object), so
 * `checkPack` sees each pack first: when it throws, nothing is written and the fetch fails with
 * its error.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { PromiseFsClient } from 'isomorphic-git';

export interface AtomicWriteFsOptions {
  /** Called with every `.pack` file before it is written; throws to refuse it. */
  readonly checkPack?: (file: string, data: Uint8Array) => void;
}

export function atomicWriteFs(tmpDir: string, opts: AtomicWriteFsOptions = {}): PromiseFsClient {
  let isTmpReady = false;
  // isomorphic-git retries a failed write once (after creating the directory): one verdict each
  const refused = new WeakMap<Uint8Array, unknown>();
  const writeFile = async (
    file: string,
    data: string | Uint8Array,
    options?: Parameters<typeof fsp.writeFile>[2],
  ): Promise<void> => {
    if (opts.checkPack !== undefined && file.endsWith('.pack') && typeof data !== 'string') {
      if (refused.has(data)) throw refused.get(data);
      try {
        opts.checkPack(file, data);
      } catch (err) {
        refused.set(data, err);
        throw err;
      }
    }
    if (!isTmpReady) {
      mkdirSync(tmpDir, { recursive: true });
      isTmpReady = true;
    }
    const tmp = path.join(tmpDir, randomUUID());
    try {
      await fsp.writeFile(tmp, data, options);
      await fsp.rename(tmp, file);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  };
  const promises = {
    readFile: fsp.readFile.bind(fsp),
    writeFile,
    unlink: fsp.unlink.bind(fsp),
    readdir: fsp.readdir.bind(fsp),
    mkdir: fsp.mkdir.bind(fsp),
    rmdir: fsp.rmdir.bind(fsp),
    rm: fsp.rm.bind(fsp),
    stat: fsp.stat.bind(fsp),
    lstat: fsp.lstat.bind(fsp),
    readlink: fsp.readlink.bind(fsp),
    symlink: fsp.symlink.bind(fsp),
    chmod: fsp.chmod.bind(fsp),
  };
  return { promises };
}
