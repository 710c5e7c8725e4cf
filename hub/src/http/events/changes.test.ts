import { describe, expect, it } from 'vitest';
import { silentLogger } from '@gitfleet/proto';
import { LiveChanges, liveChangesChannel, parseLiveChange, type CellChange } from './changes.ts';

describe('parseLiveChange', () => {
  const cases: readonly {
    name: string;
    message: string;
    want: ReturnType<typeof parseLiveChange>;
  }[] = [
    {
      name: 'a change of one row',
      message: '{"replica":"a","target":"t","app":"web"}',
      want: { replica: 'a', change: { target: 't', app: 'web' } },
    },
    {
      name: 'a change of every row of a target',
      message: '{"replica":"a","target":"t"}',
      want: { replica: 'a', change: { target: 't' } },
    },
    { name: 'not JSON', message: 'nope', want: undefined },
    { name: 'not an object', message: '"t"', want: undefined },
    { name: 'null', message: 'null', want: undefined },
    { name: 'no replica', message: '{"target":"t"}', want: undefined },
    { name: 'no target', message: '{"replica":"a","app":"web"}', want: undefined },
    {
      name: 'an app that is no string',
      message: '{"replica":"a","target":"t","app":1}',
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(parseLiveChange(c.message)).toEqual(c.want));
  }
});

describe('LiveChanges', () => {
  it('tells every listener of this replica until it unsubscribes', () => {
    const live = new LiveChanges({ replica: 'a', logger: silentLogger });
    const heard: CellChange[][] = [[], []];
    const stop0 = live.subscribe((c) => heard[0]?.push(c));
    live.subscribe((c) => heard[1]?.push(c));
    expect(live.listenerCount).toBe(2);
    live.notify({ target: 't', app: 'web' });
    stop0();
    live.notify({ target: 't' });
    expect(heard).toEqual([
      [{ target: 't', app: 'web' }],
      [{ target: 't', app: 'web' }, { target: 't' }],
    ]);
    expect(live.listenerCount).toBe(1);
  });

  it('keeps telling the others when a listener throws', () => {
    const live = new LiveChanges({ replica: 'a', logger: silentLogger });
    const heard: CellChange[] = [];
    live.subscribe(() => {
      throw new Error('boom');
    });
    live.subscribe((c) => heard.push(c));
    live.notify({ target: 't' });
    expect(heard).toEqual([{ target: 't' }]);
  });

  it('names its channel after the key prefix', () => {
    expect(liveChangesChannel('gf:')).toBe('gf:live-changes');
  });
});
