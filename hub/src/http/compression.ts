/**
 * Response compression, the adapter side of ../core/web/accept-encoding.ts: a JSON body over
 * {@link MIN_GZIP_BYTES} is sent gzip-encoded to a client that accepts gzip, and an event stream
 * goes through a gzip stream flushed after every write (Z_SYNC_FLUSH), so that each event reaches
 * the client as soon as it is written, compressed against the ones before it. Every response
 * that could be compressed says `vary: accept-encoding`.
 */
import type http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { acceptsGzip } from '../core/web/accept-encoding.ts';

/** Smaller bodies are sent as they are: gzip would save next to nothing. */
export const MIN_GZIP_BYTES = 1024;

const gzip = promisify(zlib.gzip);

/** Whether the request lets the response be gzip-encoded. */
export function wantsGzip(req: http.IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  return acceptsGzip(Array.isArray(header) ? header.join(',') : header);
}

/** Sends `body` as JSON, gzip-encoded when it is large enough and the client accepts it. */
export async function sendJson(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: unknown,
): Promise<void> {
  const text = JSON.stringify(body);
  res.setHeader('content-type', 'application/json');
  res.setHeader('vary', 'accept-encoding');
  if (Buffer.byteLength(text) > MIN_GZIP_BYTES && wantsGzip(req)) {
    let packed: Buffer | undefined;
    try {
      packed = await gzip(text);
    } catch {
      // not compressed: sent as it is below
    }
    if (packed !== undefined) {
      res.setHeader('content-encoding', 'gzip');
      res.end(packed);
      return;
    }
  }
  res.end(text);
}

/** Where an event stream writes: the response itself, or a gzip stream in front of it. */
export interface StreamSink {
  write(text: string): void;
  end(): void;
  /** Bytes written and not yet handed to the socket (a slow client's backlog). */
  readonly buffered: number;
}

/** The headers of a stream written through {@link streamSink} with `gzipped`. */
export function streamEncodingHeaders(gzipped: boolean): Readonly<Record<string, string>> {
  return gzipped
    ? { 'content-encoding': 'gzip', vary: 'accept-encoding' }
    : { vary: 'accept-encoding' };
}

/** A sink on `res`: plain, or gzip flushed after every write. */
export function streamSink(res: http.ServerResponse, gzipped: boolean): StreamSink {
  if (!gzipped) {
    return {
      write: (text) => void res.write(text),
      end: () => void res.end(),
      get buffered() {
        return res.writableLength;
      },
    };
  }
  const z = zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH });
  z.pipe(res);
  // a client gone: the gzip stream goes with it (a write after that is dropped)
  z.on('error', () => res.destroy());
  res.on('close', () => z.destroy());
  return {
    write: (text) => {
      if (!z.destroyed) z.write(text);
    },
    end: () => {
      if (!z.destroyed) z.end();
    },
    get buffered() {
      return z.writableLength + z.readableLength + res.writableLength;
    },
  };
}
