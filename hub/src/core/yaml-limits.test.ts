import { describe, expect, it } from 'vitest';
import { ErrorCode, isGitfleetError } from '@gitfleet/proto/domain';
import { isAlias, isMap, isScalar } from 'yaml';
import {
  DEFAULT_YAML_LIMITS,
  readYamlStream,
  replacementCharOffset,
  resolveYamlLimits,
} from './yaml-limits.ts';
import type { YamlLimits, YamlStream } from './yaml-limits.ts';

const limits = (overrides: Partial<YamlLimits>): YamlLimits => ({
  ...DEFAULT_YAML_LIMITS,
  ...overrides,
});

/** Each entry as `doc` (with its first error code, if any) or `limit@line`. */
function outline(stream: YamlStream): string[] {
  return stream.entries.map((e) => {
    if (e.kind === 'document') {
      const code = e.doc.errors[0]?.code;
      return code === undefined ? 'doc' : `doc:${code}`;
    }
    const line = stream.lineCounter.linePos(e.refusal.offset).line;
    return `${e.refusal.limit ?? 'refused'}@${String(line)}`;
  });
}

const read = (text: string, overrides: Partial<YamlLimits> = {}): string[] =>
  outline(readYamlStream(text, {}, limits(overrides)));

const flowNest = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
const blockNest = (n: number): string =>
  Array.from({ length: n }, (_, i) => `${'  '.repeat(i)}k:`).join('\n');

