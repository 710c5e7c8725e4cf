/**
 * The dependencies of a chart, decided before helm runs: each `dependencies` entry of Chart.yaml
 * is vendored (an unpacked `charts/<name>/` holding a Chart.yaml: used as is), fetched by the hub
 * from an http(s) chart repository, or refused at its Chart.yaml line saying what to do (an
 * `oci://` registry, a repository named by `@alias`, a `file://` chart not vendored, no
 * repository, no version, a constraint helm's syntax cannot be read as). A Chart.lock beside it
 * pins exact versions, which win over the constraints.
 *
 * Also what a chart repository says: its index.yaml (loaded from YAML by the adapter) read into
 * versions per chart (bounded; a bad shape is a problem naming where), the highest version satisfying the constraint chosen
 * (helm's constraint syntax — Masterminds semver: a comma means AND — read by the `semver`
 * package once the commas are spaces), and the archive's URL resolved against the repository's.
 * Pure.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import semver from 'semver';
import { problem } from './problems.ts';
import type { RenderProblem } from './problems.ts';

/** A dependency the hub fetches from an http(s) chart repository. */
export interface RemoteDependency {
  /** The chart's name (its archive's Chart.yaml `name`). */
  readonly name: string;
  readonly alias?: string;
  /** The version constraint as written in Chart.yaml. */
  readonly constraint: string;
  /** The chart repository's URL, without a trailing '/'. */
  readonly repository: string;
  /** The exact version Chart.lock pins, if it names this dependency. */
  readonly locked?: string;
  /** Chart.yaml's repository path. */
  readonly file: string;
  /** The line of the dependency's `name`. */
  readonly line?: number;
}

export interface ChartPlan {
  /** Names of the dependencies vendored under charts/. */
  readonly vendored: readonly string[];
  readonly remote: readonly RemoteDependency[];
  readonly problems: readonly RenderProblem[];
}

/** Most charts a dependency's problem lists (versions, names). */
const LISTED = 10;
/** Names a chart's archive file may be made of. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const lineOf = (node: Node | null | undefined, lines: LineCounter): number | undefined =>
  node?.range == null ? undefined : lines.linePos(node.range[0]).line;

function located(file: string, line: number | undefined): { file: string; line?: number } {
  return line === undefined ? { file } : { file, line };
}

function stringField(map: YAMLMap, key: string): { value?: string; node?: Node } {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined || node === null) return {};
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
    return { value: String(node.value).trim(), node };
  }
  return { node };
}

/**
 * The semver range of a helm version constraint (commas are AND, `||` is OR), or why it is not
 * one helm and the hub read alike.
 */
export function helmConstraint(text: string): { range: string } | { problem: string } {
  if (text.includes('!=')) {
    return {
      problem: `"!=" is not supported; exclude the version with a range (">1.2.3 || <1.2.3")`,
    };
  }
  const range = semver.validRange(text.replaceAll(',', ' '));
  if (range === null) {
    return {
      problem: `is not a version constraint; write an exact version (1.2.3) or a range ("^1.2.0", "~1.2", ">=1.2.0, <2.0.0")`,
    };
  }
  return { range };
}

/**
 * Why the dependency `name` (not vendored) at `repository` is not fetched, or undefined for an
 * http(s) chart repository.
 */
function repositoryProblem(repository: string, name: string): string | undefined {
  const notVendored = `is not vendored under charts/${name}/ and`;
  const vendor = `or vendor it: run \`helm dependency build\` and commit it unpacked under charts/${name}/`;
  if (repository === '') {
    return `${notVendored} names no repository; give its https:// chart repository, ${vendor}`;
  }
  if (repository.startsWith('@') || /^alias:/i.test(repository)) {
    return `${notVendored} names its repository by alias (${repository}), which only a local \`helm repo add\` knows; write the chart repository's https:// URL, ${vendor}`;
  }
  if (/^oci:\/\//i.test(repository)) {
    return `${notVendored} is in an OCI registry (${repository}), which the hub does not fetch from; use an https:// chart repository, ${vendor}`;
  }
  if (/^file:\/\//i.test(repository)) {
    return `${notVendored} is a local chart (${repository}); run \`helm dependency build\` and commit it unpacked under charts/${name}/`;
  }
  let url: URL;
  try {
    url = new URL(repository);
  } catch {
    return `${notVendored} its repository ${JSON.stringify(repository)} is not a URL; write the chart repository's https:// URL, ${vendor}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `${notVendored} its repository ${repository} is not http(s), the only chart repositories fetched; use one, ${vendor}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'has credentials in its repository URL; remove them and give them to the hub (--repo-creds-file, docs/sources.md)';
  }
  if (url.search !== '' || url.hash !== '') {
    return `has a query or fragment in its repository URL (${repository}); remove it`;
  }
  return undefined;
}

