import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto';
import {
  cacheDirName,
  normaliseRepoUrl,
  parseRepoUrl,
  redactUrl,
  repoKey,
  scrubSecrets,
} from './repo-url.ts';

describe('parseRepoUrl', () => {
  it.each([
    [
      'https://github.com/acme/fleet.git',
      { kind: 'http', url: 'https://github.com/acme/fleet.git' },
    ],
    ['HTTPS://GitHub.com:443/acme/fleet/', { kind: 'http', url: 'https://github.com/acme/fleet' }],
    ['http://127.0.0.1:8080/a.git#frag', { kind: 'http', url: 'http://127.0.0.1:8080/a.git' }],
    [
      'https://deploy@git.example.com/a.git',
      { kind: 'http', url: 'https://git.example.com/a.git', username: 'deploy' },
    ],
    [
      '/srv/git/fleet.git/',
      { kind: 'local', path: '/srv/git/fleet.git', normalised: 'file:///srv/git/fleet.git' },
    ],
    ['/srv/git/../git/fleet', { kind: 'local', path: '/srv/git/fleet' }],
    ['file:///srv/git/fleet.git', { kind: 'local', path: '/srv/git/fleet.git' }],
    ['file:///srv/my%20repo', { kind: 'local', path: '/srv/my repo' }],
  ])('%s', (url, want) => {
    expect(parseRepoUrl(url)).toMatchObject(want);
  });

  it.each([
    ['', 'is empty'],
    ['git@github.com:acme/fleet.git', 'SSH'],
    ['ssh://git@github.com/acme/fleet.git', 'SSH'],
    ['git://github.com/acme/fleet.git', 'SSH or the git:// protocol'],
    ['ftp://example.com/x', 'not supported'],
    ['relative/path', 'not supported'],
    ['file://host/x', 'file://'],
    ['https://user:hunter2-token@github.com/a.git', 'contains a password or token'],
  ])('refuses %j', (url, message) => {
    let err: unknown;
    try {
      parseRepoUrl(url);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: ErrorCode.ConfigInvalid });
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

describe('cacheDirName', () => {
  it('is the SHA-256 of the normalised URL: equal for equivalent URLs', () => {
    const a = cacheDirName('https://GitHub.com/acme/fleet.git/');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheDirName('https://github.com/acme/fleet.git')).toBe(a);
    expect(cacheDirName('https://reader@github.com/acme/fleet.git')).toBe(a);
    expect(cacheDirName('https://github.com/acme/other.git')).not.toBe(a);
    expect(normaliseRepoUrl('https://github.com:443/acme/fleet.git')).toBe(
      'https://github.com/acme/fleet.git',
    );
  });
});

describe('repoKey', () => {
  it.each([
    'https://github.com/acme/fleet.git',
    'https://github.com/acme/fleet',
    'https://github.com/Acme/Fleet/',
    'http://github.com:8080/acme/fleet.git',
    'git@github.com:acme/fleet.git',
    'ssh://git@github.com:22/acme/fleet.git',
    'https://user@github.com/acme/fleet',
  ])('%s → github.com/acme/fleet', (url) => {
    expect(repoKey(url)).toBe('github.com/acme/fleet');
  });

  it('keeps nested groups, tells repositories apart, keys local paths by path', () => {
    expect(repoKey('git@gitlab.com:group/sub/app.git')).toBe('gitlab.com/group/sub/app');
    expect(repoKey('https://gitlab.com/group/sub/app.git')).toBe('gitlab.com/group/sub/app');
    expect(repoKey('https://github.com/acme/other')).not.toBe(
      repoKey('https://github.com/acme/fleet'),
    );
    expect(repoKey('/srv/git/fleet.git/')).toBe('file:/srv/git/fleet.git');
    expect(repoKey('file:///srv/git/fleet.git')).toBe('file:/srv/git/fleet.git');
    expect(repoKey('not a url')).toBeUndefined();
    expect(repoKey('https://github.com/')).toBeUndefined();
  });
});

describe('redactUrl and scrubSecrets', () => {
  it('removes userinfo and secrets', () => {
    expect(redactUrl('https://u:tok@github.com/a.git')).toBe('https://github.com/a.git');
    expect(redactUrl('/srv/git/a')).toBe('/srv/git/a');
    expect(scrubSecrets('GET https://x:s3cr3t-tok@h/a failed: s3cr3t-tok', ['s3cr3t-tok'])).toBe(
      'GET https://h/a failed: [redacted]',
    );
    expect(scrubSecrets('abc', ['ab'])).toBe('abc'); // secrets under 4 characters are not scrubbed
  });
});
