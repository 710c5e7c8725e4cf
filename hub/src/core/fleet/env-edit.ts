/**
 * Pins, unpins, freezes and thaws as edits of an Environment's YAML: text in, text out, pure.
 *
 * The edit touches only the bytes it must — a value replaced in place, one line (or one flow
 * entry) added or removed — so comments, quoting, flow or block style, key order, blank lines and
 * the other documents of the file stay exactly as they were, and `git diff` of the commit shows
 * the one pin that moved. Every edit is checked by parsing the result: the edited document must
 * mean exactly the intended change and every other document must be unchanged; if the in-place
 * edit cannot be made (an unusual layout), the document is re-written with the `yaml` package's
 * Document API (comments kept, spacing normalised) and checked the same way.
 */
import { isMap, isScalar, parse, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode, Pair, YAMLMap } from 'yaml';
import { ErrorCode, GitfleetError } from '@gitfleet/proto/domain';
import { FLEET_API_VERSION } from './types.ts';

const FLEET_FILE = /\.(ya?ml|json)$/i;

export type EnvironmentEdit =
  | {
      readonly kind: 'pin';
      readonly app: string;
      readonly revision: string;
      /** Pin on this target only (`spec.targetPins`). */
      readonly target?: string;
    }
  | { readonly kind: 'unpin'; readonly app: string; readonly target?: string }
  | { readonly kind: 'freeze' }
  | { readonly kind: 'thaw' };

export interface EditOutcome {
  /** The file's new text (the old one when nothing changed). */
  readonly text: string;
  /** False when the environment already was as asked (no commit needed). */
  readonly changed: boolean;
  /** The pin the edit replaced or removed (pin, unpin), as written. */
  readonly previous?: string;
}

type Js = Record<string, unknown>;

/** What to do when editEnvironment cannot make the edit (FLEET_INVALID). */
export const EDIT_BY_HAND_ADVICE =
  'make this change by hand in the fleet repository (and tell us about the layout)';
type Doc = Document.Parsed;

/** Thrown inside this module when the in-place edit cannot be made; the fallback takes over. */
class NoInPlaceEdit extends Error {}

// ---------------------------------------------------------------------------------------------
// Finding the Environment

function isEnvironmentDoc(doc: Doc, name: string): boolean {
  if (!isMap(doc.contents) || doc.errors.length > 0) return false;
  return (
    doc.get('apiVersion') === FLEET_API_VERSION &&
    doc.get('kind') === 'Environment' &&
    doc.getIn(['metadata', 'name']) === name
  );
}

function environmentIndex(docs: readonly Doc[], name: string): number {
  return docs.findIndex((d) => isEnvironmentDoc(d, name));
}

/** Paths of the fleet files (YAML or JSON) that declare Environment `name`, sorted. */
export function filesDeclaringEnvironment(
  files: ReadonlyMap<string, string>,
  name: string,
): string[] {
  return [...files.keys()]
    .filter((f) => FLEET_FILE.test(f))
    .filter((f) => {
      const text = files.get(f) ?? '';
      return (
        text.includes('Environment') &&
        environmentIndex(parseAllDocuments(text) as Doc[], name) !== -1
      );
    })
    .sort();
}

// ---------------------------------------------------------------------------------------------
// The intended change, on plain values

function asRecord(v: unknown): Js | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Js) : undefined;
}

function own(o: Js | undefined, key: string): unknown {
  return o !== undefined && Object.hasOwn(o, key) ? o[key] : undefined;
}

/** The path of the pin an edit is about (`spec.pins.<app>` or `spec.targetPins.<t>.<app>`). */
function pinPath(app: string, target: string | undefined): string[] {
  return target === undefined ? ['spec', 'pins', app] : ['spec', 'targetPins', target, app];
}

function getPath(root: Js, path: readonly string[]): unknown {
  let at: unknown = root;
  for (const k of path) at = own(asRecord(at), k);
  return at;
}

