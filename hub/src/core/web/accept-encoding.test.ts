import { describe, expect, it } from 'vitest';
import { acceptedCodings, acceptsGzip } from './accept-encoding.ts';

describe('acceptsGzip', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['identity', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip, deflate, br, zstd', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['gzip;q=0.001', true],
    ['gzip;Q=0', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['*;q=0, gzip', true],
    ['deflate, br', false],
    // a q-value that is not one: the entry is ignored
    ['gzip;q=2', false],
    ['gzip;q=abc, *;q=0.5', true],
    ['gzip;q=', false],
    // the first naming of a coding counts
    ['gzip;q=0, gzip', false],
    [' gzip ; q=0.5 ', true],
  ])('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('reads every coding with its q-value', () => {
    expect([...acceptedCodings('br;q=1.0, gzip;q=0.8;level=1, identity;q=0, ;q=1')]).toEqual([
      ['br', 1],
      ['gzip', 0.8],
      ['identity', 0],
    ]);
  });
});
