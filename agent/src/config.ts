/**
 * Agent configuration: one table of options (flag, environment variable, config-file key,
 * description, default, parser) from which come the parsing, `--help` and the flag table of
 * docs/agent.md. Parsed and validated once, from (highest first) flags, environment variables
 * and an optional JSON config file; every problem is reported together in one CONFIG_INVALID
 * error. The only module that reads process.env and argv. Secrets (the hub token) come from a
 * file path, never from a flag value.
 */
import {
  ErrorCode,
  GitfleetError,
  BINARY_OPTIONS,
  configUsage,
  integer,
  isDnsLabel,
  onOff,
  option,
  pinHubKeys,
  publicKeysFromPem,
  readConfig,
  secretFile,
  text,
  type ConfigValue,
  type LogLevel,
  type ParseContext,
  type PinnedHubKeys,
} from '@gitfleet/proto';
import type { LocalPolicy } from './core/local-policy.ts';
import { hubLinkSecurity, type HubTls } from './link/transport.ts';
import { parsePolicyFile, resolveLocalPolicy, type PolicyFile } from './core/local-policy-file.ts';

export interface AgentConfig {
  readonly target: string;
  readonly hubAddress: string;
  /** Static bearer token for the hub (read from tokenFile); undefined = none. */
  readonly token: string | undefined;
  readonly tokenFile: string | undefined;
  /** PEM CA bundle to verify the hub's TLS certificate; undefined = the system's CAs. */
  readonly hubCaFile: string | undefined;
  /** The link's TLS; undefined = plaintext (`--insecure-plaintext`, loopback hub only). */
  readonly hubTls: HubTls | undefined;
  /**
   * The one-time registration token's file: without a usable certificate at start the agent
   * registers with it (link/enrollment.ts); undefined = no registration.
   */
  readonly registrationTokenFile: string | undefined;
  /** Kubeconfig path; undefined = in-cluster service account. */
  readonly kubeconfig: string | undefined;
  /** Namespace of the agent's own state (persisted assignments and inventories). */
  readonly stateNamespace: string;
  readonly resyncIntervalMs: number;
  readonly unmanagedScanIntervalMs: number;
  readonly applyConcurrency: number;
  readonly logLevel: LogLevel;
  /** Address for /healthz, /readyz and /metrics; undefined = off. */
  readonly httpAddress: string | undefined;
  /** OTLP/HTTP traces endpoint; undefined = no trace export. */
  readonly otlpEndpoint: string | undefined;
  /** A shutdown taking longer than this ends the process anyway (exit status 3). */
  readonly shutdownTimeoutMs: number;
  /**
   * The hub keys desired state must be signed with (from `--hub-public-key-file`); undefined =
   * nothing is verified, as a hub without a signing key needs.
   */
  readonly hubKeys: PinnedHubKeys | undefined;
  /** The local policy file; undefined = the built-in policy. */
  readonly policyFile: string | undefined;
  /** What this agent refuses to apply whatever the hub sends (core/local-policy.ts). */
  readonly policy: LocalPolicy;
}

/** The addresses of `--hub` (several replicas: tried in turn). */
function hubAddresses(value: string): string[] {
  return value.split(',').map((a) => a.trim());
}

