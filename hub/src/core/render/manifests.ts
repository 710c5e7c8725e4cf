/**
 * Manifest loading: the YAML and JSON files of an app's source directory → validated Kubernetes
 * objects. Pure: file texts in, objects and problems out; the Git adapter reads the files.
 *
 * What is read, and how:
 * - every `*.yaml`, `*.yml` and `*.json` file under `basePath`, recursively, in path order
 *   (`basePath` may also name a single file); other files are ignored;
 * - YAML 1.2 (core schema, as the `yaml` package parses it by default): `yes`/`on` are strings,
 *   not booleans; merge keys (`<<`) are honoured as kubectl does; aliases are expanded (bounded);
 *   duplicate keys, unresolved tags, integers beyond 2^53 and `.nan`/`.inf` are problems;
 * - multi-document streams: empty documents (only `---`, comments or `null`) are skipped;
 * - within the YAML limits of core/yaml-limits.ts (documents per file, nesting, alias
 *   expansions), which are part of {@link ManifestLimits}; text decoded from bytes that are not
 *   UTF-8 (it holds U+FFFD) is a problem;
 * - `*.json` files must be strict JSON (one value; no comments, trailing commas or bare words);
 * - `List` and `<Kind>List` objects with an `items` array are expanded into their items, as
 *   kubectl does (items of a typed list inherit its apiVersion and kind when they omit them);
 * - gitfleet's own objects (`gitfleet.dev/*`) are not manifests and are skipped;
 * - kustomize files (`kustomization.yaml`, `kustomize.config.k8s.io/*` objects) are problems:
 *   a kustomization at the application's path is rendered by kustomize before this reader sees
 *   its output (../../sources), one below it would be silently ignored, which would deploy
 *   something other than what its author meant.
 *
 * Limits are problems (code LIMIT_EXCEEDED, naming the limit), never silent truncation. With any
 * problem, no objects are returned.
 */
import { Buffer } from 'node:buffer';
import {
  ErrorCode,
  GitfleetError,
  describeObject,
  formatPointer,
  groupOf,
  identityKey,
  identityOf,
} from '@gitfleet/proto/domain';
import type { JsonValue, KubeObject } from '@gitfleet/proto/domain';
import { isMap, isNode, isScalar, isSeq } from 'yaml';
import type { Document } from 'yaml';
import {
  DEFAULT_YAML_LIMITS,
  NOT_UTF8_MESSAGE,
  readYamlStream,
  replacementCharOffset,
  resolveYamlLimits,
} from '../yaml-limits.ts';
import type { YamlLimits } from '../yaml-limits.ts';
import { getOwn, isRecord, setOwn } from './json.ts';
import type { Json, JsonRecord } from './json.ts';
import { FLEET_GROUP, validateObject } from './objects.ts';
import { problem } from './problems.ts';
import type { RenderProblem } from './problems.ts';

const MIB = 1024 * 1024;

/** Upper bounds of one app's source; exceeding one is a LIMIT_EXCEEDED problem. */
export interface ManifestLimits extends YamlLimits {
  /** Largest single manifest file, in UTF-8 bytes. */
  readonly maxFileBytes: number;
  /** Most objects one app may render. */
  readonly maxObjects: number;
  /** Largest sum of the app's manifest files (and of its rendered objects), in UTF-8 bytes. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_MANIFEST_LIMITS: ManifestLimits = Object.freeze({
  maxFileBytes: 1 * MIB,
  maxObjects: 5_000,
  maxTotalBytes: 20 * MIB,
  ...DEFAULT_YAML_LIMITS,
});

const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];
const KUSTOMIZATION_FILES: ReadonlySet<string> = new Set([
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
]);
const KUSTOMIZE_GROUP = 'kustomize.config.k8s.io';

export interface LoadManifestsOptions {
  /** Repository-relative directory (or file) holding the app's manifests; "" or "." = root. */
  readonly basePath: string;
  readonly limits?: Partial<ManifestLimits>;
}

/** Where an object came from: repository path and 1-based line of the object's first node. */
export interface ManifestSource {
  readonly file: string;
  readonly line: number;
}

export interface LoadedManifests {
  /** Objects in load order (file path, then position); empty when there are problems. */
  readonly objects: KubeObject[];
  /** `sources[i]` is where `objects[i]` came from. */
  readonly sources: ManifestSource[];
  readonly problems: RenderProblem[];
}

