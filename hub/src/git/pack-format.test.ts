import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildPack,
  buildPackIndex,
  copyAllDelta,
  deltaVarint,
  entryHeader,
  ofsVarint,
} from './pack-fixtures.ts';
import {
  PackType,
  checkPackIndex,
  deltaSizes,
  packIndexOffset,
  packTypeName,
  parseLooseHeader,
  parsePackEntryHeader,
} from './pack-format.ts';

const GIB = 1024 * 1024 * 1024;

describe('parsePackEntryHeader', () => {
  it.each<[string, number, number]>([
    ['a small blob', PackType.Blob, 5],
    ['15 bytes (one byte)', PackType.Tree, 15],
    ['16 bytes (two bytes)', PackType.Commit, 16],
    ['1 MiB', PackType.Blob, 1024 * 1024],
    ['3 GiB (past 2^31: read, not wrapped)', PackType.Blob, 3 * GIB],
    ['2^50', PackType.Tag, 2 ** 50],
  ])('%s', (_name, type, size) => {
    const header = entryHeader(type, size);
    expect(
      parsePackEntryHeader(Buffer.concat([Buffer.from([9, 9]), header, Buffer.from([1])]), 2),
    ).toEqual({
      type,
      size,
      headerBytes: header.length,
    });
  });

  it('skips the base reference of deltas', () => {
    const ofs = Buffer.concat([entryHeader(PackType.OfsDelta, 300), ofsVarint(70_000)]);
    expect(parsePackEntryHeader(ofs, 0)).toEqual({
      type: PackType.OfsDelta,
      size: 300,
      headerBytes: ofs.length,
    });
    const ref = Buffer.concat([entryHeader(PackType.RefDelta, 7), Buffer.alloc(20, 0xab)]);
    expect(parsePackEntryHeader(ref, 0)).toEqual({
      type: PackType.RefDelta,
      size: 7,
      headerBytes: 21,
    });
  });

  it('says truncated when the buffer ends inside the header', () => {
    const header = entryHeader(PackType.Blob, 3 * GIB);
    expect(parsePackEntryHeader(header.subarray(0, 2), 0)).toBe('truncated');
    expect(parsePackEntryHeader(Buffer.alloc(0), 0)).toBe('truncated');
    const ref = Buffer.concat([entryHeader(PackType.RefDelta, 7), Buffer.alloc(10)]);
    expect(parsePackEntryHeader(ref, 0)).toBe('truncated');
  });

  it('refuses types 0 and 5 and an endless size', () => {
    expect(() => parsePackEntryHeader(Buffer.from([0x05]), 0)).toThrow(/invalid type 0/);
    expect(() => parsePackEntryHeader(Buffer.from([0x55]), 0)).toThrow(/invalid type 5/);
    expect(() => parsePackEntryHeader(Buffer.alloc(20, 0xb0), 0)).toThrow(/too long/);
  });

  it('names types', () => {
    expect(packTypeName(3)).toBe('blob');
    expect(packTypeName(6)).toBe('ofs-delta');
    expect(packTypeName(5)).toBe('type 5');
  });
});

describe('deltaSizes', () => {
  it('reads base and result sizes', () => {
    expect(deltaSizes(copyAllDelta(1000, Buffer.from('xyz')))).toEqual({
      baseSize: 1000,
      resultSize: 1003,
    });
    expect(deltaSizes(Buffer.concat([deltaVarint(5), deltaVarint(4 * GIB)]))).toEqual({
      baseSize: 5,
      resultSize: 4 * GIB,
    });
  });

  it('says truncated, or refuses an endless varint', () => {
    expect(deltaSizes(deltaVarint(300))).toBe('truncated');
    expect(deltaSizes(Buffer.from([0x80]))).toBe('truncated');
    expect(() => deltaSizes(Buffer.alloc(12, 0xff))).toThrow(/too long/);
  });
});

describe('parseLooseHeader', () => {
  it('reads type and size', () => {
    expect(parseLooseHeader(Buffer.from('blob 12\0hello world!'))).toEqual({
      type: 'blob',
      size: 12,
    });
    expect(parseLooseHeader(Buffer.from('tree 0\0'))).toEqual({ type: 'tree', size: 0 });
    expect(parseLooseHeader(Buffer.from('blob 1234'))).toBe('truncated');
  });

  it.each(['blobx 1\0', 'blob -1\0', 'blob 01\0', 'blob 1 \0', `${'x'.repeat(40)}`])(
    'refuses %j',
    (text) => {
      expect(() => parseLooseHeader(Buffer.from(text))).toThrow(/header/);
    },
  );
});

describe('pack index v2', () => {
  const objects = new Map([
    ['00'.padEnd(40, '1'), 12],
    ['7f'.padEnd(40, '2'), 1_000],
    ['80'.padEnd(40, '3'), 0x7fffffff],
    ['ff'.padEnd(40, '4'), 5 * GIB],
    ['ff'.padEnd(40, '5'), 77],
  ]);
  const idx = buildPackIndex(objects);

  it('finds every object at its offset, large offsets included', () => {
    expect(checkPackIndex(idx)).toBe(5);
    for (const [oid, offset] of objects) expect(packIndexOffset(idx, oid)).toBe(offset);
  });

  it('says undefined for an object it does not list', () => {
    expect(packIndexOffset(idx, '00'.padEnd(40, '0'))).toBeUndefined();
    expect(packIndexOffset(idx, '80'.padEnd(40, '4'))).toBeUndefined();
    expect(packIndexOffset(idx, 'not hex')).toBeUndefined();
    expect(packIndexOffset(buildPackIndex(new Map()), '00'.padEnd(40, '1'))).toBeUndefined();
  });

  it('refuses what is not a v2 index, or a truncated one', () => {
    expect(() => checkPackIndex(Buffer.alloc(2000))).toThrow(/version 2/);
    expect(() => checkPackIndex(idx.subarray(0, idx.length - 60))).toThrow(/truncated/);
  });

  it('reads the entries of a real-looking pack built by the fixtures', () => {
    const { pack, offsets } = buildPack([
      { type: PackType.Blob, data: Buffer.from('hello') },
      { type: PackType.OfsDelta, data: copyAllDelta(5, Buffer.from('!')), baseIndex: 0 },
    ]);
    const first = parsePackEntryHeader(pack, offsets[0] ?? 0);
    const second = parsePackEntryHeader(pack, offsets[1] ?? 0);
    expect(first).toMatchObject({ type: PackType.Blob, size: 5 });
    expect(second).toMatchObject({ type: PackType.OfsDelta });
    expect(deflateSync(Buffer.from('hello')).length).toBeGreaterThan(0);
  });
});
