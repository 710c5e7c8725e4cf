/**
 * A small filesystem of its own for a directory, to make it full or read-only on purpose: a tmpfs
 * of a fixed size mounted on it (needs root: `mount`), a filler file that takes every free byte,
 * and a read-only remount. Used for the hub's Git cache in the fault suite.
 */
import { execFile } from 'node:child_process';
import { open, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';

const run = promisify(execFile);
const FILL = 'zz-fill';

/** Mounts a tmpfs of `bytes` on `dir` (an existing, empty directory). */
export async function mountTmpfs(dir: string, bytes: number): Promise<void> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir]);
  } catch (err) {
    throw new GitfleetError(
      ErrorCode.PrerequisiteMissing,
      `mounting a ${bytes}-byte tmpfs on ${dir} failed (${err instanceof Error ? err.message.trim() : String(err)}): the cache-full and read-only scenarios need root (CAP_SYS_ADMIN) for mount`,
      { terminal: true },
    );
  }
}

/** Unmounts `dir` (lazily when it is busy). */
export async function unmount(dir: string): Promise<void> {
  await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
}

/** Fills the filesystem of `dir` to the last byte with a file in it; returns the bytes written. */
export async function fill(dir: string): Promise<number> {
  const fh = await open(path.join(dir, FILL), 'w');
  let written = 0;
  try {
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    for (;;) {
      const s = await statfs(dir);
      const free = s.bavail * s.bsize;
      if (free <= 0) break;
      try {
        const { bytesWritten } = await fh.write(chunk, 0, Math.min(chunk.length, free));
        written += bytesWritten;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
  } finally {
    await fh.close();
  }
  return written;
}

/** Removes the filler `fill` wrote. */
export async function unfill(dir: string): Promise<void> {
  await rm(path.join(dir, FILL), { force: true });
}

/** Remounts `dir` read-only, or back read-write. */
export async function remount(dir: string, readOnly: boolean): Promise<void> {
  await run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, dir]);
}
