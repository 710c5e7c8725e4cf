import { describe, expect, it } from 'vitest';
import { ByteLru } from './cache.ts';

describe('ByteLru', () => {
  it('computes a key once, also for callers that ask while it runs', async () => {
    const lru = new ByteLru<string>(100);
    let runs = 0;
    const compute = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return { value: 'v', bytes: 10 };
    };
    const all = await Promise.all(Array.from({ length: 1000 }, () => lru.get('k', compute)));
    expect(new Set(all)).toEqual(new Set(['v']));
    expect(runs).toBe(1);
    await lru.get('k', compute);
    expect(runs).toBe(1);
  });

  it('evicts the least recently used beyond its bytes, and keeps nothing larger than itself', async () => {
    const lru = new ByteLru<string>(25);
    const put = (k: string, bytes: number) =>
      lru.get(k, () => Promise.resolve({ value: k, bytes }));
    await put('a', 10);
    await put('b', 10);
    await put('a', 10); // a used: b is now the oldest
    await put('c', 10);
    expect(lru.bytes).toBe(20);
    let recomputed = false;
    await lru.get('b', () => {
      recomputed = true;
      return Promise.resolve({ value: 'b', bytes: 10 });
    });
    expect(recomputed).toBe(true);
    await put('huge', 26);
    expect(lru.bytes).toBe(20);
  });

  it('drops an expired value, and a failed computation is not kept', async () => {
    let now = 0;
    const lru = new ByteLru<string>(100, () => now);
    let runs = 0;
    const compute = () => {
      runs++;
      return Promise.resolve({ value: 'x', bytes: 1, expiresAtMs: 50 });
    };
    await lru.get('k', compute);
    await lru.get('k', compute);
    now = 60;
    await lru.get('k', compute);
    expect(runs).toBe(2);
    await expect(lru.get('f', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lru.get('f', () => Promise.resolve({ value: 'ok', bytes: 1 }))).toBe('ok');
  });
});
