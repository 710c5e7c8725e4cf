/**
 * YAML (and JSON) text → documents of located nodes: every mapping, list, scalar and key keeps
 * its 1-based line and column, so validation can name the exact place of a problem. The rest of
 * the fleet code never sees the `yaml` package.
 *
 * The text is read within the YAML limits of core/yaml-limits.ts (documents per file, nesting,
 * alias expansions): a document over one comes back with no root and one error naming the
 * limit. Documents within them are converted here, aliases expanded, by a recursion that the
 * nesting limit bounds.
 */
import type { Alias, Node as YamlNode, Scalar } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import { DEFAULT_YAML_LIMITS, readYamlStream } from '../yaml-limits.ts';
import type { YamlLimitName, YamlLimits } from '../yaml-limits.ts';

export interface Pos {
  readonly line: number;
  readonly column: number;
}

export type ScalarValue = string | number | boolean | null;

export interface YScalar {
  readonly kind: 'scalar';
  readonly pos: Pos;
  readonly value: ScalarValue;
  /** Source text of a plain (unquoted) scalar, for messages like "quote it: '1.20'". */
  readonly source?: string;
}

export interface YEntry {
  readonly key: string;
  readonly keyPos: Pos;
  readonly value: YNode;
}

export interface YMap {
  readonly kind: 'map';
  readonly pos: Pos;
  readonly entries: readonly YEntry[];
}

export interface YSeq {
  readonly kind: 'seq';
  readonly pos: Pos;
  readonly items: readonly YNode[];
}

export type YNode = YScalar | YMap | YSeq;

export interface YIssue {
  readonly pos: Pos;
  readonly message: string;
  /** The YAML limit crossed, when that is the issue. */
  readonly limit?: YamlLimitName;
}

export interface YDocument {
  /** Where the document starts. */
  readonly pos: Pos;
  /** UTF-8 size of the document's source text. */
  readonly bytes: number;
  /** Undefined for an empty document. Best effort when `errors` is not empty. */
  readonly root: YNode | undefined;
  /** Syntax errors, and values that cannot be represented (bad keys, tags, alias bombs). */
  readonly errors: readonly YIssue[];
  readonly warnings: readonly YIssue[];
}

/** Every document of a YAML stream (a JSON file is one document), within `limits`. Never throws. */
export function readYamlDocuments(
  text: string,
  limits: YamlLimits = DEFAULT_YAML_LIMITS,
): YDocument[] {
  const stream = readYamlStream(text, {}, limits);
  const at = (offset: number): Pos => {
    const { line, col } = stream.lineCounter.linePos(offset);
    return { line, column: col };
  };
  return stream.entries.map((entry): YDocument => {
    if (entry.kind === 'refused') {
      const { offset, limit, message } = entry.refusal;
      const pos = at(offset);
      return {
        pos,
        bytes: 0,
        root: undefined,
        errors: [{ pos, message, ...(limit === undefined ? {} : { limit }) }],
        warnings: [],
      };
    }
    const doc = entry.doc;
    const [start, , end] = doc.range;
    const converter = new Converter(at, stream.aliasTargets);
    const root = doc.contents === null ? undefined : converter.node(doc.contents);
    return {
      pos: at(doc.contents?.range?.[0] ?? start),
      bytes: utf8Length(text, start, end),
      root: root?.kind === 'scalar' && root.value === null ? undefined : root,
      errors: firstPerLine([
        ...doc.errors.map((e) => ({ pos: at(e.pos[0]), message: e.message })),
        ...converter.errors,
      ]),
      warnings: doc.warnings.map((w) => ({ pos: at(w.pos[0]), message: w.message })),
    };
  });
}

/**
 * Converts a document that passed the YAML limits. Recursive: its depth is the document's
 * nesting with aliases expanded, which maxDepth bounds; so are the expansions (maxAliases).
 */
class Converter {
  readonly errors: YIssue[] = [];
  private readonly at: (offset: number) => Pos;
  private readonly aliasTargets: ReadonlyMap<Alias, YamlNode>;

  constructor(at: (offset: number) => Pos, aliasTargets: ReadonlyMap<Alias, YamlNode>) {
    this.at = at;
    this.aliasTargets = aliasTargets;
  }

  private posOf(node: YamlNode): Pos {
    return this.at(node.range?.[0] ?? 0);
  }

  node(node: unknown): YNode | undefined {
    if (isAlias(node)) {
      const target = this.aliasTargets.get(node);
      if (target === undefined) {
        this.issue(node, `alias *${node.source} refers to no anchor`);
        return undefined;
      }
      return this.node(target);
    }
    if (isScalar(node)) return this.scalar(node);
    if (isMap(node)) {
      const entries: YEntry[] = [];
      for (const pair of node.items) {
        const key = isAlias(pair.key) ? this.aliasTargets.get(pair.key) : pair.key;
        const raw: unknown = isScalar(key) ? key.value : undefined;
        if (
          !isScalar(key) ||
          !(typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean')
        ) {
          const where = isScalar(key) || isMap(key) || isSeq(key) ? key : node;
          this.issue(where, 'mapping keys must be strings');
          continue;
        }
        const keyText = typeof raw === 'string' ? raw : (key.source ?? String(raw));
        const value: YNode | undefined =
          pair.value === null
            ? { kind: 'scalar', pos: this.posOf(key), value: null }
            : this.node(pair.value);
        if (value !== undefined) entries.push({ key: keyText, keyPos: this.posOf(key), value });
      }
      return { kind: 'map', pos: this.posOf(node), entries };
    }
    if (isSeq(node)) {
      const items: YNode[] = [];
      for (const item of node.items) {
        const converted = this.node(item);
        if (converted !== undefined) items.push(converted);
      }
      return { kind: 'seq', pos: this.posOf(node), items };
    }
    return undefined;
  }

  private scalar(node: Scalar): YNode | undefined {
    const value: unknown = node.value;
    const pos = this.posOf(node);
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      return node.type === 'PLAIN' && node.source !== undefined
        ? { kind: 'scalar', pos, value, source: node.source }
        : { kind: 'scalar', pos, value };
    }
    this.issue(node, `unsupported YAML value (${typeof value}); use a string, number or boolean`);
    return undefined;
  }

  private issue(node: YamlNode, message: string): void {
    this.errors.push({ pos: this.posOf(node), message });
  }
}

/** One error per line: after the first, the parser's further errors on a line are echoes. */
function firstPerLine(issues: readonly YIssue[]): YIssue[] {
  const seen = new Set<number>();
  return issues.filter((i) => !seen.has(i.pos.line) && seen.add(i.pos.line));
}

/** UTF-8 byte length of `text.slice(start, end)` without copying it. */
function utf8Length(text: string, start: number, end: number): number {
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
