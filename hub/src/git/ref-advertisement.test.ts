import { describe, expect, it } from 'vitest';
import { ensureHead } from './ref-advertisement.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function pkt(text: string): string {
  return `${(Buffer.byteLength(text) + 4).toString(16).padStart(4, '0')}${text}`;
}

/** A v0/v1 upload-pack advertisement as git http-backend writes it. */
function advertisement(
  refs: readonly [string, string][],
  caps = 'multi_ack side-band-64k',
): Buffer {
  const lines = refs.map(([oid, name], i) =>
    pkt(i === 0 ? `${oid} ${name}\0${caps}\n` : `${oid} ${name}\n`),
  );
  return Buffer.from(`${pkt('# service=git-upload-pack\n')}0000${lines.join('')}0000`);
}

/** The (oid, name) pairs of an advertisement, as isomorphic-git reads them. */
function refsOf(body: Uint8Array): [string, string][] {
  const text = Buffer.from(body).toString('latin1');
  const out: [string, string][] = [];
  let at = 0;
  while (at < text.length) {
    const len = Number.parseInt(text.slice(at, at + 4), 16);
    if (len < 4) {
      at += 4;
      continue;
    }
    const line =
      text
        .slice(at + 4, at + len)
        .split('\0')[0]
        ?.trim() ?? '';
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.push([m[1], m[2]]);
    at += len;
  }
  return out;
}

describe('ensureHead', () => {
  it('leaves an advertisement with HEAD as it is', () => {
    const body = advertisement([
      [A, 'HEAD'],
      [A, 'refs/heads/main'],
    ]);
    const out = ensureHead(body, 'main');
    expect(out.injected).toBeUndefined();
    expect(out.body).toBe(body);
  });

  it('adds HEAD at the branch asked for, after the line that carries the capabilities', () => {
    const body = advertisement([
      [A, 'refs/heads/feature'],
      [B, 'refs/heads/main'],
      [C, 'refs/tags/v1'],
    ]);
    const out = ensureHead(body, 'main');
    expect(out.injected).toBe('refs/heads/main');
    expect(refsOf(out.body)).toEqual([
      [A, 'refs/heads/feature'],
      [B, 'refs/heads/main'],
      [C, 'refs/tags/v1'],
      [B, 'HEAD'],
    ]);
    const text = Buffer.from(out.body).toString('latin1');
    expect(text.endsWith(`${pkt(`${B} HEAD\n`)}0000`)).toBe(true);
    expect(text.indexOf('\0multi_ack')).toBeLessThan(text.indexOf(' HEAD'));
  });

  it.each<[string, [string, string][], string | undefined, string]>([
    [
      'the first branch when the asked one is missing',
      [
        [C, 'refs/tags/v1'],
        [A, 'refs/heads/dev'],
        [B, 'refs/heads/main'],
      ],
      'nope',
      'refs/heads/dev',
    ],
    [
      'the first branch without a preference',
      [
        [A, 'refs/heads/dev'],
        [B, 'refs/heads/main'],
      ],
      undefined,
      'refs/heads/dev',
    ],
    [
      'a full ref name',
      [
        [A, 'refs/heads/dev'],
        [B, 'refs/heads/main'],
      ],
      'refs/heads/main',
      'refs/heads/main',
    ],
    [
      'a tag when there is no branch',
      [
        [A, 'refs/tags/v1'],
        [B, 'refs/tags/v1^{}'],
      ],
      'main',
      'refs/tags/v1',
    ],
  ])('picks %s', (_name, refs, preferred, expected) => {
    expect(ensureHead(advertisement(refs), preferred).injected).toBe(expected);
  });

  it.each<[string, Buffer]>([
    [
      'an empty repository',
      Buffer.from(
        `${pkt('# service=git-upload-pack\n')}0000${pkt(`${'0'.repeat(40)} capabilities^{}\0multi_ack\n`)}0000`,
      ),
    ],
    [
      'a protocol v2 answer',
      Buffer.from(
        `${pkt('# service=git-upload-pack\n')}0000${pkt('version 2\n')}${pkt('ls-refs\n')}0000`,
      ),
    ],
    ['something that is not pkt-lines', Buffer.from('<html>not git</html>')],
    ['a truncated line', Buffer.from(`${pkt('# service=git-upload-pack\n')}0000005f${A}`)],
  ])('leaves %s alone', (_name, body) => {
    const out = ensureHead(body, 'main');
    expect(out.injected).toBeUndefined();
    expect(out.body).toBe(body);
  });
});
