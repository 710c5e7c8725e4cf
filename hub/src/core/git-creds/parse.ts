/**
 * The repository credentials file (`--repo-creds-file`): a YAML list of entries
 *
 *   - urlPrefix: https://git.example.com/team-a/     # or one repository's URL
 *     username: x-access-token                       # optional, default x-access-token
 *     tokenFile: /etc/gitfleet/team-a.token          # or passwordFile
 *
 * Each entry is sent as HTTP Basic credentials (username and the file's content as password),
 * which is what GitHub, GitLab, Gitea and Bitbucket expect of a token. The secret itself is never
 * in this file (an inline `password` or `token` is refused), only the path of a file holding it
 * (relative: to the credentials file's directory). Every problem is reported
 * together, each with its line. Pure: the caller reads the files.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { normaliseCredsUrl } from './match.ts';
import type { CredsPrefix } from './match.ts';

/** Username sent with a token when the entry names none (GitHub's convention; others accept any). */
export const DEFAULT_CREDS_USERNAME = 'x-access-token';

export interface RepoCredsEntry extends CredsPrefix {
  /** The urlPrefix as written (for messages). */
  readonly urlPrefix: string;
  /** Undefined: the URL's own username, else DEFAULT_CREDS_USERNAME. */
  readonly username?: string;
  /**
   * The file holding the password or token, as written; a relative one is relative to the
   * credentials file's directory (the adapter resolves it).
   */
  readonly secretFile: string;
  /** Which key named the file. */
  readonly secretKey: 'passwordFile' | 'tokenFile';
  /** Where the entry is defined, for messages: `FILE line N`, or a flag. */
  readonly source: string;
}

export interface ParsedRepoCreds {
  readonly entries: readonly RepoCredsEntry[];
  readonly problems: readonly string[];
}

const KEYS = new Set(['urlPrefix', 'username', 'passwordFile', 'tokenFile']);
const INLINE_SECRETS = new Set(['password', 'token', 'bearerToken', 'secret']);

/** Parses the credentials file's text; `file` is its absolute path (messages, relative paths). */
export function parseRepoCreds(text: string, file: string): ParsedRepoCreds {
  const lines = new LineCounter();
  const problems: string[] = [];
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: YamlNode | null | undefined): number => {
    const start = node?.range?.[0];
    return start === undefined ? 1 : lines.linePos(start).line;
  };
  for (const err of doc.errors) {
    problems.push(`${file} line ${String(lines.linePos(err.pos[0]).line)}: ${err.message}`);
  }
  if (problems.length > 0) return { entries: [], problems };
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { entries: [], problems };
  if (!isSeq(root)) {
    return {
      entries: [],
      problems: [
        `${file} line ${String(lineOf(root))}: expected a list of entries (- urlPrefix: …, tokenFile: …)`,
      ],
    };
  }
  const entries: RepoCredsEntry[] = [];
  const seen = new Map<string, number>();
  for (const item of root.items) {
    const line = lineOf(isMap(item) || isScalar(item) || isSeq(item) ? item : undefined);
    const at = `${file} line ${String(line)}`;
    if (!isMap(item)) {
      problems.push(`${at}: expected an entry with urlPrefix and tokenFile or passwordFile`);
      continue;
    }
    const fields = new Map<string, { value: unknown; line: number }>();
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const value: unknown = isScalar(pair.value) ? pair.value.value : pair.value;
      fields.set(key, { value, line: isScalar(pair.key) ? lineOf(pair.key) : line });
    }
    const before = problems.length;
    for (const [key, { line: keyLine }] of fields) {
      const where = `${file} line ${String(keyLine)}`;
      if (INLINE_SECRETS.has(key)) {
        problems.push(
          `${where}: ${key} holds a secret in the credentials file, which is refused; put it in a file readable only by the hub and name it with ${key === 'password' ? 'passwordFile' : 'tokenFile'}`,
        );
      } else if (!KEYS.has(key)) {
        problems.push(
          `${where}: unknown key ${JSON.stringify(key)}; use urlPrefix, username, tokenFile or passwordFile`,
        );
      }
    }
    const str = (key: string): string | undefined => {
      const f = fields.get(key);
      if (f === undefined) return undefined;
      if (typeof f.value === 'string' && f.value.trim() !== '') return f.value.trim();
      problems.push(`${file} line ${String(f.line)}: ${key} must be a non-empty string`);
      return undefined;
    };
    const urlPrefix = str('urlPrefix');
    const username = str('username');
    const passwordFile = str('passwordFile');
    const tokenFile = str('tokenFile');
    if (!fields.has('urlPrefix')) problems.push(`${at}: urlPrefix is missing`);
    if (username?.includes(':') === true) {
      problems.push(`${at}: username must not contain ':' (HTTP Basic separates it with one)`);
    }
    if (passwordFile !== undefined && tokenFile !== undefined) {
      problems.push(`${at}: give tokenFile or passwordFile, not both`);
    } else if (
      passwordFile === undefined &&
      tokenFile === undefined &&
      !fields.has('passwordFile') &&
      !fields.has('tokenFile')
    ) {
      problems.push(`${at}: tokenFile or passwordFile is missing (the file holding the secret)`);
    }
    const n = urlPrefix === undefined ? undefined : normaliseCredsUrl(urlPrefix);
    if (n !== undefined && 'problem' in n) {
      // never echo userinfo: it may hold a password
      const shown = (urlPrefix ?? '').replace(/\/\/[^/@\s]*@/, '//[userinfo]@');
      problems.push(`${at}: urlPrefix ${shown} ${n.problem}`);
    }
    if (problems.length > before || n === undefined || 'problem' in n || urlPrefix === undefined) {
      continue;
    }
    const twin = seen.get(n.url);
    if (twin !== undefined) {
      problems.push(`${at}: urlPrefix ${n.url} is also the one on line ${String(twin)}; keep one`);
      continue;
    }
    seen.set(n.url, line);
    const secretKey = tokenFile === undefined ? 'passwordFile' : 'tokenFile';
    const secret = tokenFile ?? passwordFile ?? '';
    entries.push({
      urlPrefix,
      prefix: n.url,
      isPrefix: n.isPrefix,
      ...(username === undefined ? {} : { username }),
      secretFile: secret,
      secretKey,
      source: at,
    });
  }
  return { entries, problems };
}
