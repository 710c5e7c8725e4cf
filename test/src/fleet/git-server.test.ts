import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto';
import {
  authorize,
  checkRefName,
  checkRepoName,
  checkRepoPath,
  fastImportScript,
  findHeadEnd,
  parseCgiHead,
  repoNameOf,
  TOKEN_USER,
} from './git-server.ts';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authorize', () => {
  const token = { token: 's3cret' };
  const pair = { username: 'fleet', password: 'pw' };

  it.each([
    ['no header', undefined, token, undefined],
    ['bearer token', 'Bearer s3cret', token, TOKEN_USER],
    ['bearer, lower-case scheme', 'bearer s3cret', token, TOKEN_USER],
    ['wrong bearer token', 'Bearer s3cre', token, undefined],
    ['basic with any user and the token', basic('x', 's3cret'), token, 'x'],
    ['basic with an empty user and the token', basic('', 's3cret'), token, TOKEN_USER],
    ['basic with a wrong token', basic('x', 'nope'), token, undefined],
    ['token containing a colon is the password part', basic('x', 's3cret:more'), token, undefined],
    ['basic with the exact pair', basic('fleet', 'pw'), pair, 'fleet'],
    ['basic with a wrong user', basic('other', 'pw'), pair, undefined],
    ['basic with a wrong password', basic('fleet', 'pw2'), pair, undefined],
    ['bearer never matches a user/password pair', 'Bearer pw', pair, undefined],
    ['unknown scheme', 'Digest abc', token, undefined],
    ['scheme without credentials', 'Basic', token, undefined],
    [
      'basic without a colon',
      `Basic ${Buffer.from('s3cret').toString('base64')}`,
      token,
      undefined,
    ],
  ] as const)('%s', (_name, header, auth, expected) => {
    expect(authorize(header, auth)).toBe(expected);
  });
});

describe('findHeadEnd and parseCgiHead', () => {
  it('finds the blank line after LF or CRLF headers, whichever comes first', () => {
    expect(findHeadEnd(Buffer.from('A: 1\n\nbody'))).toEqual({ headEnd: 4, bodyStart: 6 });
    expect(findHeadEnd(Buffer.from('A: 1\r\n\r\nbody\n\n'))).toEqual({ headEnd: 4, bodyStart: 8 });
    expect(findHeadEnd(Buffer.from('A: 1\r\nB: 2\r\n'))).toBeUndefined();
  });

  it('takes the status from Status: and keeps the other headers (repeated ones as a list)', () => {
    const head = parseCgiHead(
      'Status: 404 Not Found\r\nContent-Type: text/plain\r\nSet-Cookie: a\r\nSet-Cookie: b',
    );
    expect(head).toEqual({
      status: 404,
      statusText: 'Not Found',
      headers: { 'Content-Type': 'text/plain', 'Set-Cookie': ['a', 'b'] },
    });
  });

  it('defaults to 200, to 302 with a Location, and to the standard reason phrase', () => {
    expect(parseCgiHead('Content-Type: application/x-git-upload-pack-advertisement').status).toBe(
      200,
    );
    expect(parseCgiHead('Location: /x').status).toBe(302);
    expect(parseCgiHead('Status: 403').statusText).toBe('Forbidden');
  });

  it('rejects malformed lines with PROTOCOL_VIOLATION', () => {
    expect(() => parseCgiHead('no colon here')).toThrow(
      expect.objectContaining({ code: ErrorCode.ProtocolViolation }),
    );
    expect(() => parseCgiHead('Status: abc')).toThrow(
      expect.objectContaining({ code: ErrorCode.ProtocolViolation }),
    );
  });
});

describe('fastImportScript', () => {
  const base = {
    ref: 'refs/heads/main',
    message: 'msg',
    author: { name: 'A U Thor', email: 'a@example.invalid' },
    date: new Date(1_700_000_000_500),
  };

  it('writes one commit with byte-counted data, quoted paths and deletions, then asks for its SHA', () => {
    const script = fastImportScript({
      ...base,
      parent: 'a'.repeat(40),
      files: {
        'dir/ü.yaml': 'kind: ü\n',
        'we "ird".txt': new Uint8Array([0, 1]),
        'gone.txt': null,
      },
    }).toString('utf8');
    expect(script).toBe(
      [
        'commit refs/heads/main',
        'mark :1',
        'author A U Thor <a@example.invalid> 1700000000 +0000',
        'committer A U Thor <a@example.invalid> 1700000000 +0000',
        'data 4',
        'msg\n',
        `from ${'a'.repeat(40)}`,
        'M 100644 inline "dir/ü.yaml"',
        'data 9', // 'ü' is two bytes
        'kind: ü\n',
        'M 100644 inline "we \\"ird\\".txt"',
        'data 2',
        '\u0000\u0001',
        'D "gone.txt"',
        '',
        'get-mark :1',
        '',
      ].join('\n'),
    );
  });

  it('makes a root commit without a parent', () => {
    const script = fastImportScript({ ...base, parent: undefined, files: {} }).toString('utf8');
    expect(script).not.toContain('from ');
  });

  it.each([['../x'], ['/abs'], ['a//b'], ['a/./b'], ['.git/config'], ['x/.GIT/y'], ['a\nb'], ['']])(
    'rejects the path %j',
    (p) => {
      expect(() => fastImportScript({ ...base, parent: undefined, files: { [p]: 'x' } })).toThrow(
        expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
      );
    },
  );

  it('rejects an author that would break the ident line', () => {
    expect(() =>
      fastImportScript({
        ...base,
        parent: undefined,
        files: {},
        author: { name: 'x>', email: 'e' },
      }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.ConfigInvalid }));
  });
});

describe('names', () => {
  it.each(['app', 'team/app', 'a.b_c-d', 'A1/b2/c3'])('accepts the repository name %j', (name) => {
    expect(checkRepoName(name)).toBe(name);
  });

  it.each(['', 'app.git', '../x', 'a/../b', '-x', 'a b', 'a/', '/a', 'a..b'])(
    'rejects the repository name %j',
    (name) => {
      expect(() => checkRepoName(name)).toThrow(
        expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
      );
    },
  );

  it.each(['main', 'release/v1', 'feature-x', 'v1.0.0'])('accepts the ref name %j', (name) => {
    expect(checkRefName(name)).toBe(name);
  });

  it.each([
    '',
    '-x',
    'a..b',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'x.lock',
    'a/',
    '/a',
    '.hidden',
    'a/.b',
    '@',
    'a@{1}',
    'a\\b',
  ])('rejects the ref name %j', (name) => {
    expect(() => checkRefName(name)).toThrow(
      expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
    );
  });

  it('checks file paths', () => {
    expect(checkRepoPath('deploy/app.yaml')).toBe('deploy/app.yaml');
    expect(() => checkRepoPath('deploy/../x')).toThrow(
      expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
    );
  });

  it.each([
    ['/app.git/info/refs', 'app'],
    ['/team/app.git/git-upload-pack', 'team/app'],
    ['/app.git', 'app'],
    ['/app.gitx/info/refs', undefined],
    ['/', undefined],
  ])('finds the repository of %j', (pathInfo, name) => {
    expect(repoNameOf(pathInfo)).toBe(name);
  });
});
