import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { AGENT_USAGE, loadAgentConfig } from './config.ts';

/** Test-only certificates and keys (proto/src/__fixtures__/tls/README.md). */
const pem = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, '../../proto/src/__fixtures__/tls', name), 'utf8');
const CLIENT_KEY = pem('client.key');

const files: Record<string, string> = {
  '/t/tls/ca.pem': pem('ca.pem'),
  '/t/tls/agent.pem': pem('client.pem'),
  '/t/tls/agent.key': CLIENT_KEY,
  '/t/tls/other.key': pem('other.key'),
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
        '127.0.0.1:7443,hub.example:443',
        '--insecure-plaintext',
        '--token-file',
        '/t/token',
        '--kubeconfig',
        '/k',
      ],
      /--insecure-plaintext: plaintext is allowed only to a loopback hub, not hub\.example:443/,
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
    expect(msg).toMatch(/no credential for the hub: set --tls-cert-file and --tls-key-file/);
    expect(msg).toMatch(/no cluster/);
    expect(msg).toMatch(/--apply-concurrency=x/);
  });

  it('never puts the token in an error', () => {
    expect(problems([...base, '--apply-concurrency', '-1'])).not.toContain('sekret-token');
  });

  describe('the link to the hub: TLS with a client certificate, or plaintext to loopback on request', () => {
    const target = ['--target', 'edge', '--kubeconfig', '/k'];
    const own = ['--tls-cert-file', '/t/tls/agent.pem', '--tls-key-file', '/t/tls/agent.key'];
    it.each<[string, string[], Record<string, unknown>]>([
      [
        'a client certificate and the hub CA',
        ['--hub', 'hub.example:443', ...own, '--hub-ca-file', '/t/tls/ca.pem'],
        {
          token: undefined,
          hubTls: {
            caFile: '/t/tls/ca.pem',
            certFile: '/t/tls/agent.pem',
            keyFile: '/t/tls/agent.key',
            serverName: undefined,
            reloadIntervalMs: 60_000,
          },
        },
      ],
      [
        'the system CAs, a server name, a reload interval',
        [
          ...['--hub', '10.0.0.7:443', ...own, '--hub-server-name', 'hub.example'],
          ...['--tls-reload-interval-ms', '250'],
        ],
        {
          hubTls: expect.objectContaining({
            caFile: undefined,
            serverName: 'hub.example',
            reloadIntervalMs: 250,
          }),
        },
      ],
      [
        'TLS without a certificate, with a static token',
        ['--hub', 'hub.example:443', '--token-file', '/t/token'],
        { token: 'sekret-token', hubTls: expect.objectContaining({ certFile: undefined }) },
      ],
      [
        'plaintext to a loopback hub with a static token',
        ['--hub', 'localhost:7443', '--insecure-plaintext', '--token-file', '/t/token'],
        { token: 'sekret-token', hubTls: undefined },
      ],
    ])('accepts %s', (_, argv, want) => {
      expect(loadAgentConfig({ argv: [...target, ...argv], env: {}, readFile })).toMatchObject(
        want,
      );
    });

    it.each<[string, string[], RegExp]>([
      [
        'plaintext and a certificate',
        ['--hub', '127.0.0.1:7443', '--insecure-plaintext', '--token-file', '/t/token', ...own],
        /--insecure-plaintext and --tls-cert-file, --tls-key-file: set one or the other/,
      ],
      [
        'plaintext without a token',
        ['--hub', '127.0.0.1:7443', '--insecure-plaintext'],
        /--insecure-plaintext needs --token-file/,
      ],
      [
        'a certificate without its key',
        ['--hub', 'hub.example:443', '--tls-cert-file', '/t/tls/agent.pem'],
        /--tls-cert-file and --tls-key-file are set together/,
      ],
      [
        "a key that is not the certificate's",
        ['--hub', 'hub.example:443', ...own, '--tls-key-file', '/t/tls/other.key'],
        /hub TLS: \/t\/tls\/other\.key is not the private key of \/t\/tls\/agent\.pem/,
      ],
      [
        'a missing hub CA',
        ['--hub', 'hub.example:443', ...own, '--hub-ca-file', '/t/tls/nope.pem'],
        /hub TLS: cannot read \/t\/tls\/nope\.pem/,
      ],
      ['no credential at all', ['--hub', 'hub.example:443'], /no credential for the hub/],
    ])('refuses %s', (_, argv, re) => {
      const msg = problems([...target, ...argv]);
      expect(msg).toMatch(re);
      expect(msg).not.toContain(CLIENT_KEY.split('\n')[2]);
    });
  });

  it('--help names every flag with its description, variable and default', () => {
    for (const line of [
      /\n {2}--insecure-plaintext +connect without TLS.*\n +\(GITFLEET_INSECURE_PLAINTEXT\) {2}default: false\n/,
      /\n {2}--target NAME +this cluster's target name.*\n +\(GITFLEET_TARGET\) {2}required\n/,
      /\n {2}--kubeconfig PATH +.*\n +\(KUBECONFIG\) {2}default: in-cluster\n/,
      /\n {2}--apply-concurrency N +.*\n +\(GITFLEET_APPLY_CONCURRENCY\) {2}default: 32\n/,
      /\n {2}--config PATH +JSON file .*\n +\(GITFLEET_CONFIG\)\n/,
    ])
      expect(AGENT_USAGE).toMatch(line);
  });
});

