/**
 * The flag tables of the docs, generated from the tables that also drive parsing and `--help`:
 * gitfleet-hub's (hub/src/config.ts), gitfleet-agent's (agent/src/config.ts) and the shared
 * options of the `gitfleet` CLI (hub/src/cli/options.ts). Each table sits between two marker
 * comments in its Markdown file; the text around them is left alone.
 *
 *   scripts/with-node node scripts/gen-flag-docs.ts           rewrite the tables
 *   scripts/with-node node scripts/gen-flag-docs.ts --check   exit 1 when a table is out of date
 *
 * test/src/docs/flag-docs.test.ts fails when the docs drift from the tables.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AGENT_FLAGS } from '../agent/src/config.ts';
import { optionsDocTable } from '../hub/src/cli/options-doc.ts';
import { HUB_FLAGS } from '../hub/src/config.ts';
import { configDocsTable } from '../proto/src/config-source.ts';

export interface FlagDoc {
  /** The Markdown file, from the repository's root. */
  readonly file: string;
  /** Names the marker pair. */
  readonly id: string;
  /** Where the table is declared (named in the begin marker). */
  readonly source: string;
  readonly table: () => string;
}

export const FLAG_DOCS: readonly FlagDoc[] = [
  {
    file: 'docs/hub.md',
    id: 'hub-flags',
    source: 'hub/src/config.ts',
    table: () => configDocsTable(HUB_FLAGS),
  },
  {
    file: 'docs/agent.md',
    id: 'agent-flags',
    source: 'agent/src/config.ts',
    table: () => configDocsTable(AGENT_FLAGS),
  },
  {
    file: 'docs/cli.md',
    id: 'cli-options',
    source: 'hub/src/cli/options.ts',
    table: optionsDocTable,
  },
];

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

export function beginMarker(doc: FlagDoc): string {
  return `<!-- BEGIN GENERATED ${doc.id}: from ${doc.source} by scripts/gen-flag-docs.ts; do not edit -->`;
}

export function endMarker(doc: FlagDoc): string {
  return `<!-- END GENERATED ${doc.id} -->`;
}

/**
 * The Markdown text with the table between the markers of `doc` replaced by `table`.
 *
 * @throws Error when the markers are missing, repeated or out of order
 */
export function withTable(text: string, doc: FlagDoc, table: string): string {
  const begin = beginMarker(doc);
  const end = endMarker(doc);
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (
    start === -1 ||
    stop < start ||
    text.indexOf(begin, start + 1) !== -1 ||
    text.indexOf(end, stop + 1) !== -1
  ) {
    throw new Error(
      `${doc.file}: expected one "${begin}" followed by one "${end}" around the generated table`,
    );
  }
  return `${text.slice(0, start)}${begin}\n${table}\n${text.slice(stop)}`;
}

/** Per file: its text now and the text it should have. */
export function flagDocs(
  read: (file: string) => string = (f) => readFileSync(path.join(REPO_ROOT, f), 'utf8'),
): { readonly file: string; readonly current: string; readonly wanted: string }[] {
  const texts = new Map<string, { current: string; wanted: string }>();
  for (const doc of FLAG_DOCS) {
    const entry = texts.get(doc.file) ?? { current: read(doc.file), wanted: read(doc.file) };
    entry.wanted = withTable(entry.wanted, doc, doc.table());
    texts.set(doc.file, entry);
  }
  return [...texts].map(([file, t]) => ({ file, ...t }));
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  const stale = flagDocs().filter((d) => d.current !== d.wanted);
  for (const d of stale) {
    if (check) process.stderr.write(`${d.file}: flag table out of date\n`);
    else writeFileSync(path.join(REPO_ROOT, d.file), d.wanted);
  }
  if (check && stale.length > 0) {
    process.stderr.write('run: scripts/with-node node scripts/gen-flag-docs.ts\n');
    process.exitCode = 1;
  } else if (!check) {
    process.stdout.write(
      `${stale.length === 0 ? 'up to date' : `wrote ${stale.map((d) => d.file).join(', ')}`}\n`,
    );
  }
}
