/**
 * Where each pin of the fleet is written: the Environments of one fleet file, read with the
 * `yaml` package, and for every `spec.pins.<app>` and `spec.targetPins.<target>.<app>` whose
 * value is a string, the environment, application, target, value and the line of its key.
 * Pure; a file that does not parse, or a document that is not an Environment, has no pins.
 */
import { LineCounter, isMap, isScalar, parseAllDocuments } from 'yaml';
import type { Node as YamlNode, Pair, YAMLMap } from 'yaml';
import { FLEET_API_VERSION } from './types.ts';

export interface PinLocation {
  readonly environment: string;
  readonly app: string;
  /** Set for a pin of one target (`spec.targetPins`). */
  readonly target?: string;
  /** The revision as written. */
  readonly value: string;
  /** Repository-relative path of the file. */
  readonly file: string;
  /** 1-based line of the pin's key. */
  readonly line: number;
}

/** The identity of a pin across commits: environment, app and target (if any). */
export function pinKey(p: Pick<PinLocation, 'environment' | 'app' | 'target'>): string {
  return `${p.environment}\n${p.app}\n${p.target ?? ''}`;
}

function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v: unknown = node.value;
  return typeof v === 'string' ? v : undefined;
}

function mapAt(map: YAMLMap, key: string): YAMLMap | undefined {
  const pair = map.items.find((p: Pair) => scalarString(p.key) === key);
  return pair !== undefined && isMap(pair.value) ? pair.value : undefined;
}

/** Every pin of every Environment declared in `text` (the file `file`), in document order. */
export function pinsInFile(file: string, text: string): PinLocation[] {
  if (!text.includes('Environment')) return [];
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  if (!Array.isArray(docs)) return [];
  const out: PinLocation[] = [];
  const lineOf = (node: unknown): number => {
    const start = (node as YamlNode | null)?.range?.[0];
    return start === undefined ? 0 : lines.linePos(start).line;
  };
  const read = (map: YAMLMap, environment: string, target: string | undefined): void => {
    for (const pair of map.items) {
      const app = scalarString(pair.key);
      const value = scalarString(pair.value);
      if (app === undefined || value === undefined) continue;
      out.push({
        environment,
        app,
        ...(target === undefined ? {} : { target }),
        value,
        file,
        line: lineOf(pair.key),
      });
    }
  };
  for (const doc of docs) {
    const root = doc.contents;
    if (doc.errors.length > 0 || !isMap(root)) continue;
    if (doc.get('apiVersion') !== FLEET_API_VERSION || doc.get('kind') !== 'Environment') continue;
    const name: unknown = doc.getIn(['metadata', 'name']);
    if (typeof name !== 'string') continue;
    const spec = mapAt(root, 'spec');
    if (spec === undefined) continue;
    const pins = mapAt(spec, 'pins');
    if (pins !== undefined) read(pins, name, undefined);
    const byTarget = mapAt(spec, 'targetPins');
    for (const pair of byTarget?.items ?? []) {
      const target = scalarString(pair.key);
      if (target !== undefined && isMap(pair.value)) read(pair.value, name, target);
    }
  }
  return out;
}

/** The pins of `text` by pinKey → value (what the history of a file compares). */
export function pinValues(file: string, text: string): ReadonlyMap<string, string> {
  return new Map(pinsInFile(file, text).map((p) => [pinKey(p), p.value]));
}
