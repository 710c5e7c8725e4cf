/**
 * The dispatch of `gitfleet` without a hub: help, usage errors (exit 2), configuration from
 * flags, environment and defaults, author parsing, and the completion scripts. Everything that
 * needs a hub or a Git server is in test/src/cli/cli.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandSpec } from './command-table.ts';
import { runCli } from './cli.ts';
import { bashCompletion, zshCompletion } from './completion.ts';
import { parseAuthor } from './fleet-repo.ts';
import { parseCommand } from './parse.ts';

async function cli(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli({
    argv,
    env,
    stdout: (t) => (stdout += `${t}\n`),
    stderr: (t) => (stderr += `${t}\n`),
    isTTY: false,
    now: () => 0,
  });
  return { code, stdout, stderr };
}

describe('runCli without a hub', () => {
  it.each<{ argv: string[]; code: number; stream: 'stdout' | 'stderr'; text: string | RegExp }>([
    { argv: [], code: 2, stream: 'stderr', text: 'usage: gitfleet COMMAND' },
    { argv: ['--help'], code: 0, stream: 'stdout', text: 'exit codes:' },
    {
      argv: ['help', 'pin'],
      code: 0,
      stream: 'stdout',
      text: 'usage: gitfleet pin APP REVISION --env ENV --reason TEXT [options]',
    },
    { argv: ['status', '--help'], code: 0, stream: 'stdout', text: '--exit-code' },
    {
      argv: ['rollout', 'pause', '--help'],
      code: 0,
      stream: 'stdout',
      text: "the hub records the token's name as the sender",
    },
    {
      argv: ['status', '--help'],
      code: 0,
      stream: 'stdout',
      text: 'the hub HTTP API (env GITFLEET_HUB_URL, default http://127.0.0.1:8080)',
    },
    { argv: ['--version'], code: 0, stream: 'stdout', text: /^gitfleet \d+\.\d+\.\d+/ },
    {
      argv: ['stauts'],
      code: 2,
      stream: 'stderr',
      text: 'unknown command "stauts" (did you mean status?)',
    },
    {
      argv: ['status', '--nope'],
      code: 2,
      stream: 'stderr',
      text: "gitfleet status: Unknown option '--nope'",
    },
    { argv: ['status', 'extra'], code: 2, stream: 'stderr', text: 'unexpected argument "extra"' },
    {
      argv: ['status', '-o', 'yaml'],
      code: 2,
      stream: 'stderr',
      text: '-o/--output "yaml": use table or json',
    },
    {
      argv: ['history', 'web'],
      code: 2,
      stream: 'stderr',
      text: 'missing TARGET: usage: gitfleet history APP TARGET [options]',
    },
    {
      argv: ['diff', 'web', '--target', 'prd'],
      code: 2,
      stream: 'stderr',
      text: '--revision is required',
    },
    {
      argv: ['pin', 'web', 'v1', '--env', 'prod'],
      code: 2,
      stream: 'stderr',
      text: '--reason is required',
    },
    {
      argv: ['pin', 'Web', 'v1', '--env', 'prod', '--reason', 'x'],
      code: 2,
      stream: 'stderr',
      text: 'APP "Web" is not a valid name',
    },
    {
      argv: ['pin', 'web', 'a..b', '--env', 'prod', '--reason', 'x'],
      code: 2,
      stream: 'stderr',
      text: `REVISION "a..b" contains '..'`,
    },
    {
      argv: ['promote', 'web', '--from', 'a', '--to', 'a', '--reason', 'x'],
      code: 2,
      stream: 'stderr',
      text: 'name the same environment',
    },
    {
      argv: ['status', '--hub', 'ftp://x'],
      code: 2,
      stream: 'stderr',
      text: '--hub: "ftp://x" is not an http(s) URL',
    },
    {
      argv: ['status', '--timeout', 'soon'],
      code: 2,
      stream: 'stderr',
      text: '--timeout=soon: must be a number of milliseconds',
    },
    {
      argv: ['drift', '--by', 'kind'],
      code: 2,
      stream: 'stderr',
      text: '--by "kind": use target, app, object',
    },
    {
      argv: ['completion', 'fish'],
      code: 2,
      stream: 'stderr',
      text: 'unknown shell "fish": use bash or zsh',
    },
    {
      argv: ['completion', 'bash'],
      code: 0,
      stream: 'stdout',
      text: 'complete -F _gitfleet gitfleet',
    },
    {
      argv: ['__complete', 'apps', '--hub', 'http://127.0.0.1:1'],
      code: 0,
      stream: 'stdout',
      text: '',
    },
    {
      argv: ['__complete', 'rollouts', '--hub', 'http://127.0.0.1:1'],
      code: 0,
      stream: 'stdout',
      text: '',
    },
    { argv: ['rollout'], code: 2, stream: 'stderr', text: 'usage: gitfleet rollout COMMAND' },
    {
      argv: ['rollout', '--help'],
      code: 0,
      stream: 'stdout',
      text: '  watch     follow a rollout',
    },
    { argv: ['help', 'rollout'], code: 0, stream: 'stdout', text: 'rollout commands:' },
    {
      argv: ['help', 'rollout', 'approve'],
      code: 0,
      stream: 'stdout',
      text: 'usage: gitfleet rollout approve APP --wave WAVE [options]',
    },
    {
      argv: ['rollout', 'watch', '--help'],
      code: 0,
      stream: 'stdout',
      text: '--interval DURATION',
    },
    {
      argv: ['rollout', 'stauts', 'web'],
      code: 2,
      stream: 'stderr',
      text: 'unknown command "rollout stauts" (did you mean rollout status?)',
    },
    { argv: ['rolout'], code: 2, stream: 'stderr', text: '(did you mean rollout?)' },
    {
      argv: ['rollout', 'status'],
      code: 2,
      stream: 'stderr',
      text: 'missing APP: usage: gitfleet rollout status APP [options]',
    },
    {
      argv: ['rollout', 'approve', 'web'],
      code: 2,
      stream: 'stderr',
      text: '--wave is required',
    },
    {
      argv: ['rollout', 'pause', 'web', '--hub', 'http://127.0.0.1:1'],
      code: 2,
      stream: 'stderr',
      text: 'which API token? set --api-token-file (or GITFLEET_API_TOKEN_FILE), or GITFLEET_API_TOKEN',
    },
    {
      argv: ['rollout', 'abort', 'web', '--api-token-file', '/nonexistent/token'],
      code: 2,
      stream: 'stderr',
      text: '--api-token-file: cannot read /nonexistent/token',
    },
    {
      argv: ['rollout', 'watch', 'web', '--revision', 'main'],
      code: 2,
      stream: 'stderr',
      text: '--revision "main": give a commit SHA',
    },
    {
      argv: ['rollout', 'watch', 'web', '--timeout', 'soon'],
      code: 2,
      stream: 'stderr',
      text: '--timeout "soon" is not a duration',
    },
    {
      argv: ['rollout', 'list', '--hub', 'http://127.0.0.1:1'],
      code: 3,
      stream: 'stderr',
      text: 'gitfleet rollout list: cannot reach the hub at http://127.0.0.1:1',
    },
  ])('gitfleet $argv → exit $code', async ({ argv, code, stream, text }) => {
    const r = await cli(argv);
    expect(r.code, r.stderr).toBe(code);
    if (typeof text === 'string') expect(r[stream]).toContain(text);
    else expect(r[stream]).toMatch(text);
  });

  it('a missing fleet repository is a configuration error that says what to set', async () => {
    const r = await cli(['freeze', 'prod', '--hub', 'http://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('which fleet repository? set --fleet-repo or GITFLEET_FLEET_REPO');
  });

  it('an unreadable token file is a configuration error', async () => {
    const r = await cli([
      'thaw',
      'prod',
      '--fleet-repo',
      'http://127.0.0.1:1/f.git',
      '--fleet-token-file',
      '/nonexistent/token',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--fleet-token-file: cannot read /nonexistent/token');
  });
});

describe('parseCommand', () => {
  const status = commandSpec('status');
  if (status === undefined) throw new Error('no status');

  it.each<{ argv: string[]; env: Record<string, string>; hub: string; from: string }>([
    { argv: [], env: {}, hub: 'http://127.0.0.1:8080', from: 'default' },
    {
      argv: [],
      env: { GITFLEET_HUB_URL: 'http://env:1' },
      hub: 'http://env:1',
      from: 'GITFLEET_HUB_URL',
    },
    {
      argv: ['--hub', 'http://flag:2'],
      env: { GITFLEET_HUB_URL: 'http://env:1' },
      hub: 'http://flag:2',
      from: '--hub',
    },
    { argv: [], env: { GITFLEET_HUB_URL: '' }, hub: 'http://127.0.0.1:8080', from: 'default' },
  ])('--hub from $from', ({ argv, env, hub, from }) => {
    const p = parseCommand(status, argv, env);
    expect(p.values.get('hub')).toBe(hub);
    expect(p.from.get('hub')).toBe(from);
  });

  it('takes options before and after the positionals, and -o json', () => {
    const pin = commandSpec('pin');
    if (pin === undefined) throw new Error('no pin');
    const p = parseCommand(pin, ['--env', 'prod', 'web', '-o', 'json', 'v1', '--reason', 'r'], {});
    expect(p.positionals).toEqual(['web', 'v1']);
    expect(Object.fromEntries(p.values)).toMatchObject({
      env: 'prod',
      output: 'json',
      reason: 'r',
      author: 'gitfleet-cli',
    });
  });

  it('every command has help, an example and a summary', () => {
    for (const c of COMMANDS) {
      expect(c.examples.length, c.name).toBeGreaterThan(0);
      expect(
        c.examples.every((e) => e.includes(`gitfleet ${c.name}`) || e.includes(`completion`)),
        c.name,
      ).toBe(true);
    }
  });
});

describe('parseAuthor', () => {
  it.each<[string, { name: string; email: string } | 'error']>([
    ['Alice Example <alice@example.com>', { name: 'Alice Example', email: 'alice@example.com' }],
    ['  Bob <bob@x.io> ', { name: 'Bob', email: 'bob@x.io' }],
    ['gitfleet-cli', { name: 'gitfleet-cli', email: 'gitfleet-cli@gitfleet.invalid' }],
    ['Carol Smith', { name: 'Carol Smith', email: 'carol.smith@gitfleet.invalid' }],
    ['<nobody@x>', 'error'],
    ['a <b> <c>', 'error'],
  ])('%s', (raw, want) => {
    if (want === 'error')
      expect(() => parseAuthor(raw, '--author')).toThrow(/is not "Name <email>"/);
    else expect(parseAuthor(raw, '--author')).toEqual(want);
  });
});

describe('completion scripts', () => {
  it('bash: every command, its options and the names from the hub', () => {
    const s = bashCompletion();
    for (const c of COMMANDS)
      expect(s).toContain(c.name.includes(' ') ? `    '${c.name}')` : `    ${c.name})`);
    expect(s).toContain(
      'COMPREPLY=($(compgen -W "list status plan watch approve pause resume abort rollback" -- "$cur"))',
    );
    expect(s).toContain('cmd="rollout ${COMP_WORDS[2]}" first=3 ;;');
    expect(s).toContain(
      '--app) COMPREPLY=($(compgen -W "$(_gitfleet_names apps)" -- "$cur")); return ;;',
    );
    expect(s).toContain('--fleet-token-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;');
    expect(s).toContain('complete -F _gitfleet gitfleet');
  });

  it('zsh: a #compdef function that also works when sourced', () => {
    const s = zshCompletion();
    expect(s.startsWith('#compdef gitfleet\n')).toBe(true);
    expect(s).toContain("'status:application × target");
    expect(s).toContain("_describe 'rollout command' sub");
    expect(s).toContain("    'rollout watch')");
    expect(s).toContain('compdef _gitfleet gitfleet');
  });
});
