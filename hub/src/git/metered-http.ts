/**
 * isomorphic-git's Node HTTP client, bounded: every request carries the fetch's abort signal
 * (its deadline), and response bodies are counted so that a fetch that receives more than
 * `maxBytes` (a huge pack, an endless ref advertisement) is cut off, not buffered.
 * Credentials go to one origin only: a request isomorphic-git addresses elsewhere loses its
 * Authorization header here, and isomorphic-git's Node transport drops it on a redirect to
 * another origin (scheme, host or port).
 *
 * The upload-pack ref advertisement is read whole (it is counted like any body) and gets a HEAD
 * line when the server advertises none (see ref-advertisement.ts).
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git/http/node';
import http from 'isomorphic-git/http/node';
import { ensureHead } from './ref-advertisement.ts';

export interface TransferMeter {
  /** Response body bytes received so far. */
  bytes: number;
  /** Set when the limit was crossed (the body then ends with this error). */
  exceeded?: Error;
  /** Set when the advertisement had no HEAD: the ref the added HEAD line names. */
  injectedHead?: string;
}

export interface MeteredHttpOptions {
  readonly maxBytes: number;
  readonly signal: AbortSignal;
  /** The error to end the body with when maxBytes is crossed. */
  readonly onExceeded: (bytes: number) => Error;
  /** The only origin (`scheme://host[:port]`) an Authorization header may be sent to. */
  readonly authOrigin?: string;
  /** The branch an added HEAD line should name, when the server advertises no HEAD. */
  readonly preferredBranch?: string;
}

export function meteredHttp(opts: MeteredHttpOptions, meter: TransferMeter): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      opts.signal.throwIfAborted();
      const res = await http.request({
        ...req,
        headers: scopedHeaders(req, opts.authOrigin),
        signal: opts.signal,
      });
      if (res.body === undefined) return res;
      const body = metered(res.body, opts, meter);
      if (!isUploadPackAdvertisement(req, res)) return { ...res, body };
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const ensured = ensureHead(Buffer.concat(chunks), opts.preferredBranch);
      if (ensured.injected !== undefined) meter.injectedHead = ensured.injected;
      return { ...res, body: once(ensured.body) };
    },
  };
}

/** The request's headers, without Authorization when it goes to another origin than `authOrigin`. */
export function scopedHeaders(
  req: Pick<GitHttpRequest, 'url' | 'headers'>,
  authOrigin: string | undefined,
): Record<string, string> {
  const headers = req.headers ?? {};
  const sameOrigin = authOrigin !== undefined && originOf(req.url) === authOrigin;
  if (sameOrigin) return { ...headers };
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
  );
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function isUploadPackAdvertisement(req: GitHttpRequest, res: GitHttpResponse): boolean {
  if ((req.method ?? 'GET').toUpperCase() !== 'GET' || res.statusCode !== 200) return false;
  if (!/\/info\/refs\?(?:.*&)?service=git-upload-pack(?:&|$)/.test(req.url)) return false;
  const type = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type');
  return String(type?.[1] ?? '').startsWith('application/x-git-upload-pack-advertisement');
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async iterator of one chunk
async function* once(chunk: Uint8Array): AsyncIterableIterator<Uint8Array> {
  yield chunk;
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
