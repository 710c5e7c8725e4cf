/**
 * Every relative link of the README and the docs (README.md, docs/*.md, deploy/README.md,
 * proto/README.md) names a file of the repository, and an anchor a heading of that file (GitHub's
 * slugs: lowercase, punctuation dropped, spaces as dashes).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../fleet/paths.ts';

const DOCS = [
  'README.md',
  'deploy/README.md',
  'proto/README.md',
  ...readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's anchor of a heading. */
export function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');
}

function anchorsOf(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (m !== null) out.add(slugOf(m[1] ?? ''));
  }
  return out;
}

/** The relative links of a markdown text, outside code. */
function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l));
}

describe('links in the docs', () => {
  it.each([
    ['Overlays and patches', 'overlays-and-patches'],
    ['`gitfleet render`', 'gitfleet-render'],
    ['From a commit to the clusters', 'from-a-commit-to-the-clusters'],
    ['Limits (and what they do)', 'limits-and-what-they-do'],
  ])('slug of %j is %j', (heading, slug) => {
    expect(slugOf(heading)).toBe(slug);
  });

  it.each(DOCS)('%s links to files and headings that exist', (doc) => {
    const text = readFileSync(path.join(REPO_ROOT, doc), 'utf8');
    const broken: string[] = [];
    for (const link of linksOf(text)) {
      const [file = '', anchor] = link.split('#');
      const target =
        file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file));
      const abs = path.join(REPO_ROOT, target);
      if (!existsSync(abs)) {
        broken.push(`${link} (no ${target})`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && target.endsWith('.md')) {
        if (!anchorsOf(readFileSync(abs, 'utf8')).has(anchor))
          broken.push(`${link} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });
});
