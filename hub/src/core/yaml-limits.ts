/**
 * Reading YAML that nobody vetted — a fleet repository, an application's manifests — within
 * named limits, so that no file can crash the hub, overflow its stack, exhaust its memory or keep
 * it busy. Shared by the fleet parser (core/fleet) and the manifest reader (core/render); pure.
 *
 * The limits, per file and per document (docs/hub.md, "YAML limits"):
 * - `maxDocuments`: documents in one file (a `---`-separated stream);
 * - `maxDepth`: nesting of mappings and lists in one document, aliases counted as expanded;
 * - `maxAliases`: alias expansions in one document, an alias inside an expanded anchor counting
 *   each time (a "billion laughs" document stops here);
 * - `maxAliasBytes`: bytes that expanding aliases adds to one document, estimated from the source
 *   text of what is copied (one large anchor aliased many times stops here).
 *
 * How, without any recursion a hostile document can overflow: the `yaml` package's lexer and
 * parser are iterative and build a concrete syntax tree (CST); each document's CST is measured
 * with an explicit stack *before* it is composed (composition is recursive), and a document
 * nested too deep is refused without being composed. A composed document is then measured again,
 * aliases expanded, with an explicit stack and one visit per node; callers walk only documents
 * that passed, so their own recursion is bounded by `maxDepth`. That walk also finds duplicate
 * keys, with a set per mapping: the `yaml` package's own check compares each key with every
 * earlier one, which takes minutes on a mapping of 100,000 keys.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto/domain';
import {
  Composer,
  LineCounter,
  Parser,
  YAMLParseError,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
} from 'yaml';
import type {
  Alias,
  CST,
  Document,
  DocumentOptions,
  Node as YamlNode,
  ParseOptions,
  SchemaOptions,
} from 'yaml';

/** Upper bounds of one YAML file; see the module comment. */
export interface YamlLimits {
  /** Most documents in one file. */
  readonly maxDocuments: number;
  /** Deepest nesting of mappings and lists in one document, aliases expanded. */
  readonly maxDepth: number;
  /** Most alias expansions in one document, nested expansions counted. */
  readonly maxAliases: number;
  /** Most bytes that expanding aliases may add to one document. */
  readonly maxAliasBytes: number;
}

export type YamlLimitName = keyof YamlLimits;

/**
 * Defaults: far above what people write (a generated bundle of hundreds of CRDs, a CRD schema a
 * few dozen levels deep, a handful of anchors), far below what hurts the hub.
 */
export const DEFAULT_YAML_LIMITS: YamlLimits = Object.freeze({
  maxDocuments: 5_000,
  maxDepth: 100,
  maxAliases: 100,
  maxAliasBytes: 1024 * 1024,
});

/**
 * Highest maxDepth a caller may set: what is read is then walked recursively (conversion, JSON
 * copies, patches, digests), and an object goes to an agent at most 512 levels deep.
 */
export const MAX_DEPTH_CEILING = 256;

/**
 * Fills in default limits; rejects limits that are not positive integers, and a maxDepth above
 * {@link MAX_DEPTH_CEILING} (CONFIG_INVALID).
 */
export function resolveYamlLimits(limits: Partial<YamlLimits> = {}): YamlLimits {
  const resolved: YamlLimits = {
    maxDocuments: limits.maxDocuments ?? DEFAULT_YAML_LIMITS.maxDocuments,
    maxDepth: limits.maxDepth ?? DEFAULT_YAML_LIMITS.maxDepth,
    maxAliases: limits.maxAliases ?? DEFAULT_YAML_LIMITS.maxAliases,
    maxAliasBytes: limits.maxAliasBytes ?? DEFAULT_YAML_LIMITS.maxAliasBytes,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `YAML limit ${name} ${String(value)} is not a positive integer`,
        { terminal: true, details: { limit: name } },
      );
    }
  }
  if (resolved.maxDepth > MAX_DEPTH_CEILING) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `YAML limit maxDepth ${String(resolved.maxDepth)} is above ${String(MAX_DEPTH_CEILING)}, the most the recursive steps after reading (and the wire) are made for`,
      { terminal: true, details: { limit: 'maxDepth' } },
    );
  }
  return resolved;
}

