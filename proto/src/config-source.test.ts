import { describe, expect, it } from 'vitest';
import {
  configDocsTable,
  configEnvVars,
  configUsage,
  httpUrl,
  integer,
  jsonObject,
  option,
  readConfig,
  secretFile,
  text,
  type ConfigSourceInput,
} from './config-source.ts';

const TABLE = {
  name: option({
    flag: 'name',
    env: 'T_NAME',
    arg: 'NAME',
    description: 'who it is',
    required: 'a DNS label',
    parse: text,
  }),
  mode: option({
    flag: 'mode',
    env: 'T_MODE',
    arg: 'MODE',
    description: 'fast|slow',
    default: 'fast',
    parse: text,
  }),
  count: option({
    flag: 'count',
    env: 'T_COUNT',
    arg: 'N',
    description: 'how many',
    default: 3,
    parse: integer(1, 10),
  }),
  secret: option({
    flag: 'secret-file',
    env: 'T_SECRET_FILE',
    arg: 'PATH',
    description: 'the secret',
    defaultText: 'none',
    parse: secretFile,
  }),
  options: option({
    flag: 'options',
    env: 'T_OPTIONS',
    arg: 'JSON',
    description: 'passed through',
    object: true,
    parse: jsonObject('{"a":1}'),
  }),
  endpoint: option({
    flag: 'endpoint',
    env: 'T_ENDPOINT',
    arg: 'URL',
    description: 'where <it> goes',
    defaultText: 'off',
    parse: httpUrl,
  }),
};

const FILES: Record<string, string> = {
  '/c.json': JSON.stringify({ name: 'file', count: 7, options: { a: 2 } }),
  '/bad.json': JSON.stringify({ name: 'x', bogus: 1, mode: ['list'] }),
  '/s': ' hunter2 \n',
  '/empty': '',
};
const readFile = (p: string): string => {
  const v = FILES[p];
  if (v === undefined) throw new Error(`ENOENT ${p}`);
  return v;
};

function read(argv: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const input: ConfigSourceInput = { argv, env, readFile };
  return readConfig(TABLE, input);
}

