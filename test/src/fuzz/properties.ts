/**
 * Every fuzz property, for the long run (`npm run bench -- fuzz`); the unit suite runs each area's
 * list from its own *.fuzz.test.ts.
 */
import { CODEC_PROPERTIES } from './codec.properties.ts';
import { FLEET_PROPERTIES } from './fleet.properties.ts';
import type { AnyFuzzProperty } from './harness.ts';
import { MANIFEST_PROPERTIES } from './manifests.properties.ts';

export const FUZZ_PROPERTIES: readonly AnyFuzzProperty[] = [
  ...FLEET_PROPERTIES,
  ...MANIFEST_PROPERTIES,
  ...CODEC_PROPERTIES,
];
