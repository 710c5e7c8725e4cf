import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectSizes } from './object-size.ts';
import { buildPack, buildPackIndex, copyAllDelta } from './pack-fixtures.ts';
import { PackType } from './pack-format.ts';

const MIB = 1024 * 1024;
let gitdir: string;

beforeEach(async () => {
  gitdir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-sizes-'));
  await mkdir(path.join(gitdir, 'objects', 'pack'), { recursive: true });
});

afterEach(async () => {
  await rm(gitdir, { recursive: true, force: true });
});

/** Writes a loose object as git does (zlib of `<type> <size>\0<content>`); resolves to its id. */
async function writeLoose(type: string, content: Buffer): Promise<string> {
  const raw = Buffer.concat([Buffer.from(`${type} ${String(content.length)}\0`), content]);
  const oid = createHash('sha1').update(raw).digest('hex');
  await mkdir(path.join(gitdir, 'objects', oid.slice(0, 2)), { recursive: true });
  await writeFile(path.join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)), deflateSync(raw));
  return oid;
}

async function writePack(
  name: string,
  entries: Parameters<typeof buildPack>[0],
  oids: string[],
): Promise<void> {
  const { pack, offsets } = buildPack(entries);
  const index = new Map(oids.map((oid, i) => [oid, offsets[i] ?? 0]));
  await writeFile(path.join(gitdir, 'objects', 'pack', `pack-${name}.pack`), pack);
  await writeFile(path.join(gitdir, 'objects', 'pack', `pack-${name}.idx`), buildPackIndex(index));
}

describe('ObjectSizes', () => {
  it('reads the size of loose objects from their header', async () => {
    const small = await writeLoose('blob', Buffer.from('hello'));
    const empty = await writeLoose('tree', Buffer.alloc(0));
    const zeros = await writeLoose('blob', Buffer.alloc(20 * MIB));
    const sizes = new ObjectSizes(gitdir);
    expect(await sizes.sizeOf(small)).toBe(5);
    expect(await sizes.sizeOf(empty)).toBe(0);
    expect(await sizes.sizeOf(zeros)).toBe(20 * MIB);
  });

  it('reads packed objects: whole ones by their entry header, deltas by their result size', async () => {
    const [blob, tree, ofs, ref, huge] = ['11', '22', '33', '44', '55'].map((p) => p.repeat(20));
    await writePack(
      'a',
      [
        { type: PackType.Blob, data: Buffer.alloc(3000, 'x') },
        { type: PackType.Tree, data: Buffer.alloc(56) },
        { type: PackType.OfsDelta, data: copyAllDelta(3000, Buffer.from('more')), baseIndex: 0 },
        {
          type: PackType.RefDelta,
          data: copyAllDelta(3000, Buffer.from('!'), 5 * MIB),
          baseOid: blob,
        },
        // a header no one should inflate: the body is not even zlib
        {
          type: PackType.Blob,
          data: Buffer.alloc(0),
          declaredSize: 3 * 1024 * MIB,
          rawBody: Buffer.from('junk'),
        },
      ],
      [blob ?? '', tree ?? '', ofs ?? '', ref ?? '', huge ?? ''],
    );
    const sizes = new ObjectSizes(gitdir);
    expect(await sizes.sizeOf(blob ?? '')).toBe(3000);
    expect(await sizes.sizeOf(tree ?? '')).toBe(56);
    expect(await sizes.sizeOf(ofs ?? '')).toBe(3004);
    expect(await sizes.sizeOf(ref ?? '')).toBe(5 * MIB);
    expect(await sizes.sizeOf(huge ?? '')).toBe(3 * 1024 * MIB);
  });

  it('says undefined for a missing object, and sees a pack added later', async () => {
    const sizes = new ObjectSizes(gitdir);
    const later = '66'.repeat(20);
    expect(await sizes.sizeOf(later)).toBeUndefined();
    await writePack('b', [{ type: PackType.Blob, data: Buffer.from('late') }], [later]);
    expect(await sizes.sizeOf(later)).toBe(4);
  });

  it('fails on a pack index that is not one', async () => {
    await writeFile(path.join(gitdir, 'objects', 'pack', 'pack-bad.idx'), Buffer.alloc(100));
    await expect(new ObjectSizes(gitdir).sizeOf('77'.repeat(20))).rejects.toThrow(/pack index/);
  });
});
