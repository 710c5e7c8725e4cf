/**
 * Which repository credentials a repository URL gets: URLs and credential prefixes are
 * normalised the same way (scheme and host lower-cased, default port dropped, a trailing `.git`
 * and trailing '/' of a repository dropped), and the most specific entry wins: an entry naming the
 * repository itself, else the longest prefix ending in '/' that the URL lies under. A prefix only
 * matches on a path boundary: `https://host/team-a/` never matches `https://host/team-ab/app`.
 * Pure: no I/O.
 */

/** Loopback hosts: `localhost`, 127.0.0.0/8 and ::1 (as URL.hostname writes them). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export type NormalisedUrl =
  | {
      /** `scheme://host[:port]/path`, lower-case scheme and host, no default port. */
      readonly url: string;
      /** Whether the text ends with '/': a prefix of many repositories, not one repository. */
      readonly isPrefix: boolean;
      /** `scheme://host[:port]`: where credentials for this URL may be sent. */
      readonly origin: string;
    }
  | { readonly problem: string };

/**
 * The normalised form of a repository URL or a credentials prefix, or why it cannot be one:
 * only http(s) URLs without userinfo, query or fragment; plain http only to a loopback host
 * (credentials never cross the network in clear text).
 */
export function normaliseCredsUrl(text: string): NormalisedUrl {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    return { problem: 'is not a URL; write https://host/path/' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    return { problem: `uses ${u.protocol.slice(0, -1)}; credentials are only for https:// URLs` };
  }
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    return {
      problem:
        'uses plain http:// to a host other than loopback, where credentials would cross the network in clear text; use https://',
    };
  }
  if (u.username !== '' || u.password !== '') {
    return {
      problem:
        'contains userinfo (user@ or user:password@); remove it, and give the username and secret file in the credentials entry',
    };
  }
  if (u.search !== '' || u.hash !== '') {
    return { problem: 'has a query or fragment; remove it' };
  }
  // URL already lower-cases scheme and host and drops the scheme's default port
  const origin = `${u.protocol}//${u.host}`;
  const isPrefix = u.pathname.endsWith('/');
  const pathname = isPrefix
    ? u.pathname.replace(/\/+$/, '/')
    : u.pathname.replace(/\/+$/, '').replace(/\.git$/i, '');
  return { url: `${origin}${pathname}`, isPrefix, origin };
}

/** The repository form of a URL: as normaliseCredsUrl, but a trailing '/' never makes a prefix. */
export function normaliseRepoForCreds(text: string): NormalisedUrl {
  const trimmed = text.trim().replace(/\/+$/, '');
  const n = normaliseCredsUrl(trimmed);
  if ('problem' in n) return n;
  return { ...n, url: n.url.replace(/\/+$/, '').replace(/\.git$/i, ''), isPrefix: false };
}

/** An entry the matcher chooses among (whatever else it carries). */
export interface CredsPrefix {
  /** As normaliseCredsUrl wrote it. */
  readonly prefix: string;
  /** True: ends with '/' (matches every repository below it); false: names one repository. */
  readonly isPrefix: boolean;
}

/** Whether `entry` applies to the normalised repository URL `repoUrl`. */
export function prefixMatches(entry: CredsPrefix, repoUrl: string): boolean {
  if (!entry.isPrefix) return entry.prefix === repoUrl;
  return `${repoUrl}/`.startsWith(entry.prefix);
}

/**
 * The entry for a repository URL: one naming the repository itself, else the longest matching
 * prefix; undefined when none matches or the URL is not one credentials may be sent to.
 */
export function matchCreds<E extends CredsPrefix>(
  entries: readonly E[],
  repoUrl: string,
): E | undefined {
  const n = normaliseRepoForCreds(repoUrl);
  if ('problem' in n) return undefined;
  let best: E | undefined;
  for (const e of entries) {
    if (!prefixMatches(e, n.url)) continue;
    if (!e.isPrefix) return e;
    if (best === undefined || e.prefix.length > best.prefix.length) best = e;
  }
  return best;
}