/** Fills in default limits; rejects invalid ones (CONFIG_INVALID; see resolveYamlLimits). */
export function resolveLimits(limits: Partial<ManifestLimits> = {}): ManifestLimits {
  const resolved = { ...DEFAULT_MANIFEST_LIMITS, ...limits, ...resolveYamlLimits(limits) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `render limit ${name} ${String(value)} is not a positive integer`,
        { terminal: true, details: { limit: name } },
      );
    }
  }
  return resolved;
}

/** Repository paths without a leading `./` or `/` and without a trailing `/`. */
function normalizePath(path: string): string {
  let p = path.replaceAll('\\', '/');
  while (p.startsWith('./')) p = p.slice(2);
  while (p.startsWith('/')) p = p.slice(1);
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p === '.' ? '' : p.replaceAll(/\/(?:\.\/)+/g, '/').replaceAll(/\/{2,}/g, '/');
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function isManifestFile(path: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => path.endsWith(ext));
}

/**
 * Loads and validates every manifest under `opts.basePath` (see the module comment for the
 * rules). Returns the objects with their sources, or, when anything is wrong, no objects and
 * every problem found (a render never continues with a partial set).
 */
export function loadManifests(
  files: ReadonlyMap<string, string>,
  opts: LoadManifestsOptions,
): LoadedManifests {
  const limits = resolveLimits(opts.limits);
  const base = normalizePath(opts.basePath);
  if (base.split('/').includes('..')) {
    return failed([
      problem({}, `basePath "${opts.basePath}" leaves the repository (".."); use a path inside it`),
    ]);
  }

  const selected: { path: string; text: string }[] = [];
  let anyFile = false;
  for (const [rawPath, text] of files) {
    const path = normalizePath(rawPath);
    if (base !== '' && path !== base && !path.startsWith(`${base}/`)) continue;
    anyFile = true;
    if (isManifestFile(path) || KUSTOMIZATION_FILES.has(basename(path))) {
      selected.push({ path, text });
    }
  }
  if (!anyFile) {
    return failed([
      problem(
        {},
        `basePath "${opts.basePath}" does not exist in this revision; correct the application's path`,
      ),
    ]);
  }
  selected.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const problems: RenderProblem[] = [];
  const total = selected.reduce((sum, f) => sum + Buffer.byteLength(f.text, 'utf8'), 0);
  if (total > limits.maxTotalBytes) {
    return failed([
      problem(
        {},
        `basePath "${opts.basePath}": manifests total ${String(total)} bytes, more than the limit of ${String(limits.maxTotalBytes)} (maxTotalBytes); split the app`,
        'maxTotalBytes',
      ),
    ]);
  }

  const state: LoadState = { objects: [], sources: [], seen: new Map(), problems, limits };
  for (const { path, text } of selected) {
    if (KUSTOMIZATION_FILES.has(basename(path))) {
      problems.push(
        problem(
          { file: path },
          "kustomize is not supported below the application's path (only a kustomization at source.path itself is rendered); point source.path at this directory, or render it into plain YAML",
        ),
      );
      continue;
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > limits.maxFileBytes) {
      problems.push(
        problem(
          { file: path },
          `file is ${String(bytes)} bytes, more than the limit of ${String(limits.maxFileBytes)} (maxFileBytes); split it into several files`,
          'maxFileBytes',
        ),
      );
      continue;
    }
    const notUtf8 = replacementCharOffset(text);
    if (notUtf8 !== undefined) {
      problems.push(problem({ file: path, line: lineAt(text, notUtf8) }, NOT_UTF8_MESSAGE));
      continue;
    }
    if (!loadFile(state, path, text)) break;
  }
  return problems.length > 0
    ? failed(problems)
    : { objects: state.objects, sources: state.sources, problems };
}

function failed(problems: RenderProblem[]): LoadedManifests {
  return { objects: [], sources: [], problems };
}

interface LoadState {
  readonly objects: KubeObject[];
  readonly sources: ManifestSource[];
  /** Identity key → where the object was first seen. */
  readonly seen: Map<string, ManifestSource>;
  readonly problems: RenderProblem[];
  readonly limits: ManifestLimits;
}

type ParsedDocument = Document.Parsed;
type PathStep = string | number;

