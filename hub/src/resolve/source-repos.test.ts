import { describe, expect, it } from 'vitest';
import type { ApplicationSpec, FleetSpec } from '../core/fleet/index.ts';
import { polledRepos } from './source-repos.ts';

const FLEET = { url: 'https://git.example/ops/fleet.git', branch: 'main', token: 't' };
const app = (name: string, repoURL?: string): ApplicationSpec =>
  ({
    name,
    source: { path: 'manifests', ...(repoURL === undefined ? {} : { repoURL }) },
  }) as unknown as ApplicationSpec;
const spec = (...apps: ApplicationSpec[]): FleetSpec => ({
  targets: [],
  environments: [],
  applications: apps,
});

describe('polledRepos', () => {
  it.each<[string, FleetSpec | undefined, string[]]>([
    ['no fleet in force: the fleet repository alone', undefined, [FLEET.url]],
    ['apps in the fleet repository add nothing', spec(app('a'), app('b')), [FLEET.url]],
    [
      'each other repository once, in fleet order',
      spec(
        app('a', 'https://git.example/team/b.git'),
        app('b', 'https://git.example/team/a.git'),
        app('c', 'https://git.example/team/b.git'),
      ),
      [FLEET.url, 'https://git.example/team/b.git', 'https://git.example/team/a.git'],
    ],
    [
      'the same repository written differently is one',
      spec(app('a', 'https://git.example/team/a'), app('b', 'https://git.example/team/a.git/')),
      [FLEET.url, 'https://git.example/team/a'],
    ],
    [
      'the fleet repository named by an app is not polled twice',
      spec(app('a', 'https://git.example/ops/fleet')),
      [FLEET.url],
    ],
    [
      'an invalid URL is kept as written',
      spec(app('a', 'http://[bad')),
      [FLEET.url, 'http://[bad'],
    ],
  ])('%s', (_name, s, want) => {
    expect(polledRepos(FLEET, s).map((r) => r.url)).toEqual(want);
  });

  it('keeps the fleet repository as given (branch, credentials)', () => {
    expect(polledRepos(FLEET, undefined)[0]).toBe(FLEET);
  });
});
