/**
 * Hand-built Git packs and pack indexes for unit tests: exact control over each entry's header,
 * so a test can declare a size the content does not have, or a size no test could afford to
 * inflate.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PackType } from './pack-format.ts';

/** An entry header: type and size in the pack's varint encoding. */
export function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let rest = Math.floor(size / 16);
  let byte = (type << 4) | (size % 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest % 128;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

/** Little-endian base-128 varint, as delta headers write sizes. */
export function deltaVarint(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  do {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    bytes.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return Buffer.from(bytes);
}

/** The base offset of an ofs-delta, in git's "offset minus one per byte" encoding. */
export function ofsVarint(distance: number): Buffer {
  const bytes = [distance & 0x7f];
  let rest = distance >>> 7;
  while (rest > 0) {
    rest -= 1;
    bytes.unshift(0x80 | (rest & 0x7f));
    rest >>>= 7;
  }
  return Buffer.from(bytes);
}

/** Delta instructions: copy the whole base, then insert `tail`. */
export function copyAllDelta(baseSize: number, tail: Buffer, resultSize?: number): Buffer {
  const copy = [0x80 | 0x10 | 0x20, baseSize & 0xff, (baseSize >> 8) & 0xff];
  return Buffer.concat([
    deltaVarint(baseSize),
    deltaVarint(resultSize ?? baseSize + tail.length),
    Buffer.from(copy),
    Buffer.from([tail.length]),
    tail,
  ]);
}

export interface FixtureEntry {
  readonly type: number;
  /** Inflated data (object content, or delta instructions). */
  readonly data: Buffer;
  /** Header size when it should differ from data.length. */
  readonly declaredSize?: number;
  /** ofs-delta: index of the base entry in the pack. */
  readonly baseIndex?: number;
  /** ref-delta: base object id. */
  readonly baseOid?: string;
  /** Raw bytes after the header instead of deflate(data). */
  readonly rawBody?: Buffer;
}

/** A version-2 pack of `entries`, with its trailer; and each entry's offset. */
export function buildPack(entries: readonly FixtureEntry[]): { pack: Buffer; offsets: number[] } {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(entries.length, 8);
  const parts: Buffer[] = [head];
  const offsets: number[] = [];
  let at = 12;
  for (const e of entries) {
    offsets.push(at);
    const size = e.declaredSize ?? e.data.length;
    let header = entryHeader(e.type, size);
    if (e.type === PackType.OfsDelta) {
      header = Buffer.concat([header, ofsVarint(at - (offsets[e.baseIndex ?? 0] ?? 0))]);
    } else if (e.type === PackType.RefDelta) {
      header = Buffer.concat([header, Buffer.from(e.baseOid ?? '0'.repeat(40), 'hex')]);
    }
    const body = e.rawBody ?? deflateSync(e.data);
    parts.push(header, body);
    at += header.length + body.length;
  }
  const content = Buffer.concat(parts);
  return {
    pack: Buffer.concat([content, createHash('sha1').update(content).digest()]),
    offsets,
  };
}

/** A version-2 pack index listing `objects` (oid → offset); offsets ≥ 2^31 use the large table. */
export function buildPackIndex(objects: ReadonlyMap<string, number>): Buffer {
  const sorted = [...objects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const fanout = Buffer.alloc(256 * 4);
  for (let i = 0; i < 256; i++) {
    fanout.writeUInt32BE(
      sorted.filter(([oid]) => Number.parseInt(oid.slice(0, 2), 16) <= i).length,
      i * 4,
    );
  }
  const small = Buffer.alloc(sorted.length * 4);
  const large: Buffer[] = [];
  sorted.forEach(([, offset], i) => {
    if (offset < 0x80000000) {
      small.writeUInt32BE(offset, i * 4);
    } else {
      small.writeUInt32BE((0x80000000 | large.length) >>> 0, i * 4);
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(offset));
      large.push(b);
    }
  });
  const body = Buffer.concat([
    Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]),
    fanout,
    ...sorted.map(([oid]) => Buffer.from(oid, 'hex')),
    Buffer.alloc(sorted.length * 4), // CRCs (not read)
    small,
    ...large,
    Buffer.alloc(20), // pack checksum (not read)
  ]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
