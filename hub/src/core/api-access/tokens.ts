/**
 * The API tokens file (`--api-tokens-file`): who may call the hub's HTTP API, with which scope.
 * It holds no token itself, only the SHA-256 of each, so that reading the file (a backup, a
 * ConfigMap, a support bundle) gives nobody access. Two forms:
 *
 * - lines of `<name> <scope> <sha256>`, separated by spaces or tabs; blank lines and lines
 *   starting with `#` are ignored; the digest is 64 hex digits, optionally prefixed `sha256:`;
 * - a JSON list of `{ "name": …, "scope": …, "sha256": … }` (the text starts with `[`).
 *
 * The name is the identity the hub records (a rollout command's `by`): letters, digits and
 * `. _ @ -`, at most 64, unique in the file. Scopes: ./scopes.ts. The token of the older
 * `--api-token-file` joins as an admin token named `api-token` ({@link withLegacyToken}).
 *
 * Pure: text in, tokens and problems out. Problems name the file and line, never quote a field
 * (a plain token written by mistake, in any column, must not reach a log).
 */
import { createHash } from 'node:crypto';
import { API_SCOPES, ApiScope, isApiScope } from './scopes.ts';

export interface ApiToken {
  /** Who holds it: recorded as the actor of what the token does. */
  readonly name: string;
  readonly scope: ApiScope;
  /** SHA-256 of the token's UTF-8 bytes, 64 lowercase hex digits. */
  readonly sha256: string;
}

export interface ParsedTokens {
  readonly tokens: ApiToken[];
  readonly problems: string[];
}

/** Letters, digits and `. _ @ -`, starting with a letter or digit, at most 64. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** The name of the token of `--api-token-file`. */
export const LEGACY_TOKEN_NAME = 'api-token';

const DIGEST_PATTERN = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/** SHA-256 of a token, as the tokens file holds it. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The problems of one entry, or the entry; `where` prefixes each problem. */
function entryOf(
  where: string,
  name: unknown,
  scope: unknown,
  sha256: unknown,
): ApiToken | string[] {
  const problems: string[] = [];
  if (typeof name !== 'string' || !TOKEN_NAME_PATTERN.test(name)) {
    problems.push(
      `${where}: the name must be letters, digits and . _ @ - (at most 64, starting with a letter or digit)`,
    );
  }
  if (typeof scope !== 'string' || !isApiScope(scope)) {
    problems.push(`${where}: the scope must be one of ${API_SCOPES.join(', ')}`);
  }
  const digest = typeof sha256 === 'string' ? DIGEST_PATTERN.exec(sha256)?.[1] : undefined;
  if (digest === undefined) {
    problems.push(
      `${where}: the digest must be the SHA-256 of the token (64 hex digits, e.g. from \`printf %s "$TOKEN" | sha256sum\`), never the token itself`,
    );
  }
  if (problems.length > 0 || typeof name !== 'string' || digest === undefined) return problems;
  return { name, scope: scope as ApiScope, sha256: digest.toLowerCase() };
}

function fromLines(
  text: string,
  source: string,
): { entries: [string, ApiToken][]; problems: string[] } {
  const entries: [string, ApiToken][] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source}:${String(i + 1)}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 3) {
      problems.push(
        `${where}: expected <name> <scope> <sha256>, found ${String(fields.length)} field(s)`,
      );
      return;
    }
    const e = entryOf(where, fields[0], fields[1], fields[2]);
    if (Array.isArray(e)) problems.push(...e);
    else entries.push([where, e]);
  });
  return { entries, problems };
}

function fromJson(
  text: string,
  source: string,
): { entries: [string, ApiToken][]; problems: string[] } {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list)) {
    return {
      entries: [],
      problems: [
        `${source}: not a JSON list of {"name", "scope", "sha256"} (nor lines of <name> <scope> <sha256>)`,
      ],
    };
  }
  const entries: [string, ApiToken][] = [];
  const problems: string[] = [];
  list.forEach((item: unknown, i) => {
    const where = `${source}: [${String(i)}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`${where}: expected an object {"name", "scope", "sha256"}`);
      return;
    }
    const o = item as Readonly<Record<string, unknown>>;
    const unknown = Object.keys(o).filter((k) => !['name', 'scope', 'sha256'].includes(k));
    if (unknown.length > 0) {
      problems.push(
        `${where}: unknown key(s) ${unknown.join(', ')}: an entry has name, scope and sha256`,
      );
      return;
    }
    const e = entryOf(where, o['name'], o['scope'], o['sha256']);
    if (Array.isArray(e)) problems.push(...e);
    else entries.push([where, e]);
  });
  return { entries, problems };
}

/** `entries` without twins: a name or a token given twice is a problem (the first one stays). */
function unique(entries: readonly (readonly [string, ApiToken])[], problems: string[]): ApiToken[] {
  const tokens: ApiToken[] = [];
  for (const [where, t] of entries) {
    const sameName = tokens.find((x) => x.name === t.name);
    const sameToken = tokens.find((x) => x.sha256 === t.sha256);
    if (sameName !== undefined) problems.push(`${where}: the name ${t.name} is given twice`);
    else if (sameToken !== undefined)
      problems.push(`${where}: the same token as ${sameToken.name}: every holder needs their own`);
    else tokens.push(t);
  }
  return tokens;
}

/** The tokens of a tokens file's text; `source` (the path) prefixes every problem. */
export function parseApiTokens(text: string, source: string): ParsedTokens {
  const { entries, problems } = text.trimStart().startsWith('[')
    ? fromJson(text, source)
    : fromLines(text, source);
  const tokens = unique(entries, problems);
  if (tokens.length === 0 && problems.length === 0)
    problems.push(`${source}: holds no token (lines of <name> <scope> <sha256>)`);
  return { tokens, problems };
}

/**
 * `tokens` with the token of `--api-token-file` as an admin token named `api-token` (the token
 * is hashed here and not kept). Its name or the token itself already in `tokens` is a problem.
 */
export function withLegacyToken(tokens: readonly ApiToken[], token: string): ParsedTokens {
  const legacy: ApiToken = {
    name: LEGACY_TOKEN_NAME,
    scope: ApiScope.Admin,
    sha256: tokenDigest(token),
  };
  const problems: string[] = [];
  const all = unique(
    [
      ...tokens.map((t) => ['--api-tokens-file', t] as const),
      ['--api-token-file', legacy] as const,
    ],
    problems,
  );
  return { tokens: all, problems };
}
