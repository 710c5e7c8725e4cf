import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from './exposition.ts';

const VALID = [
  '# HELP up 1 when up.',
  '# TYPE up gauge',
  'up 1',
  '',
  '# HELP req_total Requests \\\\ by path,\\nline two.',
  '# TYPE req_total counter',
  'req_total{path="/a\\"b\\\\c\\nd",code="200"} 3',
  'req_total{path="/",} 1 1700000000000',
  '# a comment',
  '# HELP lat Latency.',
  '# TYPE lat histogram',
  'lat_bucket{le="0.1"} 1',
  'lat_bucket{le="+Inf"} 2',
  'lat_sum 0.35',
  'lat_count 2',
  '# TYPE odd gauge',
  '# HELP odd NaN and infinities.',
  'odd{k="n"} NaN',
  'odd{k="p"} +Inf',
  'odd{k="m"} -1.5e-3',
  'odd{k="q"} Nan',
  'odd{k="r"} -inf',
  '',
].join('\n');

describe('parseExposition', () => {
  it('reads families, HELP (unescaped), types and samples with unescaped labels', () => {
    const families = parseExposition(VALID);
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ['up', 'gauge'],
      ['req_total', 'counter'],
      ['lat', 'histogram'],
      ['odd', 'gauge'],
    ]);
    expect(families[1]?.help).toBe('Requests \\ by path,\nline two.');
    expect(sampleValue(families, 'req_total', { code: '200', path: '/a"b\\c\nd' })).toBe(3);
    expect(sampleValue(families, 'req_total', { path: '/' })).toBe(1);
    expect(sampleValue(families, 'lat_bucket', { le: '+Inf' })).toBe(2);
    expect(sampleValue(families, 'odd', { k: 'n' })).toBeNaN();
    expect(sampleValue(families, 'odd', { k: 'p' })).toBe(Infinity);
    expect(sampleValue(families, 'odd', { k: 'm' })).toBe(-0.0015);
    expect(sampleValue(families, 'odd', { k: 'q' })).toBeNaN();
    expect(sampleValue(families, 'odd', { k: 'r' })).toBe(-Infinity);
    expect(sampleValue(families, 'up', { x: 'y' })).toBeUndefined();
  });

  it.each<[string, string, RegExp]>([
    ['no HELP', '# TYPE a gauge\na 1\n', /family a has no HELP/],
    ['no TYPE', '# HELP a A.\na 1\n', /family a has no TYPE/],
    ['a sample of no family', '# HELP a A.\n# TYPE a gauge\nb 1\n', /no HELP or TYPE for b/],
    ['an unescaped quote', '# HELP a A.\n# TYPE a gauge\na{l="x"y"} 1\n', /separated by commas/],
    ['an unknown escape', '# HELP a A.\n# TYPE a gauge\na{l="x\\ty"} 1\n', /bad escape \\t/],
    ['an unclosed label', '# HELP a A.\n# TYPE a gauge\na{l="x} 1\n', /not closed/],
    ['an unquoted label', '# HELP a A.\n# TYPE a gauge\na{l=x} 1\n', /not quoted/],
    ['a bad value', '# HELP a A.\n# TYPE a gauge\na one\n', /not a sample value/],
    ['an unknown type', '# HELP a A.\n# TYPE a meter\na 1\n', /unknown type/],
    ['a second TYPE', '# HELP a A.\n# TYPE a gauge\n# TYPE a gauge\na 1\n', /second TYPE/],
    ['HELP after samples', '# TYPE a gauge\na 1\n# HELP a A.\n', /HELP after the samples/],
    [
      'samples apart',
      '# HELP a A.\n# TYPE a gauge\na{x="1"} 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{x="2"} 1\n',
      /samples of a are not together/,
    ],
    ['no final line feed', '# HELP a A.\n# TYPE a gauge\na 1', /line feed/],
  ])('refuses %s', (_what, text, error) => {
    expect(() => parseExposition(text)).toThrow(error);
  });
});
