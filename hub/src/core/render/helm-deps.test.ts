import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  archivePath,
  archiveUrl,
  chartIndexOf,
  chartPlan,
  chooseVersion,
  dependencyProblem,
  helmConstraint,
  indexUrl,
  type ChartIndex,
  type RemoteDependency,
} from './helm-deps.ts';

const lines = (...l: string[]): string => [...l, ''].join('\n');
const chart = (...deps: string[]): string =>
  lines('apiVersion: v2', 'name: web', 'version: 0.1.0', 'dependencies:', ...deps);
const REPO = 'https://charts.example.com/stable';

describe('chartPlan', () => {
  it.each([
    ['no dependencies', { 'c/Chart.yaml': lines('apiVersion: v2', 'name: web') }, [], [], []],
    [
      'a vendored dependency, whatever its repository',
      {
        'c/Chart.yaml': chart('  - name: redis', '    version: 1.0.0', '    repository: oci://r'),
        'c/charts/redis/Chart.yaml': 'name: redis',
      },
      ['redis'],
      [],
      [],
    ],
    [
      'an https dependency with an alias',
      {
        'c/Chart.yaml': chart(
          '  - name: redis',
          '    alias: cache',
          '    version: ">= 1.2, < 2.0.0"',
          `    repository: ${REPO}/`,
        ),
      },
      [],
      [
        {
          name: 'redis',
          alias: 'cache',
          constraint: '>= 1.2, < 2.0.0',
          repository: REPO,
          file: 'c/Chart.yaml',
          line: 5,
        },
      ],
      [],
    ],
    [
      'a Chart.lock pin wins',
      {
        'c/Chart.yaml': chart('  - name: redis', '    version: ^1.2.0', `    repository: ${REPO}`),
        'c/Chart.lock': lines(
          'dependencies:',
          '- name: redis',
          `  repository: ${REPO}`,
          '  version: 1.4.2',
          'digest: sha256:00',
        ),
      },
      [],
      [{ name: 'redis', constraint: '^1.2.0', locked: '1.4.2', line: 5 }],
      [],
    ],
    [
      'a Chart.lock pin outside the constraint',
      {
        'c/Chart.yaml': chart('  - name: redis', '    version: ^1.2.0', `    repository: ${REPO}`),
        'c/Chart.lock': lines(
          'dependencies:',
          '- name: redis',
          `  repository: ${REPO}`,
          '  version: 2.0.0',
        ),
      },
      [],
      [],
      [
        {
          file: 'c/Chart.lock',
          line: 4,
          message: /pins dependency "redis" at "2.0.0".*helm dependency update/,
        },
      ],
    ],
    [
      'an OCI registry',
      {
        'c/Chart.yaml': chart(
          '  - name: redis',
          '    version: 19.0.0',
          '    repository: oci://registry-1.docker.io/bitnamicharts',
        ),
      },
      [],
      [],
      [
        {
          file: 'c/Chart.yaml',
          line: 7,
          message:
            /"redis" is not vendored under charts\/redis\/ and is in an OCI registry.*helm dependency build/,
        },
      ],
    ],
    [
      'a repository named by @alias',
      {
        'c/Chart.yaml': chart(
          '  - name: redis',
          '    version: 1.0.0',
          '    repository: "@bitnami"',
        ),
      },
      [],
      [],
      [{ file: 'c/Chart.yaml', line: 7, message: /by alias \(@bitnami\).*https:\/\/ URL/ }],
    ],
    [
      'a repository named by alias:',
      {
        'c/Chart.yaml': chart(
          '  - name: redis',
          '    version: 1.0.0',
          '    repository: alias:bitnami',
        ),
      },
      [],
      [],
      [{ file: 'c/Chart.yaml', line: 7, message: /by alias \(alias:bitnami\)/ }],
    ],
    [
      'a file:// chart not vendored',
      {
        'c/Chart.yaml': chart(
          '  - name: lib',
          '    version: 1.0.0',
          '    repository: file://../lib',
        ),
      },
      [],
      [],
      [
        {
          file: 'c/Chart.yaml',
          line: 7,
          message:
            /"lib" is not vendored.*local chart \(file:\/\/\.\.\/lib\).*helm dependency build/,
        },
      ],
    ],
    [
      'no repository',
      { 'c/Chart.yaml': chart('  - name: redis', '    version: 1.0.0') },
      [],
      [],
      [
        {
          file: 'c/Chart.yaml',
          line: 5,
          message: /"redis" is not vendored.*names no repository.*helm dependency build/,
        },
      ],
    ],
    [
      'another scheme',
      {
        'c/Chart.yaml': chart(
          '  - name: redis',
          '    version: 1.0.0',
          '    repository: s3://bucket/charts',
        ),
      },
      [],
      [],
      [{ file: 'c/Chart.yaml', line: 7, message: /is not http\(s\)/ }],
    ],
    [
      'credentials in the URL',
      {
        'c/Chart.yaml': chart(
          '  - name: redis',
          '    version: 1.0.0',
          '    repository: https://bob:hunter2@charts.example.com',
        ),
      },
      [],
      [],
      [
        {
          file: 'c/Chart.yaml',
          line: 7,
          message: /credentials in its repository URL.*--repo-creds-file/,
        },
      ],
    ],
    [
      'no version',
      { 'c/Chart.yaml': chart('  - name: redis', `    repository: ${REPO}`) },
      [],
      [],
      [{ file: 'c/Chart.yaml', line: 5, message: /"redis" has no version/ }],
    ],
    [
      'a constraint that is not one',
      {
        'c/Chart.yaml': chart('  - name: redis', '    version: latest', `    repository: ${REPO}`),
      },
      [],
      [],
      [{ file: 'c/Chart.yaml', line: 6, message: /version "latest" is not a version constraint/ }],
    ],
    [
      'dependencies that are not a list',
      { 'c/Chart.yaml': lines('apiVersion: v2', 'name: web', 'dependencies: redis') },
      [],
      [],
      [{ file: 'c/Chart.yaml', line: 3, message: /dependencies is not a list/ }],
    ],
    [
      'a dependency without a name',
      { 'c/Chart.yaml': chart('  - version: 1.0.0', `    repository: ${REPO}`) },
      [],
      [],
      [{ file: 'c/Chart.yaml', line: 5, message: /has no name/ }],
    ],
    [
      'a name that is no file name',
      { 'c/Chart.yaml': chart('  - name: ../x', '    version: 1.0.0', `    repository: ${REPO}`) },
      [],
      [],
      [{ file: 'c/Chart.yaml', line: 5, message: /is not a chart name/ }],
    ],
    [
      'Chart.yaml that is not YAML',
      { 'c/Chart.yaml': lines('name: web', 'dependencies: [') },
      [],
      [],
      [{ file: 'c/Chart.yaml', message: /is not valid YAML/ }],
    ],
    [
      'no Chart.yaml',
      { 'c/values.yaml': '' },
      [],
      [],
      [{ file: 'c/Chart.yaml', message: /holds no Chart\.yaml/ }],
    ],
  ] as const)('%s', (_name, files, vendored, remote, problems) => {
    const got = chartPlan('c', new Map(Object.entries(files)));
    expect(got.vendored).toEqual(vendored);
    expect(got.remote.length).toBe(remote.length);
    remote.forEach((r, i) => expect(got.remote[i]).toMatchObject(r));
    expect(got.problems.length).toBe(problems.length);
    problems.forEach((p, i) => {
      expect(got.problems[i]).toMatchObject({
        file: p.file,
        ...('line' in p ? { line: p.line } : {}),
      });
      expect(got.problems[i]?.message).toMatch(p.message);
    });
  });

  it('reports every dependency that is refused, each at its own line', () => {
    const got = chartPlan(
      '',
      new Map([
        [
          'Chart.yaml',
          chart(
            '  - name: a',
            '    version: 1.0.0',
            '    repository: oci://r/a',
            '  - name: b',
            '    version: 1.0.0',
            `    repository: ${REPO}`,
            '  - name: c',
            '    repository: "@c"',
          ),
        ],
      ]),
    );
    expect(got.problems.map((p) => [p.file, p.line])).toEqual([
      ['Chart.yaml', 7],
      ['Chart.yaml', 12],
    ]);
    expect(got.remote.map((r) => r.name)).toEqual(['b']);
  });
});

