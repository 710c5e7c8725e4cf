/**
 * The settings of OIDC bearer tokens on the hub's HTTP API (docs/security.md, "Authenticated
 * API"): the issuer and audience a token must name, where its signing keys are published, which
 * claim names its holder and which claim's values map to API scopes, and the scope map file.
 *
 * The scope map file maps claim values (groups, roles) to scopes, one per line, a YAML mapping
 * of plain or quoted keys:
 *
 *     # claim value: scope
 *     platform-admins: admin
 *     sre: operate
 *     "dev team": read
 *
 * Pure: text in, a map and problems (naming the file and line, never guessing) out.
 */
import { isApiScope, type ApiScope } from './scopes.ts';

export interface OidcSettings {
  /** Must equal the token's `iss`. */
  readonly issuer: string;
  /** Must be one of the token's `aud`. */
  readonly audience: string;
  /** The JWKS; undefined: `jwks_uri` of the issuer's discovery document. */
  readonly jwksUrl: string | undefined;
  /** The claim whose values (a string or a list of strings) map to scopes. */
  readonly scopeClaim: string;
  /** The claim naming the holder: the identity is `oidc:<its value>`. */
  readonly usernameClaim: string;
  /** Claim value → scope. */
  readonly scopeMap: ReadonlyMap<string, ApiScope>;
  /** The web UI's sign-in client (`--oidc-client-id`); absent: the UI signs in by API token only. */
  readonly browserClient?: OidcBrowserClient;
}

/** The discovery document of an issuer (`<issuer>/.well-known/openid-configuration`). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/**
 * Why `value` (from `from`) is no URL the hub fetches keys or discovery from: not absolute, with
 * credentials, a query or fragment, or plain http to anything but loopback. Undefined: it is.
 */
export function oidcUrlProblem(value: string, from: string): string | undefined {
  const u = URL.parse(value);
  if (u === null || (u.protocol !== 'https:' && u.protocol !== 'http:'))
    return `${from}: "${value}" is not an absolute https URL`;
  if (u.username !== '' || u.password !== '') return `${from}: the URL must hold no credentials`;
  if (u.search !== '' || u.hash !== '') return `${from}: the URL must have no query or fragment`;
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname))
    return `${from}: "${value}" must be https (plain http only on loopback)`;
  return undefined;
}

/** One key of a scope map line: a plain scalar, or a single- or double-quoted one. */
function unquote(raw: string): string | undefined {
  if (raw.startsWith('"')) {
    try {
      const v: unknown = JSON.parse(raw);
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
  if (raw.startsWith("'")) {
    return /^'(?:[^']|'')*'$/.test(raw) ? raw.slice(1, -1).replaceAll("''", "'") : undefined;
  }
  return raw;
}

/** `<key>: <scope>`, a comment after whitespace allowed; a plain key may hold `:` and spaces. */
const LINE =
  /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s"'#](?:\S|\s(?!#))*?)\s*:(?:\s+([^\s#]\S*))?\s*(?:#.*)?$/;

export interface ParsedScopeMap {
  readonly map: ReadonlyMap<string, ApiScope>;
  readonly problems: readonly string[];
}

/** The scope map of a file's text; `source` (the path) and the line number prefix each problem. */
export function parseScopeMap(text: string, source: string): ParsedScopeMap {
  const map = new Map<string, ApiScope>();
  const lineOf = new Map<string, number>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line === '---') return;
    const where = `${source}:${String(i + 1)}`;
    const m = LINE.exec(line);
    const key = m?.[1] === undefined ? undefined : unquote(m[1]);
    if (m === null || key === undefined) {
      problems.push(`${where}: expected <claim value>: <scope>, e.g. platform-admins: admin`);
      return;
    }
    const scope = (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2');
    if (key === '') {
      problems.push(`${where}: the claim value is empty`);
    } else if (!isApiScope(scope)) {
      problems.push(
        `${where}: the scope of ${JSON.stringify(key)} must be read, operate or admin${scope === '' ? '' : `, not ${JSON.stringify(scope)}`}`,
      );
    } else if (lineOf.has(key)) {
      problems.push(
        `${where}: ${JSON.stringify(key)} is mapped already on line ${String(lineOf.get(key))}`,
      );
    } else {
      map.set(key, scope);
      lineOf.set(key, i + 1);
    }
  });
  if (map.size === 0 && problems.length === 0)
    problems.push(`${source}: maps no claim value to a scope (lines of <claim value>: <scope>)`);
  return { map, problems };
}

/** The options of OIDC as read from flags (undefined: unset); see {@link oidcSettingsOf}. */
export interface OidcOptions {
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly jwksUrl: string | undefined;
  readonly scopeClaim: string;
  readonly usernameClaim: string;
  readonly scopeMap: ReadonlyMap<string, ApiScope> | undefined;
}

/**
 * The OIDC settings of the options (undefined: OIDC is off: none of the three needed options is
 * set), or the problems across them: issuer, audience and scope map go together, and every URL
 * is https unless on loopback. `flag` names an option for messages.
 */
export function oidcSettingsOf(
  o: OidcOptions,
  flag: (option: 'issuer' | 'audience' | 'jwksUrl' | 'scopeMap') => string,
): { readonly settings: OidcSettings | undefined; readonly problems: readonly string[] } {
  const problems: string[] = [];
  const set = {
    issuer: o.issuer !== undefined,
    audience: o.audience !== undefined,
    scopeMap: o.scopeMap !== undefined,
  };
  const anySet = set.issuer || set.audience || set.scopeMap || o.jwksUrl !== undefined;
  if (!anySet) return { settings: undefined, problems };
  const missing = (['issuer', 'audience', 'scopeMap'] as const).filter((k) => !set[k]);
  if (missing.length > 0)
    problems.push(
      `OIDC needs ${flag('issuer')}, ${flag('audience')} and ${flag('scopeMap')} together: ${missing.map(flag).join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
    );
  if (o.issuer !== undefined) {
    const p = oidcUrlProblem(o.issuer, flag('issuer'));
    if (p !== undefined) problems.push(p);
  }
  if (o.jwksUrl !== undefined) {
    const p = oidcUrlProblem(o.jwksUrl, flag('jwksUrl'));
    if (p !== undefined) problems.push(p);
  }
  if (o.audience === '') problems.push(`${flag('audience')}: the audience is empty`);
  if (problems.length > 0 || o.issuer === undefined || o.audience === undefined)
    return { settings: undefined, problems };
  return {
    settings: {
      issuer: o.issuer,
      audience: o.audience,
      jwksUrl: o.jwksUrl,
      scopeClaim: o.scopeClaim,
      usernameClaim: o.usernameClaim,
      scopeMap: o.scopeMap ?? new Map(),
    },
    problems,
  };
}

/** The browser client's id and the scopes it asks of the issuer. */
export interface OidcBrowserClient {
  readonly clientId: string;
  readonly scopes: readonly string[];
}
