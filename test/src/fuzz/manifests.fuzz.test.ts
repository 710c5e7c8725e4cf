import fc from 'fast-check';
import { describe, it } from 'vitest';
import { asFcProperty, unitParameters } from './harness.ts';
import { MANIFEST_PROPERTIES } from './manifests.properties.ts';

describe('fuzz: the manifest reader and the render never throw, never hang, always render or locate a problem', () => {
  it.each(MANIFEST_PROPERTIES.map((p) => [p.name, p] as const))(
    '%s',
    (_name, p) => {
      fc.assert(asFcProperty(p), unitParameters(p));
    },
    60_000,
  );
});
