import { applyPatch } from 'diff';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@gitfleet/proto';
import { diffLines, diffObjects, MAX_EDIT_LINES, objectYaml, unifiedDiff } from './diff.ts';

const cm = (name: string, data: Record<string, string>, ns = 'web'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});
const deploy = (replicas: number): KubeObject => ({
  kind: 'Deployment',
  spec: { replicas, selector: { matchLabels: { app: 'web' } } },
  metadata: { namespace: 'web', name: 'web', labels: { b: '2', a: '1' } },
  apiVersion: 'apps/v1',
});
const labels = { from: 'current', to: 'v2' };

describe('unifiedDiff', () => {
  it.each<{ name: string; a: string; b: string; context?: number; want: string }>([
    { name: 'equal texts', a: 'x\ny\n', b: 'x\ny\n', want: '' },
    {
      name: 'one line changed in the middle',
      a: 'a\nb\nc\nd\ne\n',
      b: 'a\nb\nC\nd\ne\n',
      want: '--- A\n+++ B\n@@ -1,5 +1,5 @@\n a\n b\n-c\n+C\n d\n e\n',
    },
    {
      name: 'a new file',
      a: '',
      b: 'x\ny\n',
      want: '--- A\n+++ B\n@@ -0,0 +1,2 @@\n+x\n+y\n',
    },
    {
      name: 'a removed file of one line',
      a: 'x\n',
      b: '',
      want: '--- A\n+++ B\n@@ -1,1 +0,0 @@\n-x\n',
    },
    {
      name: 'two changes far apart are two hunks',
      a: '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n',
      b: 'one\n2\n3\n4\n5\n6\n7\n8\n9\nten\n',
      context: 1,
      want: '--- A\n+++ B\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n@@ -9,2 +9,2 @@\n 9\n-10\n+ten\n',
    },
    {
      name: 'changes closer than twice the context share a hunk',
      a: '1\n2\n3\n4\n',
      b: 'one\n2\n3\nfour\n',
      context: 1,
      want: '--- A\n+++ B\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n-4\n+four\n',
    },
    {
      name: 'an insertion with removals first in a run',
      a: 'a\nx\nb\n',
      b: 'a\ny\nz\nb\n',
      want: '--- A\n+++ B\n@@ -1,3 +1,4 @@\n a\n-x\n+y\n+z\n b\n',
    },
  ])('$name', ({ a, b, context, want }) => {
    expect(unifiedDiff(a, b, 'A', 'B', context)).toBe(want);
  });
});

describe('unifiedDiff as a patch', () => {
  const text = fc
    .array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 30 })
    .map((lines) => lines.map((l) => `${l}\n`).join(''));

  it('turns the first text into the second when applied', () => {
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 4 }), (a, b, context) => {
        const patch = unifiedDiff(a, b, 'A', 'B', context);
        expect(patch === '' ? b : applyPatch(a, patch)).toBe(b);
      }),
      { numRuns: 300 },
    );
  });

  it('shows texts with more changed lines than MAX_EDIT_LINES as replaced whole', () => {
    const n = MAX_EDIT_LINES;
    const lines = (p: string): string =>
      Array.from({ length: n }, (_, i) => `${p}${String(i)}\n`).join('');
    const a = `keep\n${lines('a')}`;
    const b = `keep\n${lines('b')}`;
    const patch = unifiedDiff(a, b, 'A', 'B');
    expect(patch.split('\n').slice(0, 4)).toEqual([
      '--- A',
      '+++ B',
      `@@ -1,${String(n + 1)} +1,${String(n + 1)} @@`,
      '-keep',
    ]);
    expect(applyPatch(a, patch)).toBe(b);
  });
});

describe('diffLines', () => {
  it.each<{ a: string[]; b: string[]; want: string }>([
    { a: [], b: [], want: '' },
    { a: ['x'], b: ['x'], want: ' x' },
    { a: ['a', 'b', 'c'], b: ['a', 'c'], want: ' a|-b| c' },
    { a: ['a', 'c'], b: ['a', 'b', 'c'], want: ' a|+b| c' },
    { a: ['a', 'b'], b: ['b', 'a'], want: '-a| b|+a' },
  ])('$a → $b', ({ a, b, want }) => {
    expect(
      diffLines(a, b)
        .map((o) => `${o.tag}${o.line}`)
        .join('|'),
    ).toBe(want);
  });

  it('keeps every line of both sides, in order', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 20 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const ops = diffLines(a, b);
        expect(ops.filter((o) => o.tag !== '+').map((o) => o.line)).toEqual(a);
        expect(ops.filter((o) => o.tag !== '-').map((o) => o.line)).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });
});

