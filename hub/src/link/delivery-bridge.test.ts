import { describe, expect, it } from 'vitest';
import { outcomeOf, type LinkDelivery } from './delivery-bridge.ts';
import { parseNudge } from './delivery-nudges.ts';

describe('outcomeOf', () => {
  it.each<[LinkDelivery, string]>([
    ['sent', 'sent'],
    ['queued', 'sent'],
    ['no-session', 'not-here'],
    ['nothing-pending', 'nothing'],
    ['refused', 'nothing'],
  ])('%s → %s', (result, outcome) => {
    expect(outcomeOf(result)).toBe(outcome);
  });
});

describe('parseNudge', () => {
  const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  it.each<[string, string, ReturnType<typeof parseNudge>]>([
    ['a nudge', JSON.stringify({ target: 'edge-1', app: 'web' }), { target: 'edge-1', app: 'web' }],
    [
      'a nudge with its trace',
      JSON.stringify({ target: 'edge-1', app: 'web', trace }),
      { target: 'edge-1', app: 'web', trace },
    ],
    ['not JSON', 'edge-1/web', undefined],
    ['null', 'null', undefined],
    ['an array', '["edge-1","web"]', undefined],
    ['no app', JSON.stringify({ target: 'edge-1' }), undefined],
    ['a number for a target', JSON.stringify({ target: 1, app: 'web' }), undefined],
    [
      'a trace that is not strings',
      JSON.stringify({ target: 'a', app: 'b', trace: { x: 1 } }),
      undefined,
    ],
  ])('%s', (_name, message, nudge) => {
    expect(parseNudge(message)).toEqual(nudge);
  });
});
