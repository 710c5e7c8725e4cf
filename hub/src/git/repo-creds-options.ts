/**
 * The repository credentials option (part of the flag table HUB_FLAGS in ../config.ts):
 * `--repo-creds-file`, a YAML list of URL prefixes and the files holding their secrets
 * (../core/git-creds/parse.ts). At start the list is read and checked, and every secret file must
 * be readable and non-empty; every problem is reported together, with its line. While the hub
 * runs, each secret file is read again at every fetch that needs it (./repo-creds.ts); a change
 * to the list itself takes a restart.
 */
import path from 'node:path';
import { option } from '@gitfleet/proto';
import type { ConfigValue, ParseContext } from '@gitfleet/proto';
import { parseRepoCreds } from '../core/git-creds/index.ts';
import type { RepoCredsEntry } from '../core/git-creds/index.ts';

export interface RepoCredsFile {
  /** Absolute path of the credentials file. */
  readonly file: string;
  readonly entries: readonly RepoCredsEntry[];
}

export const REPO_CREDS_FLAGS = {
  repoCredsFile: option({
    flag: 'repo-creds-file',
    env: 'GITFLEET_REPO_CREDS_FILE',
    arg: 'PATH',
    description:
      'YAML list of repository credentials by URL prefix (urlPrefix, username, tokenFile or passwordFile), for every repository the hub fetches; the longest matching prefix wins (docs/sources.md)',
    defaultText: 'none (only the fleet repository has a token)',
    parse: readRepoCredsFile,
  }),
};

export function readRepoCredsFile(raw: ConfigValue, ctx: ParseContext): RepoCredsFile | undefined {
  const file = path.resolve(raw.value);
  let text: string;
  try {
    text = ctx.readFile(file);
  } catch (err) {
    ctx.problem(
      `${raw.from}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
  const parsed = parseRepoCreds(text, file);
  parsed.problems.forEach((p) => ctx.problem(`${raw.from}: ${p}`));
  const entries = resolveSecretFiles(parsed.entries, file);
  for (const e of entries) {
    let secret: string;
    try {
      secret = ctx.readFile(e.secretFile);
    } catch (err) {
      const code = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
      ctx.problem(
        `${raw.from}: ${e.source}: ${e.secretKey} ${e.secretFile} cannot be read (${code})`,
      );
      continue;
    }
    if (secret.trim() === '')
      ctx.problem(`${raw.from}: ${e.source}: ${e.secretKey} ${e.secretFile} is empty`);
  }
  return parsed.problems.length > 0 ? undefined : { file, entries };
}

/** The entries with their secret files made absolute (relative ones: next to `file`). */
export function resolveSecretFiles(
  entries: readonly RepoCredsEntry[],
  file: string,
): RepoCredsEntry[] {
  return entries.map((e) => ({ ...e, secretFile: path.resolve(path.dirname(file), e.secretFile) }));
}