describe('objectYaml', () => {
  it('writes apiVersion, kind, metadata (name, namespace) first and sorts every other key', () => {
    expect(objectYaml(deploy(2))).toBe(
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        '  namespace: web',
        '  labels:',
        '    a: "1"',
        '    b: "2"',
        'spec:',
        '  replicas: 2',
        '  selector:',
        '    matchLabels:',
        '      app: web',
        '',
      ].join('\n'),
    );
  });
});

describe('diffObjects', () => {
  it.each<{
    name: string;
    current: KubeObject[] | undefined;
    next: KubeObject[];
    want: { change: string; path: string }[];
    summary: { added: number; removed: number; changed: number; unchanged: number };
  }>([
    {
      name: 'nothing desired yet: everything is added',
      current: undefined,
      next: [cm('a', { k: 'v' }), deploy(1)],
      want: [
        { change: 'added', path: '/ConfigMap/web/a' },
        { change: 'added', path: 'apps/Deployment/web/web' },
      ],
      summary: { added: 2, removed: 0, changed: 0, unchanged: 0 },
    },
    {
      name: 'same objects in another key order: unchanged',
      current: [deploy(2), cm('a', { k: 'v' })],
      next: [cm('a', { k: 'v' }), { ...deploy(2) }],
      want: [],
      summary: { added: 0, removed: 0, changed: 0, unchanged: 2 },
    },
    {
      name: 'one changed, one removed, one added',
      current: [cm('a', { k: 'v' }), cm('gone', {}), deploy(2)],
      next: [cm('a', { k: 'w' }), cm('new', {}), deploy(2)],
      want: [
        { change: 'changed', path: '/ConfigMap/web/a' },
        { change: 'removed', path: '/ConfigMap/web/gone' },
        { change: 'added', path: '/ConfigMap/web/new' },
      ],
      summary: { added: 1, removed: 1, changed: 1, unchanged: 1 },
    },
    {
      name: 'the same name in another namespace is another object',
      current: [cm('a', {}, 'x')],
      next: [cm('a', {}, 'y')],
      want: [
        { change: 'removed', path: '/ConfigMap/x/a' },
        { change: 'added', path: '/ConfigMap/y/a' },
      ],
      summary: { added: 1, removed: 1, changed: 0, unchanged: 0 },
    },
  ])('$name', ({ current, next, want, summary }) => {
    const d = diffObjects(current, next, labels);
    expect(
      d.objects.map((o) => ({
        change: o.change,
        path: `${o.ref.group}/${o.ref.kind}/${o.ref.namespace}/${o.ref.name}`,
      })),
    ).toEqual(want);
    expect(d.summary).toEqual(summary);
  });

  it('shows a changed field as a unified diff with both sides named', () => {
    const d = diffObjects([deploy(2)], [deploy(3)], labels);
    expect(d.objects[0]?.ref).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'web',
      name: 'web',
    });
    expect(d.objects[0]?.diff).toBe(
      [
        '--- current/Deployment/web/web',
        '+++ v2/Deployment/web/web',
        '@@ -7,7 +7,7 @@',
        '     a: "1"',
        '     b: "2"',
        ' spec:',
        '-  replicas: 2',
        '+  replicas: 3',
        '   selector:',
        '     matchLabels:',
        '       app: web',
        '',
      ].join('\n'),
    );
  });

  it('names /dev/null for the missing side of an added or removed object', () => {
    const added = diffObjects([], [cm('a', { k: 'v' })], labels).objects[0]?.diff ?? '';
    expect(added.split('\n').slice(0, 3)).toEqual([
      '--- /dev/null',
      '+++ v2/ConfigMap/web/a',
      '@@ -0,0 +1,7 @@',
    ]);
    const removed = diffObjects([cm('a', { k: 'v' })], [], labels).objects[0]?.diff ?? '';
    expect(removed.split('\n').slice(0, 2)).toEqual([
      '--- current/ConfigMap/web/a',
      '+++ /dev/null',
    ]);
  });
});
