import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto';
import {
  commitLinks,
  isSafeEntryName,
  normaliseReadPath,
  tagTarget,
  treeEntries,
} from './objects.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('object links', () => {
  it('reads tree and parents of a commit (a merge, with a signature header)', () => {
    const commit = Buffer.from(
      `tree ${A}\nparent ${B}\nparent ${C}\nauthor a <a@x> 1 +0000\ncommitter a <a@x> 1 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n parent ${A}\n -----END PGP SIGNATURE-----\n\nmsg\nparent ${A}\n`,
    );
    expect(commitLinks(commit)).toEqual({ tree: A, parents: [B, C] });
    expect(commitLinks(Buffer.from(`tree ${A}\nauthor a <a@x> 1 +0000\n\nroot\n`))).toEqual({
      tree: A,
      parents: [],
    });
    expect(() => commitLinks(Buffer.from('author x\n\n'))).toThrow(/tree/);
  });

  it('reads the target of an annotated tag', () => {
    const tag = Buffer.from(
      `object ${A}\ntype commit\ntag v1\ntagger t <t@x> 1 +0000\n\nrelease\n`,
    );
    expect(tagTarget(tag)).toEqual({ object: A, type: 'commit' });
    expect(() => tagTarget(Buffer.from(`object ${A}\ntype bogus\n\n`))).toThrow(/type/);
  });

  it('parses tree entries (mode, name, oid), and refuses a truncated tree', () => {
    const entry = (mode: string, name: string, oid: string): Buffer =>
      Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')]);
    const tree = Buffer.concat([
      entry('100644', 'a.yaml', A),
      entry('40000', 'dir', B),
      entry('120000', 'link', C),
      entry('160000', 'sub', A),
    ]);
    expect(treeEntries(tree)).toEqual([
      { mode: '100644', name: 'a.yaml', oid: A },
      { mode: '040000', name: 'dir', oid: B },
      { mode: '120000', name: 'link', oid: C },
      { mode: '160000', name: 'sub', oid: A },
    ]);
    expect(() => treeEntries(tree.subarray(0, tree.length - 3))).toThrow(/truncated/);
  });
});

describe('isSafeEntryName', () => {
  it.each([
    ['deploy.yaml', true],
    ['.github', true],
    ['..yaml', true],
    ['', false],
    ['.', false],
    ['..', false],
    ['.git', false],
    ['.GIT', false],
    ['.git. ', false],
    ['a/b', false],
    ['a\\b', false],
    ['a\u0000b', false],
    ['a\nb', false],
  ])('%j → %s', (name, want) => {
    expect(isSafeEntryName(name)).toBe(want);
  });
});

describe('normaliseReadPath', () => {
  it.each([
    ['', ''],
    ['.', ''],
    ['./apps//web/', 'apps/web'],
    ['apps/./web', 'apps/web'],
  ])('%j → %j', (p, want) => {
    expect(normaliseReadPath(p)).toBe(want);
  });

  it.each(['../x', 'apps/../../x', '/etc', 'a\\b', 'a\0b'])('refuses %j', (p) => {
    expect(() => normaliseReadPath(p)).toThrow(
      expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
    );
  });
});
