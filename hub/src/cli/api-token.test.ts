import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiToken, environmentApiToken, requireApiToken } from './api-token.ts';
import { commandSpec } from './command-table.ts';
import { parseCommand } from './parse.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gitfleet-api-token-'));
const FLAG_FILE = path.join(dir, 'flag.token');
const ENV_FILE = path.join(dir, 'env.token');
const EMPTY = path.join(dir, 'empty.token');
writeFileSync(FLAG_FILE, 'from-the-flag-file\n');
writeFileSync(ENV_FILE, 'from-the-env-file\n');
writeFileSync(EMPTY, '\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctx(argv: string[], env: Record<string, string>) {
  const spec = commandSpec('status');
  if (spec === undefined) throw new Error('no status command');
  return { cmd: parseCommand(spec, argv, env), env };
}

describe('apiToken', () => {
  it.each<{ name: string; argv: string[]; env: Record<string, string>; want: string | undefined }>([
    { name: 'none', argv: [], env: {}, want: undefined },
    {
      name: 'the flag wins over the variables',
      argv: ['--api-token-file', FLAG_FILE],
      env: { GITFLEET_API_TOKEN: 'from-the-env', GITFLEET_API_TOKEN_FILE: ENV_FILE },
      want: 'from-the-flag-file',
    },
    {
      name: 'GITFLEET_API_TOKEN wins over GITFLEET_API_TOKEN_FILE',
      argv: [],
      env: { GITFLEET_API_TOKEN: ' from-the-env ', GITFLEET_API_TOKEN_FILE: ENV_FILE },
      want: 'from-the-env',
    },
    {
      name: 'GITFLEET_API_TOKEN_FILE alone',
      argv: [],
      env: { GITFLEET_API_TOKEN_FILE: ENV_FILE },
      want: 'from-the-env-file',
    },
  ])('$name', ({ argv, env, want }) => {
    expect(apiToken(ctx(argv, env))).toBe(want);
    expect(environmentApiToken(env)).toBe(argv.length === 0 ? want : 'from-the-env');
  });

  it.each<{ argv: string[]; env: Record<string, string>; message: string }>([
    {
      argv: ['--api-token-file', path.join(dir, 'nope')],
      env: {},
      message: `--api-token-file: cannot read ${path.join(dir, 'nope')}`,
    },
    {
      argv: [],
      env: { GITFLEET_API_TOKEN_FILE: EMPTY },
      message: `GITFLEET_API_TOKEN_FILE: ${EMPTY} is empty`,
    },
  ])('refuses a token file that cannot be used: $message', ({ argv, env, message }) => {
    expect(() => apiToken(ctx(argv, env))).toThrow(message);
    expect(environmentApiToken(env)).toBeUndefined();
  });

  it('a command that changes state needs one', () => {
    expect(() => requireApiToken(ctx([], {}))).toThrow(
      'which API token? set --api-token-file (or GITFLEET_API_TOKEN_FILE), or GITFLEET_API_TOKEN',
    );
    expect(requireApiToken(ctx([], { GITFLEET_API_TOKEN: 't' }))).toBe('t');
  });
});
