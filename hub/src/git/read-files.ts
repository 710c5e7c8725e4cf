/**
 * The walk behind GitSource.readFiles: from a commit's root tree to a path, then every entry
 * below it, iteratively (no recursion for a deep tree to overflow). Everything the walk meets is
 * bounded before it costs anything: tree entries and depth as trees are read, a tree object's
 * size before it is parsed, a file's size (from its object header) before it is inflated.
 * Symlinks and submodules are never followed; one the read would include fails it, naming it.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { limitExceeded } from './limits.ts';
import { MODE_GITLINK, MODE_SYMLINK, joinPath } from './objects.ts';
import { SkipReason } from './port.ts';
import type { ReadLimits, RepoFiles, SkippedEntry } from './port.ts';
import { compareStrings } from './refs.ts';

export interface TreeItem {
  readonly mode: string;
  readonly type: 'blob' | 'tree' | 'commit';
  readonly oid: string;
}

/** Object access for one walk; errors come back already mapped to GitfleetErrors. */
export interface WalkStore {
  /** Inflated size of an object, from its header. */
  sizeOf(oid: string, p: string): Promise<number>;
  readTree(oid: string, dir: string): Promise<ReadonlyMap<string, TreeItem>>;
  readBlob(oid: string, p: string): Promise<Uint8Array>;
}

export interface WalkRequest {
  /** The repository URL without credentials (for messages). */
  readonly url: string;
  readonly commit: string;
  /** The commit's root tree. */
  readonly rootTree: string;
  /** Normalised path to read ('' = the root). */
  readonly base: string;
  readonly limits: ReadLimits;
  readonly include: (path: string) => boolean;
}

/**
 * A tree object is at least this many bytes per entry it lists, so a tree larger than
 * maxTreeEntries × this would list more entries than the walk may visit: it is refused unparsed.
 */
export const MAX_TREE_BYTES_PER_ENTRY = 256;

