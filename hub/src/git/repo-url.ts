/**
 * Repository URLs: which transport a URL needs, its normalised form (the cache identity), a key
 * that matches the same repository across clone URL variants (for webhooks), and the redacted
 * form that is safe in messages and logs. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';

/** Where the objects of a repository come from. */
export type RepoLocation =
  | {
      readonly kind: 'http';
      /** The URL to fetch from, without userinfo. */
      readonly url: string;
      /** The username given in the URL's userinfo, if any (a password there is refused). */
      readonly username?: string;
      /** Normalised URL: the cache identity. */
      readonly normalised: string;
    }
  | {
      readonly kind: 'local';
      /** Absolute path of the repository (bare, or a work tree with `.git`). */
      readonly path: string;
      /** Normalised URL: the cache identity (`file:///…`). */
      readonly normalised: string;
    };

const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/;
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The URL with any userinfo (user:password@) removed; safe in messages, logs and status. */
export function redactUrl(url: string): string {
  const scheme = URL_SCHEME.exec(url);
  if (scheme === null) return url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//');
  }
}

/**
 * Classifies and normalises a repository URL. Accepted: `http(s)://…` (isomorphic-git's
 * transport), `file:///abs/path` and absolute paths (read from the local object store).
 * Refused with CONFIG_INVALID: ssh, git://, scp-like, relative paths, and URLs that carry a
 * password or token (pass it as the repository's token instead, so it never lands in a log).
 */
export function parseRepoUrl(url: string): RepoLocation {
  const trimmed = url.trim();
  if (trimmed === '') throw configInvalid(url, 'is empty; use an https:// URL or a local path');
  if (trimmed.startsWith('/')) return local(trimmed);
  const scheme = URL_SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    let p: string;
    try {
      p = fileURLToPath(trimmed);
    } catch {
      throw configInvalid(url, 'is not a valid file:// URL; use file:///absolute/path');
    }
    return local(p);
  }
  if (scheme === 'http' || scheme === 'https') {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw configInvalid(url, 'is not a valid URL');
    }
    if (parsed.password !== '') {
      throw configInvalid(
        url,
        'contains a password or token; remove it from the URL and configure it as the repository token',
      );
    }
    const username = parsed.username === '' ? undefined : decodeURIComponent(parsed.username);
    parsed.username = '';
    parsed.hash = '';
    const clean = parsed.href.replace(/\/+$/, '');
    return username === undefined
      ? { kind: 'http', url: clean, normalised: clean }
      : { kind: 'http', url: clean, username, normalised: clean };
  }
  if (scheme === 'ssh' || scheme === 'git' || (scheme === undefined && SCP_LIKE.test(trimmed))) {
    throw configInvalid(
      url,
      'needs SSH or the git:// protocol, which the hub does not speak; use the https:// clone URL or a local path',
    );
  }
  throw configInvalid(
    url,
    'is not supported; use an https:// URL, a file:// URL or an absolute path',
  );
}

function local(p: string): RepoLocation {
  if (p.includes('\0')) throw configInvalid(p, 'contains a NUL character');
  const abs = path.posix.normalize(p).replace(/(?<=.)\/+$/, '');
  if (!path.posix.isAbsolute(abs)) {
    throw configInvalid(p, 'is a relative path; use an absolute path or file:///absolute/path');
  }
  return { kind: 'local', path: abs, normalised: pathToFileURL(abs).href };
}

/** The normalised URL (cache identity). Throws CONFIG_INVALID like parseRepoUrl. */
export function normaliseRepoUrl(url: string): string {
  return parseRepoUrl(url).normalised;
}

/** Directory name of a repository's cache: the SHA-256 (hex) of its normalised URL. */
export function cacheDirName(url: string): string {
  return createHash('sha256').update(normaliseRepoUrl(url), 'utf8').digest('hex');
}

/**
 * A key that is the same for every clone URL of one repository (https, http, ssh, scp-like,
 * with or without `.git`, userinfo, port or trailing '/'), e.g. `github.com/org/repo`. Used to
 * match webhook payloads to configured repositories; a false match only costs one extra fetch.
 * Local paths keep their own key (`file:/abs/path`). Undefined when the URL cannot be read.
 */
export function repoKey(url: string): string | undefined {
  const trimmed = url.trim();
  let host: string;
  let p: string;
  if (trimmed.startsWith('/')) return `file:${path.posix.normalize(trimmed).replace(/\/+$/, '')}`;
  if (URL_SCHEME.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      return undefined;
    }
    if (parsed.protocol === 'file:') {
      try {
        return `file:${path.posix.normalize(fileURLToPath(parsed)).replace(/\/+$/, '')}`;
      } catch {
        return undefined;
      }
    }
    host = parsed.hostname;
    try {
      p = decodeURIComponent(parsed.pathname);
    } catch {
      return undefined;
    }
  } else {
    const m = SCP_LIKE.exec(trimmed);
    if (m?.[1] === undefined || m[2] === undefined) return undefined;
    host = m[1];
    p = m[2];
  }
  const cleanPath = p
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '');
  if (host === '' || cleanPath === '') return undefined;
  return `${host}/${cleanPath}`.toLowerCase();
}

/** Replaces every occurrence of each secret (and userinfo in URLs) in `text` with '[redacted]'. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(\/\/)[^/@\s]*@/g, '$1');
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

function configInvalid(url: string, what: string): GitfleetError {
  return new GitfleetError(ErrorCode.ConfigInvalid, `Git repository ${redactUrl(url)} ${what}`, {
    terminal: true,
    details: { repo: redactUrl(url) },
  });
}
