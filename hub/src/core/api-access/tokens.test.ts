import { describe, expect, it } from 'vitest';
import { LEGACY_TOKEN_NAME, parseApiTokens, tokenDigest, withLegacyToken } from './tokens.ts';

const A = tokenDigest('token-of-alice-0123456789');
const B = tokenDigest('token-of-ci-0123456789');
const F = '/etc/gitfleet/api-tokens';

describe('tokenDigest', () => {
  it('is the SHA-256 of the UTF-8 bytes, lowercase hex (as sha256sum prints it)', () => {
    // printf %s abc | sha256sum
    expect(tokenDigest('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('parseApiTokens', () => {
  it.each<{ name: string; text: string; tokens: [string, string, string][] }>([
    {
      name: 'lines, comments, blank lines, tabs',
      text: `# who scope sha256\nalice admin ${A}\n\n\tci-bot@acme.example\toperate  sha256:${B.toUpperCase()}\n`,
      tokens: [
        ['alice', 'admin', A],
        ['ci-bot@acme.example', 'operate', B],
      ],
    },
    {
      name: 'CRLF line ends',
      text: `alice read ${A}\r\nbob read ${B}\r\n`,
      tokens: [
        ['alice', 'read', A],
        ['bob', 'read', B],
      ],
    },
    {
      name: 'a JSON list',
      text: ` [{"name": "alice", "scope": "read", "sha256": "${A}"}, {"name": "ci", "scope": "operate", "sha256": "sha256:${B}"}]`,
      tokens: [
        ['alice', 'read', A],
        ['ci', 'operate', B],
      ],
    },
  ])('reads $name', ({ text, tokens }) => {
    const parsed = parseApiTokens(text, F);
    expect(parsed.problems).toEqual([]);
    expect(parsed.tokens.map((t) => [t.name, t.scope, t.sha256])).toEqual(tokens);
  });

  it.each<{ name: string; text: string; problems: string[] }>([
    {
      name: 'an empty file',
      text: '# nothing\n\n',
      problems: [`${F}: holds no token (lines of <name> <scope> <sha256>)`],
    },
    {
      name: 'a line of two fields',
      text: `alice ${A}\n`,
      problems: [`${F}:1: expected <name> <scope> <sha256>, found 2 field(s)`],
    },
    {
      name: 'an unknown scope',
      text: `alice write ${A}\n`,
      problems: [`${F}:1: the scope must be one of read, operate, admin`],
    },
    {
      name: 'a bad name',
      text: `-alice read ${A}\n`,
      problems: [
        `${F}:1: the name must be letters, digits and . _ @ - (at most 64, starting with a letter or digit)`,
      ],
    },
    {
      name: 'a plain token in the scope column (never echoed)',
      text: `alice my-plain-secret-token ${A}\n`,
      problems: [`${F}:1: the scope must be one of read, operate, admin`],
    },
    {
      name: 'a plain token instead of its digest (never echoed)',
      text: 'alice read my-plain-secret-token\n',
      problems: [
        `${F}:1: the digest must be the SHA-256 of the token (64 hex digits, e.g. from \`printf %s "$TOKEN" | sha256sum\`), never the token itself`,
      ],
    },
    {
      name: 'a name given twice',
      text: `alice read ${A}\nalice admin ${B}\n`,
      problems: [`${F}:2: the name alice is given twice`],
    },
    {
      name: 'one token under two names',
      text: `alice read ${A}\nbob admin ${A}\n`,
      problems: [`${F}:2: the same token as alice: every holder needs their own`],
    },
    {
      name: 'JSON that is not a list',
      text: '[oops',
      problems: [
        `${F}: not a JSON list of {"name", "scope", "sha256"} (nor lines of <name> <scope> <sha256>)`,
      ],
    },
    {
      name: 'a JSON entry with a plain token key',
      text: `[{"name": "alice", "scope": "read", "token": "my-plain-secret-token"}]`,
      problems: [`${F}: [0]: unknown key(s) token: an entry has name, scope and sha256`],
    },
    {
      name: 'a JSON entry that is not an object',
      text: '["alice"]',
      problems: [`${F}: [0]: expected an object {"name", "scope", "sha256"}`],
    },
  ])('refuses $name', ({ text, problems }) => {
    const parsed = parseApiTokens(text, F);
    expect(parsed.problems).toEqual(problems);
    for (const p of parsed.problems) expect(p).not.toContain('my-plain-secret-token');
  });

  it('keeps the good entries next to the problems of the bad ones', () => {
    const parsed = parseApiTokens(`alice read ${A}\nbob nope ${B}\n`, F);
    expect(parsed.tokens.map((t) => t.name)).toEqual(['alice']);
    expect(parsed.problems).toHaveLength(1);
  });
});

describe('withLegacyToken', () => {
  it('adds the token of --api-token-file as an admin token named api-token, by digest', () => {
    const { tokens, problems } = withLegacyToken(
      [{ name: 'alice', scope: 'read', sha256: A }],
      'the-legacy-token-0123456789',
    );
    expect(problems).toEqual([]);
    expect(tokens).toEqual([
      { name: 'alice', scope: 'read', sha256: A },
      {
        name: LEGACY_TOKEN_NAME,
        scope: 'admin',
        sha256: tokenDigest('the-legacy-token-0123456789'),
      },
    ]);
    expect(JSON.stringify(tokens)).not.toContain('the-legacy-token');
  });

  it.each<{
    name: string;
    tokens: { name: string; scope: 'read'; sha256: string }[];
    problem: string;
  }>([
    {
      name: 'its name taken',
      tokens: [{ name: 'api-token', scope: 'read', sha256: A }],
      problem: '--api-token-file: the name api-token is given twice',
    },
    {
      name: 'the same token in the tokens file',
      tokens: [{ name: 'alice', scope: 'read', sha256: tokenDigest('legacy-0123456789') }],
      problem: '--api-token-file: the same token as alice: every holder needs their own',
    },
  ])('refuses $name', ({ tokens, problem }) => {
    expect(withLegacyToken(tokens, 'legacy-0123456789').problems).toEqual([problem]);
  });
});
