/**
 * The commit message of a change of one Environment (a pin, unpin, promotion, freeze or thaw),
 * the same whoever makes it — the CLI or the hub: the subject (with the first line of the
 * reason), the whole reason when it has several lines, and trailers saying which pin it replaced,
 * which Environment and file it changed, and what made the change.
 */

export interface CommitAuthor {
  readonly name: string;
  readonly email: string;
}

/**
 * The Git author of a change made for an API identity (a token's name, `oidc:<user>`): the name
 * without what a commit header cannot hold (`<`, `>`, control characters), and a placeholder
 * address made of it, as `gitfleet` makes one for a bare `--author` name.
 *
 * @example commitAuthorOf('Alice Example') // { name: 'Alice Example', email: 'alice.example@gitfleet.invalid' }
 */
export function commitAuthorOf(identity: string): CommitAuthor {
  const kept = [...identity].filter((c) => {
    const code = c.charCodeAt(0);
    return c !== '<' && c !== '>' && code >= 0x20 && code !== 0x7f;
  });
  const name = kept.join('').trim().slice(0, 200);
  const shown = name === '' ? 'gitfleet-api' : name;
  const local = shown
    .toLowerCase()
    .replace(/\s+/g, '.')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '');
  return { name: shown, email: `${local === '' ? 'gitfleet-api' : local}@gitfleet.invalid` };
}

export interface EnvironmentCommit {
  /** What changed, e.g. `pin web to v1.2.0 in prod`. */
  readonly subject: string;
  readonly reason?: string;
  /** Pin edits only: the pin the change replaced or removed (undefined: there was none). */
  readonly pin?: { readonly previous: string | undefined };
  readonly environment: string;
  /** The file changed. */
  readonly file: string;
  /** The last trailer: what made the change (`Gitfleet-Command: gitfleet pin …`). */
  readonly via: { readonly key: string; readonly value: string };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** The message, lines joined with `\n` (no final newline). */
export function environmentCommitMessage(c: EnvironmentCommit): string {
  const subject = c.reason === undefined ? c.subject : `${c.subject}: ${firstLine(c.reason)}`;
  return [
    subject,
    // a reason of several lines: the first is in the subject, all of it here
    ...(c.reason?.includes('\n') === true ? ['', c.reason] : []),
    '',
    ...(c.pin === undefined ? [] : [`Previous-Pin: ${c.pin.previous ?? '(none)'}`]),
    `Environment: ${c.environment} (${c.file})`,
    `${c.via.key}: ${c.via.value}`,
  ].join('\n');
}
