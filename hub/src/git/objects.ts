/**
 * Pure helpers over Git object contents and repository paths: the links of commit, tag and tree
 * objects (to copy an object graph), tree entry name checks and read path normalisation.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { normaliseSourcePath } from '../core/fleet/index.ts';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export const MODE_TREE = '040000';
export const MODE_SYMLINK = '120000';
export const MODE_GITLINK = '160000';

const OID_HEX = /^[0-9a-f]{40}$/;

/** The objects a commit links to: its tree, then its parents. */
export function commitLinks(content: Uint8Array): { tree: string; parents: string[] } {
  const headers = headerLines(content);
  const tree = headers.find((l) => l.startsWith('tree '))?.slice(5);
  if (tree === undefined || !OID_HEX.test(tree)) throw new Error('commit has no valid tree line');
  const parents = headers.filter((l) => l.startsWith('parent ')).map((l) => l.slice(7));
  if (!parents.every((p) => OID_HEX.test(p))) throw new Error('commit has an invalid parent line');
  return { tree, parents };
}

/** The object an annotated tag points to, and its type. */
export function tagTarget(content: Uint8Array): { object: string; type: ObjectType } {
  const headers = headerLines(content);
  const object = headers.find((l) => l.startsWith('object '))?.slice(7);
  const type = headers.find((l) => l.startsWith('type '))?.slice(5);
  if (object === undefined || !OID_HEX.test(object))
    throw new Error('tag has no valid object line');
  if (type !== 'blob' && type !== 'tree' && type !== 'commit' && type !== 'tag') {
    throw new Error('tag has no valid type line');
  }
  return { object, type };
}

/** Header lines of a commit or tag: everything before the first blank line. */
function headerLines(content: Uint8Array): string[] {
  const text = Buffer.from(content).toString('latin1');
  const end = text.indexOf('\n\n');
  return (end === -1 ? text : text.slice(0, end)).split('\n');
}

export interface RawTreeEntry {
  /** Octal mode as Git writes it, normalised to six digits ('40000' → '040000'). */
  readonly mode: string;
  readonly name: string;
  readonly oid: string;
}

/** Parses a tree object (`<mode> <name>\0<20-byte oid>`…). Names are not checked here. */
export function treeEntries(content: Uint8Array): RawTreeEntry[] {
  const buf = Buffer.from(content);
  const out: RawTreeEntry[] = [];
  let at = 0;
  while (at < buf.length) {
    const space = buf.indexOf(0x20, at);
    const nul = space === -1 ? -1 : buf.indexOf(0, space);
    if (space === -1 || nul === -1 || nul + 21 > buf.length) {
      throw new Error(`tree is truncated at byte ${String(at)}`);
    }
    const mode = buf.subarray(at, space).toString('latin1').padStart(6, '0');
    if (!/^[0-7]{6}$/.test(mode)) throw new Error(`tree entry has an invalid mode ${mode}`);
    out.push({
      mode,
      name: buf.subarray(space + 1, nul).toString('utf8'),
      oid: buf.subarray(nul + 1, nul + 21).toString('hex'),
    });
    at = nul + 21;
  }
  return out;
}

/**
 * Whether a tree entry name is safe to use as a path segment: not empty, '.', '..' or `.git`
 * (any case, as Git refuses), and without '/', '\' or control characters. isomorphic-git
 * refuses most of these when it parses a tree; this is the second fence.
 */
export function isSafeEntryName(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  if (name.toLowerCase().replace(/[. ]+$/, '') === '.git') return false;
  // eslint-disable-next-line no-control-regex
  return !/[/\\\x00-\x1f\x7f]/.test(name);
}

/**
 * The normalised read path ('' = repository root; './a//b/' → 'a/b'). Absolute paths, '\',
 * NUL and '..' are refused with CONFIG_INVALID naming the path.
 */
export function normaliseReadPath(path: string): string {
  const result = path.includes('\0')
    ? { problem: 'must not contain a NUL character' }
    : normaliseSourcePath(path);
  if ('problem' in result) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `path ${JSON.stringify(path)} ${result.problem}; use a path relative to the repository root`,
      { terminal: true, details: { path } },
    );
  }
  return result.path;
}

/** Joins a repository-relative directory and an entry name ('' is the root). */
export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
