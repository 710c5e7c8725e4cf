import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './sse.ts';

function parseAll(chunks: readonly string[]): SseEvent[] {
  const p = new SseParser();
  return chunks.flatMap((c) => p.push(c));
}

describe('SseParser', () => {
  const whole =
    'event: snapshot\nid: 1\ndata: {"items":[]}\n\n: ping\n\nevent: cell\ndata: {"a":1}\n\n';
  const expected: SseEvent[] = [
    { event: 'snapshot', id: '1', data: '{"items":[]}' },
    { event: 'cell', id: '1', data: '{"a":1}' },
  ];

  it.each([
    ['one chunk', [whole]],
    ['a character at a time', [...whole]],
    [
      'cut inside a field name',
      [
        'event: snap',
        'shot\nid: 1\nda',
        'ta: {"items":[]}\n',
        '\n: ping\n\nevent: cell\ndata: {"a":1}\n\n',
      ],
    ],
    ['CRLF line ends', [whole.replaceAll('\n', '\r\n')]],
    [
      'CRLF cut between CR and LF',
      whole
        .replaceAll('\n', '\r\n')
        .split('\n')
        .map((s, i, a) => (i < a.length - 1 ? `${s}\n` : s)),
    ],
    ['CR line ends', [whole.replaceAll('\n', '\r')]],
  ])('parses events given %s', (_name, chunks) => {
    expect(parseAll(chunks)).toEqual(expected);
  });

  it.each<[string, string, SseEvent[]]>([
    ['joins data lines with LF', 'data: a\ndata: b\n\n', [{ event: 'message', data: 'a\nb' }]],
    [
      'keeps a value without its one leading space only',
      'data:  x\n\n',
      [{ event: 'message', data: ' x' }],
    ],
    [
      'takes a field without colon as empty',
      'data\ndata: y\n\n',
      [{ event: 'message', data: '\ny' }],
    ],
    ['dispatches nothing without data', 'event: reset\n\n', []],
    [
      'ignores comments and unknown fields',
      ': hi\nretry: 5\nfoo: bar\ndata: z\n\n',
      [{ event: 'message', data: 'z' }],
    ],
    ['holds an event until its blank line', 'event: cell\ndata: {}\n', []],
    [
      'resets the event name per event',
      'event: a\ndata: 1\n\ndata: 2\n\n',
      [
        { event: 'a', data: '1' },
        { event: 'message', data: '2' },
      ],
    ],
  ])('%s', (_name, text, want) => {
    expect(parseAll([text])).toEqual(want);
  });

  it('reads a long line arriving in many chunks', () => {
    const data = 'x'.repeat(200_000);
    const text = `event: snapshot\ndata: ${data}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 1000) chunks.push(text.slice(i, i + 1000));
    expect(parseAll(chunks)).toEqual([{ event: 'snapshot', data }]);
  });
});
