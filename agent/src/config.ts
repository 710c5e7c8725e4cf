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
  option,
  readConfig,
  secretFile,
  text,
  type LogLevel,
} from '@gitfleet/proto';

export interface AgentConfig {
  readonly target: string;
  readonly hubAddress: string;
  /** Bearer token for the hub (read from tokenFile). */
  readonly token: string;
  readonly tokenFile: string;
  /** PEM CA bundle to verify the hub's TLS certificate; undefined = plaintext (loopback only). */
  readonly hubCaFile: string | undefined;
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
}

/** The addresses of `--hub` (several replicas: tried in turn). */
function hubAddresses(value: string): string[] {
  return value.split(',').map((a) => a.trim());
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
    description: "file holding this target's hub token",
    required: true,
    parse: (raw, ctx) => ({ path: raw.value, token: secretFile(raw, ctx) ?? '' }),
  }),
  hubCaFile: option({
    flag: 'hub-ca-file',
    env: 'GITFLEET_HUB_CA_FILE',
    arg: 'PATH',
    description: "CA bundle for the hub's TLS; omit for plaintext to a loopback hub",
    defaultText: 'none (plaintext)',
    parse: text,
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
  const { values: v, from, problems, env } = readConfig(AGENT_FLAGS, input);
  if (
    v.hubCaFile === undefined &&
    v.hubAddress !== undefined &&
    hubAddresses(v.hubAddress).some((a) => !/^(127\.|localhost:|\[::1\]:)/.test(a))
  ) {
    problems.push(
      `${from.hubAddress}=${v.hubAddress}: plaintext is allowed only to a loopback hub; set --hub-ca-file for TLS`,
    );
  }
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
    token: v.tokenFile?.token ?? '',
    tokenFile: v.tokenFile?.path ?? '',
    hubCaFile: v.hubCaFile,
    kubeconfig: v.kubeconfig,
    stateNamespace: v.stateNamespace,
    resyncIntervalMs: v.resyncIntervalMs,
    unmanagedScanIntervalMs: v.unmanagedScanIntervalMs,
    applyConcurrency: v.applyConcurrency,
    logLevel: v.logLevel,
    httpAddress: v.httpAddress,
    otlpEndpoint: v.otlpEndpoint,
    shutdownTimeoutMs: v.shutdownTimeoutMs,
  });
}
