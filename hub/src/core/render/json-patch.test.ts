import { describe, expect, it } from 'vitest';
import { parsePointer } from '@gitfleet/proto/domain';
import type { JsonValue } from '@gitfleet/proto/domain';
import { MAX_PATCHED_DEPTH, MAX_PATCH_COPIED_VALUES, applyJsonPatch } from './json-patch.ts';
import type { JsonPatchOp } from './json-patch.ts';
import { cloneJson } from './json.ts';

function apply(doc: JsonValue, ops: readonly JsonPatchOp[]): JsonValue {
  return applyJsonPatch(cloneJson(doc), ops);
}

describe('applyJsonPatch: RFC 6902 appendix A', () => {
  it.each<[string, JsonValue, JsonPatchOp[], JsonValue]>([
    [
      'A.1 add an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { baz: 'qux', foo: 'bar' },
    ],
    [
      'A.2 add an array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'A.3 remove an object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'A.4 remove an array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'A.5 replace a value',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'A.6 move a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 move an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 test success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'A.10 add a nested member object',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    [
      'A.14 ~ escape ordering',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: 10 }],
      { '/': 9, '~1': 10 },
    ],
    [
      'A.16 add an array value',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      { foo: ['bar', ['abc', 'def']] },
    ],
    [
      'copy',
      { a: { b: 1 } },
      [{ op: 'copy', from: '/a', path: '/c' }],
      { a: { b: 1 }, c: { b: 1 } },
    ],
    [
      'test compares objects regardless of key order',
      { a: { x: 1, y: [1, { z: null }] } },
      [{ op: 'test', path: '/a', value: { y: [1, { z: null }], x: 1 } }],
      { a: { x: 1, y: [1, { z: null }] } },
    ],
    ['replace the root', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
    ['add at the end by index', { a: [1] }, [{ op: 'add', path: '/a/1', value: 2 }], { a: [1, 2] }],
    [
      'a key with a slash (annotations)',
      { metadata: { annotations: {} } },
      [{ op: 'add', path: '/metadata/annotations/acme.dev~1owner', value: 'team-a' }],
      { metadata: { annotations: { 'acme.dev/owner': 'team-a' } } },
    ],
    [
      'move to the same place is a no-op',
      { a: 1 },
      [{ op: 'move', from: '/a', path: '/a' }],
      { a: 1 },
    ],
  ])('%s', (_name, doc, ops, expected) => {
    expect(apply(doc, ops)).toEqual(expected);
  });

  it('copies are independent of their source', () => {
    const result = apply({ a: { b: 1 } }, [
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'replace', path: '/c/b', value: 2 },
    ]);
    expect(result).toEqual({ a: { b: 1 }, c: { b: 2 } });
  });
});

describe('applyJsonPatch: failures', () => {
  it.each<[string, JsonValue, JsonPatchOp[], number, string]>([
    [
      'A.9 test failure',
      { baz: 'qux' },
      [{ op: 'test', path: '/baz', value: 'bar' }],
      0,
      'test failed: /baz has another value (expected "bar")',
    ],
    [
      'test of a missing path',
      { a: 1 },
      [
        { op: 'add', path: '/b', value: 2 },
        { op: 'test', path: '/c', value: 3 },
      ],
      1,
      'test failed: /c does not exist (expected 3)',
    ],
    [
      'a failed test on a Secret never quotes the value it expected',
      { apiVersion: 'v1', kind: 'Secret', data: { password: 'bGl2ZQ==' } },
      [{ op: 'test', path: '/data/password', value: 'c2VjcmV0LWNhbmFyeQ==' }],
      0,
      'test failed: /data/password has another value (expected value not shown: a Secret)',
    ],
    [
      'A.12 add to a nonexistent target',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz/bat', value: 'qux' }],
      0,
      'the parent of /baz/bat does not exist; add it first',
    ],
    [
      'replace of a missing member',
      { a: 1 },
      [{ op: 'replace', path: '/b', value: 2 }],
      0,
      '/b does not exist',
    ],
    [
      'remove of a missing member',
      { a: 1 },
      [{ op: 'remove', path: '/b' }],
      0,
      '/b does not exist',
    ],
    [
      'remove beyond the array',
      { a: [1] },
      [{ op: 'remove', path: '/a/1' }],
      0,
      '/a/1 does not exist (the array has 1 items)',
    ],
    [
      'add beyond the array',
      { a: [1] },
      [{ op: 'add', path: '/a/2', value: 3 }],
      0,
      '/a/2: "2" is not an index of the array (0–1 or "-")',
    ],
    [
      'leading zeros are not indexes',
      { a: [1, 2] },
      [{ op: 'replace', path: '/a/01', value: 3 }],
      0,
      '/a/01 does not exist',
    ],
    ['"-" only appends', { a: [1] }, [{ op: 'remove', path: '/a/-' }], 0, '/a/- does not exist'],
    [
      'A.15 a pointer without the leading slash',
      { a: 1 },
      [{ op: 'add', path: 'a', value: 1 }],
      0,
      'path "a" is not a JSON pointer',
    ],
    [
      'bad ~ escape',
      { a: 1 },
      [{ op: 'remove', path: '/a~2' }],
      0,
      'path "/a~2" is not a JSON pointer',
    ],
    [
      'move into its own child',
      { a: { b: {} } },
      [{ op: 'move', from: '/a', path: '/a/b/c' }],
      0,
      'cannot move /a into its own child /a/b/c',
    ],
    [
      'move from nowhere',
      { a: 1 },
      [{ op: 'move', from: '/x', path: '/y' }],
      0,
      '/x does not exist',
    ],
    [
      'remove the root',
      { a: 1 },
      [{ op: 'remove', path: '' }],
      0,
      'cannot remove the whole object',
    ],
    [
      'A.13 unknown op',
      { a: 1 },
      [{ op: 'merge', path: '/a', value: 2 } as unknown as JsonPatchOp],
      0,
      'unknown op "merge"; use one of add, remove, replace, move, copy, test',
    ],
    [
      'missing value',
      { a: 1 },
      [{ op: 'add', path: '/b' } as unknown as JsonPatchOp],
      0,
      'the operation has no "value"',
    ],
    [
      'through a scalar',
      { a: 'text' },
      [{ op: 'add', path: '/a/b', value: 1 }],
      0,
      'the parent of /a/b is not an object or array',
    ],
  ])('%s', (_name, doc, ops, opIndex, message) => {
    expect(() => apply(doc, ops)).toThrow(
      expect.objectContaining({
        code: 'MANIFEST_INVALID',
        message: expect.stringContaining(message) as string,
        details: { op: opIndex },
      }) as Error,
    );
  });

  it('does not follow inherited properties', () => {
    expect(() => apply({ a: {} }, [{ op: 'replace', path: '/a/toString', value: 1 }])).toThrow(
      '/a/toString does not exist',
    );
  });
});