/** 1-based line of a UTF-16 offset in `text`. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Loads one file; false when the object limit was exceeded (loading stops). */
function loadFile(state: LoadState, file: string, text: string): boolean {
  const isJson = file.endsWith('.json');
  const stream = readYamlStream(
    text,
    { merge: !isJson, intAsBigInt: true, ...(isJson ? { schema: 'json' } : {}) },
    state.limits,
  );
  const lineOf = (offset: number): number => stream.lineCounter.linePos(offset).line;
  const docs = stream.entries.flatMap((e) => (e.kind === 'document' ? [e.doc] : []));
  if (isJson) {
    const firstIssue = docs.flatMap((d) => [...d.errors, ...d.warnings])[0];
    const syntax = jsonSyntaxError(text, firstIssue === undefined ? 1 : lineOf(firstIssue.pos[0]));
    if (syntax !== undefined) {
      state.problems.push(
        problem({ file, line: syntax.line }, `not valid JSON: ${syntax.message}; fix the syntax`),
      );
      return true;
    }
  }
  for (const entry of stream.entries) {
    if (entry.kind === 'refused') {
      const { offset, limit, message } = entry.refusal;
      state.problems.push(problem({ file, line: lineOf(offset) }, message, limit));
      continue;
    }
    const doc = entry.doc;
    const issues = [...doc.errors, ...doc.warnings];
    if (issues.length > 0) {
      for (const issue of issues) {
        state.problems.push(
          problem(
            { file, line: lineOf(issue.pos[0]) },
            `not valid YAML: ${issue.message.split('\n')[0] ?? ''} (${issue.code}); fix the syntax`,
          ),
        );
      }
      continue;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    const docLine = lineOf(doc.contents.range[0]);
    let value: Json;
    try {
      // Aliases were measured by readYamlStream (maxAliases, maxAliasBytes, maxDepth).
      value = toJson(doc.toJS({ maxAliasCount: -1 }) as unknown, [], new Set());
    } catch (err) {
      const pointer = err instanceof GitfleetError ? err.details['pointer'] : undefined;
      const path =
        typeof pointer === 'string'
          ? pointer
              .split('/')
              .slice(1)
              .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
          : [];
      state.problems.push(
        problem(
          { file, line: nodeLine(doc, path, lineOf) ?? docLine },
          `${err instanceof Error ? err.message : String(err)}`,
        ),
      );
      continue;
    }
    if (!admitDocument(state, { file, doc, lineOf }, value)) return false;
  }
  return true;
}

/**
 * JSON files must be JSON, not merely YAML (which would accept `"kind": }` as a null); the
 * `yaml` parser still reads them, for its positions and exact integers. The line comes from
 * V8's message when it has one, else from the parser's first complaint.
 */
function jsonSyntaxError(
  text: string,
  fallbackLine: number,
): { line: number; message: string } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const line = /\(line (\d+) column \d+\)/.exec(message)?.[1];
    return {
      line: line === undefined ? fallbackLine : Number(line),
      // V8 quotes the text around the error; leave it out (it may be a Secret's data).
      message: message
        .replace(/, (?:\.\.\.)?"[\s\S]*" is not valid JSON$/, '')
        .replaceAll('\n', ' '),
    };
  }
}

interface DocumentContext {
  readonly file: string;
  readonly doc: ParsedDocument;
  readonly lineOf: (offset: number) => number;
}

/**
 * 1-based line of the node at `path` in the document: of the key for a map entry, of the item
 * for a list element; the deepest step that exists when the path does not.
 */
