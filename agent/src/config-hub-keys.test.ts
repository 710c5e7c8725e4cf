import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, type ParseContext } from '@gitfleet/proto';
import { AGENT_FLAGS } from './config.ts';

const pub = (): { pem: string; keyId: string } => {
  const { publicKey } = generateKeyPairSync('ed25519');
  return {
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: keyIdOf(publicKey),
  };
};
const a = pub();
const b = pub();
const c = pub();
const files: Record<string, string> = {
  '/k/hub.pub': a.pem,
  '/k/rotation.pub': `${b.pem}\n${c.pem}`,
  '/k/private.pem': generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString(),
};

function parse(value: string): { keys?: string[]; problems: string[] } {
  const problems: string[] = [];
  const ctx: ParseContext = {
    problem: (m) => problems.push(m),
    flag: 'hub-public-key-file',
    readFile: (p) => {
      const v = files[p];
      if (v === undefined) throw new Error(`ENOENT: ${p}`);
      return v;
    },
  };
  const parsed = AGENT_FLAGS.hubPublicKeyFile.parse({ value, from: '--hub-public-key-file' }, ctx);
  return { ...(parsed === undefined ? {} : { keys: [...parsed.keys.keys()].sort() }), problems };
}

describe('--hub-public-key-file', () => {
  it.each<[string, string, string[]]>([
    ['one file, one key', '/k/hub.pub', [a.keyId]],
    ['one file, several keys (a rotation)', '/k/rotation.pub', [b.keyId, c.keyId]],
    ['a comma list of files', '/k/hub.pub, /k/rotation.pub', [a.keyId, b.keyId, c.keyId]],
  ])('pins %s', (_name, value, keyIds) => {
    expect(parse(value)).toEqual({ keys: [...keyIds].sort(), problems: [] });
  });

  it.each<[string, string, RegExp]>([
    [
      'a missing file',
      '/k/hub.pub,/k/missing.pub',
      /--hub-public-key-file: cannot read \/k\/missing\.pub/,
    ],
    ['a file without a public key', '/k/private.pem', /\/k\/private\.pem: holds no PEM public key/],
  ])('refuses %s, naming it', (_name, value, problem) => {
    const r = parse(value);
    expect(r.keys).toBeUndefined();
    expect(r.problems.join('\n')).toMatch(problem);
    expect(r.problems.join('\n')).not.toContain('PRIVATE KEY');
  });
});
