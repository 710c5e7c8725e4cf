import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import {
  DEFAULT_UI_DIR,
  HUB_ENV_VARS,
  HUB_USAGE,
  loadHubConfig,
  type HubConfig,
} from './config.ts';

const EDGE_TOKEN = 'edge-agent-token-0123456789abcdef';
const CORE_TOKEN = 'core-agent-token-fedcba9876543210';
const SHORT_TOKEN = 'tiny-secret';
const WEBHOOK_SECRET = 'webhook-secret-5f2a9c';
const FLEET_TOKEN = 'fleet-git-token-77c1e0';
const REDIS_PASSWORD = 'redis-password-9d1c4e';
/** Test-only certificates and keys (proto/src/__fixtures__/tls/README.md). */
const pem = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, '../../proto/src/__fixtures__/tls', name), 'utf8');
const HUB_KEY = pem('server.key');

const files: Record<string, string> = {
  '/t/tokens/edge.token': `${EDGE_TOKEN}\n`,
  '/t/tokens/core.token': `  ${CORE_TOKEN}  \n`,
  '/t/tokens/notes.txt': 'not a token',
  '/t/tokens/edge.token.bak': 'ignored as well',
  '/t/bad-name/Bad_Name.token': EDGE_TOKEN,
  '/t/short/edge.token': SHORT_TOKEN,
  '/t/exact/edge.token': '0123456789abcdef',
  '/t/webhook.secret': `${WEBHOOK_SECRET}\n`,
  '/t/fleet.token': FLEET_TOKEN,
  '/t/redis.password': `${REDIS_PASSWORD}\n`,
  '/t/redis.json': JSON.stringify({
    redisOptions: { sentinels: [{ host: '10.0.0.5', port: 26379 }], name: 'gitfleet' },
  }),
  '/t/empty': '  \n',
  '/t/tls/hub.pem': pem('server.pem'),
  '/t/tls/hub.key': HUB_KEY,
  '/t/tls/other.key': pem('other.key'),
  '/t/tls/ca.pem': pem('ca.pem'),
  '/t/cfg.json': JSON.stringify({
    fleetRepo: 'https://git.example/file.git',
    agentTokensDir: '/t/tokens',
    allowStaticTokens: true,
    insecurePlaintext: true,
    pollIntervalMs: 30_000,
    redisPrefix: 'from-file:',
    logLevel: 'warn',
  }),
  '/t/bad.json': JSON.stringify({ fleetRepo: 'x', bogus: 1 }),
  '/t/array.json': '[1, 2]',
  '/t/typed.json': JSON.stringify({ replica: ['hub-a'] }),
  '/t/broken.json': '{"fleetRepo": ',
};
const dirs: Record<string, string[]> = {
  '/t/tokens': ['edge.token', 'core.token', 'notes.txt', 'edge.token.bak'],
  '/t/bad-name': ['Bad_Name.token'],
  '/t/short': ['edge.token'],
  '/t/exact': ['edge.token'],
  '/t/none': ['README.md'],
};