/** The policy file the value names, parsed; every problem names the file and the field. */
function readPolicyFile(raw: ConfigValue, ctx: ParseContext): PolicyFile | undefined {
  let content: string;
  try {
    content = ctx.readFile(raw.value);
  } catch (err) {
    ctx.problem(
      `${raw.from}: cannot read ${raw.value}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
  const { file, problems } = parsePolicyFile(content, raw.value);
  for (const p of problems) ctx.problem(`${raw.from}: ${p}`);
  return file;
}

/** The public keys of every PEM file of a comma-separated list, by key id. */
function hubPublicKeyFiles(
  raw: ConfigValue,
  ctx: ParseContext,
): { files: string[]; keys: PinnedHubKeys } | undefined {
  const files = raw.value.split(',').map((f) => f.trim());
  const read = (file: string): string => {
    try {
      return ctx.readFile(file);
    } catch (err) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `${raw.from}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  try {
    const keys = files.flatMap((file) => publicKeysFromPem(read(file), `${raw.from}: ${file}`));
    return { files, keys: pinHubKeys(keys) };
  } catch (err) {
    ctx.problem(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/** Every option of gitfleet-agent; the keys are also those of the config file. */
export const AGENT_FLAGS = {
  target: option({
    flag: 'target',
    env: 'GITFLEET_TARGET',
    arg: 'NAME',
    description: "this cluster's target name, as declared in the fleet repository",
    required: true,
    parse: (raw, ctx) => {
      if (!isDnsLabel(raw.value)) {
        ctx.problem(
          `${raw.from}=${raw.value}: a target name is a DNS label (lowercase letters, digits, '-', at most 63)`,
        );
      }
      return raw.value;
    },
  }),
  hubAddress: option({
    flag: 'hub',
    env: 'GITFLEET_HUB_ADDRESS',
    arg: 'HOST:PORT[,HOST:PORT]',
    description: "the hub's gRPC address (several replicas: tried in turn)",
    required: true,
    parse: (raw, ctx) => {
      for (const a of hubAddresses(raw.value)) {
        if (!/^[^\s/,]+:\d{1,5}$/.test(a))
          ctx.problem(`${raw.from}=${raw.value}: expected HOST:PORT[,HOST:PORT…], got "${a}"`);
      }
      return raw.value;
    },
  }),
  tokenFile: option({
    flag: 'token-file',
    env: 'GITFLEET_TOKEN_FILE',
    arg: 'PATH',
    description:
      "file holding this target's static hub token, for a hub run with --allow-static-tokens",
    defaultText: 'none (the client certificate names the target)',
    parse: (raw, ctx) => ({ path: raw.value, token: secretFile(raw, ctx) ?? '' }),
  }),
  hubCaFile: option({
    flag: 'hub-ca-file',
    env: 'GITFLEET_HUB_CA_FILE',
    arg: 'PATH',
    description: "CA bundle of the hub's TLS certificate (PEM); re-read when it changes",
    defaultText: "the system's CAs",
    parse: text,
  }),
  hubServerName: option({
    flag: 'hub-server-name',
    env: 'GITFLEET_HUB_SERVER_NAME',
    arg: 'NAME',
    description: "the name the hub's certificate must hold, sent as the TLS server name",
    defaultText: 'the host of --hub',
    parse: text,
  }),
  tlsCertFile: option({
    flag: 'tls-cert-file',
    env: 'GITFLEET_TLS_CERT_FILE',
    arg: 'PATH',
    description:
      "this agent's client certificate (PEM), naming its target: URI SAN spiffe://gitfleet/target/<target> or CN <target>; re-read when it changes",
    defaultText: 'none (then --token-file)',
    parse: text,
  }),
  tlsKeyFile: option({
    flag: 'tls-key-file',
    env: 'GITFLEET_TLS_KEY_FILE',
    arg: 'PATH',
    description: 'the private key of --tls-cert-file (PEM); re-read when it changes',
    defaultText: 'none',
    parse: text,
  }),
  registrationTokenFile: option({
    flag: 'registration-token-file',
    env: 'GITFLEET_REGISTRATION_TOKEN_FILE',
    arg: 'PATH',
    description:
      'file holding a one-time registration token (gfreg_…): without a usable certificate at start the agent generates a key, registers with the hub and writes key and certificate to --tls-key-file and --tls-cert-file',
    defaultText: 'none (the certificate files must exist)',
    parse: text,
  }),
  tlsReloadIntervalMs: option({
    flag: 'tls-reload-interval-ms',
    env: 'GITFLEET_TLS_RELOAD_INTERVAL_MS',
    arg: 'N',
    description: 'how often the TLS files are re-read (the next connection uses what changed)',
    default: 60_000,
    parse: integer(100, 3_600_000),
  }),
  insecurePlaintext: option({
    flag: 'insecure-plaintext',
    env: 'GITFLEET_INSECURE_PLAINTEXT',
    arg: '',
    description: 'connect without TLS: only to a loopback hub, with --token-file',
    default: false,
    switch: true,
    parse: onOff,
  }),
  kubeconfig: option({
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    arg: 'PATH',
    description: "the cluster's kubeconfig; omit to use the in-cluster service account",
    defaultText: 'in-cluster',
    parse: text,
  }),
  stateNamespace: option({
    flag: 'state-namespace',
    env: 'GITFLEET_STATE_NAMESPACE',
    arg: 'NS',
    description: 'where the agent keeps its state (assignments, inventories)',
    default: 'gitfleet-system',
    parse: text,
  }),
  resyncIntervalMs: option({
    flag: 'resync-interval-ms',
    env: 'GITFLEET_RESYNC_INTERVAL_MS',
    arg: 'N',
    description: 'full resync period',
    default: 300_000,
    parse: integer(1_000, 86_400_000),
  }),
  unmanagedScanIntervalMs: option({
    flag: 'unmanaged-scan-interval-ms',
    env: 'GITFLEET_UNMANAGED_SCAN_INTERVAL_MS',
    arg: 'N',
    description: 'unmanaged-object scan period',
    default: 60_000,
    parse: integer(500, 86_400_000),
  }),
  applyConcurrency: option({
    flag: 'apply-concurrency',
    env: 'GITFLEET_APPLY_CONCURRENCY',
    arg: 'N',
    description: 'server-side applies in flight',
    default: 32,
    parse: integer(1, 256),
  }),
  logLevel: BINARY_OPTIONS.logLevel,
  httpAddress: option({
    flag: 'http-address',
    env: 'GITFLEET_HTTP_ADDRESS',
    arg: 'HOST:PORT',
    description: 'where /healthz, /readyz and /metrics are served',
    defaultText: 'off',
    parse: text,
  }),
  otlpEndpoint: BINARY_OPTIONS.otlpEndpoint,
  shutdownTimeoutMs: BINARY_OPTIONS.shutdownTimeoutMs,
  hubPublicKeyFile: option({
    flag: 'hub-public-key-file',
    env: 'GITFLEET_HUB_PUBLIC_KEY_FILE',
    arg: 'PATH[,PATH…]',
    description:
      "PEM files of the hub's Ed25519 public keys (one or more blocks each); desired state not signed by one is refused",
    defaultText: 'none (nothing verified)',
    parse: hubPublicKeyFiles,
  }),
  policyFile: option({
    flag: 'policy-file',
    env: 'GITFLEET_POLICY_FILE',
    arg: 'PATH',
    description:
      "YAML or JSON file of the agent's local policy: what it refuses to apply whatever the hub sends (docs/security.md)",
    defaultText: 'built-in policy',
    parse: (raw, ctx) => {
      const file = readPolicyFile(raw, ctx);
      return file === undefined ? undefined : { path: raw.value, file };
    },
  }),
};

export const AGENT_USAGE = configUsage(AGENT_FLAGS, {
  name: 'gitfleet-agent',
  summary: 'reconciles one cluster from the assignments of a gitfleet hub',
  notes: [
    'Without --kubeconfig the agent must run in a pod (KUBERNETES_SERVICE_HOST set): it uses its service account.',
  ],
});

export interface LoadAgentConfigInput {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly readFile?: (path: string) => string;
}

export function loadAgentConfig(input: LoadAgentConfigInput = {}): AgentConfig {
  const { values: v, problems, env, readFile } = readConfig(AGENT_FLAGS, input);
  const link = hubLinkSecurity({ ...v, hasToken: v.tokenFile !== undefined }, readFile);
  problems.push(...link.problems);
  if (v.kubeconfig === undefined && env['KUBERNETES_SERVICE_HOST'] === undefined) {
    problems.push(
      'no cluster: set --kubeconfig (or KUBECONFIG), or run in a pod (in-cluster service account)',
    );
  }
  if (!isDnsLabel(v.stateNamespace))
    problems.push(`state namespace "${v.stateNamespace}" is not a DNS label`);
  if (problems.length > 0) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `invalid agent configuration:\n- ${problems.join('\n- ')}`,
      { terminal: true },
    );
  }
  return Object.freeze({
    target: v.target ?? '',
    hubAddress: v.hubAddress ?? '',
    token: v.tokenFile?.token,
    tokenFile: v.tokenFile?.path,
    hubCaFile: v.hubCaFile,
    hubTls: link.tls,
    registrationTokenFile: v.registrationTokenFile,
    kubeconfig: v.kubeconfig,
    stateNamespace: v.stateNamespace,
    resyncIntervalMs: v.resyncIntervalMs,
    unmanagedScanIntervalMs: v.unmanagedScanIntervalMs,
    applyConcurrency: v.applyConcurrency,
    logLevel: v.logLevel,
    httpAddress: v.httpAddress,
    otlpEndpoint: v.otlpEndpoint,
    shutdownTimeoutMs: v.shutdownTimeoutMs,
    hubKeys: v.hubPublicKeyFile?.keys,
    policyFile: v.policyFile?.path,
    policy: resolveLocalPolicy(v.policyFile?.file, v.stateNamespace),
  });
}