describe('helmConstraint', () => {
  const available = ['0.1.0', '0.2.0', '0.2.5', '1.0.0', '1.2.3', '1.3.0-rc.1', '1.3.0', '2.0.0'];
  const index: ChartIndex = {
    charts: new Map([
      [
        'c',
        // highest first, as chartIndexOf gives them
        {
          versions: [...available]
            .reverse()
            .map((version) => ({ version, urls: [`c-${version}.tgz`] })),
        },
      ],
    ]),
  };
  const dep = (constraint: string): RemoteDependency => ({
    name: 'c',
    constraint,
    repository: REPO,
    file: 'Chart.yaml',
  });
  it.each([
    ['1.2.3', '1.2.3'],
    ['=1.2.3', '1.2.3'],
    ['v1.2.3', '1.2.3'],
    ['>= 1.2, < 2.0.0', '1.3.0'],
    ['>=1.0.0,<1.3.0', '1.2.3'],
    ['>=1.0.0 , <=1.2.3', '1.2.3'],
    ['^1.2', '1.3.0'],
    ['^0.2.0', '0.2.5'],
    ['~0.2', '0.2.5'],
    ['~1', '1.3.0'],
    ['1.2.x', '1.2.3'],
    ['1.x', '1.3.0'],
    ['*', '2.0.0'],
    ['>0.2.0 <1.0.0 || ^2', '2.0.0'],
    ['1.0 - 1.2', '1.2.3'],
    ['^1.3.0-rc.0', '1.3.0'],
    ['>=1.3.0-rc.0 <1.3.0', '1.3.0-rc.1'],
    ['^3', undefined],
    ['>2.0.0', undefined],
  ])('%s → %s', (constraint, want) => {
    const got = chooseVersion(dep(constraint), index);
    if (want === undefined) {
      expect(got).toMatchObject({
        problem: expect.stringMatching(
          new RegExp(
            `no version satisfies the constraint "${constraint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" \\(versions available: 2\\.0\\.0, 1\\.3\\.0, 1\\.3\\.0-rc\\.1, 1\\.2\\.3`,
          ),
        ) as unknown,
      });
    } else {
      expect(got).toMatchObject({ chosen: { version: want, url: `${REPO}/c-${want}.tgz` } });
    }
  });

  it.each([
    ['latest', /is not a version constraint/],
    ['!=1.2.3', /"!=" is not supported/],
    ['>>1', /is not a version constraint/],
  ])('refuses %s', (text, why) => {
    const got = helmConstraint(text);
    expect('problem' in got ? got.problem : '').toMatch(why);
  });
});

