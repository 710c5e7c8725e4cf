import { describe, expect, it } from 'vitest';
import { matchesSelector, parseSelector, type Requirement } from './selector.ts';

describe('parseSelector', () => {
  it.each<[string, Requirement[]]>([
    ['', []],
    ['  ,  ', []],
    ['env=prod', [{ key: 'env', op: 'eq', value: 'prod' }]],
    ['env==prod', [{ key: 'env', op: 'eq', value: 'prod' }]],
    [
      'env=prod, region!=us',
      [
        { key: 'env', op: 'eq', value: 'prod' },
        { key: 'region', op: 'ne', value: 'us' },
      ],
    ],
    ['tier', [{ key: 'tier', op: 'exists' }]],
    ['!tier', [{ key: 'tier', op: 'absent' }]],
    ['example.com/team=a', [{ key: 'example.com/team', op: 'eq', value: 'a' }]],
    ['env=', [{ key: 'env', op: 'eq', value: '' }]],
  ])('%j', (text, want) => {
    expect(parseSelector(text)).toEqual({ ok: true, requirements: want });
  });

  it.each(['=prod', 'env=a b', 'env=a=b', 'bad key', '!', 'env!=x=y'])(
    'refuses %j naming the part',
    (text) => {
      const r = parseSelector(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toContain('label selector');
    },
  );
});

describe('matchesSelector', () => {
  const labels = { env: 'prod', region: 'eu' };
  it.each<[string, boolean]>([
    ['', true],
    ['env=prod', true],
    ['env=dev', false],
    ['env!=dev', true],
    ['env!=prod', false],
    ['team!=a', true],
    ['region', true],
    ['team', false],
    ['!team', true],
    ['!region', false],
    ['env=prod,region=eu', true],
    ['env=prod,region=us', false],
  ])('%j → %s', (text, want) => {
    const r = parseSelector(text);
    if (!r.ok) throw new Error(r.message);
    expect(matchesSelector(r.requirements, labels)).toBe(want);
  });
});
