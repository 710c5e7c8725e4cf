import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { leaksIn, needlesOf } from './leak-scan.ts';

const VALUE = 'canary-0123456789abcdef01234567';
const needles = needlesOf('c', VALUE);
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

describe('needlesOf / leaksIn', () => {
  it.each([
    ['the value', `x ${VALUE} y`],
    ['its base64', `data: { token: "${b64(VALUE)}" }`],
    ['inside base64, at offset 0', b64(`${VALUE} and more`)],
    ['inside base64, at offset 1', b64(`a${VALUE}b`)],
    ['inside base64, at offset 2', b64(`ab${VALUE}cd`)],
    ['inside base64, at offset 3', b64(`abc${VALUE}`)],
    ['inside a JSON document in base64', b64(JSON.stringify({ stringData: { p: VALUE } }))],
    ['inside base64url, at offset 1', b64url(`?${VALUE}>>>`)],
  ])('finds %s', (_what, text) => {
    expect(leaksIn(text, needles)).not.toEqual([]);
  });

  it.each([
    ['another value', 'canary-ffffffffffffffffffffffff'],
    ['a prefix of it', VALUE.slice(0, 20)],
    ['its fingerprint', '*** sha256:0123abcd'],
    ['its gzip (read decompressed by the dump, not here)', gzipSync(VALUE).toString('latin1')],
  ])('does not find %s', (_what, text) => {
    expect(leaksIn(text, needles)).toEqual([]);
  });

  it('labels never hold the value', () => {
    for (const n of needles) expect(n.label).not.toContain(n.text);
  });
});
