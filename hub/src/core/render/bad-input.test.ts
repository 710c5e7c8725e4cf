/**
 * Hostile and malformed application manifests: each render fails with problems naming the file,
 * the line and (for a limit) the limit, in bounded time and without a stack overflow.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto/domain';
import * as repo from './__fixtures__/repo.ts';
import { DEFAULT_MANIFEST_LIMITS, loadManifests } from './manifests.ts';
import type { RenderProblem } from './problems.ts';
import { renderError } from './problems.ts';
import { renderApp } from './render.ts';

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n';

/** Renders the web app with one more file; checks nothing renders; returns the problems. */
function problemsWith(file: string, text: string): RenderProblem[] {
  const result = renderApp({
    files: repo.withFiles({ [file]: text }),
    basePath: 'apps/web',
    ctx: repo.edgeEu,
  });
  expect(result.ok).toBe(false);
  expect(result.objects).toEqual([]);
  return [...result.problems];
}

const at = (p: RenderProblem) => ({ file: p.file, line: p.line, code: p.code, limit: p.limit });

describe('manifests: YAML limits', () => {
  it('an alias bomb ("billion laughs"): LIMIT_EXCEEDED maxAliases at the line that goes over', () => {
    const levels = ['  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      levels.push(
        `  l${String(i)}: &l${String(i)} [${Array(9)
          .fill(`*l${String(i - 1)}`)
          .join(',')}]`,
      );
    }
    const problems = problemsWith('apps/web/bomb.yaml', `${CM}data:\n${levels.join('\n')}\n`);
    expect(problems.map(at)).toEqual([
      { file: 'apps/web/bomb.yaml', line: 8, code: ErrorCode.LimitExceeded, limit: 'maxAliases' },
    ]);
    expect(problems[0]?.message).toMatch(
      /^apps\/web\/bomb\.yaml:8: more than 100 alias expansions in one document \(limit maxAliases/,
    );
    expect(renderError('web on edge', problems).details).toMatchObject({
      file: 'apps/web/bomb.yaml',
      line: 8,
      limit: 'maxAliases',
    });
  });

  it('one anchor of 50,000 items aliased 99 times: LIMIT_EXCEEDED maxAliasBytes, not 5 million nodes', () => {
    const text = `${CM}x: &a [${Array(50_000).fill('1').join(',')}]\ny: [${Array(99).fill('*a').join(',')}]\n`;
    expect(problemsWith('apps/web/wide.yaml', text).map(at)).toEqual([
      {
        file: 'apps/web/wide.yaml',
        line: 5,
        code: ErrorCode.LimitExceeded,
        limit: 'maxAliasBytes',
      },
    ]);
  }, 60_000);

  it('a 10,000-document file: LIMIT_EXCEEDED maxDocuments at the first document over', () => {
    const docs = Array.from({ length: 10_000 }, (_, i) => CM.replace('cm', `cm-${String(i)}`));
    const result = loadManifests(new Map([['app/many.yaml', docs.join('---\n')]]), {
      basePath: 'app',
    });
    expect(result.objects).toEqual([]);
    expect(result.problems.map(at)).toEqual([
      {
        file: 'app/many.yaml',
        line: DEFAULT_MANIFEST_LIMITS.maxDocuments * 4 + 1,
        code: ErrorCode.LimitExceeded,
        limit: 'maxDocuments',
      },
    ]);
  }, 60_000);

  it.each([
    [
      'YAML, flow',
      'apps/web/deep.yaml',
      `${CM}data: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
      4,
    ],
    [
      'YAML, block',
      'apps/web/deep.yaml',
      `${CM}data:\n${Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n')}\n`,
      104,
    ],
    [
      'JSON',
      'apps/web/deep.json',
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"},"data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      1,
    ],
  ])(
    'nesting 100,000 deep (%s): LIMIT_EXCEEDED maxDepth, no stack overflow',
    (_name, file, text, line) => {
      const problems = problemsWith(file, text);
      expect(problems.map(at)).toEqual([
        { file, line, code: ErrorCode.LimitExceeded, limit: 'maxDepth' },
      ]);
      expect(problems[0]?.message).not.toMatch(/call stack/);
    },
    60_000,
  );

  it('a recursive alias: a problem, not a loop', () => {
    const problems = problemsWith('apps/web/loop.yaml', `${CM}data: &d {self: *d}\n`);
    expect(problems.map(at)).toEqual([
      { file: 'apps/web/loop.yaml', line: 4, code: ErrorCode.ManifestInvalid, limit: undefined },
    ]);
  });

  it('a ConfigMap of 100,000 keys loads in one pass over its keys (the old duplicate check took minutes)', () => {
    const data = Array.from({ length: 100_000 }, (_, i) => `  k${String(i)}: v`).join('\n');
    const result = loadManifests(new Map([['app/big.yaml', `${CM}data:\n${data}\n`]]), {
      basePath: 'app',
      limits: { maxFileBytes: 4 * 1024 * 1024 },
    });
    expect(result.problems).toEqual([]);
    expect(Object.keys(result.objects[0]?.['data'] ?? {})).toHaveLength(100_000);
  }, 60_000);

  it('duplicate keys are still found, at the second one', () => {
    const problems = problemsWith(
      'apps/web/dup.yaml',
      `${CM}data:\n  a: "1"\n  b: "2"\n  a: "3"\n`,
    );
    expect(problems.map(at)).toEqual([
      { file: 'apps/web/dup.yaml', line: 7, code: ErrorCode.ManifestInvalid, limit: undefined },
    ]);
    expect(problems[0]?.message).toMatch(/Map keys must be unique \(DUPLICATE_KEY\)/);
  });

  it('limits are settings: maxDepth can be lowered', () => {
    const result = loadManifests(repo.files, { basePath: 'apps/web', limits: { maxDepth: 3 } });
    expect(result.problems.map((p) => p.limit)).toContain('maxDepth');
  });
});

describe('overlays: a JSON patch that grows the object', () => {
  it('40 copies of the Deployment into a list of itself (2^40 values): LIMIT_EXCEEDED, not out of memory', () => {
    const jsonPatch = [
      { op: 'add' as const, path: '/x', value: [] },
      ...Array.from({ length: 40 }, () => ({ op: 'copy' as const, from: '', path: '/x/-' })),
    ];
    const result = renderApp({
      files: repo.files,
      basePath: 'apps/web',
      overlays: [{ name: 'grow', patches: [{ target: { kind: 'Deployment' }, jsonPatch }] }],
      ctx: repo.edgeEu,
    });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({ code: ErrorCode.LimitExceeded, limit: 'MAX_PATCH_COPIED_VALUES' }),
    ]);
    expect(result.problems[0]?.message).toMatch(
      /^grow: Deployment\/web: patches\[0\]\.jsonPatch\[\d+\] \(copy \/x\/-\): the patch copies or moves more than 100000 values/,
    );
  });
});

describe('manifests: bytes that are not UTF-8', () => {
  it('a manifest with Latin-1 bytes: a problem naming the file and line; nothing renders', () => {
    const bytes = Uint8Array.from(`${CM}data:\n  city: Z\u00fcrich\n`, (c) => c.charCodeAt(0));
    const problems = problemsWith('apps/web/latin1.yaml', new TextDecoder().decode(bytes));
    expect(problems.map(at)).toEqual([
      { file: 'apps/web/latin1.yaml', line: 5, code: ErrorCode.ManifestInvalid, limit: undefined },
    ]);
    expect(problems[0]?.message).toMatch(
      /^apps\/web\/latin1\.yaml:5: the file holds bytes that are not UTF-8/,
    );
  });
});