describe('readConfig', () => {
  it.each<[string, string[], NodeJS.ProcessEnv, Record<string, unknown>, Record<string, string>]>([
    [
      'defaults',
      ['--name', 'a'],
      {},
      { name: 'a', mode: 'fast', count: 3, secret: undefined, options: undefined },
      { name: '--name' },
    ],
    [
      'a flag beats the variable',
      ['--name', 'a', '--count', '4'],
      { T_COUNT: '5', T_MODE: 'slow' },
      { count: 4, mode: 'slow' },
      { count: '--count', mode: 'T_MODE' },
    ],
    [
      'the variable beats the file, an empty one is unset',
      ['--config', '/c.json'],
      { T_NAME: 'env', T_COUNT: '' },
      { name: 'env', count: 7, options: { a: 2 } },
      { name: 'T_NAME', count: '/c.json:count', options: '/c.json:options' },
    ],
    [
      'the file named by GITFLEET_CONFIG; JSON text beats its object',
      [],
      { GITFLEET_CONFIG: '/c.json', T_OPTIONS: '{"b":true}' },
      { name: 'file', options: { b: true } },
      { options: 'T_OPTIONS' },
    ],
    [
      'a secret from its file, trimmed',
      ['--name', 'a', '--secret-file', '/s'],
      {},
      { secret: 'hunter2' },
      { secret: '--secret-file' },
    ],
  ])('%s', (_, argv, env, values, from) => {
    const c = read(argv, env);
    expect(c.problems).toEqual([]);
    expect(c.values).toMatchObject(values);
    expect(c.from).toMatchObject(from);
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['a required option', [], {}, /^name is required: set --name or T_NAME \(a DNS label\)$/],
    [
      'an integer out of range',
      ['--count', '11'],
      {},
      /^--count=11: must be an integer from 1 to 10$/,
    ],
    ['an integer from a variable', [], { T_COUNT: 'x' }, /^T_COUNT=x: must be an integer/],
    ['an empty secret', ['--secret-file', '/empty'], {}, /^--secret-file: \/empty is empty$/],
    [
      'a missing secret',
      ['--secret-file', '/nope'],
      {},
      /^--secret-file: cannot read \/nope: ENOENT/,
    ],
    [
      'JSON that is not an object',
      ['--options', '[1]'],
      {},
      /^--options: expected a JSON object \(e\.g\. '\{"a":1\}'\)$/,
    ],
    [
      'a URL with credentials',
      ['--endpoint', 'https://u:p@h/'],
      {},
      /"https:\/\/\[credentials\]@h\/" is not an http\(s\) URL/,
    ],
    ['an unknown flag', ['--nope'], {}, /Unknown option '--nope'.*\(see --help\)$/],
    [
      'an unknown file key',
      ['--config', '/bad.json'],
      {},
      /^\/bad\.json: unknown key "bogus" \(known: name, mode, count/,
    ],
    [
      'a list in the file',
      ['--config', '/bad.json'],
      {},
      /^\/bad\.json: mode must be a string, a number or a boolean$/,
    ],
    ['a missing file', ['--config', '/nope.json'], {}, /^config file \/nope\.json: ENOENT/],
  ])('reports %s', (_, argv, env, re) => {
    const { problems } = read(argv, env);
    expect(
      problems.some((p) => re.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('reports every problem at once, the default standing in for a bad value', () => {
    const c = read(['--count', '0', '--options', '{'], { T_ENDPOINT: 'ftp://h' });
    expect(c.problems).toHaveLength(4);
    expect(c.values.count).toBe(3);
  });

  it('never echoes the content of a secret or of a config file', () => {
    const c = readConfig(TABLE, {
      argv: ['--config', '/x.json', '--options', '{"password":"hunter3"'],
      env: {},
      readFile: () => '{"password": "hunter4", ',
    });
    expect(c.problems.join('\n')).not.toMatch(/hunter/);
  });
});

describe('help and docs from the table', () => {
  const usage = configUsage(TABLE, { name: 't', summary: 'a test binary', notes: ['A note.'] });

  it('--help: each flag with its description, variable and default', () => {
    expect(usage).toMatch(/^t: a test binary\n\nusage: t \[options\]\n/);
    for (const line of [
      '  --name NAME         who it is\n                      (T_NAME)  required\n',
      '                      (T_COUNT)  default: 3\n',
      '                      (T_SECRET_FILE)  default: none\n',
      '                      (T_OPTIONS)\n',
      '  --config PATH       JSON file with any of the options above',
      '                      (GITFLEET_CONFIG)\n',
      '  -h, --help          this help\n',
      '\nA note.\n',
    ])
      expect(usage).toContain(line);
  });

  it('names every variable the binary reads', () => {
    expect(configEnvVars(TABLE)).toEqual([
      'GITFLEET_CONFIG',
      'T_NAME',
      'T_MODE',
      'T_COUNT',
      'T_SECRET_FILE',
      'T_OPTIONS',
      'T_ENDPOINT',
    ]);
    for (const v of configEnvVars(TABLE)) expect(usage).toContain(`(${v})`);
  });

  it('docs: one Markdown row per option, | and < escaped', () => {
    const lines = configDocsTable(TABLE).split('\n');
    expect(lines).toHaveLength(2 + 6 + 1);
    expect(lines).toContain('| `--name NAME` | `T_NAME` | `name` | required | who it is |');
    expect(lines).toContain('| `--mode MODE` | `T_MODE` | `mode` | `fast` | fast\\|slow |');
    expect(lines).toContain('| `--options JSON` | `T_OPTIONS` | `options` | — | passed through |');
    expect(lines).toContain(
      '| `--endpoint URL` | `T_ENDPOINT` | `endpoint` | off | where &lt;it> goes |',
    );
    expect(lines.at(-1)).toMatch(/^\| `--config PATH` \| `GITFLEET_CONFIG` \| — \| — \|/);
  });
});
