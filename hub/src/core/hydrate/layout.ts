/**
 * The files of one application's rendered manifests in Git (`spec.hydrateTo`): what the hub
 * writes under the application's hydration path, from the desired state of each of its targets.
 *
 *   <path>/README.md                          which source commit(s) each environment renders
 *   <path>/<environment>/manifest.yaml        every target of the environment renders the same
 *   <path>/<environment>/<target>/manifest.yaml   otherwise, one per target
 *   <path>/_targets/<target>/manifest.yaml    targets in no environment
 *
 * A manifest is multi-document YAML: the objects in canonical order (group, kind, namespace,
 * name), every mapping's keys sorted, no line folding, no aliases, strings YAML 1.1 would read as
 * something else quoted (kubectl reads YAML 1.1). The same desired state always gives the same
 * bytes, so the same tree, so the same commit. Pure.
 */
import { compareIdentity, identityOf } from '@gitfleet/proto/domain';
import type { KubeObject } from '@gitfleet/proto/domain';
import { isScalar, stringify } from 'yaml';
import type { Pair } from 'yaml';

/** Directory of the targets that belong to no environment (no DNS label starts with `_`). */
export const NO_ENVIRONMENT_DIR = '_targets';
export const MANIFEST_FILE = 'manifest.yaml';
export const README_FILE = 'README.md';

/** The desired state of one target of the application. */
export interface HydrateTarget {
  readonly target: string;
  /** The target's environment; absent: in none. */
  readonly environment?: string;
  /** The source commit the objects were rendered from. */
  readonly revision: string;
  readonly objects: readonly KubeObject[];
}

/** One environment (or the targets in none) and what it renders. */
export interface HydrateGroup {
  /** The environment's name, or {@link NO_ENVIRONMENT_DIR}. */
  readonly name: string;
  /** Source commits its targets render, sorted, without duplicates. */
  readonly revisions: readonly string[];
  readonly targets: readonly string[];
  /** Repository-relative manifest files written for it, sorted. */
  readonly files: readonly string[];
}

export interface HydrateLayout {
  /** Repository-relative path → text, every file under `path` (README included). */
  readonly files: ReadonlyMap<string, string>;
  /** By name; {@link NO_ENVIRONMENT_DIR} last. */
  readonly groups: readonly HydrateGroup[];
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** The objects as multi-document YAML, canonical order and keys ('' for none). */
export function manifestYaml(objects: readonly KubeObject[]): string {
  const sorted = [...objects].sort((a, b) => compareIdentity(identityOf(a), identityOf(b)));
  return sorted
    .map((obj) =>
      stringify(obj, {
        version: '1.1',
        sortMapEntries: (a, b) => compareStrings(keyOf(a), keyOf(b)),
        lineWidth: 0,
        aliasDuplicateObjects: false,
      }),
    )
    .map((doc, i) => (i === 0 ? doc : `---\n${doc}`))
    .join('');
}

const join = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');

/**
 * The files of `app` under `path` (normalised, not the root) for its targets' desired state.
 * Targets are grouped by environment; a group whose targets all render the same bytes gets one
 * manifest.
 */
export function hydrateLayout(
  app: string,
  path: string,
  targets: readonly HydrateTarget[],
): HydrateLayout {
  const byGroup = new Map<string, HydrateTarget[]>();
  for (const t of targets) {
    const name = t.environment ?? NO_ENVIRONMENT_DIR;
    const list = byGroup.get(name) ?? [];
    list.push(t);
    byGroup.set(name, list);
  }
  const names = [...byGroup.keys()].sort((a, b) =>
    a === NO_ENVIRONMENT_DIR ? 1 : b === NO_ENVIRONMENT_DIR ? -1 : compareStrings(a, b),
  );
  const files = new Map<string, string>();
  const groups: HydrateGroup[] = [];
  for (const name of names) {
    const members = [...(byGroup.get(name) ?? [])].sort((a, b) =>
      compareStrings(a.target, b.target),
    );
    const texts = members.map((m) => manifestYaml(m.objects));
    const first = texts[0];
    const shared =
      name !== NO_ENVIRONMENT_DIR && first !== undefined && texts.every((t) => t === first);
    const written: string[] = [];
    if (shared) {
      const file = join(path, name, MANIFEST_FILE);
      files.set(file, first);
      written.push(file);
    } else {
      members.forEach((m, i) => {
        const file = join(path, name, m.target, MANIFEST_FILE);
        files.set(file, texts[i] ?? '');
        written.push(file);
      });
    }
    groups.push({
      name,
      revisions: [...new Set(members.map((m) => m.revision))].sort(compareStrings),
      targets: members.map((m) => m.target),
      files: written,
    });
  }
  files.set(join(path, README_FILE), readme(app, path, groups));
  return { files: new Map([...files].sort(([a], [b]) => compareStrings(a, b))), groups };
}

function readme(app: string, path: string, groups: readonly HydrateGroup[]): string {
  const rel = (file: string): string => file.slice(path.length + 1);
  const rows = groups.map(
    (g) =>
      `| ${g.name === NO_ENVIRONMENT_DIR ? '(no environment)' : g.name} | ${g.revisions.map((r) => `\`${r}\``).join(', ')} | ${g.targets.join(', ')} | ${g.files.map((f) => `\`${rel(f)}\``).join(', ')} |`,
  );
  return [
    `# Rendered manifests of ${app}`,
    '',
    `What gitfleet applies for the application \`${app}\`, rendered from the source commits below.`,
    'Written by the gitfleet hub: every file in this directory is replaced at each change, so do',
    'not edit them here; change the application source or the fleet instead.',
    '',
    '| Environment | Source commit(s) | Targets | Manifests |',
    '| --- | --- | --- | --- |',
    ...(rows.length === 0 ? ['| (none) | | | |'] : rows),
    '',
  ].join('\n');
}
