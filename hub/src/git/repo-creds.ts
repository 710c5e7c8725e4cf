/**
 * Repository credentials for every fetch: the entries of `--repo-creds-file` and the fleet
 * repository's `--fleet-token-file`, matched by URL (../core/git-creds). The secret of a file
 * entry is read from its file at every fetch that needs it, so a rotated token is used at the
 * next fetch without a restart; an unreadable or empty file fails that fetch (GIT_AUTH_FAILED
 * naming the entry and the file, never its content).
 *
 * Every secret read is remembered by KnownSecrets, which scrubs it (and the Basic header value
 * made of it) from error messages and log lines (./scrubbing-logger.ts).
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import {
  DEFAULT_CREDS_USERNAME,
  matchCreds,
  normaliseRepoForCreds,
} from '../core/git-creds/index.ts';
import type { CredsPrefix, RepoCredsEntry } from '../core/git-creds/index.ts';
import { redactUrl, scrubSecrets } from './repo-url.ts';

/** Credentials chosen for one fetch. */
export interface RepoCredential {
  /** Undefined: the URL's username, else x-access-token. */
  readonly username?: string;
  readonly password: string;
  /** Which entry gave them, for messages (never the secret); undefined: the request's own. */
  readonly entry?: string;
}

/** Where the Git source gets the credentials of a repository URL (without userinfo). */
export interface CredentialSource {
  /**
   * The credentials for `url`, or undefined when no entry matches. Rejects with GIT_AUTH_FAILED
   * when the matching entry's secret cannot be read.
   */
  forUrl(url: string): Promise<RepoCredential | undefined>;
  /** The secrets seen so far: kept out of every message and log line. */
  readonly known: KnownSecrets;
}

/** Most secrets remembered for scrubbing (rotations add new ones; the oldest go first). */
const MAX_KNOWN_SECRETS = 256;

/** Secret texts seen by this process, scrubbed from messages and logs. */
export class KnownSecrets {
  readonly #values = new Set<string>();

  /** Remembers a secret, and the HTTP Basic value it makes with `username`. */
  add(secret: string, username = DEFAULT_CREDS_USERNAME): void {
    for (const v of [secret, Buffer.from(`${username}:${secret}`).toString('base64')]) {
      this.#values.delete(v);
      this.#values.add(v);
    }
    while (this.#values.size > MAX_KNOWN_SECRETS) {
      const oldest = this.#values.values().next().value;
      if (oldest === undefined) break;
      this.#values.delete(oldest);
    }
  }

  list(): readonly string[] {
    return [...this.#values];
  }

  get size(): number {
    return this.#values.size;
  }

  scrub(text: string): string {
    return this.#values.size === 0 ? text : scrubSecrets(text, this.list());
  }
}

interface Entry extends CredsPrefix {
  readonly username?: string;
  readonly entry: string;
  readonly secret: () => Promise<string>;
}

export interface RepoCredentialsInput {
  /** The entries of `--repo-creds-file`. */
  readonly entries?: readonly RepoCredsEntry[];
  /** The fleet repository and its token (`--fleet-token-file`), an entry for that one URL. */
  readonly fleet?: { readonly url: string; readonly token: string; readonly username?: string };
}

export class RepoCredentials implements CredentialSource {
  readonly known: KnownSecrets;
  readonly #entries: readonly Entry[];
  readonly #read: (file: string) => Promise<string>;

  constructor(
    input: RepoCredentialsInput,
    deps: {
      readonly known?: KnownSecrets;
      readonly readFile?: (file: string) => Promise<string>;
    } = {},
  ) {
    this.known = deps.known ?? new KnownSecrets();
    this.#read = deps.readFile ?? ((file) => readFile(file, 'utf8'));
    const entries: Entry[] = (input.entries ?? []).map((e) => ({
      prefix: e.prefix,
      isPrefix: e.isPrefix,
      ...(e.username === undefined ? {} : { username: e.username }),
      entry: `the repository credentials for ${e.prefix} (${e.source})`,
      secret: () => this.#secretOf(e),
    }));
    const fleet = input.fleet;
    if (fleet !== undefined) {
      // the URL's own username (user@) stays the username; the URL is matched without it
      const n = normaliseRepoForCreds(redactUrl(fleet.url));
      // a local fleet repository takes no credentials; the configuration refuses plain http
      if (!('problem' in n)) {
        this.known.add(fleet.token, fleet.username);
        const token = fleet.token;
        // first: for its own URL, --fleet-token-file goes before an entry of the file
        entries.unshift({
          prefix: n.url,
          isPrefix: false,
          ...(fleet.username === undefined ? {} : { username: fleet.username }),
          entry: 'the fleet repository token (--fleet-token-file)',
          secret: () => Promise.resolve(token),
        });
      }
    }
    this.#entries = entries;
  }

  async forUrl(url: string): Promise<RepoCredential | undefined> {
    const e = matchCreds(this.#entries, url);
    if (e === undefined) return undefined;
    const password = await e.secret();
    this.known.add(password, e.username);
    return {
      password,
      entry: e.entry,
      ...(e.username === undefined ? {} : { username: e.username }),
    };
  }

  async #secretOf(e: RepoCredsEntry): Promise<string> {
    let text: string;
    try {
      text = await this.#read(e.secretFile);
    } catch (err) {
      const why = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
      throw secretUnusable(e, `cannot be read (${why})`);
    }
    const secret = text.trim();
    if (secret === '') throw secretUnusable(e, 'is empty');
    return secret;
  }
}

function secretUnusable(e: RepoCredsEntry, what: string): GitfleetError {
  return new GitfleetError(
    ErrorCode.GitAuthFailed,
    `repository credentials for ${e.prefix} (${e.source}): ${e.secretKey} ${e.secretFile} ${what}; repositories under this prefix are not fetched until it holds the secret; the last fetched commits stay in use`,
    { terminal: true, details: { urlPrefix: e.prefix, entry: e.source } },
  );
}