interface Locked {
  readonly version: string;
  readonly line?: number;
}

/** Chart.lock's pins by `name\nrepository`, or its problem. */
function readLock(
  file: string,
  text: string,
): { pins: Map<string, Locked> } | { problem: RenderProblem } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const first = doc.errors[0];
  if (first !== undefined) {
    return {
      problem: problem(
        located(file, first.linePos?.[0].line),
        `is not valid YAML: ${first.message}; run \`helm dependency update\` to write it again`,
      ),
    };
  }
  const pins = new Map<string, Locked>();
  const deps = isMap(doc.contents) ? doc.contents.get('dependencies', true) : undefined;
  if (deps === undefined || deps === null) return { pins };
  if (!isSeq(deps)) {
    return {
      problem: problem(
        located(file, lineOf(deps, lines)),
        'dependencies is not a list; run `helm dependency update` to write it again',
      ),
    };
  }
  for (const item of deps.items) {
    if (!isMap(item)) continue;
    const name = stringField(item, 'name').value;
    const version = stringField(item, 'version');
    const repository = stringField(item, 'repository').value ?? '';
    if (name === undefined || version.value === undefined) continue;
    pins.set(`${name}\n${repository.replace(/\/+$/, '')}`, {
      version: version.value,
      ...(lineOf(version.node, lines) === undefined ? {} : { line: lineOf(version.node, lines) }),
    });
  }
  return { pins };
}

/**
 * The dependencies of the chart at `chartDir` (see the module comment); problems for a missing
 * or unreadable Chart.yaml, and for each dependency neither vendored nor fetchable.
 */
