/**
 * Hub configuration: one table of options (flag, GITFLEET_* environment variable, config-file
 * key, description, default, parser) from which come the parsing, `--help` and the flag table
 * of docs/hub.md. Parsed and validated once, every problem reported together (CONFIG_INVALID).
 * The only module that reads process.env and argv. Secrets (Git token, webhook secret, API and
 * agent tokens, Redis password) come from files, never from flag values; API tokens are kept
 * only as their SHA-256 digests.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ErrorCode,
  GitfleetError,
  configEnvVars,
  BINARY_OPTIONS,
  configUsage,
  integer,
  isDnsLabel,
  jsonObject,
  option,
  readConfig,
  secretFile,
  text,
  type ConfigValue,
  signingKeyFromPem,
  type HubSigningKey,
  type LogLevel,
  type ParseContext,
} from '@gitfleet/proto';
import {
  MetricsAuth,
  parseApiTokens,
  withLegacyToken,
  type ApiToken,
} from './core/api-access/index.ts';
import { readGitLimits, type GitLimits } from './git/limits.ts';
import { parseLocalRoots, sourceProblem } from './git/source-policy.ts';
import { agentLinkSecurity, type AgentLinkTls } from './link/transport.ts';
import { AGENT_LINK_FLAGS } from './link/transport-options.ts';
import { REPO_CREDS_FLAGS, type RepoCredsFile } from './git/repo-creds-options.ts';
import { agentCaProblems } from './pki/agent-ca.ts';
import { OIDC_FLAGS, oidcConfig } from './http/oidc-options.ts';
import {
  SOURCE_RENDER_FLAGS,
  sourceRenderSettings,
  type SourceRenderSettings,
} from './sources/options.ts';
import type { OidcSettings } from './core/api-access/index.ts';

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
  /**
   * target → static agent token (from `<agentTokensDir>/<target>.token`); read only with
   * `--allow-static-tokens`.
   */
  readonly agentTokens: ReadonlyMap<string, string>;
  /** Whether agents without a client certificate may present a static token instead. */
  readonly allowStaticTokens: boolean;
  /** The AgentLink port's TLS; undefined = plaintext (`--insecure-plaintext`, loopback only). */
  readonly agentLinkTls: AgentLinkTls | undefined;
  /**
   * The agent CA's files (`--agent-ca-cert-file`, `--agent-ca-key-file`); undefined = agents do
   * not register (Registration answers UNIMPLEMENTED). Never in Redis, never logged.
   */
  readonly agentCa: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Lifetime of the certificates the agent CA issues (`--agent-cert-ttl`). */
  readonly agentCertTtlMs: number;
  readonly pollIntervalMs: number;
  readonly webhookSecret: string | undefined;
  readonly replica: string;
  readonly cacheDir: string;
  readonly heartbeatIntervalMs: number;
  readonly redisPrefix: string;
  /**
   * The key desired state is signed with (`--signing-key-file`); undefined = unsigned, which
   * agents that pin hub keys refuse. Never logged.
   */
  readonly signingKey: HubSigningKey | undefined;
  readonly logLevel: LogLevel;
  /** OTLP/HTTP traces endpoint; undefined = no trace export. */
  readonly otlpEndpoint: string | undefined;
  /** How often rollouts are stepped (also right after each resolve pass). */
  readonly rolloutIntervalMs: number;
  /** Open `GET /api/v1/events` streams per replica at most (`--max-event-streams`). */
  readonly maxEventStreams: number;
  /** The web UI's build, served at /ui/ (`--ui-dir`). */
  readonly uiDir: string;
  /**
   * Bearer tokens of the HTTP API, by digest (`--api-tokens-file`, and `--api-token-file` as an
   * admin token named api-token); none: every /api/v1 route answers 401.
   */
  readonly apiTokens: readonly ApiToken[];
  /** Whether `/metrics` asks a read token (`read`) or is open (`open`). */
  readonly metricsAuth: MetricsAuth;
  /** OIDC bearer tokens of the HTTP API (`--oidc-issuer` …); undefined: static tokens only. */
  readonly oidc: OidcSettings | undefined;
  /** A shutdown taking longer than this ends the process anyway (exit status 3). */
  readonly shutdownTimeoutMs: number;
  /** Directories under which local repositories may be read (none: every local one is refused). */
  readonly allowLocalSources: readonly string[];
  /** Git source limits overriding the defaults (see git/limits.ts). */
  readonly gitLimits: Readonly<Partial<GitLimits>>;
  /** Repository credentials by URL prefix (`--repo-creds-file`); secrets stay in their files. */
  readonly repoCreds?: RepoCredsFile;
  /** How kustomize applications are rendered (`--kubectl-command`, `--render-*`). */
  readonly sources: SourceRenderSettings;
}