function fixture(): {
  readFile: (p: string) => string;
  readDir: (p: string) => string[];
  reads: string[];
} {
  const reads: string[] = [];
  return {
    reads,
    readFile: (p) => {
      reads.push(p);
      const v = files[p];
      if (v === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return v;
    },
    readDir: (p) => {
      const v = dirs[p];
      if (v === undefined) throw new Error(`ENOENT: no such file or directory, scandir '${p}'`);
      return [...v];
    },
  };
}

/** The AgentLink port with TLS and client certificates (the default: required). */
const TLS = [
  ...['--tls-cert-file', '/t/tls/hub.pem', '--tls-key-file', '/t/tls/hub.key'],
  ...['--client-ca-file', '/t/tls/ca.pem'],
];
/** Plaintext on loopback with static tokens, each asked for. */
const STATIC = ['--insecure-plaintext', '--allow-static-tokens', '--agent-tokens-dir', '/t/tokens'];
const base = ['--fleet-repo', 'https://git.example/fleet.git', ...STATIC];

function load(argv: readonly string[], env: NodeJS.ProcessEnv = {}): HubConfig {
  const { readFile, readDir } = fixture();
  return loadHubConfig({ argv, env, readFile, readDir });
}

function problems(argv: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    load(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(GitfleetError);
    expect((err as GitfleetError).code).toBe(ErrorCode.ConfigInvalid);
    return (err as GitfleetError).message;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('loadHubConfig', () => {
  it('applies defaults for everything but the required settings (TLS of the AgentLink port)', () => {
    const c = load(['--fleet-repo', 'https://git.example/fleet.git', ...TLS]);
    expect(c).toEqual({
      fleetRepo: 'https://git.example/fleet.git',
      fleetBranch: 'main',
      fleetToken: undefined,
      redisUrl: 'redis://127.0.0.1:6379',
      redisOptions: {},
      grpcAddress: '127.0.0.1:7443',
      httpAddress: '127.0.0.1:8080',
      agentTokens: new Map(),
      allowStaticTokens: false,
      agentCertTtlMs: 86_400_000,
      agentLinkTls: {
        certFile: '/t/tls/hub.pem',
        keyFile: '/t/tls/hub.key',
        clientCaFile: '/t/tls/ca.pem',
        reloadIntervalMs: 60_000,
      },
      pollIntervalMs: 60_000,
      webhookSecret: undefined,
      replica: `${os.hostname()}-${process.pid}`,
      cacheDir: path.join(os.homedir(), '.cache', 'gitfleet', 'hub-git'),
      heartbeatIntervalMs: 10_000,
      redisPrefix: 'gitfleet:',
      logLevel: 'info',
      otlpEndpoint: undefined,
      rolloutIntervalMs: 1_000,
      maxEventStreams: 200,
      uiDir: DEFAULT_UI_DIR,
      apiTokens: [],
      metricsAuth: 'open',
      shutdownTimeoutMs: 10_000,
      allowLocalSources: [],
      gitLimits: {},
      sources: {
        kubectlCommand: 'kubectl',
        helmCommand: 'helm',
        timeoutMs: 30_000,
        maxOutputBytes: 64 * 1024 * 1024,
        cacheBytes: 256 * 1024 * 1024,
        charts: {
          timeoutMs: 30_000,
          indexTtlMs: 180_000,
          maxIndexBytes: 32 * 1024 * 1024,
          maxIndexEntries: 100_000,
          maxArchiveBytes: 16 * 1024 * 1024,
          cacheBytes: 256 * 1024 * 1024,
        },
      },
    });
  });

  describe('Git sources: local repositories, tokens over http, limits', () => {
    it.each<[string, string[], NodeJS.ProcessEnv, Partial<HubConfig>]>([
      [
        'a local fleet repository under an allowed root',
        ['--fleet-repo', '/srv/git/fleet.git', '--allow-local-sources', '/srv/git/,/mnt/mirror'],
        {},
        { fleetRepo: '/srv/git/fleet.git', allowLocalSources: ['/srv/git', '/mnt/mirror'] },
      ],
      [
        'file:// under a root from the environment',
        ['--fleet-repo', 'file:///srv/git/fleet.git'],
        { GITFLEET_ALLOW_LOCAL_SOURCES: '/srv' },
        { allowLocalSources: ['/srv'] },
      ],
      [
        'a token over http:// to loopback',
        ['--fleet-repo', 'http://127.0.0.1:3000/fleet.git', '--fleet-token-file', '/t/fleet.token'],
        {},
        { fleetToken: FLEET_TOKEN },
      ],
      [
        'limits from JSON',
        ['--git-limits', '{"maxFileBytes": 2097152, "maxTreeEntries": 100000}'],
        {},
        { gitLimits: { maxFileBytes: 2_097_152, maxTreeEntries: 100_000 } },
      ],
    ])('accepts %s', (_, argv, env, expected) => {
      expect(load([...base, ...argv], env)).toMatchObject(expected);
    });

    it.each<[string, string[], RegExp]>([
      [
        'a local path by default',
        ['--fleet-repo', '/srv/git/fleet.git'],
        /fleetRepo: Git repository \/srv\/git\/fleet\.git is a local repository, and the hub reads none by default; .*--allow-local-sources DIR\[,DIR…\] \(GITFLEET_ALLOW_LOCAL_SOURCES\)/,
      ],
      [
        'file:// by default',
        ['--fleet-repo', 'file:///srv/git/fleet.git'],
        /fleetRepo: Git repository file:\/\/\/srv\/git\/fleet\.git is a local repository/,
      ],
      [
        'a local path outside the allowed roots',
        ['--fleet-repo', '/etc/fleet.git', '--allow-local-sources', '/srv/git'],
        /is outside the directories allowed by --allow-local-sources \(\/srv\/git\)/,
      ],
      [
        'a relative root',
        ['--allow-local-sources', 'srv/git'],
        /--allow-local-sources: "srv\/git" is not an absolute directory/,
      ],
      [
        'a token over plain http:// to another host',
        ['--fleet-repo', 'http://git.example/fleet.git', '--fleet-token-file', '/t/fleet.token'],
        /fleetRepo: Git repository http:\/\/git\.example\/fleet\.git uses plain http:\/\/ to a host other than loopback, and a token is never sent in clear text/,
      ],
      [
        'an unknown limit',
        ['--git-limits', '{"maxFileSize": 1}'],
        /gitLimits\.maxFileSize: unknown limit/,
      ],
      [
        'a zero limit',
        ['--git-limits', '{"maxFiles": 0}'],
        /gitLimits\.maxFiles: 0 is not a positive integer/,
      ],
    ])('refuses %s', (_, argv, re) => {
      expect(problems([...base, ...argv])).toMatch(re);
    });
  });

  describe('Redis options (Sentinel, TLS …) and the OTLP endpoint', () => {
    const sentinel = { sentinels: [{ host: '10.0.0.5', port: 26379 }], name: 'gitfleet' };
    it.each<[string, string[], NodeJS.ProcessEnv, Partial<HubConfig>]>([
      [
        'options from a flag, the password from its file',
        ['--redis-options', JSON.stringify(sentinel), '--redis-password-file', '/t/redis.password'],
        {},
        { redisOptions: { ...sentinel, password: REDIS_PASSWORD } },
      ],
      [
        'options from the environment',
        [],
        { GITFLEET_REDIS_OPTIONS: JSON.stringify({ db: 2, tls: {} }) },
        { redisOptions: { db: 2, tls: {} } },
      ],
      [
        'options as a nested object in the config file',
        ['--config', '/t/redis.json'],
        {},
        { redisOptions: sentinel },
      ],
      [
        'a flag over the file',
        ['--config', '/t/redis.json', '--redis-options', '{"db":1}'],
        {},
        { redisOptions: { db: 1 } },
      ],
      [
        'an OTLP endpoint',
        ['--otlp-endpoint', 'http://collector:4318/v1/traces'],
        {},
        { otlpEndpoint: 'http://collector:4318/v1/traces' },
      ],
    ])('reads %s', (_, argv, env, want) => {
      expect(load([...base, ...argv], env)).toMatchObject(want);
    });

    it.each<[string, string[], RegExp]>([
      [
        'options that are not JSON',
        ['--redis-options', '{db:'],
        /--redis-options: expected a JSON object/,
      ],
      ['options that are an array', ['--redis-options', '[1]'], /expected a JSON object/],
      [
        'an option the hub owns',
        ['--redis-options', '{"keyPrefix":"x","maxRetriesPerRequest":3}'],
        /redisOptions.maxRetriesPerRequest: set by the hub.*\n- redisOptions.keyPrefix: set by the hub/s,
      ],
      [
        'sentinels without a master name',
        ['--redis-options', '{"sentinels":[{"host":"h","port":26379}]}'],
        /redisOptions.name: the Sentinel master name is required/,
      ],
      [
        'malformed sentinels',
        ['--redis-options', '{"sentinels":[{"host":"h"}],"name":"m"}'],
        /redisOptions.sentinels: expected \[\{"host"/,
      ],
      [
        'an OTLP endpoint that is not a URL',
        ['--otlp-endpoint', 'collector:4318'],
        /--otlp-endpoint: "collector:4318" is not an http\(s\) URL/,
      ],
      [
        'an OTLP endpoint with credentials',
        ['--otlp-endpoint', 'https://u:hunter2@collector/v1/traces'],
        /is not an http\(s\) URL without credentials/,
      ],
    ])('refuses %s', (_, argv, re) => {
      expect(problems([...base, ...argv])).toMatch(re);
    });

    it('never echoes option text or the password', () => {
      const msg = problems([
        ...base,
        '--redis-options',
        '{"password":"hunter2-in-options",',
        '--otlp-endpoint',
        'https://u:hunter3@collector/v1/traces',
      ]);
      expect(msg).not.toContain('hunter2');
      expect(msg).not.toContain('hunter3');
    });
  });

  it('returns a frozen configuration', () => {
    const c = load(base);
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      (c as { pollIntervalMs: number }).pollIntervalMs = 1;
    }).toThrow(TypeError);
    expect(c.pollIntervalMs).toBe(60_000);
  });

  it('reads every setting from flags, secrets from their files', () => {
    const c = load([
      '--fleet-repo',
      'https://git.example/fleet.git',
      ...TLS,
      ...['--tls-reload-interval-ms', '500'],
      '--fleet-branch',
      'release',
      '--fleet-token-file',
      '/t/fleet.token',
      '--redis-url',
      'rediss://redis.example:6380',
      '--grpc-address',
      '0.0.0.0:9443',
      '--http-address',
      '[::1]:9080',
      '--poll-interval-ms',
      '1000',
      '--webhook-secret-file',
      '/t/webhook.secret',
      '--replica',
      'hub-a',
      '--cache-dir',
      '/var/cache/hub',
      '--heartbeat-interval-ms',
      '200',
      '--redis-prefix',
      'gf:',
      '--log-level',
      'trace',
    ]);
    expect(c).toMatchObject({
      fleetBranch: 'release',
      fleetToken: FLEET_TOKEN,
      redisUrl: 'rediss://redis.example:6380',
      grpcAddress: '0.0.0.0:9443',
      httpAddress: '[::1]:9080',
      pollIntervalMs: 1_000,
      webhookSecret: WEBHOOK_SECRET,
      replica: 'hub-a',
      cacheDir: '/var/cache/hub',
      heartbeatIntervalMs: 200,
      redisPrefix: 'gf:',
      logLevel: 'trace',
      agentLinkTls: { certFile: '/t/tls/hub.pem', reloadIntervalMs: 500 },
      allowStaticTokens: false,
    });
  });

  it('reads every setting from GITFLEET_* environment variables', () => {
    const c = load([], {
      GITFLEET_FLEET_REPO: '/srv/fleet',
      GITFLEET_ALLOW_LOCAL_SOURCES: '/srv',
      GITFLEET_FLEET_BRANCH: 'prod',
      GITFLEET_FLEET_TOKEN_FILE: '/t/fleet.token',
      GITFLEET_REDIS_URL: 'redis://10.0.0.1:6379',
      GITFLEET_GRPC_ADDRESS: '127.0.0.1:1',
      GITFLEET_HTTP_ADDRESS: '127.0.0.1:2',
      GITFLEET_AGENT_TOKENS_DIR: '/t/tokens',
      GITFLEET_ALLOW_STATIC_TOKENS: 'true',
      GITFLEET_INSECURE_PLAINTEXT: '1',
      GITFLEET_POLL_INTERVAL_MS: '86400000',
      GITFLEET_WEBHOOK_SECRET_FILE: '/t/webhook.secret',
      GITFLEET_REPLICA: 'hub-env',
      GITFLEET_HUB_CACHE_DIR: '/env/cache',
      GITFLEET_HEARTBEAT_INTERVAL_MS: '600000',
      GITFLEET_REDIS_PREFIX: 'env:',
      GITFLEET_LOG_LEVEL: 'error',
    });
    expect(c).toMatchObject({
      fleetRepo: '/srv/fleet',
      fleetBranch: 'prod',
      fleetToken: FLEET_TOKEN,
      redisUrl: 'redis://10.0.0.1:6379',
      grpcAddress: '127.0.0.1:1',
      httpAddress: '127.0.0.1:2',
      pollIntervalMs: 86_400_000,
      webhookSecret: WEBHOOK_SECRET,
      replica: 'hub-env',
      cacheDir: '/env/cache',
      heartbeatIntervalMs: 600_000,
      redisPrefix: 'env:',
      logLevel: 'error',
    });
    expect([...c.agentTokens.keys()].sort()).toEqual(['core', 'edge']);
    expect(c).toMatchObject({ allowStaticTokens: true, agentLinkTls: undefined });
  });

  const FILE = ['--config', '/t/cfg.json'];
  it.each<[string, string[], NodeJS.ProcessEnv, Partial<Record<keyof HubConfig, unknown>>]>([
    ['the file alone', FILE, {}, { pollIntervalMs: 30_000, redisPrefix: 'from-file:' }],
    [
      'env beats the file',
      FILE,
      { GITFLEET_POLL_INTERVAL_MS: '20000', GITFLEET_LOG_LEVEL: 'debug' },
      { pollIntervalMs: 20_000, logLevel: 'debug', redisPrefix: 'from-file:' },
    ],
    [
      'a flag beats env and the file',
      [...FILE, '--poll-interval-ms', '10000', '--fleet-repo', 'https://flag.example/f.git'],
      { GITFLEET_POLL_INTERVAL_MS: '20000', GITFLEET_FLEET_REPO: 'https://env.example/f.git' },
      { pollIntervalMs: 10_000, fleetRepo: 'https://flag.example/f.git', logLevel: 'warn' },
    ],
    [
      'an empty env value counts as unset',
      FILE,
      { GITFLEET_POLL_INTERVAL_MS: '', GITFLEET_FLEET_REPO: '' },
      { pollIntervalMs: 30_000, fleetRepo: 'https://git.example/file.git' },
    ],
    [
      'the file can be named by GITFLEET_CONFIG',
      [],
      { GITFLEET_CONFIG: '/t/cfg.json', GITFLEET_REDIS_PREFIX: 'env:' },
      { fleetRepo: 'https://git.example/file.git', redisPrefix: 'env:', logLevel: 'warn' },
    ],
    [
      '--config beats GITFLEET_CONFIG',
      FILE,
      { GITFLEET_CONFIG: '/t/bad.json' },
      { fleetRepo: 'https://git.example/file.git' },
    ],
  ])('precedence: %s', (_, argv, env, expected) => {
    expect(load(argv, env)).toMatchObject(expected);
  });

  describe('AgentLink transport: TLS and client certificates, or plaintext and tokens on request', () => {
    const repo = ['--fleet-repo', 'https://git.example/fleet.git'];
    it.each<[string, string[], NodeJS.ProcessEnv, Record<string, unknown>]>([
      [
        'TLS that also takes static tokens',
        [...TLS, '--allow-static-tokens', '--agent-tokens-dir', '/t/tokens'],
        {},
        {
          allowStaticTokens: true,
          agentLinkTls: { keyFile: '/t/tls/hub.key' },
        },
      ],
      [
        'plaintext on [::1] from the environment',
        ['--grpc-address', '[::1]:7443'],
        {
          GITFLEET_INSECURE_PLAINTEXT: 'true',
          GITFLEET_ALLOW_STATIC_TOKENS: 'true',
          GITFLEET_AGENT_TOKENS_DIR: '/t/tokens',
        },
        { agentLinkTls: undefined, allowStaticTokens: true },
      ],
      [
        'a switch set to false',
        [...TLS],
        { GITFLEET_INSECURE_PLAINTEXT: 'false' },
        { agentLinkTls: { certFile: '/t/tls/hub.pem' } },
      ],
    ])('accepts %s', (_, argv, env, want) => {
      expect(load([...repo, ...argv], env)).toMatchObject(want);
    });

    it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
      [
        'no TLS file',
        [],
        {},
        /serves TLS .*\(missing: --tls-cert-file, --tls-key-file, --client-ca-file\); plaintext only with --insecure-plaintext --allow-static-tokens on a loopback --grpc-address/,
      ],
      [
        'TLS without the client CA',
        ['--tls-cert-file', '/t/tls/hub.pem', '--tls-key-file', '/t/tls/hub.key'],
        {},
        /\(missing: --client-ca-file\)/,
      ],
      [
        'a key that is not the certificate’s',
        [...TLS, '--tls-key-file', '/t/tls/other.key'],
        {},
        /AgentLink TLS: \/t\/tls\/other\.key is not the private key of \/t\/tls\/hub\.pem/,
      ],
      [
        'a missing CA file',
        [...TLS, '--client-ca-file', '/t/tls/nope.pem'],
        {},
        /AgentLink TLS: cannot read \/t\/tls\/nope\.pem/,
      ],
      [
        'a key where the certificate goes',
        [...TLS, '--tls-cert-file', '/t/tls/hub.key'],
        {},
        /\/t\/tls\/hub\.key: no PEM certificate in it/,
      ],
      [
        'plaintext on every interface',
        [...STATIC, '--grpc-address', '0.0.0.0:7443'],
        {},
        /--insecure-plaintext: plaintext is served only on a loopback --grpc-address, not 0\.0\.0\.0:7443/,
      ],
      [
        'plaintext and TLS files',
        [...STATIC, ...TLS],
        {},
        /--insecure-plaintext and --tls-cert-file, --tls-key-file and --client-ca-file: set one or the other/,
      ],
      [
        'plaintext without static tokens',
        ['--insecure-plaintext'],
        {},
        /--insecure-plaintext needs --allow-static-tokens/,
      ],
      [
        'static tokens without their directory',
        [...TLS, '--allow-static-tokens'],
        {},
        /--allow-static-tokens needs --agent-tokens-dir/,
      ],
      [
        'a token directory without static tokens',
        [...TLS, '--agent-tokens-dir', '/t/tokens'],
        {},
        /--agent-tokens-dir is read only with --allow-static-tokens/,
      ],
      [
        'a switch that is neither true nor false',
        [...TLS],
        { GITFLEET_ALLOW_STATIC_TOKENS: 'yes please' },
        /GITFLEET_ALLOW_STATIC_TOKENS=yes please: expected true or false/,
      ],
      [
        'a switch given a value',
        ['--insecure-plaintext=true'],
        {},
        /--insecure-plaintext.*(does not take an argument|\(see --help\))/,
      ],
    ])('refuses %s', (_, argv, env, re) => {
      expect(problems([...repo, ...argv], env)).toMatch(re);
    });

    it('never echoes a key', () => {
      const msg = problems([...repo, ...TLS, '--tls-cert-file', '/t/tls/hub.key']);
      expect(msg).not.toContain(HUB_KEY.split('\n')[2]);
    });

    it('reads no token without --allow-static-tokens', () => {
      const f = fixture();
      loadHubConfig({ argv: [...repo, ...TLS], env: {}, readFile: f.readFile, readDir: f.readDir });
      expect(f.reads.filter((r) => r.endsWith('.token'))).toEqual([]);
    });
  });

  describe('agent tokens', () => {
    it('reads <dir>/<target>.token, trimmed, and ignores every other file', () => {
      const f = fixture();
      const c = loadHubConfig({ argv: base, env: {}, readFile: f.readFile, readDir: f.readDir });
      expect(c.agentTokens).toEqual(
        new Map([
          ['edge', EDGE_TOKEN],
          ['core', CORE_TOKEN],
        ]),
      );
      expect(f.reads.sort()).toEqual(['/t/tokens/core.token', '/t/tokens/edge.token']);
    });

    it('accepts a token of exactly 16 characters and a directory without tokens', () => {
      expect(load([...base, '--agent-tokens-dir', '/t/exact']).agentTokens.get('edge')).toBe(
        '0123456789abcdef',
      );
      expect(load([...base, '--agent-tokens-dir', '/t/none']).agentTokens.size).toBe(0);
    });

    it.each([
      ['/t/bad-name', /\/t\/bad-name\/Bad_Name\.token: "Bad_Name" is not a target name/],
      ['/t/short', /\/t\/short\/edge\.token: a token must be at least 16 characters/],
      ['/t/missing', /--agent-tokens-dir: cannot read \/t\/missing: ENOENT/],
    ])('%s is a problem naming the file', (dir, re) => {
      const msg = problems([...base, '--agent-tokens-dir', dir]);
      expect(msg).toMatch(re);
      expect(msg).not.toContain(SHORT_TOKEN);
      expect(msg).not.toContain(EDGE_TOKEN);
    });
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    [
      'grpc without a port',
      ['--grpc-address', 'localhost'],
      {},
      /grpc-address=localhost: expected HOST:PORT/,
    ],
    [
      'http as a URL',
      ['--http-address', 'http://h:80'],
      {},
      /http-address=http:\/\/h:80: expected HOST:PORT/,
    ],
    [
      'a 6-digit port',
      ['--http-address', 'h:123456'],
      {},
      /http-address=h:123456: expected HOST:PORT/,
    ],
    [
      'an address from env',
      [],
      { GITFLEET_GRPC_ADDRESS: 'h: 1' },
      /grpc-address=h: 1: expected HOST:PORT/,
    ],
    [
      'poll below 1 s',
      ['--poll-interval-ms', '999'],
      {},
      /--poll-interval-ms=999: must be an integer from 1000 to 86400000/,
    ],
    [
      'poll above a day',
      ['--poll-interval-ms', '86400001'],
      {},
      /--poll-interval-ms=86400001: must be an integer from 1000/,
    ],
    [
      'poll not an integer',
      [],
      { GITFLEET_POLL_INTERVAL_MS: '1500.5' },
      /GITFLEET_POLL_INTERVAL_MS=1500\.5: must be an integer/,
    ],
    [
      'poll not a number',
      ['--poll-interval-ms', 'soon'],
      {},
      /--poll-interval-ms=soon: must be an integer/,
    ],
    [
      'heartbeat too fast',
      ['--heartbeat-interval-ms', '199'],
      {},
      /--heartbeat-interval-ms=199: must be an integer from 200 to 600000/,
    ],
    [
      'heartbeat too slow',
      [],
      { GITFLEET_HEARTBEAT_INTERVAL_MS: '600001' },
      /GITFLEET_HEARTBEAT_INTERVAL_MS=600001: must be an integer from 200 to 600000/,
    ],
    [
      'a log level',
      ['--log-level', 'loud'],
      {},
      /--log-level=loud: log level one of trace\|debug\|info\|warn\|error/,
    ],
    [
      'a redis URL',
      ['--redis-url', 'http://redis:6379'],
      {},
      /redis URL http:\/\/redis:6379: expected redis:\/\/HOST:PORT/,
    ],
    [
      'a bare redis host',
      [],
      { GITFLEET_REDIS_URL: 'redis.example:6379' },
      /redis URL redis\.example:6379: expected/,
    ],
    [
      'an empty secret file',
      ['--webhook-secret-file', '/t/empty'],
      {},
      /--webhook-secret-file: \/t\/empty is empty/,
    ],
    [
      'a missing secret file',
      [],
      { GITFLEET_FLEET_TOKEN_FILE: '/t/nope' },
      /GITFLEET_FLEET_TOKEN_FILE: cannot read \/t\/nope: ENOENT/,
    ],
    [
      'a missing config file',
      ['--config', '/t/nope.json'],
      {},
      /config file \/t\/nope\.json: ENOENT/,
    ],
    [
      'a config file that is not an object',
      ['--config', '/t/array.json'],
      {},
      /config file \/t\/array\.json: not a JSON object/,
    ],
    [
      'a config file that is not JSON',
      ['--config', '/t/broken.json'],
      {},
      /config file \/t\/broken\.json: /,
    ],
    [
      'an unknown config key',
      ['--config', '/t/bad.json'],
      {},
      /\/t\/bad\.json: unknown key "bogus"/,
    ],
    [
      'a config value that is not a string or a number',
      ['--config', '/t/typed.json'],
      {},
      /\/t\/typed\.json: replica must be a string, a number or a boolean/,
    ],
    ['an unknown flag', ['--nope', 'x'], {}, /Unknown option '--nope'.*\(see --help\)/],
    ['a positional argument', ['serve'], {}, /Unexpected argument 'serve'/],
  ])('refuses %s', (_, argv, env, re) => {
    expect(problems([...base, ...argv], env)).toMatch(re);
  });

  it("reports the missing fleetRepo and the AgentLink port's TLS together with every other problem", () => {
    const msg = problems(['--poll-interval-ms', '5', '--log-level', 'loud'], {
      GITFLEET_REDIS_URL: 'http://nope',
      GITFLEET_GRPC_ADDRESS: 'nope',
      GITFLEET_HEARTBEAT_INTERVAL_MS: 'x',
      GITFLEET_WEBHOOK_SECRET_FILE: '/t/empty',
    });
    expect(msg).toMatch(/^invalid hub configuration:\n- /);
    for (const re of [
      /fleetRepo is required: set --fleet-repo or GITFLEET_FLEET_REPO/,
      /the AgentLink port serves TLS and knows agents by their client certificates: set --tls-cert-file, --tls-key-file and --client-ca-file \(missing: --tls-cert-file, --tls-key-file, --client-ca-file\)/,
      /--poll-interval-ms=5: must be an integer/,
      /GITFLEET_HEARTBEAT_INTERVAL_MS=x: must be an integer/,
      /--log-level=loud: log level one of/,
      /redis URL http:\/\/nope/,
      /grpc-address=nope: expected HOST:PORT/,
      /\/t\/empty is empty/,
    ])
      expect(msg).toMatch(re);
    expect(msg.split('\n- ')).toHaveLength(9);
  });

  it('never puts a secret in an error, even when every secret file is read', () => {
    const msg = problems(
      [
        ...STATIC,
        '--fleet-token-file',
        '/t/fleet.token',
        '--webhook-secret-file',
        '/t/webhook.secret',
        '--poll-interval-ms',
        '-1',
      ],
      {},
    );
    expect(msg).toMatch(/fleetRepo is required/);
    for (const secret of [EDGE_TOKEN, CORE_TOKEN, WEBHOOK_SECRET, FLEET_TOKEN])
      expect(msg).not.toContain(secret);
  });

  it('--help names every flag with its description, variable and default', () => {
    for (const line of [
      /\n {2}--fleet-repo URL +the fleet repository: .*\n +\(GITFLEET_FLEET_REPO\) {2}required\n/,
      /\n {2}--poll-interval-ms N +how often .*\n +\(GITFLEET_POLL_INTERVAL_MS\) {2}default: 60000\n/,
      /\n {2}--redis-url URL +.*\n +\(GITFLEET_REDIS_URL\) {2}default: redis:\/\/127\.0\.0\.1:6379\n/,
      /\n {2}--cache-dir DIR +.*\n +\(GITFLEET_HUB_CACHE_DIR\) {2}default: ~\/\.cache\/gitfleet\/hub-git\n/,
      /\n {2}--config PATH +JSON file .*\n +\(GITFLEET_CONFIG\)\n/,
    ])
      expect(HUB_USAGE).toMatch(line);
    for (const v of HUB_ENV_VARS) expect(HUB_USAGE).toContain(`(${v})`);
  });
});

describe('the API tokens', () => {
  const digest = (t: string): string => createHash('sha256').update(t).digest('hex');
  const READER = 'reader-token-0123456789abcdef';
  const LEGACY = 'legacy-token-0123456789abcdef';
  const api: Record<string, string> = {
    '/t/api-tokens': `# who scope sha256\nreader read ${digest(READER)}\nops operate sha256:${digest('ops-token-0123456789')}\n`,
    '/t/api.token': `${LEGACY}\n`,
    '/t/api-tokens-bad': `reader read ${READER}\nops write ${digest('x')}\n`,
  };
  const loadApi = (argv: readonly string[], env: NodeJS.ProcessEnv = {}): HubConfig => {
    const { readFile, readDir } = fixture();
    return loadHubConfig({
      argv: [...base, ...argv],
      env,
      readFile: (p) => api[p] ?? readFile(p),
      readDir,
    });
  };
  const refusal = (argv: readonly string[]): string => {
    try {
      loadApi(argv);
    } catch (err) {
      expect((err as GitfleetError).code).toBe(ErrorCode.ConfigInvalid);
      return (err as GitfleetError).message;
    }
    throw new Error('expected CONFIG_INVALID');
  };

  it('reads the tokens file, and the token of --api-token-file as admin api-token, by digest', () => {
    const c = loadApi(['--api-tokens-file', '/t/api-tokens'], {
      GITFLEET_API_TOKEN_FILE: '/t/api.token',
      GITFLEET_METRICS_AUTH: 'read',
    });
    expect(c.apiTokens).toEqual([
      { name: 'reader', scope: 'read', sha256: digest(READER) },
      { name: 'ops', scope: 'operate', sha256: digest('ops-token-0123456789') },
      { name: 'api-token', scope: 'admin', sha256: digest(LEGACY) },
    ]);
    expect(c.metricsAuth).toBe('read');
    expect(JSON.stringify(c)).not.toContain(LEGACY);
  });

  it('refuses a bad tokens file, a missing one and a bad --metrics-auth, never quoting a token', () => {
    const msg = refusal(['--api-tokens-file', '/t/api-tokens-bad', '--metrics-auth', 'token']);
    expect(msg).toContain('--api-tokens-file: /t/api-tokens-bad:1: the digest must be the SHA-256');
    expect(msg).toContain('--api-tokens-file: /t/api-tokens-bad:2: the scope must be one of');
    expect(msg).toContain('--metrics-auth=token: use open or read');
    expect(msg).not.toContain(READER);
    expect(refusal(['--api-tokens-file', '/t/nope'])).toContain(
      '--api-tokens-file: cannot read /t/nope',
    );
  });
});
