/**
 * The pure side of the Git server's fixtures: checks of repository names, ref names and file
 * paths, and the `git fast-import` stream that writes one commit straight into a bare
 * repository. Unit-tested in git-server.test.ts.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import type { GitAuthor } from './git-server-api.ts';

/** Checks a repository name: '/'-separated segments of [A-Za-z0-9._-], no '.git' suffix. */
export function checkRepoName(name: string): string {
  const segments = name.split('/');
  const isValid = segments.every(
    (s) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s) && !s.endsWith('.git') && !s.includes('..'),
  );
  if (!isValid || name.length > 200) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `repository name ${JSON.stringify(name)} is invalid: use segments of letters, digits, '.', '_', '-' separated by '/' and no '.git' suffix`,
      { terminal: true },
    );
  }
  return name;
}

/** Checks a branch or tag name against the rules of `git check-ref-format` that matter here. */
export function checkRefName(name: string, what = 'branch'): string {
  const isValid =
    name !== '' &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    !name.endsWith('.lock') &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('@{') &&
    name !== '@' &&
    !name.split('/').some((s) => s.startsWith('.')) &&
    // eslint-disable-next-line no-control-regex
    !/[\x00-\x20\x7f~^:?*[\\]/.test(name);
  if (!isValid) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `${what} name ${JSON.stringify(name)} is invalid (see git check-ref-format)`,
      { terminal: true },
    );
  }
  return name;
}

/** Checks a file path inside a repository: relative, '/'-separated, no '.', '..' or '.git' segments. */
export function checkRepoPath(p: string): string {
  const isValid =
    p !== '' &&
    !p.includes('\0') &&
    !p.includes('\n') &&
    p.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && s.toLowerCase() !== '.git');
  if (!isValid) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `file path ${JSON.stringify(p)} is invalid: use a relative '/'-separated path without '.', '..' or '.git' segments`,
      { terminal: true },
    );
  }
  return p;
}

export interface FastImportCommit {
  /** Full ref name, e.g. refs/heads/main. */
  readonly ref: string;
  /** Commit to build on; undefined makes a root commit. */
  readonly parent: string | undefined;
  readonly files: Readonly<Record<string, string | Uint8Array | null>>;
  readonly message: string;
  readonly author: GitAuthor;
  readonly date: Date;
}

/**
 * The `git fast-import` stream for one commit (mark :1), followed by `get-mark :1` so that
 * fast-import prints the new commit's SHA. Paths are C-quoted; contents are counted in bytes.
 */
export function fastImportScript(c: FastImportCommit): Buffer {
  const ident = `${checkIdent(c.author.name)} <${checkIdent(c.author.email)}> ${Math.floor(c.date.getTime() / 1000)} +0000`;
  const parts: Buffer[] = [];
  const line = (s: string): void => {
    parts.push(Buffer.from(`${s}\n`, 'utf8'));
  };
  const data = (content: string | Uint8Array): void => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    line(`data ${bytes.length}`);
    parts.push(bytes, Buffer.from('\n'));
  };
  line(`commit ${c.ref}`);
  line('mark :1');
  line(`author ${ident}`);
  line(`committer ${ident}`);
  data(c.message.endsWith('\n') ? c.message : `${c.message}\n`);
  if (c.parent !== undefined) line(`from ${c.parent}`);
  for (const [p, content] of Object.entries(c.files)) {
    const quoted = quotePath(checkRepoPath(p));
    if (content === null) {
      line(`D ${quoted}`);
    } else {
      line(`M 100644 inline ${quoted}`);
      data(content);
    }
  }
  line('');
  line('get-mark :1');
  return Buffer.concat(parts);
}

function quotePath(p: string): string {
  return `"${p.replace(/[\\"]/g, (ch) => `\\${ch}`).replace(/\t/g, '\\t')}"`;
}

function checkIdent(s: string): string {
  if (s === '' || /[<>\n\0]/.test(s)) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `author ${JSON.stringify(s)} is invalid: no '<', '>' or newlines`,
      { terminal: true },
    );
  }
  return s;
}

/** Checks that git printed a commit SHA (40 or 64 hex digits). */
export function checkSha(sha: string, what: string): string {
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha)) {
    throw new GitfleetError(
      ErrorCode.ProcessFailed,
      `${what}: expected a commit SHA, got ${JSON.stringify(sha.slice(0, 80))}`,
    );
  }
  return sha;
}
