/**
 * Hub configuration: parsed and validated once, from (highest first) flags, GITFLEET_* environment
 * variables and an optional JSON file; every problem reported together (CONFIG_INVALID). The only
 * module that reads process.env and argv. Secrets (Git token, webhook secret, agent tokens) come
 * from files, never from flag values.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, GitfleetError, configSource, isDnsLabel, type LogLevel } from '@gitfleet/proto';
import { readGitLimits, type GitLimits } from './git/limits.ts';
import { parseLocalRoots, sourceProblem } from './git/source-policy.ts';

export interface HubConfig {
  readonly fleetRepo: string;
  readonly fleetBranch: string;
  readonly fleetToken: string | undefined;
  readonly redisUrl: string;
  /**
   * ioredis options passed through (Sentinel: `sentinels` + `name`; TLS; username; db …), with
   * the password from `--redis-password-file` merged in. Never logged.
   */
  readonly redisOptions: Readonly<Record<string, unknown>>;
  readonly grpcAddress: string;
  readonly httpAddress: string;
  /** target → agent token (from `<agentTokensDir>/<target>.token`). */
  readonly agentTokens: ReadonlyMap<string, string>;
  readonly pollIntervalMs: number;
  readonly webhookSecret: string | undefined;
  readonly replica: string;
  readonly cacheDir: string;
  readonly heartbeatIntervalMs: number;
  readonly redisPrefix: string;
  readonly logLevel: LogLevel;
  /** OTLP/HTTP traces endpoint; undefined = no trace export. */
  readonly otlpEndpoint: string | undefined;
  /** How often rollouts are stepped (also right after each resolve pass). */
  readonly rolloutIntervalMs: number;
  /** Bearer token required by the API's state-changing routes; undefined = they are refused. */
  readonly apiToken: string | undefined;
  /** A shutdown taking longer than this ends the process anyway (exit status 3). */
  readonly shutdownTimeoutMs: number;
  /** Directories under which local repositories may be read (none: every local one is refused). */
  readonly allowLocalSources: readonly string[];
  /** Git source limits overriding the defaults (see git/limits.ts). */
  readonly gitLimits: Readonly<Partial<GitLimits>>;
}

const KEYS = {
  fleetRepo: { flag: 'fleet-repo', env: 'GITFLEET_FLEET_REPO' },
  fleetBranch: { flag: 'fleet-branch', env: 'GITFLEET_FLEET_BRANCH' },
  fleetTokenFile: { flag: 'fleet-token-file', env: 'GITFLEET_FLEET_TOKEN_FILE' },
  redisUrl: { flag: 'redis-url', env: 'GITFLEET_REDIS_URL' },
  redisOptions: { flag: 'redis-options', env: 'GITFLEET_REDIS_OPTIONS' },
  redisPasswordFile: { flag: 'redis-password-file', env: 'GITFLEET_REDIS_PASSWORD_FILE' },
  grpcAddress: { flag: 'grpc-address', env: 'GITFLEET_GRPC_ADDRESS' },
  httpAddress: { flag: 'http-address', env: 'GITFLEET_HTTP_ADDRESS' },
  agentTokensDir: { flag: 'agent-tokens-dir', env: 'GITFLEET_AGENT_TOKENS_DIR' },
  pollIntervalMs: { flag: 'poll-interval-ms', env: 'GITFLEET_POLL_INTERVAL_MS' },
  webhookSecretFile: { flag: 'webhook-secret-file', env: 'GITFLEET_WEBHOOK_SECRET_FILE' },
  replica: { flag: 'replica', env: 'GITFLEET_REPLICA' },
  cacheDir: { flag: 'cache-dir', env: 'GITFLEET_HUB_CACHE_DIR' },
  heartbeatIntervalMs: { flag: 'heartbeat-interval-ms', env: 'GITFLEET_HEARTBEAT_INTERVAL_MS' },
  redisPrefix: { flag: 'redis-prefix', env: 'GITFLEET_REDIS_PREFIX' },
  logLevel: { flag: 'log-level', env: 'GITFLEET_LOG_LEVEL' },
  otlpEndpoint: { flag: 'otlp-endpoint', env: 'GITFLEET_OTLP_ENDPOINT' },
  rolloutIntervalMs: { flag: 'rollout-interval-ms', env: 'GITFLEET_ROLLOUT_INTERVAL_MS' },
  apiTokenFile: { flag: 'api-token-file', env: 'GITFLEET_API_TOKEN_FILE' },
  shutdownTimeoutMs: { flag: 'shutdown-timeout-ms', env: 'GITFLEET_SHUTDOWN_TIMEOUT_MS' },
  allowLocalSources: { flag: 'allow-local-sources', env: 'GITFLEET_ALLOW_LOCAL_SOURCES' },
  gitLimits: { flag: 'git-limits', env: 'GITFLEET_GIT_LIMITS' },
} as const;
type Key = keyof typeof KEYS;

