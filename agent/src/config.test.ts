import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { AGENT_USAGE, loadAgentConfig } from './config.ts';

const files: Record<string, string> = {
  '/t/token': 'sekret-token\n',
  '/t/empty': '',
  '/t/cfg.json': JSON.stringify({ target: 'prod-eu', resyncIntervalMs: 60_000 }),
  '/t/bad.json': '{"target": "x", "bogus": 1}',
};
const readFile = (p: string): string => {
  const v = files[p];
  if (v === undefined) throw new Error(`ENOENT: no such file ${p}`);
  return v;
};
const base = [
  '--target',
  'dev',
  '--hub',
  '127.0.0.1:7443',
  '--token-file',
  '/t/token',
  '--kubeconfig',
  '/k',
];

function problems(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    loadAgentConfig({ argv, env, readFile });
  } catch (err) {
    expect(err).toBeInstanceOf(GitfleetError);
    expect((err as GitfleetError).code).toBe(ErrorCode.ConfigInvalid);
    return (err as GitfleetError).message;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('loadAgentConfig', () => {
  it('applies defaults and reads the token from its file', () => {
    const c = loadAgentConfig({ argv: base, env: {}, readFile });
    expect(c).toMatchObject({
      target: 'dev',
      hubAddress: '127.0.0.1:7443',
      token: 'sekret-token',
      stateNamespace: 'gitfleet-system',
      resyncIntervalMs: 300_000,
      applyConcurrency: 32,
      logLevel: 'info',
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('flags beat env beats the config file', () => {
    const c = loadAgentConfig({
      argv: [
        '--config',
        '/t/cfg.json',
        '--hub',
        '127.0.0.1:1',
        '--token-file',
        '/t/token',
        '--kubeconfig',
        '/k',
      ],
      env: { GITFLEET_RESYNC_INTERVAL_MS: '5000' },
      readFile,
    });
    expect(c.target).toBe('prod-eu');
    expect(c.resyncIntervalMs).toBe(5_000);
  });

  it.each([
    [['--target', 'Bad_Name', ...base.slice(2)], /--target=Bad_Name: a target name is a DNS label/],
    [
      [...base.slice(0, 4), '--token-file', '/t/missing', '--kubeconfig', '/k'],
      /cannot read \/t\/missing/,
    ],
    [
      [...base.slice(0, 4), '--token-file', '/t/empty', '--kubeconfig', '/k'],
      /\/t\/empty is empty/,
    ],
    [
      [
        '--target',
        'dev',
        '--hub',
        'hub.example:443',
        '--token-file',
        '/t/token',
        '--kubeconfig',
        '/k',
      ],
      /plaintext is allowed only to a loopback hub/,
    ],
    [
      [...base, '--apply-concurrency', '0'],
      /--apply-concurrency=0: must be an integer from 1 to 256/,
    ],
    [[...base, '--log-level', 'loud'], /--log-level=loud: log level one of trace/],
    [[...base, '--config', '/t/bad.json'], /unknown key "bogus"/],
    [[...base, '--nope', 'x'], /Unknown option '--nope'/],
  ])('%j → %s', (argv, re) => {
    expect(problems(argv)).toMatch(re);
  });

  it('reports every problem at once', () => {
    const msg = problems(['--apply-concurrency', 'x']);
    expect(msg).toMatch(/target is required/);
    expect(msg).toMatch(/hubAddress is required/);
    expect(msg).toMatch(/tokenFile is required/);
    expect(msg).toMatch(/no cluster/);
    expect(msg).toMatch(/--apply-concurrency=x/);
  });

  it('never puts the token in an error', () => {
    expect(problems([...base, '--apply-concurrency', '-1'])).not.toContain('sekret-token');
  });

  it('--help names every flag with its description, variable and default', () => {
    for (const line of [
      /\n {2}--target NAME +this cluster's target name.*\n +\(GITFLEET_TARGET\) {2}required\n/,
      /\n {2}--kubeconfig PATH +.*\n +\(KUBECONFIG\) {2}default: in-cluster\n/,
      /\n {2}--apply-concurrency N +.*\n +\(GITFLEET_APPLY_CONCURRENCY\) {2}default: 32\n/,
      /\n {2}--config PATH +JSON file .*\n +\(GITFLEET_CONFIG\)\n/,
    ])
      expect(AGENT_USAGE).toMatch(line);
  });
});