describe('applyJsonPatch: growth limits', () => {
  /** `{ a: { a: … { a: 1 } } }`, `depth` objects deep. */
  const chain = (depth: number): JsonValue => {
    let v: JsonValue = 1;
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  };
  const pointerTo = (depth: number): string => '/a'.repeat(depth);

  it.each<[string, JsonValue, JsonPatchOp[], number, string]>([
    [
      'copying the object into itself, again and again, doubles it each time',
      { l: [] },
      Array.from({ length: 40 }, () => ({ op: 'copy', from: '', path: '/l/-' }) as const),
      15, // op i copies 2^(i+1) values: 2^17 - 2 > 100,000 copied after op 15
      'MAX_PATCH_COPIED_VALUES',
    ],
    [
      'copying the object into its deepest point doubles its depth',
      chain(100),
      [
        { op: 'copy', from: '', path: pointerTo(100) }, // 201 levels
        { op: 'copy', from: '', path: pointerTo(201) }, // would be 402
      ],
      1,
      'MAX_PATCHED_DEPTH',
    ],
    [
      'moving subtrees one under another stacks their depth',
      { b: chain(90), c: chain(90), d: chain(90) },
      [
        { op: 'move', from: '/c', path: `/b${pointerTo(90)}` }, // 182 levels
        { op: 'move', from: '/d', path: `/b${pointerTo(180)}` }, // would be 272
      ],
      1,
      'MAX_PATCHED_DEPTH',
    ],
    [
      'adding a value that is too deep where it goes',
      { a: {} },
      [{ op: 'add', path: '/a/b', value: chain(MAX_PATCHED_DEPTH) }],
      0,
      'MAX_PATCHED_DEPTH',
    ],
  ])('%s: LIMIT_EXCEEDED at the op that crosses the limit', (_name, doc, ops, opIndex, limit) => {
    expect(() => apply(doc, ops)).toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: expect.stringContaining(`(limit ${limit})`) as string,
        details: { op: opIndex, limit },
      }) as Error,
    );
  });

  it('within the limits: a copy of a few values, a value exactly as deep as allowed', () => {
    expect(apply({ a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }])).toEqual({
      a: { b: 1 },
      c: { b: 1 },
    });
    expect(() =>
      apply({ a: {} }, [{ op: 'add', path: '/a/b', value: chain(MAX_PATCHED_DEPTH - 2) }]),
    ).not.toThrow();
    expect(MAX_PATCH_COPIED_VALUES).toBe(100_000);
  });
});

describe('parsePointer (the pointers a patch accepts)', () => {
  it.each<[string, string[] | undefined]>([
    ['', []],
    ['/', ['']],
    ['/a/b', ['a', 'b']],
    ['/a~1b/c~0d', ['a/b', 'c~d']],
    ['/~01', ['~1']],
    ['a', undefined],
    ['/a~', undefined],
  ])('%j', (pointer, expected) => {
    expect(parsePointer(pointer)).toEqual(expected);
  });
});
