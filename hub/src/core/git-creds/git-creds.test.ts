import { describe, expect, it } from 'vitest';
import {
  isLoopbackHost,
  matchCreds,
  normaliseCredsUrl,
  normaliseRepoForCreds,
  parseRepoCreds,
} from './index.ts';
import type { CredsPrefix } from './index.ts';

describe('normaliseCredsUrl', () => {
  it.each([
    ['https://GIT.Example.COM/team-a/', 'https://git.example.com/team-a/', true],
    ['https://git.example.com:443/team-a/', 'https://git.example.com/team-a/', true],
    ['https://git.example.com:8443/team-a/', 'https://git.example.com:8443/team-a/', true],
    ['HTTPS://git.example.com/team-a/app.git', 'https://git.example.com/team-a/app', false],
    ['https://git.example.com/team-a/app.git/', 'https://git.example.com/team-a/app.git/', true],
    ['https://git.example.com/team-a/app', 'https://git.example.com/team-a/app', false],
    ['https://git.example.com/Team-A/', 'https://git.example.com/Team-A/', true],
    ['https://git.example.com/team-a//', 'https://git.example.com/team-a/', true],
    ['https://git.example.com', 'https://git.example.com/', true],
    ['http://127.0.0.1:8080/x/', 'http://127.0.0.1:8080/x/', true],
    ['http://localhost/x/', 'http://localhost/x/', true],
    ['http://[::1]:9/x/', 'http://[::1]:9/x/', true],
    ['  https://git.example.com/a/  ', 'https://git.example.com/a/', true],
  ])('%s → %s', (text, url, isPrefix) => {
    expect(normaliseCredsUrl(text)).toMatchObject({ url, isPrefix });
  });

  it.each([
    ['https://user@git.example.com/a/', 'userinfo'],
    ['https://user:pw@git.example.com/a/', 'userinfo'],
    ['http://git.example.com/a/', 'clear text'],
    ['ssh://git@git.example.com/a/', 'only for https'],
    ['git@github.com:org/repo.git', 'not a URL'],
    ['file:///srv/git/', 'only for https'],
    ['https://git.example.com/a/?x=1', 'query'],
    ['https://git.example.com/a/#x', 'fragment'],
    ['not a url', 'not a URL'],
  ])('%s is refused (%s)', (text, why) => {
    const n = normaliseCredsUrl(text);
    expect('problem' in n ? n.problem : '').toContain(why);
  });

  it('never makes a repository URL a prefix', () => {
    expect(normaliseRepoForCreds('https://Git.example.com/a/app.git/')).toMatchObject({
      url: 'https://git.example.com/a/app',
      isPrefix: false,
    });
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['[::1]', true],
    ['git.example.com', false],
    ['127.example.com', false],
  ])('loopback %s: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('matchCreds', () => {
  const entry = (prefix: string): CredsPrefix & { name: string } => {
    const n = normaliseCredsUrl(prefix);
    if ('problem' in n) throw new Error(n.problem);
    return { prefix: n.url, isPrefix: n.isPrefix, name: prefix };
  };
  const entries = [
    entry('https://git.example.com/'),
    entry('https://git.example.com/team-a/'),
    entry('https://git.example.com/team-a/infra/'),
    entry('https://git.example.com/team-a/special.git'),
    entry('https://git.example.com/team-a/special/'),
    entry('https://other.example.com:8443/team-a/'),
    entry('http://127.0.0.1:9000/private/'),
  ];
  it.each([
    // longest prefix wins
    ['https://git.example.com/team-a/app', 'https://git.example.com/team-a/'],
    ['https://git.example.com/team-a/app.git', 'https://git.example.com/team-a/'],
    ['https://git.example.com/team-a/infra/net', 'https://git.example.com/team-a/infra/'],
    ['https://git.example.com/team-a/infra', 'https://git.example.com/team-a/infra/'],
    // prefix boundary: team-a/ is not a prefix of team-ab/
    ['https://git.example.com/team-ab/app', 'https://git.example.com/'],
    ['https://git.example.com/team-a', 'https://git.example.com/team-a/'],
    // an entry naming the repository beats a longer prefix
    ['https://git.example.com/team-a/special', 'https://git.example.com/team-a/special.git'],
    [
      'https://GIT.example.com:443/team-a/special.git/',
      'https://git.example.com/team-a/special.git',
    ],
    ['https://git.example.com/team-a/special/sub', 'https://git.example.com/team-a/special/'],
    // case of host, default port
    ['https://Git.Example.Com:443/team-a/app', 'https://git.example.com/team-a/'],
    ['https://other.example.com:8443/team-a/x', 'https://other.example.com:8443/team-a/'],
    ['http://127.0.0.1:9000/private/app.git', 'http://127.0.0.1:9000/private/'],
  ])('%s → %s', (url, expected) => {
    expect(matchCreds(entries, url)?.name).toBe(expected);
  });

  it.each([
    ['https://other.example.com/team-a/x', 'another port'],
    ['http://git.example.com/team-a/app', 'another scheme (and plain http)'],
    ['https://gitlab.example.com/team-a/app', 'another host'],
    ['https://evil.example.com/https://git.example.com/team-a/', 'the prefix inside the path'],
    ['https://user@git.example.com/team-a/app', 'userinfo in the URL'],
    ['http://127.0.0.1:9001/private/app', 'another loopback port'],
    ['/srv/git/app', 'a local path'],
  ])('%s gets nothing (%s)', (url) => {
    expect(matchCreds(entries, url)).toBeUndefined();
  });

  it('a path differing only in case is another path', () => {
    expect(matchCreds([entry('https://h.example/Team/')], 'https://h.example/team/x')).toBe(
      undefined,
    );
  });
});

describe('parseRepoCreds', () => {
  const FILE = '/etc/gitfleet/repo-creds.yaml';

  it('reads entries', () => {
    const parsed = parseRepoCreds(
      [
        '- urlPrefix: https://git.example.com/team-a/',
        '  tokenFile: team-a.token',
        '- urlPrefix: https://git.example.com/team-b/app.git',
        '  username: deploy',
        '  passwordFile: /run/secrets/b',
        '',
      ].join('\n'),
      FILE,
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries).toEqual([
      {
        urlPrefix: 'https://git.example.com/team-a/',
        prefix: 'https://git.example.com/team-a/',
        isPrefix: true,
        secretFile: 'team-a.token',
        secretKey: 'tokenFile',
        source: `${FILE} line 1`,
      },
      {
        urlPrefix: 'https://git.example.com/team-b/app.git',
        prefix: 'https://git.example.com/team-b/app',
        isPrefix: false,
        username: 'deploy',
        secretFile: '/run/secrets/b',
        secretKey: 'passwordFile',
        source: `${FILE} line 3`,
      },
    ]);
  });

  it.each([
    ['', []],
    ['# nothing yet\n', []],
  ])('an empty file has no entries: %j', (text, problems) => {
    expect(parseRepoCreds(text, FILE)).toEqual({ entries: [], problems });
  });

  it('reports every problem together, each with its line, never a secret', () => {
    const text = [
      '- urlPrefix: https://git.example.com/a/', // 1
      '  password: hunter2-hunter2', // 2
      '- urlPrefix: http://git.example.com/b/', // 3
      '  tokenFile: b.token', // 4
      '- urlPrefix: https://user:pa55word-x@git.example.com/c/', // 5
      '  tokenFile: c.token', // 6
      '- urlPrefix: https://git.example.com/d/', // 7
      '  tokenFile: d.token', // 8
      '  passwordFile: d.pw', // 9
      '- tokenFile: e.token', // 10
      '- urlPrefix: https://git.example.com/f/', // 11
      '  token: s3cr3t-token-value', // 12
      '- urlPrefix: https://git.example.com/g/', // 13
      '  tokenFile: g.token', // 14
      '  usr: x', // 15
      '- urlPrefix: https://GIT.example.com/g/', // 16
      '  tokenFile: g2.token', // 17
      '- urlPrefix: https://git.example.com/h/', // 18
      '  username: "a:b"', // 19
      '  tokenFile: h.token', // 20
      '- just a string', // 21
      '- urlPrefix: https://git.example.com/i/', // 22
      '  tokenFile: ""', // 23
      '- urlPrefix: https://git.example.com/j/', // 24
      '  tokenFile: j.token', // 25
      '- urlPrefix: https://GIT.example.com:443/j/', // 26
      '  tokenFile: j2.token', // 27
      '',
    ].join('\n');
    const { problems, entries } = parseRepoCreds(text, FILE);
    expect(entries.map((e) => e.prefix)).toEqual([
      'https://git.example.com/g/',
      'https://git.example.com/j/',
    ]);
    const expected: [number, string][] = [
      [2, 'password holds a secret in the credentials file'],
      [1, 'tokenFile or passwordFile is missing'],
      [3, 'clear text'],
      [5, 'userinfo'],
      [7, 'not both'],
      [10, 'urlPrefix is missing'],
      [12, 'token holds a secret in the credentials file, which is refused'],
      [11, 'tokenFile or passwordFile is missing'],
      [15, 'unknown key "usr"'],
      [18, "must not contain ':'"],
      [21, 'expected an entry'],
      [23, 'tokenFile must be a non-empty string'],
      [26, 'also the one on line 24'],
    ];
    for (const [line, text] of expected) {
      expect(
        problems.some((p) => p.startsWith(`${FILE} line ${String(line)}:`) && p.includes(text)),
        `line ${String(line)}: ${text}\n${problems.join('\n')}`,
      ).toBe(true);
    }
    expect(problems).toHaveLength(expected.length);
    expect(problems.join('\n')).not.toMatch(/hunter2|s3cr3t|pa55word/);
  });

  it.each([
    ['urlPrefix: https://a.example/\ntokenFile: x', 'line 1: expected a list'],
    ['- urlPrefix: [\n', 'line '],
    ['- urlPrefix: https://a.example/\n  urlPrefix: https://b.example/\n  tokenFile: t', 'line 2'],
  ])('a file that is not a list of entries: %j', (text, where) => {
    const { problems, entries } = parseRepoCreds(text, FILE);
    expect(entries).toEqual([]);
    expect(problems.join('\n')).toContain(`${FILE} ${where}`);
  });
});