/** Every environment variable the hub reads (tests clear them all for a child hub). */
export const HUB_ENV_VARS: readonly string[] = [
  'GITFLEET_CONFIG',
  ...Object.values(KEYS).map((k) => k.env),
];

export const HUB_USAGE = `gitfleet-hub: reads the fleet from Git and streams each cluster's agent its desired state

${Object.entries(KEYS)
  .map(
    ([k, v]) =>
      `  --${v.flag.padEnd(22)} (${v.env})${k === 'fleetRepo' || k === 'agentTokensDir' ? '  required' : ''}`,
  )
  .join('\n')}
  --config PATH              JSON file with any of the above (camelCase keys) (GITFLEET_CONFIG)

Agent tokens: one file per declared target, <agent-tokens-dir>/<target>.token.
`;

export interface LoadHubConfigInput {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly readFile?: (p: string) => string;
  readonly readDir?: (p: string) => string[];
}

export function loadHubConfig(input: LoadHubConfigInput = {}): HubConfig {
  const src = configSource(KEYS, input);
  const { problems, get, int } = src;
  const readFile = src.readFile;
  const readDir = input.readDir ?? ((p: string) => readdirSync(p));
  const secretFile = (key: Key): string | undefined => src.secretFile(key);
  const address = (key: Key, def: string): string => {
    const v = get(key)?.value ?? def;
    const port = Number(/:(\d{1,5})$/.exec(v)?.[1] ?? -1);
    if (!/^[^\s/]+:\d{1,5}$/.test(v) || port < 0 || port > 65535) {
      problems.push(`--${KEYS[key].flag}=${v}: expected HOST:PORT with a port from 0 to 65535`);
    }
    return v;
  };

  const fleetRepo = get('fleetRepo')?.value;
  if (fleetRepo === undefined)
    problems.push(
      'fleetRepo is required: set --fleet-repo or GITFLEET_FLEET_REPO (an https:// Git URL; a local path only under --allow-local-sources)',
    );
  const agentTokens = new Map<string, string>();
  const tokensDir = get('agentTokensDir');
  if (tokensDir === undefined) {
    problems.push(
      'agentTokensDir is required: set --agent-tokens-dir (one <target>.token file per target)',
    );
  } else {
    try {
      for (const f of readDir(tokensDir.value)) {
        if (!f.endsWith('.token')) continue;
        const target = f.slice(0, -'.token'.length);
        if (!isDnsLabel(target)) {
          problems.push(
            `${path.join(tokensDir.value, f)}: "${target}" is not a target name (DNS label)`,
          );
          continue;
        }
        const token = readFile(path.join(tokensDir.value, f)).trim();
        if (token.length < 16)
          problems.push(`${path.join(tokensDir.value, f)}: a token must be at least 16 characters`);
        else {
          const twin = [...agentTokens].find(([, t]) => t === token)?.[0];
          if (twin !== undefined) {
            problems.push(
              `${path.join(tokensDir.value, f)}: the same token as ${twin}.token: every target needs its own`,
            );
          }
          agentTokens.set(target, token);
        }
      }
    } catch (err) {
      problems.push(
        `${tokensDir.from}: cannot read ${tokensDir.value}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const logLevel = get('logLevel')?.value ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(logLevel))
    problems.push(`log level ${logLevel}: one of trace|debug|info|warn|error`);
  const redisUrl = get('redisUrl')?.value ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl))
    problems.push(
      `redis URL ${redisUrl.replace(/\/\/[^@/]*@/, '//[credentials]@')}: expected redis://HOST:PORT or rediss://`,
    );
  const redisOptions: Record<string, unknown> = { ...src.jsonObject('redisOptions') };
  for (const owned of ['maxRetriesPerRequest', 'keyPrefix', 'lazyConnect', 'enableOfflineQueue']) {
    if (owned in redisOptions)
      problems.push(
        `redisOptions.${owned}: set by the hub (BullMQ and the store depend on it); remove it`,
      );
  }
  const sentinels = redisOptions['sentinels'];
  if (sentinels !== undefined) {
    const ok =
      Array.isArray(sentinels) &&
      sentinels.length > 0 &&
      sentinels.every(
        (x: unknown) =>
          typeof x === 'object' &&
          x !== null &&
          typeof (x as { host?: unknown }).host === 'string' &&
          Number.isInteger((x as { port?: unknown }).port),
      );
    if (!ok) problems.push('redisOptions.sentinels: expected [{"host": "…", "port": 26379}, …]');
    if (typeof redisOptions['name'] !== 'string')
      problems.push('redisOptions.name: the Sentinel master name is required with sentinels');
  }
  const localRoots = parseLocalRoots(get('allowLocalSources')?.value);
  if ('problem' in localRoots) problems.push(localRoots.problem);
  const allowLocalSources = 'roots' in localRoots ? localRoots.roots : [];
  const gitLimits = readGitLimits(src.jsonObject('gitLimits') ?? {});
  problems.push(...gitLimits.problems);
  const fleetTokenPresent = get('fleetTokenFile') !== undefined;
  const fleetRepoProblem =
    fleetRepo === undefined
      ? undefined
      : sourceProblem(fleetRepo, { allowLocalRoots: allowLocalSources }, fleetTokenPresent);
  if (fleetRepoProblem !== undefined) problems.push(`fleetRepo: ${fleetRepoProblem}`);
  const redisPassword = secretFile('redisPasswordFile');
  if (redisPassword !== undefined) redisOptions['password'] = redisPassword;
  const config: HubConfig = {
    fleetRepo: fleetRepo ?? '',
    fleetBranch: get('fleetBranch')?.value ?? 'main',
    fleetToken: secretFile('fleetTokenFile'),
    redisUrl,
    redisOptions,
    grpcAddress: address('grpcAddress', '127.0.0.1:7443'),
    httpAddress: address('httpAddress', '127.0.0.1:8080'),
    agentTokens,
    pollIntervalMs: int('pollIntervalMs', 60_000, 1_000, 86_400_000),
    webhookSecret: secretFile('webhookSecretFile'),
    replica: get('replica')?.value ?? `${os.hostname()}-${process.pid}`,
    cacheDir: get('cacheDir')?.value ?? path.join(os.homedir(), '.cache', 'gitfleet', 'hub-git'),
    heartbeatIntervalMs: int('heartbeatIntervalMs', 10_000, 200, 600_000),
    redisPrefix: get('redisPrefix')?.value ?? 'gitfleet:',
    logLevel: logLevel as LogLevel,
    otlpEndpoint: src.httpUrl('otlpEndpoint'),
    rolloutIntervalMs: int('rolloutIntervalMs', 1_000, 50, 600_000),
    apiToken: secretFile('apiTokenFile'),
    shutdownTimeoutMs: int('shutdownTimeoutMs', 10_000, 500, 600_000),
    allowLocalSources,
    gitLimits: gitLimits.limits,
  };
  if (problems.length > 0) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `invalid hub configuration:\n- ${problems.join('\n- ')}`,
      { terminal: true },
    );
  }
  return Object.freeze(config);
}