describe('--policy-file', () => {
  const policyFiles: Record<string, string> = {
    ...files,
    '/t/policy.yaml': 'allow:\n  namespaces: [kube-system]\n  privilegedPods: [kube-system]\n',
    '/t/policy.json': '{"deny": {"kinds": ["core/Secret"]}}',
    '/t/bad-policy.yaml': 'allow:\n  namespace: [kube-system]\ndeny:\n  kinds: [Secret]\n',
  };
  const read = (p: string): string => {
    const v = policyFiles[p];
    if (v === undefined) throw new Error(`ENOENT: no such file ${p}`);
    return v;
  };

  it('none: the built-in policy, the agent in its state namespace', () => {
    const c = loadAgentConfig({ argv: [...base, '--state-namespace', 'fleet'], env: {}, readFile });
    expect(c.policyFile).toBeUndefined();
    expect(c.policy.agent).toMatchObject({ namespace: 'fleet', serviceAccount: 'gitfleet-agent' });
    expect(c.policy.deny.namespaces).toEqual(['kube-system', 'kube-public', 'kube-node-lease']);
    expect(c.policy.allow.namespaces).toEqual([]);
  });

  it.each([
    [['--policy-file', '/t/policy.yaml'], {}],
    [[], { GITFLEET_POLICY_FILE: '/t/policy.yaml' }],
  ])('YAML from %j %j', (argv, env) => {
    const c = loadAgentConfig({ argv: [...base, ...argv], env, readFile: read });
    expect(c.policyFile).toBe('/t/policy.yaml');
    expect(c.policy.allow).toMatchObject({
      namespaces: ['kube-system'],
      privilegedPods: ['kube-system'],
    });
  });

  it('JSON', () => {
    const c = loadAgentConfig({
      argv: [...base, '--policy-file', '/t/policy.json'],
      env: {},
      readFile: read,
    });
    expect(c.policy.deny.kinds).toEqual(['core/Secret']);
  });

  it('every problem of the file, each naming the file and the field, with the others', () => {
    let msg = '';
    try {
      loadAgentConfig({
        argv: [...base, '--policy-file', '/t/bad-policy.yaml', '--apply-concurrency', '0'],
        env: {},
        readFile: read,
      });
    } catch (err) {
      expect((err as GitfleetError).code).toBe(ErrorCode.ConfigInvalid);
      msg = (err as GitfleetError).message;
    }
    expect(msg).toMatch(/--policy-file: \/t\/bad-policy\.yaml: allow\.namespace: unknown key/);
    expect(msg).toMatch(/--policy-file: \/t\/bad-policy\.yaml: deny\.kinds\[0\]: "Secret" is not/);
    expect(msg).toMatch(/--apply-concurrency=0/);
  });

  it('a file that cannot be read', () => {
    expect(problems([...base, '--policy-file', '/t/missing.yaml'])).toMatch(
      /--policy-file: cannot read \/t\/missing\.yaml/,
    );
  });
});
