/**
 * Fetching from a repository on the local disk (isomorphic-git has no file:// transport): read
 * its branches and tags with isomorphic-git over the local repository's fs, and copy the objects
 * they reach that the cache lacks into the cache's object store. Objects are written after the
 * objects they link to, so "present in the cache" always implies "complete below", and an
 * interrupted copy resumes where it stopped. Submodule commits (gitlinks) are not followed.
 * Each object's size is read from its header before it is read, so an object over the limit is
 * refused without being inflated.
 */
import fs from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { FsClient } from 'isomorphic-git';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { MODE_GITLINK, commitLinks, tagTarget, treeEntries } from './objects.ts';
import type { ObjectType } from './objects.ts';
import type { ObjectSizes } from './object-size.ts';
import { HEADS, TAGS } from './refs.ts';

/** The git directory of a local repository (bare, or a work tree's `.git`), or undefined. */
export async function findLocalGitdir(repoPath: string): Promise<string | undefined> {
  const isDir = async (p: string): Promise<boolean> => {
    try {
      return (await stat(p)).isDirectory();
    } catch {
      return false;
    }
  };
  const dotGit = path.join(repoPath, '.git');
  if (await isDir(dotGit)) return dotGit;
  if ((await isDir(path.join(repoPath, 'objects'))) && (await isDir(path.join(repoPath, 'refs')))) {
    return repoPath;
  }
  return undefined;
}

export interface LocalRefs {
  /** Full ref name → the object it names (a tag object for annotated tags). */
  readonly refs: Map<string, string>;
  readonly defaultBranch?: string;
}

export async function readLocalRefs(gitdir: string): Promise<LocalRefs> {
  const refs = new Map<string, string>();
  for (const prefix of [HEADS, TAGS]) {
    const names = await git.listRefs({ fs, gitdir, filepath: prefix.slice(0, -1) });
    for (const name of names) {
      const ref = `${prefix}${name}`;
      refs.set(ref, await git.resolveRef({ fs, gitdir, ref }));
    }
  }
  const head = await git.currentBranch({ fs, gitdir, fullname: true, test: true });
  return typeof head === 'string' && refs.has(head) ? { refs, defaultBranch: head } : { refs };
}

export interface CopyOptions {
  readonly from: string;
  readonly to: string;
  /** The file system isomorphic-git writes the cache with. */
  readonly toFs: FsClient;
  /** isomorphic-git caches (pack indexes) of the source and of the cache. */
  readonly fromCache: object;
  readonly toCache: object;
  /** Object sizes of the source, from headers. */
  readonly fromSizes: ObjectSizes;
  readonly tips: Iterable<string>;
  /** Most object bytes to copy in one fetch. */
  readonly maxBytes: number;
  /** Largest object to copy (inflated). */
  readonly maxObjectBytes: number;
  /** Most objects to copy in one fetch. */
  readonly maxObjects: number;
  readonly onExceeded: (bytes: number) => Error;
  readonly onObjectTooLarge: (oid: string, bytes: number) => Error;
  readonly onTooManyObjects: (count: number) => Error;
  /** Checked between objects; throws to stop (the deadline). */
  readonly checkDeadline: () => void;
}

interface Pending {
  readonly oid: string;
  object?: { type: ObjectType; content: Uint8Array };
}

/** Copies the objects reachable from `tips` that the cache lacks; resolves to the bytes copied. */
export async function copyMissingObjects(opts: CopyOptions): Promise<number> {
  const present = new Set<string>();
  const stack: Pending[] = [...new Set(opts.tips)].map((oid) => ({ oid }));
  let bytes = 0;
  let copied = 0;
  while (stack.length > 0) {
    opts.checkDeadline();
    const top = stack[stack.length - 1];
    if (top === undefined) break;
    if (top.object === undefined) {
      if (present.has(top.oid) || (await hasObject(opts.toFs, opts.to, top.oid, opts.toCache))) {
        present.add(top.oid);
        stack.pop();
        continue;
      }
      const size = await opts.fromSizes.sizeOf(top.oid);
      if (size !== undefined && size > opts.maxObjectBytes)
        throw opts.onObjectTooLarge(top.oid, size);
      if (size !== undefined && bytes + size > opts.maxBytes) throw opts.onExceeded(bytes + size);
      if (++copied > opts.maxObjects) throw opts.onTooManyObjects(copied);
      const read = await git.readObject({
        fs,
        gitdir: opts.from,
        oid: top.oid,
        format: 'content',
        cache: opts.fromCache,
      });
      if (read.format !== 'content') throw new Error(`object ${top.oid}: unexpected format`);
      top.object = { type: read.type, content: read.object };
      for (const link of links(read.type, read.object)) {
        if (!present.has(link)) stack.push({ oid: link });
      }
      continue;
    }
    const written = await git.writeObject({
      fs: opts.toFs,
      gitdir: opts.to,
      type: top.object.type,
      object: top.object.content,
      format: 'content',
    });
    if (written !== top.oid) {
      throw new GitfleetError(
        ErrorCode.GitFetchFailed,
        `object ${top.oid} of the local repository is corrupt (its content hashes to ${written}); run git fsck there`,
      );
    }
    bytes += top.object.content.byteLength;
    if (bytes > opts.maxBytes) throw opts.onExceeded(bytes);
    present.add(top.oid);
    stack.pop();
  }
  return bytes;
}

function links(type: ObjectType, content: Uint8Array): string[] {
  switch (type) {
    case 'commit': {
      const { tree, parents } = commitLinks(content);
      return [tree, ...parents];
    }
    case 'tag':
      return [tagTarget(content).object];
    case 'tree':
      return treeEntries(content)
        .filter((e) => e.mode !== MODE_GITLINK)
        .map((e) => e.oid);
    case 'blob':
      return [];
  }
}

/** Whether the object store holds `oid` (loose or packed). */
export async function hasObject(
  gitFs: FsClient,
  gitdir: string,
  oid: string,
  cache: object,
): Promise<boolean> {
  try {
    await stat(path.join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
    return true;
  } catch {
    // not loose; maybe packed
  }
  try {
    await git.readObject({ fs: gitFs, gitdir, oid, format: 'deflated', cache });
    return true;
  } catch {
    return false;
  }
}
