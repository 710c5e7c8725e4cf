/**
 * API tokens of a test hub: one random token per scope (read, operate, admin), written as the
 * hub's --api-tokens-file (names and SHA-256 digests only), and the header that sends one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ApiTokens {
  /** The tokens file: pass it as `--api-tokens-file`. */
  readonly file: string;
  readonly read: string;
  readonly operate: string;
  readonly admin: string;
  /** The name of each token (the identity the hub records). */
  readonly names: { readonly read: string; readonly operate: string; readonly admin: string };
}

export type ApiScope = 'read' | 'operate' | 'admin';

const sha256 = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Writes `<dir>/<fileName>` with a fresh token per scope, named after the scope unless `names`
 * says otherwise.
 */
export async function writeApiTokens(
  dir: string,
  names: Partial<Record<ApiScope, string>> = {},
  fileName = 'api-tokens',
): Promise<ApiTokens> {
  const scopes: readonly ApiScope[] = ['read', 'operate', 'admin'];
  const tokens = Object.fromEntries(
    scopes.map((s) => [s, `gf-${s}-${randomBytes(24).toString('hex')}`]),
  ) as Record<ApiScope, string>;
  const named = Object.fromEntries(scopes.map((s) => [s, names[s] ?? s])) as Record<
    ApiScope,
    string
  >;
  const file = path.join(dir, fileName);
  const lines = scopes.map((s) => `${named[s]} ${s} ${sha256(tokens[s])}`);
  await writeFile(file, `# name scope sha256\n${lines.join('\n')}\n`, { mode: 0o600 });
  return { file, ...tokens, names: named };
}

/** `{ authorization: 'Bearer <token>' }`, for fetch. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
