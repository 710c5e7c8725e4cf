import { describe, expect, it } from 'vitest';
import { parseFleet } from './parse-fleet.ts';
import {
  editEnvironment,
  filesDeclaringEnvironment,
  scalarText,
  type EnvironmentEdit,
} from './env-edit.ts';

const HEAD = 'apiVersion: gitfleet.dev/v1alpha1\nkind: Environment\n';

/** The documented example, flow style with aligned comments. */
const FLOW = `# prod: the paying customers
apiVersion: gitfleet.dev/v1alpha1
kind: Target
metadata: { name: prod-eu-1, labels: { env: prod } }
---
${HEAD}metadata: { name: prod }
spec:
  selector: { matchLabels: { env: prod } }
  pins: { shop: v2.3.1 }                      # commit SHA, tag or branch per application
  targetPins: { prod-eu-1: { shop: 3f2a9c1 } }
  frozen: false                               # frozen: targets keep what they have
`;

/** Block style, no pins yet, a trailing comment, another environment after it. */
const BLOCK = `${HEAD}metadata:
  name: staging
spec:
  selector:
    matchLabels:
      env: staging   # all staging clusters
  # pins go here
---
${HEAD}metadata: { name: dev }
spec:
  selector: { matchLabels: { env: dev } }
`;

const PINNED = `${HEAD}metadata: { name: prod }
spec:
  selector: { matchLabels: { env: prod } }
  pins:
    shop: v2.3.1 # the release
    web: "1234567"
  targetPins:
    prod-eu-1:
      shop: 3f2a9c1
  frozen: true
`;

interface Case {
  readonly name: string;
  readonly text: string;
  readonly env: string;
  readonly edit: EnvironmentEdit;
  /** The whole expected output, or undefined when nothing changes. */
  readonly want: string | undefined;
  readonly previous?: string;
}

const cases: Case[] = [
  {
    name: 'pin: adds to a flow map, comments and alignment kept',
    text: FLOW,
    env: 'prod',
    edit: { kind: 'pin', app: 'web', revision: 'v1.2.0' },
    want: FLOW.replace('{ shop: v2.3.1 }', '{ shop: v2.3.1, web: v1.2.0 }'),
  },
  {
    name: 'pin: replaces a pin in place',
    text: FLOW,
    env: 'prod',
    edit: { kind: 'pin', app: 'shop', revision: 'v2.4.0' },
    want: FLOW.replace('shop: v2.3.1', 'shop: v2.4.0'),
    previous: 'v2.3.1',
  },
  {
    name: 'pin: the same revision changes nothing',
    text: FLOW,
    env: 'prod',
    edit: { kind: 'pin', app: 'shop', revision: 'v2.3.1' },
    want: undefined,
    previous: 'v2.3.1',
  },
  {
    name: 'pin: a digit-only SHA is quoted so that it stays a string',
    text: FLOW,
    env: 'prod',
    edit: { kind: 'pin', app: 'shop', revision: '1234567' },
    want: FLOW.replace('shop: v2.3.1', 'shop: "1234567"'),
    previous: 'v2.3.1',
  },
  {
    name: 'pin on a target: nested flow maps',
    text: FLOW,
    env: 'prod',
    edit: { kind: 'pin', app: 'web', revision: 'main', target: 'prod-eu-1' },
    want: FLOW.replace(
      '{ prod-eu-1: { shop: 3f2a9c1 } }',
      '{ prod-eu-1: { shop: 3f2a9c1, web: main } }',
    ),
  },
  {
    name: 'pin: adds a block `pins` to a block spec, before its trailing comment',
    text: BLOCK,
    env: 'staging',
    edit: { kind: 'pin', app: 'web', revision: 'release/1.2' },
    want: BLOCK.replace(
      '      env: staging   # all staging clusters\n',
      '      env: staging   # all staging clusters\n  pins:\n    web: release/1.2\n',
    ),
  },
  {
    name: 'pin on a target: new nested block maps',
    text: BLOCK,
    env: 'dev',
    edit: { kind: 'pin', app: 'web', revision: 'abc1234', target: 'dev-1' },
    want: `${BLOCK}  targetPins:\n    dev-1:\n      web: abc1234\n`,
  },
  {
    name: 'pin: block map, a new entry after the last one',
    text: PINNED,
    env: 'prod',
    edit: { kind: 'pin', app: 'api', revision: 'v9' },
    want: PINNED.replace('    web: "1234567"\n', '    web: "1234567"\n    api: v9\n'),
  },
  {
    name: 'unpin: removes one line of a block map',
    text: PINNED,
    env: 'prod',
    edit: { kind: 'unpin', app: 'shop' },
    want: PINNED.replace('    shop: v2.3.1 # the release\n', ''),
    previous: 'v2.3.1',
  },
  {
    name: 'unpin: the last target pin removes the emptied maps too',
    text: PINNED,
    env: 'prod',
    edit: { kind: 'unpin', app: 'shop', target: 'prod-eu-1' },
    want: PINNED.replace('  targetPins:\n    prod-eu-1:\n      shop: 3f2a9c1\n', ''),
    previous: '3f2a9c1',
  },
  {
    name: 'unpin: the only entry of a flow map removes the key',
    text: FLOW,
    env: 'prod',
    edit: { kind: 'unpin', app: 'shop' },
    want: FLOW.replace(
      '  pins: { shop: v2.3.1 }                      # commit SHA, tag or branch per application\n',
      '',
    ),
    previous: 'v2.3.1',
  },
  {
    name: 'unpin: the first of two flow entries',
    text: FLOW.replace('{ shop: v2.3.1 }', '{ shop: v2.3.1, web: v1 }'),
    env: 'prod',
    edit: { kind: 'unpin', app: 'shop' },
    want: FLOW.replace('{ shop: v2.3.1 }', '{ web: v1 }'),
    previous: 'v2.3.1',
  },
  {
    name: 'unpin: the second of two flow entries',
    text: FLOW.replace('{ shop: v2.3.1 }', '{ shop: v2.3.1, web: v1 }'),
    env: 'prod',
    edit: { kind: 'unpin', app: 'web' },
    want: FLOW,
    previous: 'v1',
  },
  {
    name: 'unpin: nothing pinned changes nothing',
    text: BLOCK,
    env: 'staging',
    edit: { kind: 'unpin', app: 'web' },
    want: undefined,
  },
  {
    name: 'freeze: `frozen: false` becomes true in place, comment kept',
    text: FLOW,
    env: 'prod',
    edit: { kind: 'freeze' },
    want: FLOW.replace('frozen: false', 'frozen: true'),
  },
  {
    name: 'freeze: adds the key to the second document only',
    text: BLOCK,
    env: 'dev',
    edit: { kind: 'freeze' },
    want: `${BLOCK}  frozen: true\n`,
  },
  {
    name: 'freeze: already frozen',
    text: PINNED,
    env: 'prod',
    edit: { kind: 'freeze' },
    want: undefined,
  },
  {
    name: 'thaw: removes `frozen: true`',
    text: PINNED,
    env: 'prod',
    edit: { kind: 'thaw' },
    want: PINNED.replace('  frozen: true\n', ''),
  },
  {
    name: 'thaw: `frozen: false` is not frozen',
    text: FLOW,
    env: 'prod',
    edit: { kind: 'thaw' },
    want: undefined,
  },
  {
    name: 'CRLF line endings are kept',
    text: BLOCK.replaceAll('\n', '\r\n'),
    env: 'dev',
    edit: { kind: 'freeze' },
    want: `${BLOCK}  frozen: true\n`.replaceAll('\n', '\r\n'),
  },
  {
    name: 'a file without a final newline',
    text: BLOCK.trimEnd(),
    env: 'dev',
    edit: { kind: 'freeze' },
    want: `${BLOCK}  frozen: true`,
  },
];