describe('chartIndexOf', () => {
  const LIMITS = { maxEntries: 100 };
  const INDEX = lines(
    'apiVersion: v1',
    'entries:',
    '  greeting:',
    '    - name: greeting',
    '      version: 0.1.0',
    '      urls: ["https://cdn.example.com/greeting-0.1.0.tgz"]',
    '    - name: greeting',
    '      version: 0.2.0',
    '      urls: [greeting-0.2.0.tgz]',
    `      digest: ${'A'.repeat(64)}`,
    '  broken:',
    '    - name: broken',
    '      urls: [broken.tgz]',
    '  notalist: 3',
    'generated: "2026-01-01T00:00:00Z"',
  );

  it('reads each chart, highest version first, a bad entry spoiling only its chart', () => {
    const got = chartIndexOf(parse(INDEX), LIMITS);
    if (!('index' in got)) throw new Error(got.problem);
    expect(got.index.charts.get('greeting')).toEqual({
      versions: [
        { version: '0.2.0', urls: ['greeting-0.2.0.tgz'], digest: 'a'.repeat(64) },
        { version: '0.1.0', urls: ['https://cdn.example.com/greeting-0.1.0.tgz'] },
      ],
    });
    expect(got.index.charts.get('broken')).toEqual({
      problem: 'entries.broken[0] has no semantic version (version: null)',
    });
    expect(got.index.charts.get('notalist')).toEqual({
      problem: 'entries.notalist is not a list of versions',
    });
  });

  it.each([
    ['no entries', 'apiVersion: v1\n', /no `entries` mapping/, undefined],
    ['a list', '- a\n', /no `entries` mapping/, undefined],
    [
      'too many versions',
      lines(
        'entries:',
        '  a:',
        ...Array.from({ length: 101 }, (_, i) => `    - { version: 1.0.${String(i)} }`),
      ),
      /more than 100 chart versions/,
      'chartRepoMaxIndexEntries',
    ],
    [
      'a digest that is no sha256',
      lines('entries:', '  a:', '    - { version: 1.0.0, digest: md5:abc }'),
      undefined,
      undefined,
    ],
  ])('%s', (_name, text, problem, limit) => {
    const got = chartIndexOf(parse(text), LIMITS);
    if (problem === undefined) {
      expect(got).toMatchObject({
        index: {
          charts: new Map([['a', { problem: expect.stringMatching(/not a sha256/) as unknown }]]),
        },
      });
      return;
    }
    expect('problem' in got ? got.problem : '').toMatch(problem);
    expect('limit' in got ? got.limit : undefined).toBe(limit);
  });
});

