import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FLEET_PROPERTIES } from './fleet.properties.ts';
import { asFcProperty, unitParameters } from './harness.ts';

describe('fuzz: the fleet parser never throws, never hangs, always accepts or locates a problem', () => {
  it.each(FLEET_PROPERTIES.map((p) => [p.name, p] as const))(
    '%s',
    (_name, p) => {
      fc.assert(asFcProperty(p), unitParameters(p));
    },
    60_000,
  );
});
