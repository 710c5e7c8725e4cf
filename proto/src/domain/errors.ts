/**
 * The one error type of gitfleet. Every error that crosses a module boundary is a GitfleetError
 * with a stable `code` (for machines: alerts, API clients, tests) and a message that names the
 * subject first (file, object, field, target) and says what to do.
 */
export const ErrorCode = {
  ConfigInvalid: 'CONFIG_INVALID',
  PrerequisiteMissing: 'PREREQUISITE_MISSING',
  PortInUse: 'PORT_IN_USE',
  ProcessFailed: 'PROCESS_FAILED',
  Timeout: 'TIMEOUT',
  GitFetchFailed: 'GIT_FETCH_FAILED',
  GitAuthFailed: 'GIT_AUTH_FAILED',
  ManifestInvalid: 'MANIFEST_INVALID',
  FleetInvalid: 'FLEET_INVALID',
  DryRunFailed: 'DRY_RUN_FAILED',
  ApplyFailed: 'APPLY_FAILED',
  ApplyConflict: 'APPLY_CONFLICT',
  AgentUnauthenticated: 'AGENT_UNAUTHENTICATED',
  AgentUnknown: 'AGENT_UNKNOWN',
  AgentUnavailable: 'AGENT_UNAVAILABLE',
  ProtocolViolation: 'PROTOCOL_VIOLATION',
  NotFound: 'NOT_FOUND',
  /** A request to a gitfleet API (the hub's HTTP API) is malformed: bad parameter, value or token. */
  InvalidRequest: 'INVALID_REQUEST',
  /** An API request without a valid bearer token (none sent, unknown, or none configured). */
  Unauthorized: 'UNAUTHORIZED',
  /** An authenticated API request whose token lacks the scope the route needs (read, operate, admin). */
  Forbidden: 'FORBIDDEN',
  /** A service a request depends on is out of reach (an OIDC issuer's keys): retry later (503). */
  Unavailable: 'UNAVAILABLE',
  /** An input crossed a documented limit (size, count, depth, rate): the message names the limit. */
  LimitExceeded: 'LIMIT_EXCEEDED',
  /** An object is declared by another application on the same target: neither takes it over. */
  OwnershipConflict: 'OWNERSHIP_CONFLICT',
  /** A repository URL or path the hub refuses to read (local paths, unconfined sources). */
  SourceRefused: 'SOURCE_REFUSED',
  /** A client sends faster than its quota allows (reports, messages on one stream). */
  RateLimited: 'RATE_LIMITED',
  /**
   * An application reaches outside its fleet Project (source, target, namespace or kind), or
   * declares an object an application of another project declares: nothing of it is delivered.
   */
  ScopeViolation: 'SCOPE_VIOLATION',
  /**
   * An object breaks the agent's local policy (configured on the cluster, not by the hub): the
   * message names the object, the rule, the field and what to change; nothing of the app applies.
   */
  PolicyDenied: 'POLICY_DENIED',
  /**
   * Desired state the agent refuses because the hub's signature does not hold: none, a key the
   * agent does not pin, another target, or content changed after signing. Nothing of it applies.
   */
  SignatureInvalid: 'SIGNATURE_INVALID',
  /** Validly signed desired state at a version the agent already passed for that app: a replay. */
  Replayed: 'REPLAYED',
  /**
   * A registration or renewal the hub refuses: a registration token that is unknown, used,
   * expired or for another target; a CSR that names another target or whose signature does not
   * hold; a revoked or expired certificate. The message says which, and what to do.
   */
  RegistrationRefused: 'REGISTRATION_REFUSED',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface GitfleetErrorOptions {
  readonly cause?: unknown;
  /** Terminal errors are not retried: the input must change first. */
  readonly terminal?: boolean;
  /** Structured, non-secret details (file, field, object, port…) for logs and API responses. */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export class GitfleetError extends Error {
  override readonly name: string = 'GitfleetError';
  readonly code: ErrorCode;
  readonly terminal: boolean;
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(code: ErrorCode, message: string, opts: GitfleetErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.terminal = opts.terminal ?? false;
    this.details = opts.details ?? {};
  }
}

/** Normalises anything thrown into a GitfleetError (unknown errors become INTERNAL, not terminal). */
export function toGitfleetError(
  err: unknown,
  fallback: ErrorCode = ErrorCode.Internal,
): GitfleetError {
  if (err instanceof GitfleetError) return err;
  if (err instanceof Error) return new GitfleetError(fallback, err.message, { cause: err });
  return new GitfleetError(fallback, String(err));
}

export function isGitfleetError(err: unknown, code?: ErrorCode): err is GitfleetError {
  return err instanceof GitfleetError && (code === undefined || err.code === code);
}
