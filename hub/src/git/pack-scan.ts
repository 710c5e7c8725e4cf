/**
 * The check a fetched pack passes before isomorphic-git indexes it. Indexing inflates every
 * object in memory, so a pack of a few hundred kilobytes could ask for gigabytes (a file of
 * zeros compresses about 1,000×). The scan reads each entry's header and refuses the pack when an
 * object's declared size, the number of objects or the sum of their sizes crosses a limit —
 * before anything large is inflated. Entries within the limits are inflated once, with the
 * output capped at their declared size, to find where the next entry starts and to prove the
 * header honest (a stream that inflates past it is refused as corrupt).
 *
 * Pure: takes the pack's bytes, returns a verdict.
 */
import { inflateSync } from 'node:zlib';
import { PackType, deltaSizes, packTypeName, parsePackEntryHeader } from './pack-format.ts';

export interface PackScanLimits {
  /** Largest object, inflated (a delta counts with the size of the object it rebuilds). */
  readonly maxObjectBytes: number;
  /** Most objects in one pack. */
  readonly maxFetchObjects: number;
  /** Most bytes all objects of one pack rebuild to, in sum. */
  readonly maxFetchInflatedBytes: number;
}

export type PackScan =
  | { readonly ok: true; readonly objects: number; readonly inflatedBytes: number }
  | {
      readonly ok: false;
      readonly limit: keyof PackScanLimits;
      /** The count or size that crossed the limit. */
      readonly value: number;
      /** For maxObjectBytes: the entry's type (blob, tree…) and offset in the pack. */
      readonly type?: string;
      readonly offset?: number;
    }
  | { readonly ok: false; readonly corrupt: string };

const HEADER_BYTES = 12;
const TRAILER_BYTES = 20;

export function scanPack(pack: Uint8Array, limits: PackScanLimits): PackScan {
  if (pack.length < HEADER_BYTES + TRAILER_BYTES)
    return { ok: false, corrupt: 'pack is truncated' };
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  if (Buffer.from(pack.subarray(0, 4)).toString('latin1') !== 'PACK') {
    return { ok: false, corrupt: 'not a pack (no PACK signature)' };
  }
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) {
    return { ok: false, corrupt: `unsupported pack version ${String(version)}` };
  }
  const count = view.getUint32(8);
  if (count > limits.maxFetchObjects) {
    return { ok: false, limit: 'maxFetchObjects', value: count };
  }
  const end = pack.length - TRAILER_BYTES;
  let at = HEADER_BYTES;
  let inflatedBytes = 0;
  for (let n = 0; n < count; n++) {
    let header;
    try {
      header = parsePackEntryHeader(pack, at);
    } catch (err) {
      return { ok: false, corrupt: err instanceof Error ? err.message : String(err) };
    }
    if (header === 'truncated' || at + header.headerBytes >= end) {
      return { ok: false, corrupt: `pack ends inside entry ${String(n)} (offset ${String(at)})` };
    }
    const isDelta = header.type === PackType.OfsDelta || header.type === PackType.RefDelta;
    const type = packTypeName(header.type);
    if (header.size > limits.maxObjectBytes) {
      return { ok: false, limit: 'maxObjectBytes', value: header.size, type, offset: at };
    }
    if (!isDelta) {
      inflatedBytes += header.size;
      if (inflatedBytes > limits.maxFetchInflatedBytes) {
        return { ok: false, limit: 'maxFetchInflatedBytes', value: inflatedBytes };
      }
    }
    const dataAt = at + header.headerBytes;
    let data: Buffer;
    let consumed: number;
    try {
      const out = inflateSync(pack.subarray(dataAt, end), {
        info: true,
        maxOutputLength: Math.max(1, header.size),
      }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      data = out.buffer;
      consumed = out.engine.bytesWritten;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return {
        ok: false,
        corrupt:
          code === 'ERR_BUFFER_TOO_LARGE'
            ? `entry at offset ${String(at)} inflates past the ${String(header.size)} bytes its header declares`
            : `entry at offset ${String(at)} does not inflate (${err instanceof Error ? err.message : String(err)})`,
      };
    }
    if (data.length !== header.size) {
      return {
        ok: false,
        corrupt: `entry at offset ${String(at)} inflates to ${String(data.length)} bytes, its header declares ${String(header.size)}`,
      };
    }
    if (isDelta) {
      let sizes;
      try {
        sizes = deltaSizes(data);
      } catch (err) {
        return { ok: false, corrupt: err instanceof Error ? err.message : String(err) };
      }
      if (sizes === 'truncated') {
        return { ok: false, corrupt: `delta at offset ${String(at)} has no size header` };
      }
      if (sizes.resultSize > limits.maxObjectBytes) {
        return {
          ok: false,
          limit: 'maxObjectBytes',
          value: sizes.resultSize,
          type: `${type} result`,
          offset: at,
        };
      }
      inflatedBytes += sizes.resultSize;
      if (inflatedBytes > limits.maxFetchInflatedBytes) {
        return { ok: false, limit: 'maxFetchInflatedBytes', value: inflatedBytes };
      }
    }
    at = dataAt + consumed;
  }
  return { ok: true, objects: count, inflatedBytes };
}
