import { describe, expect, it } from 'vitest';
import { decodeLastGood } from './fleet-store.ts';

const C = 'b'.repeat(40);
const spec = { targets: [], applications: [], environments: [] };
const good = {
  format: 1,
  repo: 'http://h/f.git',
  branch: 'main',
  commit: C,
  acceptedAtMs: 1,
  spec,
};

describe('decodeLastGood: only what this hub wrote is used', () => {
  it('reads a record it wrote', () => {
    expect(decodeLastGood(JSON.stringify(good), 'k')).toEqual(good);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{', /not valid JSON/],
    ['not an object', '"x"', /not a JSON object/],
    ['another format', JSON.stringify({ ...good, format: 2 }), /format 2, this hub reads 1/],
    ['no branch', JSON.stringify({ ...good, branch: undefined }), /no repo or branch/],
    ['a commit that is no SHA', JSON.stringify({ ...good, commit: 'main' }), /no commit SHA/],
    ['no time', JSON.stringify({ ...good, acceptedAtMs: 'x' }), /no acceptedAtMs/],
    [
      'a spec that is not a fleet',
      JSON.stringify({ ...good, spec: { targets: [] } }),
      /the spec is not a fleet/,
    ],
  ])('refuses %s', (_name, text, expected) => {
    expect(() => decodeLastGood(text, 'gitfleet:fleet:last-good')).toThrow(expected);
    expect(() => decodeLastGood(text, 'gitfleet:fleet:last-good')).toThrow(
      /^Redis key gitfleet:fleet:last-good: /,
    );
  });
});