export async function walkFiles(store: WalkStore, req: WalkRequest): Promise<RepoFiles> {
  const { url, commit, base, limits, include } = req;
  const subject = `Git repository ${url} at ${commit.slice(0, 12)}`;
  const details = { repo: url, commit };
  let entries = 0;
  const readTree = async (oid: string, dir: string): Promise<ReadonlyMap<string, TreeItem>> => {
    const depth = dir === '' ? 0 : dir.split('/').length;
    if (depth > limits.maxTreeDepth) {
      throw limitExceeded(
        subject,
        `directory ${dir} is nested ${String(depth)} levels deep`,
        'maxTreeDepth',
        limits.maxTreeDepth,
        { ...details, path: dir, depth },
        'flatten the directory structure',
      );
    }
    const treeBytes = await store.sizeOf(oid, dir);
    const entriesLeft = limits.maxTreeEntries - entries;
    if (treeBytes > Math.max(entriesLeft, 1) * MAX_TREE_BYTES_PER_ENTRY) {
      throw tooManyEntries(`the tree of ${describePath(dir)} is ${String(treeBytes)} bytes`, dir);
    }
    const tree = await store.readTree(oid, dir);
    entries += tree.size;
    if (entries > limits.maxTreeEntries) {
      throw tooManyEntries(`more than ${String(limits.maxTreeEntries)} entries walked`, dir);
    }
    return tree;
  };
  const tooManyEntries = (what: string, dir: string): GitfleetError =>
    limitExceeded(
      subject,
      `${what} under ${describePath(base)} (reached at ${describePath(dir)})`,
      'maxTreeEntries',
      limits.maxTreeEntries,
      { ...details, path: dir },
      'read a smaller directory, or move files the hub does not need out of the repository',
    );

  // From the root to `base`.
  let start: TreeItem = { mode: '040000', type: 'tree', oid: req.rootTree };
  let walked = '';
  for (const segment of base === '' ? [] : base.split('/')) {
    if (start.mode === MODE_SYMLINK) throw symlinkOnPath(subject, details, base, walked);
    if (start.mode === MODE_GITLINK) throw submoduleEntry(subject, details, walked);
    const entry =
      start.type === 'tree' ? (await readTree(start.oid, walked)).get(segment) : undefined;
    walked = joinPath(walked, segment);
    if (entry === undefined) {
      throw new GitfleetError(
        ErrorCode.NotFound,
        `${subject}: path ${JSON.stringify(base)} does not exist; correct the path or the revision`,
        { terminal: true, details: { ...details, path: base } },
      );
    }
    start = entry;
  }

  const files: [string, string][] = [];
  const skipped: SkippedEntry[] = [];
  const decoder = new TextDecoder('utf-8');
  let totalBytes = 0;
  const stack: [string, TreeItem][] = [[base, start]];
  while (stack.length > 0) {
    const next = stack.pop();
    if (next === undefined) break;
    const [p, item] = next;
    if (item.mode === MODE_SYMLINK) {
      if (include(p)) throw symlinkEntry(subject, details, p);
      skipped.push({ path: p, reason: SkipReason.Symlink });
    } else if (item.mode === MODE_GITLINK || item.type === 'commit') {
      if (include(p)) throw submoduleEntry(subject, details, p);
      skipped.push({ path: p, reason: SkipReason.Submodule });
    } else if (item.type === 'tree') {
      const tree = await readTree(item.oid, p);
      for (const [name, child] of [...tree].reverse()) stack.push([joinPath(p, name), child]);
    } else if (include(p)) {
      if (files.length >= limits.maxFiles) {
        throw limitExceeded(
          subject,
          `more than ${String(limits.maxFiles)} files under ${describePath(base)} (reached at ${p})`,
          'maxFiles',
          limits.maxFiles,
          { ...details, path: p },
          'read a smaller directory',
        );
      }
      const size = await store.sizeOf(item.oid, p);
      if (size > limits.maxFileBytes) {
        throw limitExceeded(
          subject,
          `file ${p} is ${String(size)} bytes`,
          'maxFileBytes',
          limits.maxFileBytes,
          { ...details, path: p, bytes: size },
          `make it smaller or split it, or keep it out of the paths the hub reads`,
        );
      }
      if (totalBytes + size > limits.maxTotalBytes) {
        throw limitExceeded(
          subject,
          `the files under ${describePath(base)} total more than ${String(limits.maxTotalBytes)} bytes (reached at ${p})`,
          'maxTotalBytes',
          limits.maxTotalBytes,
          { ...details, path: p, bytes: totalBytes + size },
          'read a smaller directory',
        );
      }
      const blob = await store.readBlob(item.oid, p);
      if (blob.byteLength !== size) {
        throw new GitfleetError(
          ErrorCode.GitFetchFailed,
          `${subject}: file ${p} holds ${String(blob.byteLength)} bytes where its object header says ${String(size)}; the cache may be damaged: delete its directory to fetch afresh`,
          { details: { ...details, path: p } },
        );
      }
      totalBytes += blob.byteLength;
      files.push([p, decoder.decode(blob)]);
    }
  }
  files.sort(([a], [b]) => compareStrings(a, b));
  skipped.sort((a, b) => compareStrings(a.path, b.path));
  return { commit, path: base, files: new Map(files), skipped, totalBytes };
}

export function describePath(p: string): string {
  return p === '' ? 'the repository root' : p;
}

function symlinkEntry(
  subject: string,
  details: Readonly<Record<string, unknown>>,
  p: string,
): GitfleetError {
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `${subject}: ${p} is a symlink; symlinks are not followed: replace ${p} with the file it points to`,
    { terminal: true, details: { ...details, path: p, entry: SkipReason.Symlink } },
  );
}

function symlinkOnPath(
  subject: string,
  details: Readonly<Record<string, unknown>>,
  base: string,
  link: string,
): GitfleetError {
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `${subject}: path ${JSON.stringify(base)} goes through ${link}, a symlink; symlinks are not followed: use the path of the directory it points to`,
    { terminal: true, details: { ...details, path: link, entry: SkipReason.Symlink } },
  );
}

function submoduleEntry(
  subject: string,
  details: Readonly<Record<string, unknown>>,
  p: string,
): GitfleetError {
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `${subject}: ${p} is a submodule; submodules are not fetched: copy the files it holds into this repository, or make its repository an application source of its own (repoURL)`,
    { terminal: true, details: { ...details, path: p, entry: SkipReason.Submodule } },
  );
}
