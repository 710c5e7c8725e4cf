/**
 * `gitfleet render` without a Git server: its arguments and options, the configuration errors
 * (exit 2), an unreachable fleet repository (exit 3), the YAML stream it prints and how Git and
 * render failures become exit codes. Rendering from a real Git server is in
 * test/src/cli/render.int.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError, type KubeObject } from '@gitfleet/proto';
import { runCli } from './cli.ts';
import { commandSpec } from './command-table.ts';
import { bashCompletion, zshCompletion } from './completion.ts';
import { ExitCode } from './errors.ts';
import { parseCommand } from './parse.ts';
import { objectsYaml } from './render-command.ts';
import { cliErrorOf } from './render-local.ts';

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

let dir = '';
let badCreds = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-render-test-'));
  badCreds = path.join(dir, 'creds.yaml');
  await writeFile(
    badCreds,
    '- urlPrefix: https://git.example.com/\n  tokenFile: a\n  passwordFile: b\n',
  );
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('gitfleet render: arguments and configuration', () => {
  it.each<{ argv: string[]; code: number; stream: 'stdout' | 'stderr'; text: string }>([
    {
      argv: ['render', '--target', 'prd'],
      code: 2,
      stream: 'stderr',
      text: 'missing APP: usage: gitfleet render APP --target TARGET [options]',
    },
    { argv: ['render', 'web'], code: 2, stream: 'stderr', text: '--target is required' },
    {
      argv: ['render', 'Web', '--target', 'prd'],
      code: 2,
      stream: 'stderr',
      text: 'application "Web" is not a valid name',
    },
    {
      argv: ['render', 'web', '--target', 'prd_1'],
      code: 2,
      stream: 'stderr',
      text: 'target "prd_1" is not a valid name',
    },
    {
      argv: ['render', 'web', '--target', 'prd', '-o', 'table'],
      code: 2,
      stream: 'stderr',
      text: '-o/--output "table": use yaml or json',
    },
    {
      argv: ['render', 'web', '--target', 'prd', '--repo-creds-file', '/nonexistent/creds'],
      code: 2,
      stream: 'stderr',
      text: '--repo-creds-file: cannot read /nonexistent/creds',
    },
    {
      argv: ['render', 'web', '--target', 'prd', '--hub', 'http://127.0.0.1:1'],
      code: 2,
      stream: 'stderr',
      text: 'which fleet repository? set --fleet-repo or GITFLEET_FLEET_REPO',
    },
    {
      argv: ['render', 'web', '--target', 'prd', '--fleet-repo', 'http://127.0.0.1:1/fleet.git'],
      code: 3,
      stream: 'stderr',
      text: 'gitfleet render: Git repository http://127.0.0.1:1/fleet.git: could not reach the Git host (ECONNREFUSED)',
    },
    {
      argv: ['render', '--help'],
      code: 0,
      stream: 'stdout',
      text: 'usage: gitfleet render APP --target TARGET [options]',
    },
    {
      argv: ['help', 'render'],
      code: 0,
      stream: 'stdout',
      text: '--helm-command PATH',
    },
  ])('gitfleet $argv → exit $code', async ({ argv, code, stream, text }) => {
    const r = await cli(argv);
    expect(r.code, r.stderr).toBe(code);
    expect(r[stream]).toContain(text);
  });

  it('a credentials file that is not valid is refused with the line of each problem', async () => {
    const r = await cli([
      'render',
      'web',
      '--target',
      'prd',
      '--fleet-repo',
      'http://127.0.0.1:1/fleet.git',
      '--repo-creds-file',
      badCreds,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--repo-creds-file: ${badCreds} is not a valid credentials list`);
    expect(r.stderr).toContain(`${badCreds} line 1: give tokenFile or passwordFile, not both`);
  });

  it('takes the kubectl and helm of the flags, else of the hub’s variables, else the defaults', () => {
    const spec = commandSpec('render');
    if (spec === undefined) throw new Error('no render command');
    const byDefault = parseCommand(spec, ['web', '--target', 'prd'], {});
    expect(byDefault.values.get('kubectl-command')).toBe('kubectl');
    expect(byDefault.values.get('helm-command')).toBe('helm');
    expect(byDefault.values.get('output')).toBe('yaml');
    const fromEnv = parseCommand(spec, ['web', '--target', 'prd'], {
      GITFLEET_KUBECTL_COMMAND: '/opt/kubectl',
      GITFLEET_HELM_COMMAND: '/opt/helm',
      GITFLEET_FLEET_REPO: 'https://git.example.com/fleet.git',
    });
    expect(fromEnv.values.get('kubectl-command')).toBe('/opt/kubectl');
    expect(fromEnv.values.get('helm-command')).toBe('/opt/helm');
    expect(fromEnv.values.get('fleet-repo')).toBe('https://git.example.com/fleet.git');
    const flags = parseCommand(
      spec,
      ['--helm-command', '/bin/helm', 'web', '-o', 'json', '--target', 'prd', '--revision', 'v2'],
      { GITFLEET_HELM_COMMAND: '/opt/helm' },
    );
    expect(flags.positionals).toEqual(['web']);
    expect(flags.values.get('helm-command')).toBe('/bin/helm');
    expect(flags.from.get('helm-command')).toBe('--helm-command');
    expect(flags.values.get('output')).toBe('json');
    expect(flags.values.get('revision')).toBe('v2');
    // it writes nothing: no commit author
    expect(() => parseCommand(spec, ['web', '--target', 'prd', '--author', 'a'], {})).toThrow(
      "Unknown option '--author'",
    );
  });

  it('is completed by both shells: the command, its options and -o values', () => {
    const bash = bashCompletion();
    expect(bash).toContain('    render)');
    expect(bash).toContain('--helm-command');
    expect(bash).toMatch(/--output\|-o\) COMPREPLY=\(\$\(compgen -W "yaml json"/);
    const zsh = zshCompletion();
    expect(zsh).toContain("'render:the objects of an application for a target");
    expect(zsh).toContain('--repo-creds-file) _files');
  });
});

describe('objectsYaml', () => {
  it('prints one document per object, which read back as the same objects', () => {
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v: x' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b', namespace: 'n' } },
    ];
    const text = objectsYaml(objects);
    expect(text.split('\n---\n')).toHaveLength(2);
    expect(parseAllDocuments(text).map((d) => d.toJS() as unknown)).toEqual(objects);
    expect(objectsYaml([])).toBe('');
  });
});

describe('cliErrorOf', () => {
  const err = (code: ErrorCode, details: Record<string, string | number> = {}): GitfleetError =>
    new GitfleetError(
      code,
      'Git repository http://x/r.git: boom; the last fetched commits stay in use; the fetch is retried',
      { details },
    );
  it.each<{ e: GitfleetError; code: number; details: string[] }>([
    { e: err(ErrorCode.NotFound), code: ExitCode.NotFound, details: [] },
    { e: err(ErrorCode.GitFetchFailed), code: ExitCode.Unreachable, details: [] },
    {
      e: err(ErrorCode.GitFetchFailed, { httpStatus: 404 }),
      code: ExitCode.NotFound,
      details: [],
    },
    { e: err(ErrorCode.GitFetchFailed, { httpStatus: 500 }), code: ExitCode.Failed, details: [] },
    { e: err(ErrorCode.GitAuthFailed), code: ExitCode.Failed, details: [] },
    { e: err(ErrorCode.ConfigInvalid), code: ExitCode.Usage, details: [] },
    { e: err(ErrorCode.SourceRefused), code: ExitCode.Usage, details: [] },
    {
      e: err(ErrorCode.ManifestInvalid, { file: 'charts/web/templates/svc.yaml', line: 9 }),
      code: ExitCode.Failed,
      details: ['at charts/web/templates/svc.yaml:9'],
    },
    {
      e: err(ErrorCode.LimitExceeded, { file: 'big.yaml', limit: 'maxFileBytes' }),
      code: ExitCode.Failed,
      details: ['at big.yaml', 'limit: maxFileBytes'],
    },
  ])('$e.code $e.details → exit $code', ({ e, code, details }) => {
    const c = cliErrorOf(e);
    expect(c.exitCode).toBe(code);
    expect(c.details).toEqual(details);
    // the hub's notes about its retries and kept state are not the CLI's
    expect(c.message).toBe('Git repository http://x/r.git: boom');
  });
});