/** The environment object after the edit (a copy), and what the edit replaced. */
function intended(
  before: Js,
  edit: EnvironmentEdit,
): { after: Js; changed: boolean; previous?: string } {
  const after = structuredClone(before);
  const spec = asRecord(after['spec']) ?? {};
  after['spec'] = spec;
  switch (edit.kind) {
    case 'freeze':
      if (spec['frozen'] === true) return { after: before, changed: false };
      spec['frozen'] = true;
      return { after, changed: true };
    case 'thaw':
      if (spec['frozen'] !== true) return { after: before, changed: false };
      delete spec['frozen'];
      return { after, changed: true };
    case 'pin': {
      const path = pinPath(edit.app, edit.target);
      const old = getPath(before, path);
      const previous = typeof old === 'string' ? { previous: old } : {};
      if (old === edit.revision) return { after: before, changed: false, ...previous };
      let map = spec;
      for (const k of path.slice(1, -1)) {
        const next = asRecord(map[k]) ?? {};
        map[k] = next;
        map = next;
      }
      map[edit.app] = edit.revision;
      return { after, changed: true, ...previous };
    }
    case 'unpin': {
      const path = pinPath(edit.app, edit.target);
      const old = getPath(before, path);
      if (old === undefined) return { after: before, changed: false };
      // remove the pin, then every map on its path that it leaves empty (spec stays)
      for (let depth = path.length; depth > 1; depth--) {
        const parent = getPath(after, path.slice(0, depth - 1));
        const rec = asRecord(parent);
        if (rec === undefined) break;
        const key = path[depth - 1] ?? '';
        const child = asRecord(rec[key]);
        if (depth === path.length || (child !== undefined && Object.keys(child).length === 0)) {
          delete rec[key];
        }
      }
      return { after, changed: true, ...(typeof old === 'string' ? { previous: old } : {}) };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// In-place text edits

/** A scalar as YAML that reads back as the same string in block and flow context. */
export function scalarText(v: string | boolean): string {
  if (typeof v === 'boolean') return String(v);
  const plain =
    /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/.test(v) &&
    !/^(y|n|yes|no|on|off|true|false|null)$/i.test(v) &&
    parse(v) === v;
  return plain ? v : JSON.stringify(v);
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === key);
}

function rangeOf(node: unknown): [number, number, number] {
  const r = (node as YamlNode | null)?.range;
  if (r === undefined || r === null) throw new NoInPlaceEdit('no source range');
  return r;
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to);
}

function flowValue(rest: readonly string[], value: string | boolean): string {
  const [k, ...more] = rest;
  return k === undefined ? scalarText(value) : `{ ${scalarText(k)}: ${flowValue(more, value)} }`;
}

function blockEntry(
  indent: string,
  key: string,
  rest: readonly string[],
  value: string | boolean,
  eol: string,
): string {
  const [k, ...more] = rest;
  if (k === undefined) return `${indent}${scalarText(key)}: ${scalarText(value)}`;
  return `${indent}${scalarText(key)}:${eol}${blockEntry(`${indent}  `, k, more, value, eol)}`;
}

/** Adds `key` (with the nested `rest` path ending in `value`) to `map`. */
function insertEntry(
  text: string,
  map: YAMLMap,
  key: string,
  rest: readonly string[],
  value: string | boolean,
  eol: string,
): string {
  const [start, end] = rangeOf(map);
  if (map.flow === true) {
    const entry = `${scalarText(key)}: ${flowValue(rest, value)}`;
    const last = map.items[map.items.length - 1];
    if (last === undefined) return splice(text, start, end, `{ ${entry} }`);
    const lastEnd = rangeOf(last.value ?? last.key)[1];
    return splice(text, lastEnd, lastEnd, `, ${entry}`);
  }
  const first = map.items[0];
  if (first === undefined) throw new NoInPlaceEdit('empty block map');
  const keyStart = rangeOf(first.key)[0];
  const indent = text.slice(lineStart(text, keyStart), keyStart);
  if (indent.trim() !== '') throw new NoInPlaceEdit('key not at the start of its line');
  const entry = blockEntry(indent, key, rest, value, eol);
  if (end >= text.length && !text.endsWith('\n')) return `${text}${eol}${entry}`;
  if (end > 0 && text[end - 1] !== '\n') throw new NoInPlaceEdit('map does not end a line');
  return splice(text, end, end, `${entry}${eol}`);
}

function setPath(
  text: string,
  doc: Doc,
  path: readonly string[],
  value: string | boolean,
  eol: string,
): string {
  const root = doc.contents;
  if (!isMap(root)) throw new NoInPlaceEdit('not a map');
  let map: YAMLMap = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] ?? '';
    const pair = pairOf(map, key);
    if (pair === undefined) return insertEntry(text, map, key, path.slice(i + 1), value, eol);
    if (i === path.length - 1) {
      if (!isScalar(pair.value)) throw new NoInPlaceEdit('not a scalar');
      const [start, end] = rangeOf(pair.value);
      return splice(text, start, end, scalarText(value));
    }
    if (!isMap(pair.value)) throw new NoInPlaceEdit('not a map on the path');
    map = pair.value;
  }
  throw new NoInPlaceEdit('empty path');
}

