/**
 * Hostile and malformed fleet files: each is refused with a problem naming the file, the place
 * and (for a limit) the limit, and the fleet in force stays in force.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto/domain';
import { isCollection, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { DEFAULT_YAML_LIMITS } from '../yaml-limits.ts';
import { VALID_FLEET, fleetWith } from './__fixtures__/fleet-repo.ts';
import { acceptFleet } from './accept.ts';
import { parseFleet } from './parse-fleet.ts';
import { fieldPath } from './read.ts';
import type { FleetProblem } from './types.ts';

const TARGET = (name: string, extra = ''): string =>
  `apiVersion: gitfleet.dev/v1alpha1\nkind: Target\nmetadata:\n  name: ${name}\n${extra}`;
const GOOD = parseFleet(fleetWith()).spec;

/** Parses the valid fleet with `changes`; checks the fleet in force is kept; returns the errors. */
function refused(changes: Readonly<Record<string, string | null>>): FleetProblem[] {
  const parsed = parseFleet(fleetWith(changes));
  const decision = acceptFleet(GOOD, parsed);
  expect(decision.accepted).toBe(false);
  expect(decision.inForce).toBe(GOOD);
  return parsed.problems.filter((p) => p.severity === 'error');
}

const where = (p: FleetProblem) => ({
  file: p.file,
  line: p.line,
  code: p.code,
  limit: p.limit,
});

