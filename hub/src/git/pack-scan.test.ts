import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildPack, copyAllDelta } from './pack-fixtures.ts';
import { PackType } from './pack-format.ts';
import { scanPack } from './pack-scan.ts';
import type { PackScanLimits } from './pack-scan.ts';

const MIB = 1024 * 1024;
const LIMITS: PackScanLimits = {
  maxObjectBytes: 1 * MIB,
  maxFetchObjects: 100,
  maxFetchInflatedBytes: 4 * MIB,
};

describe('scanPack', () => {
  it('passes a pack within the limits: objects and rebuilt bytes (deltas by their result)', () => {
    const { pack } = buildPack([
      { type: PackType.Commit, data: Buffer.from('tree x\n\nmsg\n') },
      { type: PackType.Blob, data: Buffer.alloc(1000, 'a') },
      { type: PackType.OfsDelta, data: copyAllDelta(1000, Buffer.from('tail')), baseIndex: 1 },
      {
        type: PackType.RefDelta,
        data: copyAllDelta(1000, Buffer.from('xy')),
        baseOid: 'ab'.repeat(20),
      },
    ]);
    expect(scanPack(pack, LIMITS)).toEqual({
      ok: true,
      objects: 4,
      inflatedBytes: 12 + 1000 + 1004 + 1002,
    });
  });

  it('maxObjectBytes: refused from the header alone, before any inflating', () => {
    // 64 MiB of zeros compresses to ~64 KiB; the body here is not even valid zlib, so a scan
    // that tried to inflate it would answer "corrupt", not the limit
    const { pack, offsets } = buildPack([
      { type: PackType.Blob, data: Buffer.from('small') },
      {
        type: PackType.Blob,
        data: Buffer.alloc(0),
        declaredSize: 64 * MIB,
        rawBody: Buffer.from('not zlib at all'),
      },
    ]);
    expect(scanPack(pack, LIMITS)).toEqual({
      ok: false,
      limit: 'maxObjectBytes',
      value: 64 * MIB,
      type: 'blob',
      offset: offsets[1],
    });
  });

  it('maxObjectBytes: a real 1,000× file (zeros) is refused without inflating it', () => {
    const zeros = deflateSync(Buffer.alloc(32 * MIB));
    expect(zeros.length).toBeLessThan(64 * 1024);
    const { pack } = buildPack([
      { type: PackType.Blob, data: Buffer.alloc(0), declaredSize: 32 * MIB, rawBody: zeros },
    ]);
    const started = performance.now();
    expect(scanPack(pack, LIMITS)).toMatchObject({
      ok: false,
      limit: 'maxObjectBytes',
      value: 32 * MIB,
    });
    expect(performance.now() - started).toBeLessThan(50);
    // within the limit, the same entry inflates fine
    expect(
      scanPack(pack, { ...LIMITS, maxObjectBytes: 32 * MIB, maxFetchInflatedBytes: 64 * MIB }),
    ).toEqual({
      ok: true,
      objects: 1,
      inflatedBytes: 32 * MIB,
    });
  });

  it('maxObjectBytes: a small delta that rebuilds a large object is refused by its result size', () => {
    const { pack } = buildPack([
      { type: PackType.Blob, data: Buffer.alloc(100, 'b') },
      { type: PackType.OfsDelta, data: copyAllDelta(100, Buffer.from('z'), 2 * MIB), baseIndex: 0 },
    ]);
    expect(scanPack(pack, LIMITS)).toMatchObject({
      ok: false,
      limit: 'maxObjectBytes',
      value: 2 * MIB,
      type: 'ofs-delta result',
    });
  });

  it('maxFetchObjects: refused from the pack header', () => {
    const { pack } = buildPack(
      Array.from({ length: 5 }, (_, i) => ({ type: PackType.Blob, data: Buffer.from(String(i)) })),
    );
    expect(scanPack(pack, { ...LIMITS, maxFetchObjects: 4 })).toEqual({
      ok: false,
      limit: 'maxFetchObjects',
      value: 5,
    });
  });

  it('maxFetchInflatedBytes: many deltas rebuilding the same large base add up', () => {
    const base = Buffer.alloc(MIB, 'c');
    const { pack } = buildPack([
      { type: PackType.Blob, data: base },
      ...Array.from({ length: 10 }, () => ({
        type: PackType.OfsDelta,
        data: copyAllDelta(MIB, Buffer.from('d')),
        baseIndex: 0,
      })),
    ]);
    expect(scanPack(pack, { ...LIMITS, maxObjectBytes: 2 * MIB })).toMatchObject({
      ok: false,
      limit: 'maxFetchInflatedBytes',
    });
  });

  it.each<[string, Buffer, RegExp]>([
    [
      'a header that understates the content',
      buildPack([{ type: PackType.Blob, data: Buffer.alloc(5000), declaredSize: 10 }]).pack,
      /inflates past the 10 bytes/,
    ],
    [
      'a header that overstates the content',
      buildPack([{ type: PackType.Blob, data: Buffer.alloc(10), declaredSize: 100 }]).pack,
      /inflates to 10 bytes, its header declares 100/,
    ],
    [
      'a body that is not zlib',
      buildPack([{ type: PackType.Blob, data: Buffer.from('x'), rawBody: Buffer.from('garbage!') }])
        .pack,
      /does not inflate/,
    ],
    [
      'no PACK signature',
      Buffer.concat([Buffer.from('KCAP'), Buffer.alloc(40)]),
      /no PACK signature/,
    ],
    [
      'version 4',
      (() => {
        const p = buildPack([]).pack;
        p.writeUInt32BE(4, 4);
        return p;
      })(),
      /version 4/,
    ],
    ['too short', Buffer.from('PACK'), /truncated/],
    [
      'more entries declared than present',
      (() => {
        const p = buildPack([{ type: PackType.Blob, data: Buffer.from('a') }]).pack;
        p.writeUInt32BE(3, 8);
        return p;
      })(),
      /ends inside entry/,
    ],
    ['an invalid type', buildPack([{ type: 5, data: Buffer.from('x') }]).pack, /invalid type 5/],
    [
      'a delta without its size header',
      buildPack([{ type: PackType.OfsDelta, data: Buffer.from([0x80]), baseIndex: 0 }]).pack,
      /no size header/,
    ],
  ])('refuses %s as corrupt', (_name, pack, message) => {
    const verdict = scanPack(pack, LIMITS);
    expect(verdict.ok).toBe(false);
    expect('corrupt' in verdict ? verdict.corrupt : '').toMatch(message);
  });
});
