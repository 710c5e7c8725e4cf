import { describe, expect, it } from 'vitest';
import type { HelmOptions } from '../fleet/types.ts';
import {
  chartProblems,
  FLEET_VALUES_FILE,
  helmOptionsFor,
  helmRenderDigest,
  helmTemplateArgs,
  mergeHelmOptions,
  mergeValues,
  valueFilePaths,
} from './helm-options.ts';

const ctx = { target: 'prod-1', labels: { region: 'eu' }, environment: 'prod' };

describe('mergeValues', () => {
  it.each([
    [{ a: 1 }, { b: 2 }, { a: 1, b: 2 }],
    [{ a: { x: 1, y: 2 } }, { a: { y: 3 } }, { a: { x: 1, y: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: { x: 1 } }, { a: 'flat' }, { a: 'flat' }],
    [{ a: 1 }, { a: null }, { a: null }],
  ])('%j + %j → %j', (base, over, want) => {
    expect(mergeValues(base, over)).toEqual(want);
  });
});

describe('mergeHelmOptions', () => {
  it('deep-merges values and replaces parameters by name', () => {
    const base: HelmOptions = {
      releaseName: 'web',
      values: { image: { repo: 'nginx', tag: '1' } },
      parameters: [
        { name: 'a', value: '1' },
        { name: 'b', value: '2' },
      ],
    };
    const over: HelmOptions = {
      values: { image: { tag: '2' } },
      parameters: [{ name: 'a', value: '9' }],
    };
    expect(mergeHelmOptions(base, over)).toEqual({
      releaseName: 'web',
      values: { image: { repo: 'nginx', tag: '2' } },
      parameters: [
        { name: 'b', value: '2' },
        { name: 'a', value: '9' },
      ],
    });
  });
});

describe('helmOptionsFor', () => {
  it('merges the overlays in order and substitutes the variables', () => {
    const got = helmOptionsFor(
      { helm: { values: { env: 'dev', replicas: 1 } } },
      [{ helm: { values: { env: '${environment.name}' } } }, { helm: { values: { replicas: 3 } } }],
      ctx,
    );
    expect(got).toEqual({ options: { values: { env: 'prod', replicas: 3 } }, problems: [] });
  });

  it('reports an unknown variable', () => {
    const got = helmOptionsFor({ helm: { values: { a: '${target.labels.nope}' } } }, [], ctx);
    expect(got.problems[0]?.message).toMatch(/target\.labels\.nope/);
  });

  it('gives the same digest to the same effective options', () => {
    const a = helmOptionsFor({ helm: { values: { x: 1 } } }, [], ctx).options;
    const b = helmOptionsFor({ helm: {} }, [{ helm: { values: { x: 1 } } }], ctx).options;
    expect(helmRenderDigest('web', 'default', a)).toBe(helmRenderDigest('web', 'default', b));
    expect(helmRenderDigest('web', 'default', a)).not.toBe(helmRenderDigest('web', 'apps', a));
  });
});

describe('valueFilePaths', () => {
  it('resolves inside the repository and refuses the rest', () => {
    expect(
      valueFilePaths('charts/web', { valueFiles: ['values-prod.yaml', '../../env/a.yaml'] }),
    ).toEqual({ paths: ['charts/web/values-prod.yaml', 'env/a.yaml'], problems: [] });
    const bad = valueFilePaths('charts/web', { valueFiles: ['../../../x.yaml'] });
    expect(bad.problems[0]?.message).toMatch(/outside the repository/);
  });
});

describe('chartProblems', () => {
  const chart = (deps: string): string =>
    ['apiVersion: v2', 'name: web', 'version: 0.1.0', deps].join('\n');
  it.each([
    ['no dependencies', new Map([['c/Chart.yaml', chart('')]]), []],
    [
      'a vendored dependency',
      new Map([
        ['c/Chart.yaml', chart('dependencies:\n  - name: redis\n    version: 1.0.0')],
        ['c/charts/redis/Chart.yaml', 'name: redis'],
      ]),
      [],
    ],
    [
      'a dependency not vendored',
      new Map([['c/Chart.yaml', chart('dependencies:\n  - name: redis\n    version: 1.0.0')]]),
      [
        {
          file: 'c/Chart.yaml',
          line: 5,
          message: /"redis" is not vendored.*helm dependency build/,
        },
      ],
    ],
    [
      'no chart',
      new Map([['c/x.yaml', '']]),
      [{ file: 'c/Chart.yaml', message: /no Chart\.yaml/ }],
    ],
  ] as const)('%s', (_name, files, want) => {
    const got = chartProblems('c', files);
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => {
      expect(got[i]).toMatchObject({ file: w.file, ...('line' in w ? { line: w.line } : {}) });
      expect(got[i]?.message).toMatch(w.message);
    });
  });
});

describe('helmTemplateArgs', () => {
  it('builds the command line', () => {
    expect(
      helmTemplateArgs({
        release: 'web',
        namespace: 'apps',
        chartDir: 'charts/web',
        valueFiles: ['charts/web/values-prod.yaml'],
        options: {
          values: { a: 1 },
          parameters: [
            { name: 'x', value: '1' },
            { name: 'y', value: '2', forceString: true },
          ],
          skipCrds: true,
        },
      }),
    ).toEqual([
      'template',
      'web',
      'charts/web',
      '--namespace',
      'apps',
      '--values',
      'charts/web/values-prod.yaml',
      '--values',
      FLEET_VALUES_FILE,
      '--set',
      'x=1',
      '--set-string',
      'y=2',
    ]);
    expect(
      helmTemplateArgs({ release: 'r', namespace: 'n', chartDir: '', valueFiles: [], options: {} }),
    ).toEqual(['template', 'r', '.', '--namespace', 'n', '--include-crds']);
  });
});