/** Why a document (or the rest of a file) was not read. */
export interface YamlRefusal {
  /** Offset in the text (UTF-16 units) of the place to report. */
  readonly offset: number;
  /** The limit crossed; absent for a refusal that is not a limit (a recursive alias). */
  readonly limit?: YamlLimitName;
  /** What is wrong and what to do, without the file (the caller prefixes it). */
  readonly message: string;
}

export type YamlEntry =
  | { readonly kind: 'document'; readonly doc: Document.Parsed }
  | { readonly kind: 'refused'; readonly refusal: YamlRefusal };

export interface YamlStream {
  /** Documents and refusals, in file order. A `maxDocuments` refusal is last. */
  readonly entries: readonly YamlEntry[];
  readonly lineCounter: LineCounter;
  /**
   * What each alias of the admitted documents refers to (the last node before it with that
   * anchor, as the `yaml` package resolves it); an alias with no anchor is absent.
   */
  readonly aliasTargets: ReadonlyMap<Alias, YamlNode>;
}

export type YamlReadOptions = ParseOptions & DocumentOptions & SchemaOptions;

/**
 * Parses `text` as a stream of YAML documents within `limits` (see the module comment). Never
 * throws for any text; a document that crosses a limit becomes a refusal in its place.
 */
export function readYamlStream(
  text: string,
  options: YamlReadOptions,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): YamlStream {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  // The package's own duplicate-key check compares every key with every earlier one (a mapping
  // of 100,000 keys takes minutes); measureDocument checks with a set instead.
  // logLevel 'error': the package would report some oddities (collection keys) as process
  // warnings, which a hostile file could repeat at will; they are document errors here.
  const composer = new Composer({ ...options, uniqueKeys: false, logLevel: 'error' });
  const entries: YamlEntry[] = [];
  const aliasTargets = new Map<Alias, YamlNode>();
  const admit = (docs: Iterable<Document.Parsed>): void => {
    for (const doc of docs) {
      const refusal = measureDocument(doc, limits, aliasTargets);
      entries.push(
        refusal === undefined ? { kind: 'document', doc } : { kind: 'refused', refusal },
      );
    }
  };
  let documents = 0;
  let skipping = false;
  for (const token of parser.parse(text)) {
    if (token.type === 'document') {
      documents += 1;
      if (documents > limits.maxDocuments) {
        admit(composer.end());
        entries.push({
          kind: 'refused',
          refusal: {
            offset: token.value?.offset ?? token.offset,
            limit: 'maxDocuments',
            message: `more than ${String(limits.maxDocuments)} YAML documents in one file (limit maxDocuments); this one and the rest of the file are not read; split the file into several`,
          },
        });
        return { entries, lineCounter, aliasTargets };
      }
      const tooDeep = token.value === undefined ? undefined : cstTooDeep(token.value, limits);
      if (tooDeep !== undefined) {
        // Not composed (composition recurses): flush the document before it, refuse this one,
        // and drop what belongs to it (its end marker, its syntax errors).
        admit(composer.end());
        entries.push({ kind: 'refused', refusal: depthRefusal(tooDeep, limits) });
        skipping = true;
        continue;
      }
      skipping = false;
    } else if (skipping && (token.type === 'doc-end' || token.type === 'error')) {
      continue;
    }
    admit(composer.next(token));
  }
  admit(composer.end());
  return { entries, lineCounter, aliasTargets };
}

/**
 * Offset of the first U+FFFD (REPLACEMENT CHARACTER) in `text`, or undefined. Text decoded from
 * bytes that are not UTF-8 carries one where each bad sequence was (TextDecoder's default), and
 * a real file has no reason to contain one.
 */