/** A "billion laughs" document: each level aliases the previous one `width` times. */
function laughs(levels: number, width: number): string {
  const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < levels; i++) {
    lines.push(
      `l${String(i)}: &l${String(i)} [${Array(width)
        .fill(`*l${String(i - 1)}`)
        .join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('readYamlStream: maxDocuments', () => {
  it.each<[string, string, Partial<YamlLimits>, string[]]>([
    ['at the limit', 'a: 1\n---\nb: 2\n---\nc: 3\n', { maxDocuments: 3 }, ['doc', 'doc', 'doc']],
    [
      'one over: the documents before it, then one refusal at the first one over',
      'a: 1\n---\nb: 2\n---\nc: 3\n---\nd: 4\n---\ne: 5\n',
      { maxDocuments: 3 },
      ['doc', 'doc', 'doc', 'maxDocuments@7'],
    ],
    [
      'empty documents count',
      '---\n---\n---\n',
      { maxDocuments: 2 },
      ['doc', 'doc', 'maxDocuments@3'],
    ],
  ])('%s', (_name, text, overrides, expected) => {
    expect(read(text, overrides)).toEqual(expected);
  });

  it('a 10,000-document file: the first 5,000 are read, the rest refused once', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `n: ${String(i)}\n`).join('---\n');
    const entries = read(text);
    expect(entries).toHaveLength(DEFAULT_YAML_LIMITS.maxDocuments + 1);
    expect(entries.at(-1)).toBe(`maxDocuments@${String(2 * DEFAULT_YAML_LIMITS.maxDocuments + 1)}`);
  }, 60_000);
});

describe('readYamlStream: maxDepth', () => {
  it.each<[string, string, Partial<YamlLimits>, string[]]>([
    ['flow, at the limit', flowNest(3), { maxDepth: 3 }, ['doc']],
    ['flow, one over: refused at the innermost', flowNest(4), { maxDepth: 3 }, ['maxDepth@1']],
    ['block mappings, at the limit', blockNest(3), { maxDepth: 3 }, ['doc']],
    [
      'block mappings, one over: at the line that goes over',
      blockNest(4),
      { maxDepth: 3 },
      ['maxDepth@4'],
    ],
    ['compact block lists', '- - - x\n', { maxDepth: 2 }, ['maxDepth@1']],
    ['a flow mapping key counts', '? [[x]]\n: 1\n', { maxDepth: 2 }, ['maxDepth@1']],
    [
      'an alias counts as expanded (2 + 2 > 3)',
      'a: &a [[x]]\nb: [*a]\n',
      { maxDepth: 3 },
      ['maxDepth@2'],
    ],
    ['an alias within the limit (1 + 2 = 3)', 'a: &a [[x]]\nb: *a\n', { maxDepth: 3 }, ['doc']],
    [
      'a deep document between two good ones: refused in its place; its end marker and errors do not leak',
      `a: 1\n---\n${flowNest(5)}\n...\n---\nb: 2\n`,
      { maxDepth: 3 },
      ['doc', 'maxDepth@3', 'doc'],
    ],
  ])('%s', (_name, text, overrides, expected) => {
    expect(read(text, overrides)).toEqual(expected);
  });

  it.each([
    ['flow lists', flowNest(100_000)],
    ['flow mappings', `${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}`],
    ['block mappings', blockNest(5_000)],
    ['compact block lists', `${'- '.repeat(100_000)}x\n`],
  ])(
    '%s nested 100,000 deep: refused before composition, no stack overflow',
    (_name, text) => {
      const stream = readYamlStream(text, {});
      expect(outline(stream)).toEqual([expect.stringMatching(/^maxDepth@\d+$/)]);
      expect(JSON.stringify(stream.entries)).not.toContain('call stack');
    },
    60_000,
  );
});

describe('readYamlStream: aliases', () => {
  it.each<[string, string, Partial<YamlLimits>, string[]]>([
    // 9 + 9×(1+9) = 99 expansions in the first three levels; the fourth goes over.
    ['a billion laughs (9 levels of 9)', laughs(9, 9), {}, ['maxAliases@4']],
    ['exactly maxAliases expansions', laughs(2, 4), { maxAliases: 4 }, ['doc']],
    [
      'nested expansions count each time: 2 + 2×2 = 6',
      'a: &a [x]\nb: &b [*a, *a]\nc: [*b, *b]\n',
      { maxAliases: 5 },
      ['maxAliases@3'],
    ],
    [
      'one large anchor aliased many times',
      `big: &big "${'x'.repeat(1000)}"\ncopies: [${Array(10).fill('*big').join(', ')}]\n`,
      { maxAliasBytes: 5000 },
      ['maxAliasBytes@2'],
    ],
    [
      'aliased bytes within the limit',
      `big: &big "${'x'.repeat(1000)}"\ncopies: [*big, *big]\n`,
      { maxAliasBytes: 5000 },
      ['doc'],
    ],
    ['an alias inside its own anchor (recursive)', 'a: &a [1, *a]\n', {}, ['refused@1']],
    ['a mapping that contains itself', '&m {x: *m}\n', {}, ['refused@1']],
    ['merge keys are aliases too', 'base: &b {x: 1}\nm:\n  <<: *b\n', { maxAliases: 1 }, ['doc']],
  ])('%s', (_name, text, overrides, expected) => {
    expect(read(text, overrides)).toEqual(expected);
  });

  it('the large-anchor refusal costs about one pass over the text', () => {
    // 50,000 items aliased 99 times would be ~5 million nodes once expanded.
    const text = `x: &a [${Array(50_000).fill('1').join(',')}]\ny: [${Array(99).fill('*a').join(',')}]\n`;
    expect(read(text)).toEqual(['maxAliasBytes@2']);
  }, 60_000);

  it('resolves an alias to the last node before it with that anchor', () => {
    const stream = readYamlStream('a: &x 1\nb: *x\nc: &x 2\nd: *x\n', {});
    const entry = stream.entries[0];
    if (entry?.kind !== 'document' || !isMap(entry.doc.contents)) throw new Error('no document');
    const values: unknown[] = entry.doc.contents.items.map((p) => p.value);
    const targets = values.flatMap((v) => (isAlias(v) ? [stream.aliasTargets.get(v)] : []));
    expect(targets.map((t) => (isScalar(t) ? t.value : undefined))).toEqual([1, 2]);
  });
});

describe('readYamlStream: duplicate keys', () => {
  it('are DUPLICATE_KEY errors at the second key, in block and flow mappings', () => {
    const stream = readYamlStream('a: 1\nb: 2\na: 3\nf: {x: 1, x: 2}\n', {});
    const entry = stream.entries[0];
    if (entry?.kind !== 'document') throw new Error('no document');
    expect(
      entry.doc.errors.map((e) => [e.code, stream.lineCounter.linePos(e.pos[0]).line]),
    ).toEqual([
      ['DUPLICATE_KEY', 3],
      ['DUPLICATE_KEY', 4],
    ]);
  });

  it('keys of different types are different keys', () => {
    expect(read('1: a\n"1": b\ntrue: c\n"true": d\n')).toEqual(['doc']);
  });

  it('a mapping of 100,000 keys is checked in one pass (the quadratic check took minutes)', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${String(i)}: v`);
    expect(read(`${keys.join('\n')}\nk7: again\n`)).toEqual(['doc:DUPLICATE_KEY']);
  }, 60_000);
});

describe('resolveYamlLimits', () => {
  it('fills in the defaults', () => {
    expect(resolveYamlLimits({ maxDepth: 7 })).toEqual({ ...DEFAULT_YAML_LIMITS, maxDepth: 7 });
  });

  it('refuses a maxDepth above the ceiling (256)', () => {
    expect(() => resolveYamlLimits({ maxDepth: 256 })).not.toThrow();
    expect(() => resolveYamlLimits({ maxDepth: 257 })).toThrow(/above 256/);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s', (value) => {
    let caught: unknown;
    try {
      resolveYamlLimits({ maxAliases: value });
    } catch (err) {
      caught = err;
    }
    expect(isGitfleetError(caught, ErrorCode.ConfigInvalid)).toBe(true);
  });
});

describe('replacementCharOffset', () => {
  it.each<[string, string, number | undefined]>([
    ['plain UTF-8', 'a: grüß\n', undefined],
    [
      'bytes that were not UTF-8',
      new TextDecoder().decode(new Uint8Array([0x61, 0x3a, 0x20, 0xff])),
      3,
    ],
    ['a \\uFFFD escape is text, not a bad byte', 'a: "\\uFFFD"\n', undefined],
  ])('%s', (_name, text, expected) => {
    expect(replacementCharOffset(text)).toBe(expected);
  });
});