export function chartPlan(chartDir: string, files: ReadonlyMap<string, string>): ChartPlan {
  const prefix = chartDir === '' ? '' : `${chartDir}/`;
  const chartFile = `${prefix}Chart.yaml`;
  const lockFile = `${prefix}Chart.lock`;
  const none = { vendored: [], remote: [] };
  const text = files.get(chartFile);
  if (text === undefined) {
    return {
      ...none,
      problems: [
        problem(
          { file: chartFile },
          `path "${chartDir}" holds no Chart.yaml: a helm application's path is a chart directory`,
        ),
      ],
    };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const first = doc.errors[0];
  if (first !== undefined) {
    return {
      ...none,
      problems: [
        problem(located(chartFile, first.linePos?.[0].line), `is not valid YAML: ${first.message}`),
      ],
    };
  }
  const deps = isMap(doc.contents) ? doc.contents.get('dependencies', true) : undefined;
  if (deps === undefined || deps === null) return { ...none, problems: [] };
  if (!isSeq(deps)) {
    return {
      ...none,
      problems: [
        problem(
          located(chartFile, lineOf(deps, lines)),
          'dependencies is not a list; write one entry (name, version, repository) per dependency',
        ),
      ],
    };
  }
  const problems: RenderProblem[] = [];
  const vendored: string[] = [];
  const remote: RemoteDependency[] = [];
  let lock: Map<string, Locked> | undefined;
  const lockText = files.get(lockFile);
  if (lockText !== undefined) {
    const read = readLock(lockFile, lockText);
    if ('problem' in read) problems.push(read.problem);
    else lock = read.pins;
  }
  for (const item of deps.items) {
    const itemLine = lineOf(item as Node, lines);
    if (!isMap(item)) {
      problems.push(
        problem(
          located(chartFile, itemLine),
          'a dependency is not a mapping; give it name, version and repository',
        ),
      );
      continue;
    }
    const name = stringField(item, 'name');
    const line = lineOf(name.node, lines) ?? itemLine;
    if (name.value === undefined || !SAFE_NAME.test(name.value)) {
      problems.push(
        problem(
          located(chartFile, line),
          name.value === undefined
            ? 'a dependency has no name; give the chart name'
            : `dependency name ${JSON.stringify(name.value)} is not a chart name (letters, digits, '.', '_' and '-')`,
        ),
      );
      continue;
    }
    if (files.has(`${prefix}charts/${name.value}/Chart.yaml`)) {
      vendored.push(name.value);
      continue;
    }
    const repository = stringField(item, 'repository');
    const repo = (repository.value ?? '').replace(/\/+$/, '');
    const repoWhy = repositoryProblem(repo, name.value);
    if (repoWhy !== undefined) {
      problems.push(
        problem(
          located(chartFile, lineOf(repository.node, lines) ?? line),
          `dependency "${name.value}" ${repoWhy}`,
        ),
      );
      continue;
    }
    const version = stringField(item, 'version');
    const versionLine = lineOf(version.node, lines) ?? line;
    if (version.value === undefined || version.value === '') {
      problems.push(
        problem(
          located(chartFile, versionLine),
          `dependency "${name.value}" has no version; give an exact version or a constraint ("^1.2.0") so that every render fetches the same chart`,
        ),
      );
      continue;
    }
    const constraint = helmConstraint(version.value);
    if ('problem' in constraint) {
      problems.push(
        problem(
          located(chartFile, versionLine),
          `dependency "${name.value}": version ${JSON.stringify(version.value)} ${constraint.problem}`,
        ),
      );
      continue;
    }
    const pin = lock?.get(`${name.value}\n${repo}`);
    if (pin !== undefined && !lockAllows(pin.version, constraint.range)) {
      problems.push(
        problem(
          located(lockFile, pin.line),
          `pins dependency "${name.value}" at ${JSON.stringify(pin.version)}, which Chart.yaml's version ${JSON.stringify(version.value)} does not allow; run \`helm dependency update\` and commit Chart.lock`,
        ),
      );
      continue;
    }
    const alias = stringField(item, 'alias').value;
    remote.push({
      name: name.value,
      ...(alias === undefined || alias === '' ? {} : { alias }),
      constraint: version.value,
      repository: repo,
      ...(pin === undefined ? {} : { locked: pin.version }),
      file: chartFile,
      ...(line === undefined ? {} : { line }),
    });
  }
  return { vendored, remote, problems };
}

function lockAllows(version: string, range: string): boolean {
  return semver.valid(version) !== null && semver.satisfies(version, range);
}

/** One version of a chart in a repository's index. */
export interface IndexVersion {
  readonly version: string;
  /** Where the archive is (absolute, or relative to the repository URL). */
  readonly urls: readonly string[];
  /** sha256 of the archive (hex, lower case), when the index gives it. */
  readonly digest?: string;
}

/** The versions of a chart (highest first), or why its index entry is unusable. */
export type IndexChart =
  { readonly versions: readonly IndexVersion[] } | { readonly problem: string };

export interface ChartIndex {
  readonly charts: ReadonlyMap<string, IndexChart>;
}

export interface IndexLimits {
  /** Most chart versions read from one index (all charts together). */
  readonly maxEntries: number;
}

const SHA256 = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

function isPlainMap(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A scalar as text (YAML reads `version: 1.0` as a number). */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function indexVersion(item: unknown, at: string): IndexVersion | string {
  if (!isPlainMap(item)) return `${at} is not a mapping`;
  const version = scalarText(item['version']);
  if (version === undefined || semver.valid(version) === null) {
    return `${at} has no semantic version (version: ${JSON.stringify(version ?? null)})`;
  }
  const rawUrls = item['urls'];
  const urls = Array.isArray(rawUrls)
    ? rawUrls.filter((u): u is string => typeof u === 'string' && u !== '')
    : [];
  const digestText = scalarText(item['digest']);
  let digest: string | undefined;
  if (digestText !== undefined && digestText !== '') {
    const m = SHA256.exec(digestText);
    if (m?.[1] === undefined) return `${at} (version ${version}) has a digest that is not a sha256`;
    digest = m[1].toLowerCase();
  }
  return { version, urls, ...(digest === undefined ? {} : { digest }) };
}

/**
 * A repository's index.yaml (as loaded from YAML), read into its charts' versions; or a problem
 * when it is not an index: no `entries` mapping, more versions than `limits.maxEntries`. A chart
 * whose versions are not a list, or one of whose versions is unusable (named by its place, as
 * `entries.<chart>[<i>]`), is unusable; the other charts are not.
 */
export function chartIndexOf(
  value: unknown,
  limits: IndexLimits,
): { readonly index: ChartIndex } | { readonly problem: string; readonly limit?: string } {
  const entries = isPlainMap(value) ? value['entries'] : undefined;
  if (!isPlainMap(entries)) {
    return { problem: 'index.yaml has no `entries` mapping: this is not a chart repository index' };
  }
  const charts = new Map<string, IndexChart>();
  let count = 0;
  for (const [name, versionsOf] of Object.entries(entries)) {
    if (!Array.isArray(versionsOf)) {
      charts.set(name, { problem: `entries.${name} is not a list of versions` });
      continue;
    }
    count += versionsOf.length;
    if (count > limits.maxEntries) {
      return {
        problem: `index.yaml lists more than ${String(limits.maxEntries)} chart versions, the most the hub reads from one repository`,
        limit: 'chartRepoMaxIndexEntries',
      };
    }
    const versions: IndexVersion[] = [];
    let bad: string | undefined;
    versionsOf.forEach((item: unknown, i) => {
      const v = indexVersion(item, `entries.${name}[${String(i)}]`);
      if (typeof v === 'string') bad ??= v;
      else versions.push(v);
    });
    versions.sort((x, y) => semver.rcompare(x.version, y.version));
    charts.set(name, bad === undefined ? { versions } : { problem: bad });
  }
  return { index: { charts } };
}

/** The version chosen for a dependency, and its archive's absolute URL. */
export interface ChosenVersion {
  readonly version: string;
  readonly url: string;
  readonly digest?: string;
}

function listVersions(versions: readonly string[]): string {
  if (versions.length === 0) return 'none';
  const shown = versions.slice(0, LISTED).join(', ');
  return versions.length > LISTED ? `${shown} and ${String(versions.length - LISTED)} more` : shown;
}

/**
 * The version of `dep` to fetch: the one Chart.lock pins, else the highest satisfying its
 * constraint (prereleases only when the constraint names one); or why there is none, naming the
 * constraint and the versions the repository has.
 */
export function chooseVersion(
  dep: RemoteDependency,
  index: ChartIndex,
): { readonly chosen: ChosenVersion } | { readonly problem: string } {
  const chart = index.charts.get(dep.name);
  if (chart === undefined) {
    const names = [...index.charts.keys()].sort();
    return {
      problem: `the repository has no chart "${dep.name}" (charts: ${listVersions(names)}); check the name and the repository URL`,
    };
  }
  if ('problem' in chart)
    return { problem: `the repository's index is unusable for "${dep.name}": ${chart.problem}` };
  const available = chart.versions.map((v) => v.version);
  const locked = dep.locked;
  let entry: IndexVersion | undefined;
  if (locked !== undefined) {
    entry =
      chart.versions.find((v) => v.version === locked) ??
      (semver.valid(locked) === null
        ? undefined
        : chart.versions.find((v) => semver.eq(v.version, locked)));
    if (entry === undefined) {
      return {
        problem: `Chart.lock pins version ${dep.locked}, which the repository does not list (versions available: ${listVersions(available)}); run \`helm dependency update\` and commit Chart.lock`,
      };
    }
  } else {
    const constraint = helmConstraint(dep.constraint);
    const range = 'range' in constraint ? new semver.Range(constraint.range) : undefined;
    // highest first: the first that satisfies is the highest that does
    entry = range === undefined ? undefined : chart.versions.find((v) => range.test(v.version));
    if (entry === undefined) {
      return {
        problem: `no version satisfies the constraint ${JSON.stringify(dep.constraint)} (versions available: ${listVersions(available)}); change the version in Chart.yaml`,
      };
    }
  }
  if (!/^[A-Za-z0-9.+_-]+$/.test(entry.version)) {
    return { problem: `version ${JSON.stringify(entry.version)} is not usable as a file name` };
  }
  const first = entry.urls[0];
  if (first === undefined) {
    return {
      problem: `version ${entry.version} has no urls in the index; the repository is broken`,
    };
  }
  const url = archiveUrl(dep.repository, first);
  if (url === undefined) {
    return {
      problem: `version ${entry.version} is at ${JSON.stringify(first)}, which is not an http(s) URL`,
    };
  }
  return {
    chosen: {
      version: entry.version,
      url,
      ...(entry.digest === undefined ? {} : { digest: entry.digest }),
    },
  };
}

/** `url` resolved against the repository URL (a relative one is below it); http(s) only. */
export function archiveUrl(repository: string, url: string): string | undefined {
  let resolved: URL;
  try {
    resolved = new URL(url, `${repository.replace(/\/+$/, '')}/`);
  } catch {
    return undefined;
  }
  if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:') return undefined;
  return resolved.href;
}

/** The index URL of a chart repository. */
export function indexUrl(repository: string): string {
  return `${repository.replace(/\/+$/, '')}/index.yaml`;
}

/** Where a fetched archive goes in the copy helm renders: `<chartDir>/charts/<name>-<version>.tgz`. */
export function archivePath(chartDir: string, name: string, version: string): string {
  return `${chartDir === '' ? '' : `${chartDir}/`}charts/${name}-${version}.tgz`;
}

/** The problem of a dependency that could not be fetched, at its Chart.yaml line. */
export function dependencyProblem(
  dep: RemoteDependency,
  repository: string,
  detail: string,
  limit?: string,
): RenderProblem {
  return problem(
    located(dep.file, dep.line),
    `dependency "${dep.name}" (version ${JSON.stringify(dep.constraint)}) from chart repository ${repository}: ${detail}`,
    limit,
  );
}
