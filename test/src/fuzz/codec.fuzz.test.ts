import fc from 'fast-check';
import { describe, it } from 'vitest';
import { CODEC_PROPERTIES } from './codec.properties.ts';
import { asFcProperty, unitParameters } from './harness.ts';

describe('fuzz: the codec decodes or throws a GitfleetError PROTOCOL_VIOLATION, never anything else', () => {
  it.each(CODEC_PROPERTIES.map((p) => [p.name, p] as const))(
    '%s',
    (_name, p) => {
      fc.assert(asFcProperty(p), unitParameters(p));
    },
    60_000,
  );
});
