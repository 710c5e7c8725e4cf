/**
 * The flag tables of docs/hub.md, docs/agent.md and docs/cli.md are generated from the tables
 * that drive parsing and --help (scripts/gen-flag-docs.ts): this fails when they drift apart.
 */
import { describe, expect, it } from 'vitest';
import {
  FLAG_DOCS,
  beginMarker,
  endMarker,
  flagDocs,
  withTable,
} from '../../../scripts/gen-flag-docs.ts';

describe('generated flag tables in the docs', () => {
  it.each(flagDocs())('$file matches the tables', ({ file, current, wanted }) => {
    expect(
      current,
      `${file} drifted from its flag table: run scripts/with-node node scripts/gen-flag-docs.ts`,
    ).toBe(wanted);
  });

  const doc = FLAG_DOCS[0];
  if (doc === undefined) throw new Error('no flag docs');
  const text = `intro\n\n${beginMarker(doc)}\nold table\n${endMarker(doc)}\n\nrest\n`;

  it('replaces only what is between the markers', () => {
    expect(withTable(text, doc, '| new |')).toBe(
      `intro\n\n${beginMarker(doc)}\n| new |\n${endMarker(doc)}\n\nrest\n`,
    );
  });

  it.each([
    ['no markers', 'intro\n'],
    ['no end marker', `${beginMarker(doc)}\n`],
    ['the end first', `${endMarker(doc)}\n${beginMarker(doc)}\n`],
    ['two tables', `${text}${text}`],
  ])('refuses a file with %s', (_, t) => {
    expect(() => withTable(t, doc, '| new |')).toThrow(/expected one "<!-- BEGIN GENERATED/);
  });
});