export function replacementCharOffset(text: string): number | undefined {
  const at = text.indexOf('\uFFFD');
  return at === -1 ? undefined : at;
}

/** "bytes that are not UTF-8 …" problem text for a file, with what to do. */
export const NOT_UTF8_MESSAGE =
  'the file holds bytes that are not UTF-8 (decoded as U+FFFD, the replacement character); ' +
  'save it as UTF-8';

function depthRefusal(offset: number, limits: YamlLimits): YamlRefusal {
  return {
    offset,
    limit: 'maxDepth',
    message: `mappings and lists are nested more than ${String(limits.maxDepth)} deep (limit maxDepth, aliases counted as expanded); flatten the document`,
  };
}

// ---------------------------------------------------------------------------------------------
// Before composition: the CST

/** Offset of the first collection nested deeper than `maxDepth` in a CST node, or undefined. */
function cstTooDeep(root: CST.Token, limits: YamlLimits): number | undefined {
  const stack: [CST.Token, number][] = [[root, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [token, depth] = next;
    if (
      token.type !== 'block-map' &&
      token.type !== 'block-seq' &&
      token.type !== 'flow-collection'
    ) {
      continue;
    }
    if (depth + 1 > limits.maxDepth) return token.offset;
    for (const item of token.items as readonly CST.CollectionItem[]) {
      if (item.key != null) stack.push([item.key, depth + 1]);
      if (item.value !== undefined) stack.push([item.value, depth + 1]);
    }
  }
  return undefined;
}

/**
 * Adds errors to the document for the keys of a mapping that JSON cannot carry: a mapping or a
 * list as a key (BAD_KEY), and a key equal to an earlier one (DUPLICATE_KEY; scalars by value,
 * other keys by identity: the `yaml` package's default rule).
 */
function checkKeys(doc: Document.Parsed, pairs: readonly unknown[]): void {
  const seen = new Set<unknown>();
  for (const pair of pairs) {
    if (!isPair(pair)) continue;
    if (isMap(pair.key) || isSeq(pair.key)) {
      const at = offsetOf(pair.key);
      doc.errors.push(
        new YAMLParseError(
          [at, at + 1],
          'NON_STRING_KEY',
          'a mapping key must be a scalar, not a mapping or a list',
        ),
      );
      continue;
    }
    const key: unknown = isScalar(pair.key) ? pair.key.value : pair.key;
    if (!seen.has(key)) {
      seen.add(key);
      continue;
    }
    const at = offsetOf(pair.key);
    doc.errors.push(new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
  }
}

/** Where a node (or a pair in a list: its key) starts. */
function offsetOf(unit: unknown): number {
  const node: unknown = isPair(unit) ? unit.key : unit;
  const range = (node as { range?: readonly number[] | null } | null)?.range;
  return range?.[0] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// After composition: the document, aliases expanded

/** A node's size once its aliases are expanded. */
interface Measure {
  /** Nesting of collections (a scalar is 0). */
  readonly depth: number;
  /** Alias expansions. */
  readonly aliases: number;
  /** Bytes the expansions add. */
  readonly added: number;
  /** Estimated bytes of the expanded node: scalars by their source, at least 1 per node. */
  readonly bytes: number;
}

/** A collection being measured: what its children added up to so far. */
interface Frame {
  readonly unit: object;
  readonly children: readonly unknown[];
  next: number;
  depth: number;
  aliases: number;
  added: number;
  bytes: number;
}

const SCALAR_MEASURE = { depth: 0, aliases: 0, added: 0 };

/**
 * Measures a composed document against the limits with an explicit stack, resolving aliases as
 * the `yaml` package does (the last node before the alias, in document order, with that anchor).
 * Records alias targets in `aliasTargets`; returns the first limit crossed, or undefined.
 */
function measureDocument(
  doc: Document.Parsed,
  limits: YamlLimits,
  aliasTargets: Map<Alias, YamlNode>,
): YamlRefusal | undefined {
  if (doc.contents === null) return undefined;
  const anchors = new Map<string, YamlNode>();
  const done = new Map<object, Measure>();
  const open = new Set<object>();
  const stack: Frame[] = [];

  /** Adds a child's measure to the innermost open collection; a refusal when over a limit. */
  const add = (child: Measure, at: number): YamlRefusal | undefined => {
    const frame = stack[stack.length - 1];
    if (frame === undefined) return undefined;
    frame.depth = Math.max(frame.depth, child.depth + 1);
    frame.aliases += child.aliases;
    frame.added += child.added;
    frame.bytes += child.bytes;
    if (frame.depth > limits.maxDepth) return depthRefusal(at, limits);
    if (frame.aliases > limits.maxAliases) {
      return {
        offset: at,
        limit: 'maxAliases',
        message: `more than ${String(limits.maxAliases)} alias expansions in one document (limit maxAliases; an alias inside an expanded anchor counts each time); use fewer aliases`,
      };
    }
    if (frame.added > limits.maxAliasBytes) {
      return {
        offset: at,
        limit: 'maxAliasBytes',
        message: `expanding aliases adds more than ${String(limits.maxAliasBytes)} bytes to one document (limit maxAliasBytes); alias smaller values, or fewer times`,
      };
    }
    return undefined;
  };

  /** Measures a leaf or opens a collection; a refusal when over a limit. */
  const visit = (item: unknown): YamlRefusal | undefined => {
    if (isAlias(item)) {
      const at = item.range?.[0] ?? 0;
      const target = anchors.get(item.source);
      // An alias with no anchor before it: the converters report it.
      if (target === undefined) return add({ ...SCALAR_MEASURE, bytes: 1 }, at);
      aliasTargets.set(item, target);
      const measure = done.get(target);
      if (measure === undefined || open.has(target)) {
        return {
          offset: at,
          message: `alias *${item.source} is used inside the node it refers to, which makes a recursive structure JSON cannot hold; refer only to complete nodes`,
        };
      }
      return add(
        {
          depth: measure.depth,
          aliases: measure.aliases + 1,
          added: measure.bytes,
          bytes: measure.bytes,
        },
        at,
      );
    }
    if (isScalar(item)) {
      if (item.anchor !== undefined) anchors.set(item.anchor, item);
      const range = item.range;
      const measure = {
        ...SCALAR_MEASURE,
        bytes: range == null ? 1 : Math.max(1, range[1] - range[0]),
      };
      done.set(item, measure);
      return add(measure, range?.[0] ?? 0);
    }
    if (isMap(item) || isSeq(item)) {
      if (item.anchor !== undefined) anchors.set(item.anchor, item);
      if (isMap(item)) checkKeys(doc, item.items);
      open.add(item);
      const children: unknown[] = [];
      for (const child of item.items) {
        // A map's pairs are not a level of their own; a pair in a list (`[a: b]`) is a mapping.
        if (isPair(child) && isMap(item)) children.push(child.key, child.value);
        else children.push(child);
      }
      stack.push({ unit: item, children, next: 0, depth: 0, aliases: 0, added: 0, bytes: 1 });
      return undefined;
    }
    if (isPair(item)) {
      open.add(item);
      stack.push({
        unit: item,
        children: [item.key, item.value],
        next: 0,
        depth: 0,
        aliases: 0,
        added: 0,
        bytes: 1,
      });
    }
    return undefined;
  };

  const first = visit(doc.contents);
  if (first !== undefined) return first;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame === undefined) break;
    if (frame.next < frame.children.length) {
      const refusal = visit(frame.children[frame.next++]);
      if (refusal !== undefined) return refusal;
      continue;
    }
    stack.pop();
    open.delete(frame.unit);
    const measure: Measure = {
      depth: frame.depth === 0 ? 1 : frame.depth,
      aliases: frame.aliases,
      added: frame.added,
      bytes: frame.bytes,
    };
    done.set(frame.unit, measure);
    const refusal = add(measure, offsetOf(frame.unit));
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}
