/**
 * isomorphic-git's Node HTTP client, bounded: every request carries the fetch's abort signal
 * (its deadline), and response bodies are counted so that a fetch that receives more than
 * `maxBytes` (a huge pack, an endless ref advertisement) is cut off, not buffered.
 * isomorphic-git's own transport drops credentials on cross-origin redirects.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git/http/node';
import http from 'isomorphic-git/http/node';

export interface TransferMeter {
  /** Response body bytes received so far. */
  bytes: number;
  /** Set when the limit was crossed (the body then ends with this error). */
  exceeded?: Error;
}

export interface MeteredHttpOptions {
  readonly maxBytes: number;
  readonly signal: AbortSignal;
  /** The error to end the body with when maxBytes is crossed. */
  readonly onExceeded: (bytes: number) => Error;
}

export function meteredHttp(opts: MeteredHttpOptions, meter: TransferMeter): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      opts.signal.throwIfAborted();
      const res = await http.request({ ...req, signal: opts.signal });
      if (res.body === undefined) return res;
      return { ...res, body: metered(res.body, opts, meter) };
    },
  };
}

async function* metered(
  body: AsyncIterableIterator<Uint8Array>,
  opts: MeteredHttpOptions,
  meter: TransferMeter,
): AsyncIterableIterator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let isDone = false;
  try {
    for (;;) {
      const step = await it.next();
      if (step.done === true) {
        isDone = true;
        return;
      }
      const value: Uint8Array = step.value;
      meter.bytes += value.byteLength;
      if (meter.bytes > opts.maxBytes) {
        meter.exceeded ??= opts.onExceeded(meter.bytes);
        throw meter.exceeded;
      }
      yield value;
    }
  } finally {
    // Stop reading (isomorphic-git's iterator destroys the socket on return).
    if (!isDone) {
      try {
        await it.return?.();
      } catch {
        // already failed; the error that matters is the one thrown above
      }
    }
  }
}
