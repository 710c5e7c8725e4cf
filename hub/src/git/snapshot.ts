/**
 * The ref snapshot of a cache repository (`gitfleet-refs.json`): the refs as of the last fetch
 * that succeeded, replaced atomically (temp file + rename) so a failed or half-done fetch
 * changes nothing, and read back after a restart. An unreadable file reads as 'invalid' (the
 * next fetch rebuilds it).
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RefSnapshot } from './port.ts';
import { isFullSha } from './refs.ts';

/** The ref snapshot inside each cache repository. */
export const SNAPSHOT_FILE = 'gitfleet-refs.json';

interface SnapshotFile {
  readonly version: 1;
  readonly url: string;
  readonly fetchedAtMs: number;
  readonly defaultBranch?: string;
  readonly refs: Readonly<Record<string, string>>;
}

export async function writeSnapshot(gitdir: string, snap: RefSnapshot): Promise<void> {
  const file: SnapshotFile = {
    version: 1,
    url: snap.url,
    fetchedAtMs: snap.fetchedAtMs,
    ...(snap.defaultBranch === undefined ? {} : { defaultBranch: snap.defaultBranch }),
    refs: Object.fromEntries(snap.refs),
  };
  const target = path.join(gitdir, SNAPSHOT_FILE);
  const tmp = `${target}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 1)}\n`, { mode: 0o600 });
  await rename(tmp, target);
}

export async function readSnapshot(
  gitdir: string,
  url: string,
): Promise<RefSnapshot | 'invalid' | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(gitdir, SNAPSHOT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return 'invalid';
    const file = parsed as Partial<SnapshotFile>;
    if (file.version !== 1 || typeof file.fetchedAtMs !== 'number') return 'invalid';
    if (typeof file.refs !== 'object' || file.refs === null) return 'invalid';
    const refs = new Map<string, string>();
    for (const [ref, sha] of Object.entries(file.refs)) {
      if (!ref.startsWith('refs/') || typeof sha !== 'string' || !isFullSha(sha)) return 'invalid';
      refs.set(ref, sha);
    }
    const head = file.defaultBranch;
    return {
      url,
      refs,
      fetchedAtMs: file.fetchedAtMs,
      ...(typeof head === 'string' && refs.has(head) ? { defaultBranch: head } : {}),
    };
  } catch {
    return 'invalid';
  }
}
