import { describe, expect, it } from 'vitest';
import type { JsonValue } from '@gitfleet/proto/domain';
import { parseQuantity } from './normalise.ts';

describe('parseQuantity', () => {
  it.each<[JsonValue, boolean]>([
    ['500m', true],
    ['1.5Gi', true],
    ['-2', true],
    ['.5', true],
    ['1e-3', true],
    ['1E', true],
    [1.25, true],
    ['', false],
    ['.', false],
    ['1.5 Gi', false],
    ['one', false],
    ['1e999', false],
    [true, false],
  ])('%j parses: %s', (value, ok) => {
    expect(parseQuantity(value) !== undefined).toBe(ok);
  });
});
