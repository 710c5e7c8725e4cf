/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests of what a
 * `/metrics` endpoint serves: every family must have its HELP and TYPE before its samples, its
 * samples must be together, and label values must use only the format's escapes (\\, \", \n).
 * Anything else throws, naming the line.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** The sample names a family of each type may have, by suffix of the family's name. */
const SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

interface Draft {
  name: string;
  help: string | undefined;
  type: MetricType | undefined;
  samples: Sample[];
}

/** Undoes the escapes of a HELP text (\\ and \n). */
function unescapeHelp(text: string, where: string): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`${where}: bad escape \\${c} in HELP`);
  });
}

/** A float as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case, Inf signed). */
function parseValue(text: string, where: string): number {
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(text);
  if (special !== null) {
    if (special[2]?.toLowerCase() === 'nan') {
      if (special[1] !== '') throw new Error(`${where}: a signed NaN`);
      return NaN;
    }
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`${where}: ${JSON.stringify(text)} is not a sample value`);
  return Number(text);
}

/** `{a="x",b="y"}` from `at` (the `{`): the labels and the index after the `}`. */
function parseLabels(line: string, at: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: a label without =`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: label ${name} given twice`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: label ${name} is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`${where}: label ${name} is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[j + 1];
        if (e === '\\' || e === '"') value += e;
        else if (e === 'n') value += '\n';
        else throw new Error(`${where}: bad escape \\${e ?? ''} in label ${name}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: labels must be separated by commas`);
  }
}

function parseSample(line: string, where: string): Sample {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd < 0) throw new Error(`${where}: a sample without a value`);
  const name = line.slice(0, nameEnd);
  if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${JSON.stringify(name)}`);
  const [labels, after] = line[nameEnd] === '{' ? parseLabels(line, nameEnd, where) : [{}, nameEnd];
  if (line[after] !== ' ') throw new Error(`${where}: no space before the value`);
  const rest = line.slice(after + 1).split(' ');
  if (rest.length > 2 || (rest.length === 2 && !/^-?\d+$/.test(rest[1] ?? '')))
    throw new Error(`${where}: trailing text after the value`);
  return { name, labels, value: parseValue(rest[0] ?? '', where) };
}

function familyOf(drafts: Map<string, Draft>, sample: string): Draft | undefined {
  for (const d of drafts.values()) {
    const suffixes = SUFFIXES[d.type ?? 'untyped'];
    if (suffixes.some((s) => d.name + s === sample)) return d;
  }
  return undefined;
}

/** @throws Error naming the line that breaks the format or the rules above */
export function parseExposition(text: string): Family[] {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const drafts = new Map<string, Draft>();
  let current: Draft | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, n) => {
    const where = `line ${String(n + 1)} ${JSON.stringify(line)}`;
    if (line.trim() === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      let d = drafts.get(name);
      if (d === undefined) {
        d = { name, help: undefined, type: undefined, samples: [] };
        drafts.set(name, d);
      } else if (d.samples.length > 0) {
        throw new Error(`${where}: ${kind ?? ''} after the samples of ${name}`);
      }
      if (kind === 'HELP') {
        if (d.help !== undefined) throw new Error(`${where}: a second HELP for ${name}`);
        d.help = unescapeHelp(rest, where);
      } else {
        if (d.type !== undefined) throw new Error(`${where}: a second TYPE for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${JSON.stringify(rest)}`);
        d.type = rest as MetricType;
      }
      current = d;
      return;
    }
    if (line.startsWith('#')) return;
    const sample = parseSample(line, where);
    const family = familyOf(drafts, sample.name);
    if (family === undefined) throw new Error(`${where}: no HELP or TYPE for ${sample.name}`);
    if (family !== current) throw new Error(`${where}: samples of ${family.name} are not together`);
    family.samples.push(sample);
  });
  return [...drafts.values()].map((d) => {
    if (d.help === undefined) throw new Error(`family ${d.name} has no HELP`);
    if (d.type === undefined) throw new Error(`family ${d.name} has no TYPE`);
    return { name: d.name, help: d.help, type: d.type, samples: d.samples };
  });
}

/** The value of the one sample named `name` with exactly `labels` (undefined: none). */
export function sampleValue(
  families: readonly Family[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want)
        return s.value;
    }
  }
  return undefined;
}