function deletePath(text: string, doc: Doc, path: readonly string[]): string {
  const root = doc.contents;
  if (!isMap(root)) throw new NoInPlaceEdit('not a map');
  let map: YAMLMap = root;
  for (let i = 0; i < path.length - 1; i++) {
    const pair = pairOf(map, path[i] ?? '');
    if (pair === undefined || !isMap(pair.value)) throw new NoInPlaceEdit('not a map on the path');
    map = pair.value;
  }
  const key = path[path.length - 1] ?? '';
  const index = map.items.findIndex((p) => isScalar(p.key) && String(p.key.value) === key);
  const pair = map.items[index];
  if (pair === undefined) throw new NoInPlaceEdit('no such key');
  if (map.flow === true) {
    if (map.items.length === 1) {
      const [start, end] = rangeOf(map);
      return splice(text, start, end, '{}');
    }
    const prev = map.items[index - 1];
    const next = map.items[index + 1];
    if (prev !== undefined) {
      return splice(
        text,
        rangeOf(prev.value ?? prev.key)[1],
        rangeOf(pair.value ?? pair.key)[1],
        '',
      );
    }
    if (next === undefined) throw new NoInPlaceEdit('unreachable');
    return splice(text, rangeOf(pair.key)[0], rangeOf(next.key)[0], '');
  }
  const keyStart = rangeOf(pair.key)[0];
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() !== '') throw new NoInPlaceEdit('key shares its line');
  let end = rangeOf(pair.value ?? pair.key)[2];
  if (end > 0 && text[end - 1] !== '\n') {
    const nl = text.indexOf('\n', end);
    end = nl === -1 ? text.length : nl + 1;
  }
  return splice(text, start, end, '');
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function parseDocs(text: string): Doc[] {
  return parseAllDocuments(text) as Doc[];
}

/** The in-place edit: a sequence of primitive set/delete operations, re-parsing between them. */
function editInPlace(text: string, index: number, before: Js, edit: EnvironmentEdit): string {
  const eol = eolOf(text);
  const docAt = (t: string): Doc => {
    const d = parseDocs(t)[index];
    if (d === undefined) throw new NoInPlaceEdit('document lost');
    return d;
  };
  switch (edit.kind) {
    case 'freeze':
      return setPath(text, docAt(text), ['spec', 'frozen'], true, eol);
    case 'thaw':
      return deletePath(text, docAt(text), ['spec', 'frozen']);
    case 'pin':
      return setPath(text, docAt(text), pinPath(edit.app, edit.target), edit.revision, eol);
    case 'unpin': {
      // delete the highest map on the path that would be left empty (never spec itself)
      const path = pinPath(edit.app, edit.target);
      let cut = path.length;
      while (cut > 2) {
        const parent = asRecord(getPath(before, path.slice(0, cut - 1)));
        if (parent === undefined || Object.keys(parent).length !== 1) break;
        cut--;
      }
      return deletePath(text, docAt(text), path.slice(0, cut));
    }
  }
}

