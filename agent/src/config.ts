/**
 * Agent configuration: parsed and validated once, from (highest first) command-line flags,
 * environment variables and an optional JSON config file. Every problem is reported together in
 * one CONFIG_INVALID error. The only module that reads process.env and argv.
 * Secrets (the hub token) come from a file path, never from a flag value.
 */
import { ErrorCode, GitfleetError, configSource, isDnsLabel, type LogLevel } from '@gitfleet/proto';

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

const KEYS = {
  target: { flag: 'target', env: 'GITFLEET_TARGET' },
  hubAddress: { flag: 'hub', env: 'GITFLEET_HUB_ADDRESS' },
  tokenFile: { flag: 'token-file', env: 'GITFLEET_TOKEN_FILE' },
  hubCaFile: { flag: 'hub-ca-file', env: 'GITFLEET_HUB_CA_FILE' },
  kubeconfig: { flag: 'kubeconfig', env: 'KUBECONFIG' },
  stateNamespace: { flag: 'state-namespace', env: 'GITFLEET_STATE_NAMESPACE' },
  resyncIntervalMs: { flag: 'resync-interval-ms', env: 'GITFLEET_RESYNC_INTERVAL_MS' },
  unmanagedScanIntervalMs: {
    flag: 'unmanaged-scan-interval-ms',
    env: 'GITFLEET_UNMANAGED_SCAN_INTERVAL_MS',
  },
  applyConcurrency: { flag: 'apply-concurrency', env: 'GITFLEET_APPLY_CONCURRENCY' },
  logLevel: { flag: 'log-level', env: 'GITFLEET_LOG_LEVEL' },
  httpAddress: { flag: 'http-address', env: 'GITFLEET_HTTP_ADDRESS' },
  otlpEndpoint: { flag: 'otlp-endpoint', env: 'GITFLEET_OTLP_ENDPOINT' },
  shutdownTimeoutMs: { flag: 'shutdown-timeout-ms', env: 'GITFLEET_SHUTDOWN_TIMEOUT_MS' },
} as const;

export interface LoadAgentConfigInput {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly readFile?: (path: string) => string;
}

export const AGENT_USAGE = `gitfleet-agent: reconciles one cluster from the assignments of a gitfleet hub

  --target NAME                  this cluster's target name, as declared in the fleet repo   (GITFLEET_TARGET)
  --hub HOST:PORT[,HOST:PORT]    the hub's gRPC address (several replicas: tried in turn)   (GITFLEET_HUB_ADDRESS)
  --token-file PATH              file holding this target's hub token                        (GITFLEET_TOKEN_FILE)
  --hub-ca-file PATH             CA bundle for the hub's TLS; omit for plaintext on loopback (GITFLEET_HUB_CA_FILE)
  --kubeconfig PATH              kubeconfig; omit to use the in-cluster service account      (KUBECONFIG)
  --state-namespace NS           where the agent keeps its state [gitfleet-system]           (GITFLEET_STATE_NAMESPACE)
  --resync-interval-ms N         full resync period [300000]                                  (GITFLEET_RESYNC_INTERVAL_MS)
  --unmanaged-scan-interval-ms N unmanaged-object scan period [60000]                         (GITFLEET_UNMANAGED_SCAN_INTERVAL_MS)
  --apply-concurrency N          server-side applies in flight [32]                           (GITFLEET_APPLY_CONCURRENCY)
  --log-level LEVEL              trace|debug|info|warn|error [info]                           (GITFLEET_LOG_LEVEL)
  --http-address HOST:PORT       health and metrics endpoint [off]                            (GITFLEET_HTTP_ADDRESS)
  --otlp-endpoint URL            OTLP/HTTP traces endpoint (.../v1/traces) [off]             (GITFLEET_OTLP_ENDPOINT)
  --shutdown-timeout-ms N        longest graceful shutdown, then exit 3 [10000]              (GITFLEET_SHUTDOWN_TIMEOUT_MS)
  --config PATH                  JSON file with any of the above (camelCase keys)             (GITFLEET_CONFIG)
`;

export function loadAgentConfig(input: LoadAgentConfigInput = {}): AgentConfig {
  const env = input.env ?? process.env;
  const src = configSource(KEYS, { ...input, env });
  const { problems, get, required, int } = src;
  const target = required('target');
  if (target !== undefined && !isDnsLabel(target.value)) {
    problems.push(
      `${target.from}=${target.value}: a target name is a DNS label (lowercase letters, digits, '-', at most 63)`,
    );
  }
  const hub = required('hubAddress');
  const hubAddresses = hub === undefined ? [] : hub.value.split(',').map((a) => a.trim());
  for (const a of hubAddresses) {
    if (!/^[^\s/,]+:\d{1,5}$/.test(a))
      problems.push(`${hub?.from}=${hub?.value}: expected HOST:PORT[,HOST:PORT…], got "${a}"`);
  }
  const tokenFile = required('tokenFile');
  const token = tokenFile === undefined ? '' : (src.secretFile('tokenFile') ?? '');
  const hubCaFile = get('hubCaFile')?.value;
  if (
    hubCaFile === undefined &&
    hub !== undefined &&
    hubAddresses.some((a) => !/^(127\.|localhost:|\[::1\]:)/.test(a))
  ) {
    problems.push(
      `${hub.from}=${hub.value}: plaintext is allowed only to a loopback hub; set --hub-ca-file for TLS`,
    );
  }
  const kubeconfig = get('kubeconfig')?.value;
  if (kubeconfig === undefined && env['KUBERNETES_SERVICE_HOST'] === undefined) {
    problems.push(
      'no cluster: set --kubeconfig (or KUBECONFIG), or run in a pod (in-cluster service account)',
    );
  }
  const stateNamespace = get('stateNamespace')?.value ?? 'gitfleet-system';
  if (!isDnsLabel(stateNamespace))
    problems.push(`state namespace "${stateNamespace}" is not a DNS label`);
  const logLevelSrc = get('logLevel');
  const levels = ['trace', 'debug', 'info', 'warn', 'error'];
  if (logLevelSrc !== undefined && !levels.includes(logLevelSrc.value)) {
    problems.push(`${logLevelSrc.from}=${logLevelSrc.value}: one of ${levels.join('|')}`);
  }
  const resyncIntervalMs = int('resyncIntervalMs', 300_000, 1_000, 86_400_000);
  const unmanagedScanIntervalMs = int('unmanagedScanIntervalMs', 60_000, 500, 86_400_000);
  const applyConcurrency = int('applyConcurrency', 32, 1, 256);
  const httpAddress = get('httpAddress')?.value;
  const otlpEndpoint = src.httpUrl('otlpEndpoint');
  const shutdownTimeoutMs = int('shutdownTimeoutMs', 10_000, 500, 600_000);

  if (problems.length > 0) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `invalid agent configuration:\n- ${problems.join('\n- ')}`,
      {
        terminal: true,
      },
    );
  }
  return Object.freeze({
    target: target?.value ?? '',
    hubAddress: hub?.value ?? '',
    token,
    tokenFile: tokenFile?.value ?? '',
    hubCaFile,
    kubeconfig,
    stateNamespace,
    resyncIntervalMs,
    unmanagedScanIntervalMs,
    applyConcurrency,
    logLevel: (logLevelSrc?.value ?? 'info') as LogLevel,
    httpAddress,
    otlpEndpoint,
    shutdownTimeoutMs,
  });
}