/** The web UI's build in the hub package (`npm run build:ui` writes it). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../ui/dist', import.meta.url));

/** HOST:PORT with a port from 0 to 65535 (the message names the flag, whatever set it). */
function address(raw: ConfigValue, ctx: ParseContext): string {
  const port = Number(/:(\d{1,5})$/.exec(raw.value)?.[1] ?? -1);
  if (!/^[^\s/]+:\d{1,5}$/.test(raw.value) || port < 0 || port > 65535) {
    ctx.problem(`--${ctx.flag}=${raw.value}: expected HOST:PORT with a port from 0 to 65535`);
  }
  return raw.value;
}

/** Every option of gitfleet-hub; the keys are also those of the config file. */
export const HUB_FLAGS = {
  fleetRepo: option({
    flag: 'fleet-repo',
    env: 'GITFLEET_FLEET_REPO',
    arg: 'URL',
    description:
      'the fleet repository: an https:// Git URL, or a local path under --allow-local-sources',
    required: 'an https:// Git URL; a local path only under --allow-local-sources',
    parse: text,
  }),
  fleetBranch: option({
    flag: 'fleet-branch',
    env: 'GITFLEET_FLEET_BRANCH',
    arg: 'BRANCH',
    description: 'branch holding the fleet definition',
    default: 'main',
    parse: text,
  }),
  fleetTokenFile: option({
    flag: 'fleet-token-file',
    env: 'GITFLEET_FLEET_TOKEN_FILE',
    arg: 'PATH',
    description: 'file holding the Git token (never sent over plain http:// to another host)',
    defaultText: 'none (anonymous)',
    parse: secretFile,
  }),
  ...REPO_CREDS_FLAGS,
  redisUrl: option({
    flag: 'redis-url',
    env: 'GITFLEET_REDIS_URL',
    arg: 'URL',
    description: 'the Redis holding all state: redis://HOST:PORT or rediss:// (TLS)',
    default: 'redis://127.0.0.1:6379',
    parse: (raw, ctx) => {
      if (!/^rediss?:\/\//.test(raw.value)) {
        ctx.problem(
          `redis URL ${raw.value.replace(/\/\/[^@/]*@/, '//[credentials]@')}: expected redis://HOST:PORT or rediss://`,
        );
      }
      return raw.value;
    },
  }),
  redisOptions: option({
    flag: 'redis-options',
    env: 'GITFLEET_REDIS_OPTIONS',
    arg: 'JSON',
    description: 'ioredis options, a JSON object (Sentinel, tls, username, db …); never logged',
    defaultText: 'none',
    object: true,
    parse: jsonObject('{"sentinels":[...]}'),
  }),
  redisPasswordFile: option({
    flag: 'redis-password-file',
    env: 'GITFLEET_REDIS_PASSWORD_FILE',
    arg: 'PATH',
    description: "file holding Redis's password",
    defaultText: 'none',
    parse: secretFile,
  }),
  grpcAddress: option({
    flag: 'grpc-address',
    env: 'GITFLEET_GRPC_ADDRESS',
    arg: 'HOST:PORT',
    description: 'where agents connect (gRPC AgentLink)',
    default: '127.0.0.1:7443',
    parse: address,
  }),
  httpAddress: option({
    flag: 'http-address',
    env: 'GITFLEET_HTTP_ADDRESS',
    arg: 'HOST:PORT',
    description: 'the HTTP API, webhook, /healthz, /readyz and /metrics',
    default: '127.0.0.1:8080',
    parse: address,
  }),
  ...AGENT_LINK_FLAGS,
  pollIntervalMs: option({
    flag: 'poll-interval-ms',
    env: 'GITFLEET_POLL_INTERVAL_MS',
    arg: 'N',
    description:
      'how often the fleet repository and the application source repositories are fetched (a webhook fetches at once)',
    default: 60_000,
    parse: integer(1_000, 86_400_000),
  }),
  webhookSecretFile: option({
    flag: 'webhook-secret-file',
    env: 'GITFLEET_WEBHOOK_SECRET_FILE',
    arg: 'PATH',
    description: 'file holding the secret of push webhooks (GitHub/Gitea HMAC, GitLab token)',
    defaultText: 'none (webhooks off)',
    parse: secretFile,
  }),
  replica: option({
    flag: 'replica',
    env: 'GITFLEET_REPLICA',
    arg: 'NAME',
    description: 'name of this replica (logs, traces, which replica holds a target)',
    default: `${os.hostname()}-${process.pid}`,
    defaultText: 'HOSTNAME-PID',
    parse: text,
  }),
  cacheDir: option({
    flag: 'cache-dir',
    env: 'GITFLEET_HUB_CACHE_DIR',
    arg: 'DIR',
    description: 'where the bare Git caches are kept (one per repository URL)',
    default: path.join(os.homedir(), '.cache', 'gitfleet', 'hub-git'),
    defaultText: '~/.cache/gitfleet/hub-git',
    parse: text,
  }),
  heartbeatIntervalMs: option({
    flag: 'heartbeat-interval-ms',
    env: 'GITFLEET_HEARTBEAT_INTERVAL_MS',
    arg: 'N',
    description: "the agents' heartbeat period; 3 missed make a target Stale",
    default: 10_000,
    parse: integer(200, 600_000),
  }),
  redisPrefix: option({
    flag: 'redis-prefix',
    env: 'GITFLEET_REDIS_PREFIX',
    arg: 'PREFIX',
    description: "prefix of every Redis key of this hub's fleet",
    default: 'gitfleet:',
    parse: text,
  }),
  signingKeyFile: option({
    flag: 'signing-key-file',
    env: 'GITFLEET_SIGNING_KEY_FILE',
    arg: 'PATH',
    description:
      'PEM PKCS#8 Ed25519 private key that signs all desired state (agents verify it with --hub-public-key-file); keep it out of Redis',
    defaultText: 'none (desired state unsigned)',
    parse: (raw, ctx) => {
      let pem: string;
      try {
        pem = ctx.readFile(raw.value);
      } catch (err) {
        ctx.problem(
          `${raw.from}: cannot read ${raw.value}: ${err instanceof Error ? err.message : String(err)}`,
        );
        return undefined;
      }
      try {
        return signingKeyFromPem(pem, `${raw.from}: ${raw.value}`);
      } catch (err) {
        ctx.problem(err instanceof Error ? err.message : String(err));
        return undefined;
      }
    },
  }),
  logLevel: BINARY_OPTIONS.logLevel,
  otlpEndpoint: BINARY_OPTIONS.otlpEndpoint,
  rolloutIntervalMs: option({
    flag: 'rollout-interval-ms',
    env: 'GITFLEET_ROLLOUT_INTERVAL_MS',
    arg: 'N',
    description: 'how often rollouts are stepped (also right after each pass over a commit)',
    default: 1_000,
    parse: integer(50, 600_000),
  }),
  maxEventStreams: option({
    flag: 'max-event-streams',
    env: 'GITFLEET_MAX_EVENT_STREAMS',
    arg: 'N',
    description:
      'open live event streams (GET /api/v1/events) per replica at most; one more is answered 503',
    default: 200,
    parse: integer(1, 100_000),
  }),
  uiDir: option({
    flag: 'ui-dir',
    env: 'GITFLEET_UI_DIR',
    arg: 'DIR',
    description:
      'the web UI build served at /ui/ (index.html and assets/); without one /ui/ answers 503',
    default: DEFAULT_UI_DIR,
    defaultText: 'hub/ui/dist of the hub package (npm run build:ui)',
    parse: (raw) => path.resolve(raw.value),
  }),
  apiTokensFile: option({
    flag: 'api-tokens-file',
    env: 'GITFLEET_API_TOKENS_FILE',
    arg: 'PATH',
    description:
      'bearer tokens of the HTTP API: lines of <name> <scope> <sha256 of the token>, scope read, operate or admin (docs/security.md)',
    defaultText: 'none (every /api/v1 route answers 401)',
    parse: (raw, ctx) => {
      let content: string;
      try {
        content = ctx.readFile(raw.value);
      } catch (err) {
        ctx.problem(
          `${raw.from}: cannot read ${raw.value}: ${err instanceof Error ? err.message : String(err)}`,
        );
        return undefined;
      }
      const parsed = parseApiTokens(content, raw.value);
      parsed.problems.forEach((p) => ctx.problem(`${raw.from}: ${p}`));
      return parsed.tokens;
    },
  }),
  apiTokenFile: option({
    flag: 'api-token-file',
    env: 'GITFLEET_API_TOKEN_FILE',
    arg: 'PATH',
    description: 'file holding one bearer token of the HTTP API, scope admin, named api-token',
    defaultText: 'none',
    parse: secretFile,
  }),
  ...OIDC_FLAGS,
  ...SOURCE_RENDER_FLAGS,
  metricsAuth: option({
    flag: 'metrics-auth',
    env: 'GITFLEET_METRICS_AUTH',
    arg: 'open|read',
    description: 'whether GET /metrics is open or needs a bearer token of scope read',
    default: MetricsAuth.Open,
    parse: (raw, ctx) => {
      if (raw.value === MetricsAuth.Open || raw.value === MetricsAuth.Read) return raw.value;
      ctx.problem(`${raw.from}=${raw.value}: use open or read`);
      return undefined;
    },
  }),
  shutdownTimeoutMs: BINARY_OPTIONS.shutdownTimeoutMs,
  allowLocalSources: option({
    flag: 'allow-local-sources',
    env: 'GITFLEET_ALLOW_LOCAL_SOURCES',
    arg: 'DIR[,DIR…]',
    description: 'absolute directories under which local Git repositories may be read',
    default: [] as readonly string[],
    defaultText: 'none (local repositories refused)',
    parse: (raw, ctx) => {
      const roots = parseLocalRoots(raw.value);
      if ('problem' in roots) {
        ctx.problem(roots.problem);
        return undefined;
      }
      return roots.roots;
    },
  }),
  gitLimits: option({
    flag: 'git-limits',
    env: 'GITFLEET_GIT_LIMITS',
    arg: 'JSON',
    description: 'Git source limits overriding the defaults, e.g. {"maxFileBytes": 2097152}',
    default: {},
    defaultText: 'the defaults (docs/reliability.md)',
    object: true,
    parse: (raw, ctx) => {
      const limits = readGitLimits(jsonObject('{"maxFileBytes":2097152}')(raw, ctx) ?? {});
      limits.problems.forEach(ctx.problem);
      return limits.limits;
    },
  }),
};