describe('chooseVersion', () => {
  const index: ChartIndex = {
    charts: new Map([
      [
        'greeting',
        {
          versions: [
            { version: '0.2.0', urls: ['charts/greeting-0.2.0.tgz'], digest: 'ab'.repeat(32) },
            { version: '0.1.0', urls: ['https://cdn.example.com/greeting-0.1.0.tgz'] },
            { version: '0.0.2', urls: ['ftp://x/greeting.tgz'] },
            { version: '0.0.1', urls: [] },
          ],
        },
      ],
      ['bad', { problem: 'entries.bad[0] is not a mapping' }],
    ]),
  };
  const dep = (over: Partial<RemoteDependency>): RemoteDependency => ({
    name: 'greeting',
    constraint: '*',
    repository: REPO,
    file: 'Chart.yaml',
    ...over,
  });
  it.each([
    [
      'the highest, its URL relative to the repository',
      dep({}),
      {
        chosen: {
          version: '0.2.0',
          url: `${REPO}/charts/greeting-0.2.0.tgz`,
          digest: 'ab'.repeat(32),
        },
      },
    ],
    [
      'an absolute URL elsewhere',
      dep({ constraint: '~0.1' }),
      { chosen: { version: '0.1.0', url: 'https://cdn.example.com/greeting-0.1.0.tgz' } },
    ],
    ['the version Chart.lock pins', dep({ locked: '0.1.0' }), { chosen: { version: '0.1.0' } }],
    [
      'a pin the repository does not list',
      dep({ locked: '0.3.0' }),
      {
        problem:
          /Chart\.lock pins version 0\.3\.0, which the repository does not list \(versions available: 0\.2\.0, 0\.1\.0, 0\.0\.2, 0\.0\.1\)/,
      },
    ],
    ['no urls', dep({ constraint: '0.0.1' }), { problem: /0\.0\.1 has no urls/ }],
    ['not http(s)', dep({ constraint: '0.0.2' }), { problem: /not an http\(s\) URL/ }],
    [
      'no such chart',
      dep({ name: 'nope' }),
      { problem: /has no chart "nope" \(charts: bad, greeting\)/ },
    ],
    [
      'an unusable chart',
      dep({ name: 'bad' }),
      { problem: /unusable for "bad": entries\.bad\[0\]/ },
    ],
  ])('%s', (_name, d, want) => {
    const got = chooseVersion(d, index);
    if ('problem' in want) expect('problem' in got ? got.problem : '').toMatch(want.problem);
    else expect(got).toMatchObject(want);
  });
});

describe('urls and paths', () => {
  it.each([
    [REPO, 'greeting-0.1.0.tgz', `${REPO}/greeting-0.1.0.tgz`],
    [`${REPO}/`, 'greeting-0.1.0.tgz', `${REPO}/greeting-0.1.0.tgz`],
    [REPO, '/other/greeting-0.1.0.tgz', 'https://charts.example.com/other/greeting-0.1.0.tgz'],
    [REPO, '../up/g.tgz', 'https://charts.example.com/up/g.tgz'],
    [REPO, 'http://127.0.0.1:8080/g.tgz', 'http://127.0.0.1:8080/g.tgz'],
    [REPO, 'file:///etc/passwd', undefined],
    [REPO, 'javascript:alert(1)', undefined],
  ])('%s + %s → %s', (repo, url, want) => {
    expect(archiveUrl(repo, url)).toBe(want);
  });

  it('names the index, the archive in the copy and the problem', () => {
    expect(indexUrl(`${REPO}/`)).toBe(`${REPO}/index.yaml`);
    expect(archivePath('charts/web', 'greeting', '0.2.0')).toBe(
      'charts/web/charts/greeting-0.2.0.tgz',
    );
    expect(archivePath('', 'greeting', '0.2.0')).toBe('charts/greeting-0.2.0.tgz');
    const p = dependencyProblem(
      { name: 'greeting', constraint: '^0.2', repository: REPO, file: 'c/Chart.yaml', line: 5 },
      REPO,
      'timed out',
      'chartRepoTimeout',
    );
    expect(p).toMatchObject({
      file: 'c/Chart.yaml',
      line: 5,
      limit: 'chartRepoTimeout',
      message: `c/Chart.yaml:5: dependency "greeting" (version "^0.2") from chart repository ${REPO}: timed out`,
    });
  });
});
