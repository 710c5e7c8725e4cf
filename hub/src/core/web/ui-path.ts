/**
 * Which file of the web UI's build answers a request path under `/ui`: the file itself when the
 * build has it, `index.html` for any other path (the UI routes in the browser, so every view is a
 * deep link), and a refusal for a path that tries to leave the build (`..`, `.`, an encoded `/` or
 * `\`, NUL, a hidden file) or cannot be decoded. A missing file under `assets/` is not found
 * rather than the page: a script or style asked by an older page must not receive HTML.
 *
 * Pure: the decision is made against the set of files the build holds (relative paths with `/`),
 * so no path from a request ever reaches the file system.
 */

/** Where the UI is served. */
export const UI_BASE = '/ui';
export const UI_INDEX = 'index.html';
/** Content-hashed files: cached for a year. */
export const UI_ASSETS_DIR = 'assets';

export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
/** Revalidated on every use: the page names the current assets. */
export const CACHE_REVALIDATE = 'no-cache';

export type UiPathDecision =
  /** Not a path of the UI. */
  | { readonly kind: 'none' }
  /** `/ui` without its slash: the page's relative URLs need `/ui/`. */
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'file'; readonly file: string; readonly cacheControl: string }
  | { readonly kind: 'not-found'; readonly file: string }
  | { readonly kind: 'refused'; readonly reason: string };

/** Whether a request path (raw, before decoding) is the UI's. */
export function isUiPath(rawPath: string): boolean {
  return rawPath === UI_BASE || rawPath.startsWith(`${UI_BASE}/`);
}

function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Why a decoded path segment cannot name a file of the build; undefined when it can. */
function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'an empty path segment';
  if (segment === '.' || segment === '..') return `the segment "${segment}"`;
  if (segment.includes('/') || segment.includes('\\')) return 'an encoded path separator';
  if ([...segment].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) {
    return 'a control character';
  }
  if (segment.startsWith('.')) return 'a hidden file';
  return undefined;
}

/**
 * The answer to `rawPath` (the request's path as sent, still percent-encoded, without its query)
 * given the build's `files`.
 */
export function decideUiPath(rawPath: string, files: ReadonlySet<string>): UiPathDecision {
  if (!isUiPath(rawPath)) return { kind: 'none' };
  if (rawPath === UI_BASE) return { kind: 'redirect', location: `${UI_BASE}/` };
  const rest = rawPath.slice(UI_BASE.length + 1);
  if (rest === '') return index();
  const segments: string[] = [];
  const raw = rest.split('/');
  for (const [i, r] of raw.entries()) {
    // a trailing slash (`/ui/apps/`) is the same view as without it
    if (r === '' && i === raw.length - 1) break;
    const segment = decodeSegment(r);
    if (segment === undefined) return { kind: 'refused', reason: 'a bad percent-encoding' };
    const problem = segmentProblem(segment);
    if (problem !== undefined) return { kind: 'refused', reason: problem };
    segments.push(segment);
  }
  const file = segments.join('/');
  if (files.has(file)) {
    return {
      kind: 'file',
      file,
      cacheControl: segments[0] === UI_ASSETS_DIR ? CACHE_IMMUTABLE : CACHE_REVALIDATE,
    };
  }
  if (segments[0] === UI_ASSETS_DIR) return { kind: 'not-found', file };
  return index();
}

function index(): UiPathDecision {
  return { kind: 'file', file: UI_INDEX, cacheControl: CACHE_REVALIDATE };
}

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
};

/** The content type of a file of the build, by its extension. */
export function contentTypeOf(file: string): string {
  const dot = file.lastIndexOf('.');
  const ext = dot < 0 ? '' : file.slice(dot + 1).toLowerCase();
  return Object.hasOwn(TYPES, ext) ? (TYPES[ext] ?? '') : 'application/octet-stream';
}

/** Whether a file of that content type is worth compressing (text; images and fonts are not). */
export function isCompressible(contentType: string): boolean {
  return /^(?:text\/|application\/json|image\/svg\+xml)/.test(contentType);
}