/** Every environment variable the hub reads (tests clear them all for a child hub). */
export const HUB_ENV_VARS: readonly string[] = configEnvVars(HUB_FLAGS);

export const HUB_USAGE = configUsage(HUB_FLAGS, {
  name: 'gitfleet-hub',
  summary: "reads the fleet from Git and streams each cluster's agent its desired state",
  notes: [
    'Agents are known by their client certificates: URI SAN spiffe://gitfleet/target/<target>, or CN <target> (docs/security.md).',
    'Static agent tokens (--allow-static-tokens): one file per declared target, <agent-tokens-dir>/<target>.token.',
    'Subcommands, with the same options: gitfleet-hub registration-token --target <target> [--ttl 1h] prints a one-time registration token; gitfleet-hub revoke --target <target> refuses the certificates of the target issued until now (each: --help).',
  ],
});

export interface LoadHubConfigInput {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly readFile?: (p: string) => string;
  readonly readDir?: (p: string) => string[];
}

/** `<dir>/<target>.token` for each target, trimmed; every other file is ignored. */
function readAgentTokens(
  dir: string,
  from: string,
  io: { readonly readFile: (p: string) => string; readonly readDir: (p: string) => string[] },
  problems: string[],
): Map<string, string> {
  const agentTokens = new Map<string, string>();
  try {
    for (const f of io.readDir(dir)) {
      if (!f.endsWith('.token')) continue;
      const target = f.slice(0, -'.token'.length);
      const file = path.join(dir, f);
      if (!isDnsLabel(target)) {
        problems.push(`${file}: "${target}" is not a target name (DNS label)`);
        continue;
      }
      const token = io.readFile(file).trim();
      if (token.length < 16) {
        problems.push(`${file}: a token must be at least 16 characters`);
        continue;
      }
      const twin = [...agentTokens].find(([, t]) => t === token)?.[0];
      if (twin !== undefined)
        problems.push(`${file}: the same token as ${twin}.token: every target needs its own`);
      agentTokens.set(target, token);
    }
  } catch (err) {
    problems.push(
      `${from}: cannot read ${dir}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return agentTokens;
}

/** The problems of ioredis options: options the hub owns, and Sentinel without its shape. */
function redisOptionsProblems(options: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const owned of ['maxRetriesPerRequest', 'keyPrefix', 'lazyConnect', 'enableOfflineQueue']) {
    if (owned in options)
      problems.push(
        `redisOptions.${owned}: set by the hub (BullMQ and the store depend on it); remove it`,
      );
  }
  const sentinels = options['sentinels'];
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
    if (typeof options['name'] !== 'string')
      problems.push('redisOptions.name: the Sentinel master name is required with sentinels');
  }
  return problems;
}

export function loadHubConfig(input: LoadHubConfigInput = {}): HubConfig {
  const { values: v, from, problems, readFile } = readConfig(HUB_FLAGS, input);
  const readDir = input.readDir ?? ((p: string) => readdirSync(p));
  const agentTokens =
    v.agentTokensDir === undefined || !v.allowStaticTokens
      ? new Map<string, string>()
      : readAgentTokens(
          v.agentTokensDir,
          from.agentTokensDir ?? '',
          { readFile, readDir },
          problems,
        );
  const link = agentLinkSecurity(v, readFile);
  problems.push(...link.problems);
  problems.push(
    ...agentCaProblems(
      {
        certFile: v.agentCaCertFile,
        keyFile: v.agentCaKeyFile,
        clientCaFile: link.tls?.clientCaFile,
      },
      readFile,
    ),
  );
  const redisOptions: Record<string, unknown> = { ...v.redisOptions };
  problems.push(...redisOptionsProblems(redisOptions));
  if (v.redisPasswordFile !== undefined) redisOptions['password'] = v.redisPasswordFile;
  const fleetRepoProblem =
    v.fleetRepo === undefined
      ? undefined
      : sourceProblem(
          v.fleetRepo,
          { allowLocalRoots: v.allowLocalSources },
          from.fleetTokenFile !== undefined,
        );
  if (fleetRepoProblem !== undefined) problems.push(`fleetRepo: ${fleetRepoProblem}`);
  const apiTokens =
    v.apiTokenFile === undefined
      ? { tokens: v.apiTokensFile ?? [], problems: [] }
      : withLegacyToken(v.apiTokensFile ?? [], v.apiTokenFile);
  problems.push(...apiTokens.problems);
  const oidc = oidcConfig(v, from);
  problems.push(...oidc.problems);
  if (problems.length > 0) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `invalid hub configuration:\n- ${problems.join('\n- ')}`,
      { terminal: true },
    );
  }
  return Object.freeze({
    fleetRepo: v.fleetRepo ?? '',
    fleetBranch: v.fleetBranch,
    fleetToken: v.fleetTokenFile,
    redisUrl: v.redisUrl,
    redisOptions,
    grpcAddress: v.grpcAddress,
    httpAddress: v.httpAddress,
    agentTokens,
    allowStaticTokens: v.allowStaticTokens,
    agentLinkTls: link.tls,
    agentCa:
      v.agentCaCertFile === undefined || v.agentCaKeyFile === undefined
        ? undefined
        : { certFile: v.agentCaCertFile, keyFile: v.agentCaKeyFile },
    agentCertTtlMs: v.agentCertTtl,
    pollIntervalMs: v.pollIntervalMs,
    webhookSecret: v.webhookSecretFile,
    replica: v.replica,
    cacheDir: v.cacheDir,
    heartbeatIntervalMs: v.heartbeatIntervalMs,
    redisPrefix: v.redisPrefix,
    signingKey: v.signingKeyFile,
    logLevel: v.logLevel,
    otlpEndpoint: v.otlpEndpoint,
    rolloutIntervalMs: v.rolloutIntervalMs,
    maxEventStreams: v.maxEventStreams,
    uiDir: v.uiDir,
    apiTokens: apiTokens.tokens,
    metricsAuth: v.metricsAuth,
    oidc: oidc.settings,
    shutdownTimeoutMs: v.shutdownTimeoutMs,
    allowLocalSources: v.allowLocalSources,
    gitLimits: v.gitLimits,
    sources: sourceRenderSettings(v),
    ...(v.repoCredsFile === undefined ? {} : { repoCreds: v.repoCredsFile }),
  });
}
