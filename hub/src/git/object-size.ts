/**
 * The size of an object in a repository's object store, learnt without inflating its content:
 * from the `<type> <size>` header that starts a loose object (a few bytes inflated), or from the
 * entry header at the object's offset in a pack (found through the pack's index), plus, for a
 * delta, the result size its first bytes state. isomorphic-git always inflates a packed object
 * whole (and loads the whole pack to do it), so a size limit checked after reading would come
 * too late for a file that compresses 1,000×.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { constants, inflateSync } from 'node:zlib';
import {
  PackType,
  checkPackIndex,
  deltaSizes,
  packIndexOffset,
  parseLooseHeader,
  parsePackEntryHeader,
} from './pack-format.ts';

/** Bytes read from a file's start to find a header; a second, longer read if that falls short. */
const FIRST_READ = 512;
const SECOND_READ = 16 * 1024;
/** Sizes kept (objects never change, so an entry never goes stale). */
const MAX_CACHED_SIZES = 200_000;

interface PackIndexFile {
  readonly idx: Uint8Array;
  readonly packPath: string;
}

export class ObjectSizes {
  readonly #gitdir: string;
  readonly #packs = new Map<string, PackIndexFile>();
  readonly #sizes = new Map<string, number>();

  constructor(gitdir: string) {
    this.#gitdir = gitdir;
  }

  /** The inflated size of object `oid`, or undefined when the store does not hold it. */
  async sizeOf(oid: string): Promise<number | undefined> {
    const cached = this.#sizes.get(oid);
    if (cached !== undefined) return cached;
    const size = (await this.#loose(oid)) ?? (await this.#packed(oid));
    if (size !== undefined) {
      if (this.#sizes.size >= MAX_CACHED_SIZES) this.#sizes.clear();
      this.#sizes.set(oid, size);
    }
    return size;
  }

  async #loose(oid: string): Promise<number | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(path.join(this.#gitdir, 'objects', oid.slice(0, 2), oid.slice(2)), 'r');
    } catch {
      return undefined;
    }
    try {
      for (const length of [FIRST_READ, SECOND_READ]) {
        const { bytes, isWhole } = await readAt(handle, 0, length);
        const header = parseLooseHeader(inflatePrefix(bytes, isWhole));
        if (header !== 'truncated') return header.size;
        if (isWhole) break;
      }
      throw new Error(`loose object ${oid} has no readable header`);
    } finally {
      await handle.close();
    }
  }

  async #packed(oid: string): Promise<number | undefined> {
    let found = this.#find(oid);
    if (found === undefined) {
      await this.#loadNewPacks();
      found = this.#find(oid);
    }
    if (found === undefined) return undefined;
    const handle = await open(found.packPath, 'r');
    try {
      for (const length of [FIRST_READ, SECOND_READ]) {
        const { bytes, isWhole } = await readAt(handle, found.offset, length);
        const header = parsePackEntryHeader(bytes, 0);
        if (header === 'truncated') {
          if (isWhole) break;
          continue;
        }
        if (header.type !== PackType.OfsDelta && header.type !== PackType.RefDelta) {
          return header.size;
        }
        const sizes = deltaSizes(inflatePrefix(bytes.subarray(header.headerBytes), isWhole));
        if (sizes !== 'truncated') return sizes.resultSize;
        if (isWhole) break;
      }
      throw new Error(`object ${oid} in ${found.packPath} has no readable header`);
    } finally {
      await handle.close();
    }
  }

  #find(oid: string): { packPath: string; offset: number } | undefined {
    for (const pack of this.#packs.values()) {
      const offset = packIndexOffset(pack.idx, oid);
      if (offset !== undefined) return { packPath: pack.packPath, offset };
    }
    return undefined;
  }

  /** Loads the indexes of packs that appeared since the last look (a fetch adds one). */
  async #loadNewPacks(): Promise<void> {
    const dir = path.join(this.#gitdir, 'objects', 'pack');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.endsWith('.idx') || this.#packs.has(name)) continue;
      const idx = await readFile(path.join(dir, name));
      checkPackIndex(idx);
      this.#packs.set(name, { idx, packPath: path.join(dir, `${name.slice(0, -4)}.pack`) });
    }
  }
}

async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<{ bytes: Buffer; isWhole: boolean }> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return { bytes: buf.subarray(0, bytesRead), isWhole: bytesRead < length };
}

/**
 * What the start of a zlib stream inflates to. The input is a bounded prefix, so the output is
 * bounded too (at most ~1,032× the prefix); a truncated stream is fine (Z_SYNC_FLUSH).
 */
function inflatePrefix(compressed: Uint8Array, isWhole: boolean): Buffer {
  try {
    return inflateSync(compressed, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    if (isWhole) throw err;
    // A prefix can end mid-symbol in a way zlib reports as an error: read more.
    return Buffer.alloc(0);
  }
}
