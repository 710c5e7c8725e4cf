import { describe, expect, it } from 'vitest';
import { isMaskedValue, maskedValue } from './secret-mask.ts';

describe('secret masks', () => {
  it.each([
    ['a'.repeat(64), 8, '*** sha256:aaaaaaaa'],
    ['0123456789abcdef'.repeat(4), 12, '*** sha256:0123456789ab'],
  ])('maskedValue(%s, %d) → %s, recognised', (digest, keep, mask) => {
    expect(maskedValue(digest, keep)).toBe(mask);
    expect(isMaskedValue(mask)).toBe(true);
  });

  it.each([['secret'], ['*** sha256:abc'], ['*** sha256:ABCDEF12'], [42], [undefined]])(
    '%j is not a mask',
    (value) => {
      expect(isMaskedValue(value)).toBe(false);
    },
  );
});
