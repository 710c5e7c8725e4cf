import { describe, expect, it } from 'vitest';
import { mapLimit } from './map-limit.ts';

describe('mapLimit', () => {
  it.each([
    ['no items', [], 4, 0],
    ['fewer items than the limit', [1, 2], 8, 2],
    ['more items than the limit', [1, 2, 3, 4, 5, 6, 7], 3, 3],
    ['a limit of one runs one at a time', [1, 2, 3], 1, 1],
    ['a limit below one still runs', [1, 2], 0, 1],
  ])('%s', async (_name, items, limit, maxInFlight) => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit(items, limit, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1 + ((n * 7) % 3)));
      inFlight--;
      if (n === 2) throw new Error('two');
      return n * 10 + i;
    });
    expect(most).toBe(maxInFlight);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual(
      items.map((n, i) => (n === 2 ? 'rejected' : n * 10 + i)),
    );
  });
});