describe('parseFleet: YAML limits', () => {
  it('an alias bomb ("billion laughs") in a Target: LIMIT_EXCEEDED maxAliases', () => {
    const levels = ['    l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      levels.push(
        `    l${String(i)}: &l${String(i)} [${Array(9)
          .fill(`*l${String(i - 1)}`)
          .join(',')}]`,
      );
    }
    const errors = refused({
      'targets/bomb.yaml': TARGET('bomb', `  annotations:\n${levels.join('\n')}\n`),
    });
    expect(errors.map(where)).toEqual([
      { file: 'targets/bomb.yaml', line: 9, code: ErrorCode.LimitExceeded, limit: 'maxAliases' },
    ]);
    expect(errors[0]?.message).toMatch(/more than 100 alias expansions .*limit maxAliases/);
  });

  it('a 10,000-document fleet file: LIMIT_EXCEEDED maxDocuments at the first document over', () => {
    const docs = Array.from({ length: 10_000 }, (_, i) => TARGET(`lab-${String(i)}`));
    const errors = refused({ 'targets/lab.yaml': docs.join('---\n') });
    const firstOver = DEFAULT_YAML_LIMITS.maxDocuments; // 0-based index of the 5,001st
    expect(errors.map(where)).toEqual([
      {
        file: 'targets/lab.yaml',
        line: firstOver * 5 + 1,
        code: ErrorCode.LimitExceeded,
        limit: 'maxDocuments',
      },
    ]);
    expect(errors[0]?.message).toMatch(/more than 5000 YAML documents in one file/);
  }, 60_000);

  it.each([
    ['flow lists', `  labels: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, 5],
    [
      'block mappings',
      `  labels:\n${Array.from({ length: 150 }, (_, i) => `${'  '.repeat(i + 2)}k:`).join('\n')}\n`,
      104,
    ],
  ])(
    'nesting 100,000 deep (%s): LIMIT_EXCEEDED maxDepth, no stack overflow',
    (_name, extra, line) => {
      const errors = refused({ 'targets/deep.yaml': TARGET('deep', extra) });
      expect(errors.map(where)).toEqual([
        { file: 'targets/deep.yaml', line, code: ErrorCode.LimitExceeded, limit: 'maxDepth' },
      ]);
      expect(errors[0]?.message).toMatch(/nested more than 100 deep .*limit maxDepth/);
    },
    60_000,
  );

  it('a recursive alias is refused (not a limit), without looping', () => {
    const errors = refused({
      'targets/loop.yaml': TARGET('loop', '  annotations: &a { self: *a }\n'),
    });
    expect(errors.map(where)).toEqual([
      { file: 'targets/loop.yaml', line: 5, code: undefined, limit: undefined },
    ]);
    expect(errors[0]?.message).toMatch(/alias \*a is used inside the node it refers to/);
  });

  it('limits can be lowered (and raised) by the caller', () => {
    const { problems } = parseFleet(fleetWith(), { yamlLimits: { maxDepth: 2 } });
    expect(problems.some((p) => p.limit === 'maxDepth')).toBe(true);
  });
});

describe('parseFleet: bytes that are not UTF-8', () => {
  const latin1 = (text: string): string =>
    new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0)));

  it('a fleet file with Latin-1 bytes: refused, naming the file, line and column', () => {
    const errors = refused({
      'targets/latin1.yaml': latin1(TARGET('zurich', '  annotations:\n    city: Z\u00fcrich\n')),
    });
    expect(errors).toEqual([
      expect.objectContaining({ file: 'targets/latin1.yaml', line: 6, column: 12 }),
    ]);
    expect(errors[0]?.message).toMatch(/bytes that are not UTF-8 .*save it as UTF-8/);
  });

  it('a file that never mentions gitfleet.dev/ is not read, whatever its bytes', () => {
    const { problems } = parseFleet(
      fleetWith({ 'assets/logo.yaml': latin1('\u00ff\u00fe\u0000') }),
    );
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Valid YAML, wrong shape

/** Every value path of a YAML value, parents first, skipping what holds free-form JSON. */
function valuePaths(value: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, path] = next;
    const last = path.at(-1);
    // A JSON patch op's value is any JSON, and so is everything inside a merge patch.
    if (last === 'value') continue;
    if (path.length > 0) out.push(path);
    if (last === 'merge') continue;
    if (Array.isArray(v)) v.forEach((item, i) => stack.push([item, [...path, i]]));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) stack.push([item, [...path, k]]);
    }
  }
  return out;
}

function dotted(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (field, step) =>
      typeof step === 'number' ? `${field}[${String(step)}]` : fieldPath(field, step),
    '',
  );
}

/** A value of a type no field accepts where `original` is: a mapping for a scalar, else a string. */
function wrongFor(original: unknown): unknown {
  return typeof original === 'object' && original !== null ? 'wrong' : { wrong: [1] };
}

/** Each fleet document of the valid fleet: file, index in the file, parsed documents. */
const FLEET_DOCS = Object.entries(VALID_FLEET).flatMap(([file, text]) => {
  if (!/\.ya?ml$/.test(file)) return [];
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  return docs.flatMap((doc, index) =>
    String(doc.get('apiVersion')).startsWith('gitfleet.dev/') ? [{ file, index, docs }] : [],
  );
});

function replaced(docs: readonly Document.Parsed[], index: number, doc: Document): string {
  return docs.map((d, i) => String(i === index ? doc : d)).join('---\n');
}

describe('parseFleet: valid YAML of the wrong shape', () => {
  const cases = FLEET_DOCS.flatMap(({ file, index, docs }) =>
    valuePaths(docs[index]?.toJS()).flatMap((path) =>
      path[0] === 'apiVersion' ? [] : [{ file, index, docs, path }],
    ),
  );

  it(`every field of every fleet object, one at a time, given a value of the wrong type (${String(cases.length)} cases): an error at that field`, () => {
    const missed: string[] = [];
    for (const { file, index, docs, path } of cases) {
      const doc = docs[index]?.clone();
      if (doc === undefined) throw new Error('no document');
      doc.setIn(path, doc.createNode(wrongFor(doc.getIn(path))));
      const { problems } = parseFleet(fleetWith({ [file]: replaced(docs, index, doc) }));
      const field = dotted(path);
      const hit = problems.some(
        (p) => p.severity === 'error' && p.file === file && p.line > 0 && p.field === field,
      );
      if (!hit)
        missed.push(
          `${file}: ${field}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
        );
    }
    expect(missed).toEqual([]);
  }, 60_000);

  it('every scalar of every fleet object wrong at once: an error at each of them', () => {
    for (const { file, index, docs } of FLEET_DOCS) {
      const doc = docs[index]?.clone();
      if (doc === undefined) throw new Error('no document');
      const leaves = valuePaths(doc.toJS()).filter((path) => {
        const value: unknown = doc.getIn(path);
        return !isCollection(value) && path[0] !== 'apiVersion' && path[0] !== 'kind';
      });
      for (const path of leaves) doc.setIn(path, doc.createNode({ wrong: [1] }));
      const { problems } = parseFleet(fleetWith({ [file]: replaced(docs, index, doc) }));
      const fields = new Set(problems.filter((p) => p.file === file).map((p) => p.field));
      expect(leaves.map(dotted).filter((f) => !fields.has(f))).toEqual([]);
    }
  });

  it('fleet objects written as a list: an error, not silence', () => {
    const errors = refused({
      'targets/list.yaml': `- ${TARGET('a').replaceAll('\n', '\n  ')}\n`,
    });
    expect(errors).toEqual([
      expect.objectContaining({ file: 'targets/list.yaml', line: 1, column: 3, field: '' }),
    ]);
    expect(errors[0]?.message).toMatch(
      /a list holding fleet objects; write each object as its own document/,
    );
  });

  it.each([
    ['a number', 'apiVersion: 1\n'],
    ['a list', 'apiVersion: [gitfleet.dev/v1alpha1]\n'],
    ['a mapping', 'apiVersion: { group: gitfleet.dev/ }\n'],
    ['missing', ''],
  ])('a fleet kind whose apiVersion is %s: an error at apiVersion', (_name, apiVersion) => {
    // After a valid Target, so that the file is a fleet file.
    const odd = `${apiVersion}kind: Target\nmetadata:\n  name: odd\n`;
    const errors = refused({ 'targets/odd.yaml': `${TARGET('fine')}---\n${odd}` });
    expect(errors).toEqual([
      expect.objectContaining({ file: 'targets/odd.yaml', line: 6, field: 'apiVersion' }),
    ]);
  });

  it("documents that are not fleet objects at all stay someone else's", () => {
    const { problems } = parseFleet(
      fleetWith({
        'notes.yaml':
          '# gitfleet.dev/ notes\n- just\n- a list\n---\n"a string"\n---\n{ kind: Deployment }\n',
      }),
    );
    expect(problems).toEqual([]);
  });

  it.each(
    Object.keys(VALID_FLEET)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => [f]),
  )('%s as one scalar, a list of scalars, or a mapping of lists: never a crash', (file) => {
    for (const text of [
      'gitfleet.dev/v1alpha1\n',
      '- gitfleet.dev/v1alpha1\n- 1\n',
      'apiVersion: [gitfleet.dev/v1alpha1]\nkind: [Target]\n',
    ]) {
      const { problems } = parseFleet(fleetWith({ [file]: text }));
      for (const p of problems) expect(p.line).toBeGreaterThanOrEqual(p.file === '' ? 0 : 1);
    }
  });
});
