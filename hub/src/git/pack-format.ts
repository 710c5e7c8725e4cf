/**
 * Git's object storage formats, read without decompressing an object's content: the entry header
 * of a pack (type and size), the two sizes a delta starts with, the header of a loose object,
 * and the offset of an object in a version-2 pack index. Pure: callers do the file reads.
 *
 * Sizes are accumulated by multiplication, not bit shifts, so a size past 2^31 is read as the
 * large number it is (and refused by a limit) rather than wrapping to a small one.
 */

/** Entry types of a pack (Documentation/gitformat-pack.txt). */
export const PackType = {
  Commit: 1,
  Tree: 2,
  Blob: 3,
  Tag: 4,
  OfsDelta: 6,
  RefDelta: 7,
} as const;
export type PackType = (typeof PackType)[keyof typeof PackType];

const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'commit',
  2: 'tree',
  3: 'blob',
  4: 'tag',
  6: 'ofs-delta',
  7: 'ref-delta',
};

/** Longest varint read (10 bytes hold 70 bits, past any real size). */
const MAX_VARINT_BYTES = 10;

export interface PackEntryHeader {
  readonly type: PackType;
  /**
   * Size of the entry's data once inflated: the object itself, or for a delta the delta
   * instructions (whose own header gives the object's size, see deltaSizes).
   */
  readonly size: number;
  /** Header length, base reference included: the zlib stream starts at `at + headerBytes`. */
  readonly headerBytes: number;
}

export function packTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${String(type)}`;
}

/**
 * The header of the pack entry at `buf[at]`, or 'truncated' when `buf` ends inside it.
 * Throws on an invalid type or an endless varint (a corrupt pack).
 */
export function parsePackEntryHeader(buf: Uint8Array, at: number): PackEntryHeader | 'truncated' {
  let i = at;
  const next = (): number | undefined => (i < buf.length ? buf[i++] : undefined);
  let byte = next();
  if (byte === undefined) return 'truncated';
  const type = (byte >> 4) & 0b111;
  if (TYPE_NAMES[type] === undefined) {
    throw new Error(`pack entry at offset ${String(at)} has invalid type ${String(type)}`);
  }
  let size = byte & 0b1111;
  let scale = 16;
  for (let n = 1; byte & 0x80; n++) {
    if (n >= MAX_VARINT_BYTES) throw new Error(`pack entry at offset ${String(at)}: size too long`);
    byte = next();
    if (byte === undefined) return 'truncated';
    size += (byte & 0x7f) * scale;
    scale *= 128;
  }
  if (type === PackType.OfsDelta) {
    for (let n = 0; ; n++) {
      if (n >= MAX_VARINT_BYTES) {
        throw new Error(`pack entry at offset ${String(at)}: base offset too long`);
      }
      byte = next();
      if (byte === undefined) return 'truncated';
      if ((byte & 0x80) === 0) break;
    }
  } else if (type === PackType.RefDelta) {
    if (i + 20 > buf.length) return 'truncated';
    i += 20;
  }
  return { type: type as PackType, size, headerBytes: i - at };
}

/**
 * The base and result sizes a delta's instructions start with (two little-endian base-128
 * varints), or 'truncated' when `data` ends before both are complete.
 */
export function deltaSizes(
  data: Uint8Array,
): { readonly baseSize: number; readonly resultSize: number } | 'truncated' {
  let i = 0;
  const varint = (): number | 'truncated' => {
    let value = 0;
    let scale = 1;
    for (let n = 0; n < MAX_VARINT_BYTES; n++) {
      const byte = data[i++];
      if (byte === undefined) return 'truncated';
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error('delta size too long');
  };
  const baseSize = varint();
  if (baseSize === 'truncated') return 'truncated';
  const resultSize = varint();
  if (resultSize === 'truncated') return 'truncated';
  return { baseSize, resultSize };
}

/**
 * The `<type> <size>\0` header that starts an inflated loose object, or 'truncated' when the
 * prefix ends before the NUL. Throws when the prefix is not such a header.
 */
export function parseLooseHeader(
  prefix: Uint8Array,
): { readonly type: string; readonly size: number } | 'truncated' {
  const nul = prefix.indexOf(0);
  if (nul === -1) {
    if (prefix.length > 32) throw new Error('loose object header is too long');
    return 'truncated';
  }
  const m = /^(blob|tree|commit|tag) (0|[1-9]\d{0,17})$/.exec(
    Buffer.from(prefix.subarray(0, nul)).toString('latin1'),
  );
  if (m?.[1] === undefined || m[2] === undefined) throw new Error('loose object header is invalid');
  return { type: m[1], size: Number(m[2]) };
}

const IDX_MAGIC = 0xff744f63;
const IDX_FANOUT = 8;
const IDX_OIDS = IDX_FANOUT + 256 * 4;

/**
 * Checks a version-2 pack index's layout (magic, version, table sizes) and returns its object
 * count. Throws when it is not one.
 */
export function checkPackIndex(idx: Uint8Array): number {
  const view = dataView(idx);
  if (idx.length < IDX_OIDS + 40 || view.getUint32(0) !== IDX_MAGIC || view.getUint32(4) !== 2) {
    throw new Error('not a version 2 pack index');
  }
  const count = view.getUint32(IDX_OIDS - 4);
  if (idx.length < IDX_OIDS + count * 28 + 40) throw new Error('pack index is truncated');
  return count;
}

/**
 * Offset in the pack of object `oid` (40 hex digits), or undefined when the index does not list
 * it. `idx` must have passed checkPackIndex.
 */
export function packIndexOffset(idx: Uint8Array, oid: string): number | undefined {
  const view = dataView(idx);
  const want = Buffer.from(oid, 'hex');
  if (want.length !== 20) return undefined;
  const first = want[0] ?? 0;
  let lo = first === 0 ? 0 : view.getUint32(IDX_FANOUT + (first - 1) * 4);
  let hi = view.getUint32(IDX_FANOUT + first * 4);
  const count = view.getUint32(IDX_OIDS - 4);
  const table = Buffer.from(idx.buffer, idx.byteOffset, idx.byteLength);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = IDX_OIDS + mid * 20;
    const cmp = table.compare(want, 0, 20, at, at + 20);
    if (cmp === 0) {
      const offsets = IDX_OIDS + count * 24;
      const small = view.getUint32(offsets + mid * 4);
      if ((small & 0x80000000) === 0) return small;
      const large = offsets + count * 4 + (small & 0x7fffffff) * 8;
      if (large + 8 > idx.length) throw new Error('pack index large offset is out of range');
      return Number(view.getBigUint64(large));
    }
    if (cmp > 0) hi = mid;
    else lo = mid + 1;
  }
  return undefined;
}

function dataView(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