describe('editEnvironment', () => {
  it.each(cases)('$name', ({ text, env, edit, want, previous }) => {
    const out = editEnvironment(text, env, edit);
    expect(out.changed).toBe(want !== undefined);
    expect(out.text).toBe(want ?? text);
    expect(out.previous).toBe(previous);
  });

  it('every edited example is still a valid fleet document', () => {
    for (const c of cases) {
      const out = editEnvironment(c.text, c.env, c.edit).text;
      const errors = parseFleet(new Map([['f.yaml', out]])).problems.filter(
        (p) => p.severity === 'error' && !p.message.includes('is not declared'),
      );
      expect(errors, c.name).toEqual([]);
    }
  });

  it('edits an empty flow map', () => {
    const text = `${HEAD}metadata: { name: x }\nspec: { selector: {}, pins: {} }\n`;
    const out = editEnvironment(text, 'x', { kind: 'pin', app: 'web', revision: 'v1' });
    expect(out.text).toBe(
      `${HEAD}metadata: { name: x }\nspec: { selector: {}, pins: { web: v1 } }\n`,
    );
  });

  it('falls back to the Document API for a layout it cannot edit in place', () => {
    // `pins:` with no value (null): nothing to add an entry to
    const text = `# the x environment\n${HEAD}metadata: { name: x }\nspec:\n  selector: {} # all\n  pins:\n`;
    const out = editEnvironment(text, 'x', { kind: 'pin', app: 'web', revision: 'v1' });
    expect(out.text).toBe(
      `# the x environment\n${HEAD}metadata: { name: x }\nspec:\n  selector: {} # all\n  pins:\n    web: v1\n`,
    );
  });

  it('refuses an environment the file does not declare (NOT_FOUND)', () => {
    expect(() => editEnvironment(BLOCK, 'prod', { kind: 'freeze' })).toThrow(
      expect.objectContaining({
        code: 'NOT_FOUND',
        message: 'no Environment "prod" is declared in this file',
      }),
    );
  });
});

describe('filesDeclaringEnvironment', () => {
  it('finds the file by kind and name, not by text', () => {
    const files = new Map([
      ['a.yaml', BLOCK],
      ['b.yml', FLOW],
      ['c.yaml', 'kind: Environment # name: prod, but not a fleet object\n'],
      ['README.md', FLOW],
    ]);
    expect(filesDeclaringEnvironment(files, 'prod')).toEqual(['b.yml']);
    expect(filesDeclaringEnvironment(files, 'dev')).toEqual(['a.yaml']);
    expect(filesDeclaringEnvironment(files, 'qa')).toEqual([]);
  });
});

describe('scalarText', () => {
  it.each([
    ['v1.2.0', 'v1.2.0'],
    ['release/1.2', 'release/1.2'],
    ['1234567', '"1234567"'],
    ['1e10', '"1e10"'],
    ['true', '"true"'],
    ['yes', '"yes"'],
    ['a b', '"a b"'],
    [true, 'true'],
  ] as const)('%s → %s', (v, want) => {
    expect(scalarText(v)).toBe(want);
  });
});