/** The fallback: the Document API, only the Environment's document re-written. */
function editWithDocument(text: string, index: number, after: Js): string {
  const docs = parseDocs(text);
  const doc = docs[index];
  if (doc === undefined) throw new NoInPlaceEdit('document lost');
  const spec = asRecord(after['spec']) ?? {};
  for (const key of ['pins', 'targetPins', 'frozen']) {
    if (Object.hasOwn(spec, key)) doc.setIn(['spec', key], doc.createNode(spec[key]));
    else if (doc.hasIn(['spec', key])) doc.deleteIn(['spec', key]);
  }
  const [rangeStart, , end] = rangeOf(doc);
  // the comments before the first document lie before its range, and toString() writes them
  const start = index === 0 ? 0 : rangeStart;
  const out = doc.toString({ lineWidth: 0 });
  let rest = text.slice(end);
  if (out.endsWith('\n')) rest = rest.replace(/^\r?\n/, '');
  return text.slice(0, start) + out + rest;
}

// ---------------------------------------------------------------------------------------------
// Checking and the entry point

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    const r = asRecord(x);
    return r === undefined
      ? x
      : Object.fromEntries(
          Object.keys(r)
            .sort()
            .map((k) => [k, r[k]]),
        );
  });
}

/** True when `text` has the same documents as `original` except `index`, which now means `after`. */
function means(text: string, original: readonly Doc[], index: number, after: Js): boolean {
  const docs = parseDocs(text);
  if (docs.length !== original.length || docs.some((d) => d.errors.length > 0)) return false;
  return docs.every((d, i) =>
    i === index
      ? canonical(d.toJS()) === canonical(after)
      : canonical(d.toJS()) === canonical(original[i]?.toJS()),
  );
}

/**
 * Applies `edit` to the Environment `name` declared in `text` (one file's content).
 *
 * @throws GitfleetError NOT_FOUND when the file does not declare that Environment; FLEET_INVALID
 *   when no edit both keeps the file's other content and means exactly the change (then make it
 *   by hand: EDIT_BY_HAND_ADVICE)
 * @example editEnvironment(text, 'prod', { kind: 'pin', app: 'web', revision: 'v1.2.0' })
 */
export function editEnvironment(text: string, name: string, edit: EnvironmentEdit): EditOutcome {
  const docs = parseDocs(text);
  const index = environmentIndex(docs, name);
  const doc = docs[index];
  if (doc === undefined) {
    throw new GitfleetError(
      ErrorCode.NotFound,
      `no Environment "${name}" is declared in this file`,
      {
        details: { environment: name },
      },
    );
  }
  const before = asRecord(doc.toJS()) ?? {};
  const plan = intended(before, edit);
  const previous = plan.previous === undefined ? {} : { previous: plan.previous };
  if (!plan.changed) return { text, changed: false, ...previous };
  for (const attempt of [
    () => editInPlace(text, index, before, edit),
    () => editWithDocument(text, index, plan.after),
  ]) {
    let out: string;
    try {
      out = attempt();
    } catch (err) {
      if (err instanceof NoInPlaceEdit) continue;
      throw err;
    }
    if (means(out, docs, index, plan.after)) return { text: out, changed: true, ...previous };
  }
  throw new GitfleetError(
    ErrorCode.FleetInvalid,
    `could not edit Environment "${name}" without changing something else in its file`,
    { details: { environment: name } },
  );
}
