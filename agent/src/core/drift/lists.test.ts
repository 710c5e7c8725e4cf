import { describe, expect, it } from 'vitest';
import { webDesired, webLive } from '../__fixtures__/drift-objects.ts';
import { CONTAINERS, at, edit } from '../__fixtures__/drift-edit.ts';
import { livePathOf } from './lists.ts';

describe('livePathOf', () => {
  const reordered = edit(webLive, [
    CONTAINERS,
    [at(webLive, `${CONTAINERS}/1`), at(webLive, `${CONTAINERS}/0`)],
  ]);

  it.each<[string, string | undefined]>([
    [`${CONTAINERS}/0/image`, `${CONTAINERS}/1/image`],
    [`${CONTAINERS}/1/resources/requests/cpu`, `${CONTAINERS}/0/resources/requests/cpu`],
    ['/metadata/labels/app.kubernetes.io~1name', '/metadata/labels/app.kubernetes.io~1name'],
    [`${CONTAINERS}/5/image`, undefined],
  ])('%s → %s', (path, expected) => {
    expect(livePathOf(webDesired, reordered, path)).toBe(expected);
  });
});