function nodeLine(
  doc: ParsedDocument,
  path: readonly PathStep[],
  lineOf: (offset: number) => number,
): number | undefined {
  let node: unknown = doc.contents;
  if (!isNode(node) || node.range == null) return undefined;
  let line = lineOf(node.range[0]);
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === step);
      if (pair === undefined) break;
      if (isNode(pair.key) && pair.key.range != null) line = lineOf(pair.key.range[0]);
      node = pair.value;
    } else if (isSeq(node)) {
      const item: unknown = node.items[Number(step)];
      if (!isNode(item) || item.range == null) break;
      line = lineOf(item.range[0]);
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

/** Admits one top-level document (an object or a List); false when the object limit is hit. */
function admitDocument(state: LoadState, ctx: DocumentContext, value: Json): boolean {
  const docLine = nodeLine(ctx.doc, [], ctx.lineOf) ?? 1;
  if (!isRecord(value)) {
    state.problems.push(
      problem(
        { file: ctx.file, line: docLine },
        `document is ${typeName(value)}, not a Kubernetes object; every document must be a mapping with apiVersion, kind and metadata`,
      ),
    );
    return true;
  }
  const kind = getOwn(value, 'kind');
  const items = getOwn(value, 'items');
  const isList =
    typeof kind === 'string' &&
    (kind === 'List' || (kind.endsWith('List') && Array.isArray(items)));
  if (!isList) return admitObject(state, ctx, value, []);
  if (items !== undefined && items !== null && !Array.isArray(items)) {
    state.problems.push(
      problem(
        { file: ctx.file, line: nodeLine(ctx.doc, ['items'], ctx.lineOf) ?? docLine },
        `${kind}: items is ${typeName(items)}; it must be a list of objects`,
      ),
    );
    return true;
  }
  const apiVersion = getOwn(value, 'apiVersion');
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  for (const [i, item] of (Array.isArray(items) ? items : []).entries()) {
    const path = ['items', i];
    if (!isRecord(item)) {
      state.problems.push(
        problem(
          { file: ctx.file, line: nodeLine(ctx.doc, path, ctx.lineOf) ?? docLine },
          `${kind}: items[${String(i)}] is ${typeName(item)}, not a Kubernetes object`,
        ),
      );
      continue;
    }
    if (itemKind !== undefined) {
      if (getOwn(item, 'kind') === undefined) setOwn(item, 'kind', itemKind);
      if (getOwn(item, 'apiVersion') === undefined && typeof apiVersion === 'string') {
        setOwn(item, 'apiVersion', apiVersion);
      }
    }
    if (!admitObject(state, ctx, item, path)) return false;
  }
  return true;
}

/** Validates one object and adds it; false when the object limit is exceeded. */
function admitObject(
  state: LoadState,
  ctx: DocumentContext,
  obj: JsonRecord,
  path: readonly PathStep[],
): boolean {
  const line = nodeLine(ctx.doc, path, ctx.lineOf) ?? 1;
  const apiVersion = getOwn(obj, 'apiVersion');
  if (typeof apiVersion === 'string') {
    const group = groupOf(apiVersion);
    if (group === FLEET_GROUP) return true;
    if (group === KUSTOMIZE_GROUP) {
      state.problems.push(
        problem(
          { file: ctx.file, line },
          `${identityOf(obj).kind || 'object'} (${apiVersion}): kustomize is not supported (gitfleet applies plain manifests); render it into plain YAML or express it as gitfleet overlays`,
        ),
      );
      return true;
    }
  }
  const id = identityOf(obj);
  const object = id.kind !== '' && id.name !== '' ? describeObject(id) : undefined;
  const issues = validateObject(obj);
  for (const issue of issues) {
    state.problems.push(
      problem(
        {
          file: ctx.file,
          line: nodeLine(ctx.doc, [...path, ...issue.path], ctx.lineOf) ?? line,
          ...(object === undefined ? {} : { object }),
        },
        issue.message,
      ),
    );
  }
  if (issues.length > 0) return true;

  const key = identityKey(id);
  const first = state.seen.get(key);
  if (first !== undefined) {
    state.problems.push(
      problem(
        { file: ctx.file, line, object: describeObject(id) },
        `defined twice: also at ${first.file}:${String(first.line)}; remove one of them`,
      ),
    );
    return true;
  }
  const source = { file: ctx.file, line };
  state.seen.set(key, source);
  state.objects.push(obj);
  state.sources.push(source);
  if (state.objects.length > state.limits.maxObjects) {
    state.problems.push(
      problem(
        { file: ctx.file, line },
        `the app has more than ${String(state.limits.maxObjects)} objects (limit maxObjects); split it into several apps`,
        'maxObjects',
      ),
    );
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// YAML → JSON

function notJson(path: readonly PathStep[], what: string): GitfleetError {
  const pointer = formatPointer(path);
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `value at "${pointer === '' ? '/' : pointer}" is ${what}; ${
      what.startsWith('an integer') ? 'quote it as a string' : 'use a plain JSON value'
    }`,
    { details: { pointer } },
  );
}

/**
 * Converts what the `yaml` package produced into fresh JSON (aliases become independent
 * copies, so patching one never changes another). Throws MANIFEST_INVALID naming the pointer
 * of anything that is not JSON.
 */
function toJson(value: unknown, path: PathStep[], ancestors: Set<object>): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, `${String(value)}, which is not JSON`);
      return value;
    case 'bigint':
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw notJson(
          path,
          `an integer beyond ±2^53 (${value.toString()}), which JSON cannot carry exactly`,
        );
      }
      return Number(value);
    case 'object': {
      if (value === null) return null;
      if (ancestors.has(value)) throw notJson(path, 'a recursive alias');
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          return value.map((item: unknown, i) => toJson(item, [...path, i], ancestors));
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw notJson(path, `a ${value.constructor.name} (from a YAML tag)`);
        }
        const out: JsonRecord = {};
        for (const [key, member] of Object.entries(value)) {
          setOwn(out, key, toJson(member, [...path, key], ancestors));
        }
        return out;
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      throw notJson(path, `a ${typeof value}, which is not JSON`);
  }
}
