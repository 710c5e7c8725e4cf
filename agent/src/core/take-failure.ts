/**
 * What the agent tells the hub when it cannot take an assignment over.
 *
 * Taking an assignment over means persisting it in the app's state Secret before acking it (a
 * restarted agent must still hold what it acked). When that write fails for a reason that may
 * pass — the apiserver does not answer, cannot be reached, answers with a server error, or
 * refuses the write for RBAC — the assignment stays unacked so the hub resends it, and nothing
 * is lost. Until then the hub would only see the previous version's report, so the agent sends a
 * report AT THE NEW VERSION (the hub assigned it, so it stores it) that says the version is not
 * applied and why: sync `Failed`, health `Unknown` (the apiserver cannot be observed), no
 * objects, and an app-level error naming the apiserver, the Secret and what to check. A terminal
 * failure is not reported here: the link rejects the message with that error and the hub records
 * the rejection.
 *
 * The state write has its own deadline, shorter than the ordinary request timeout, so the report
 * comes within a bounded time: {@link stateWriteDeadlineMs}.
 */
import { ErrorCode, type StatusReport } from '@gitfleet/proto/domain';

/** Base deadline of one state Secret write (whole request: queueing, connecting, answer). */
export const STATE_WRITE_DEADLINE_MS = 10_000;
/** Extra time per this many bytes of the Secret, so a large state over a slow link still fits. */
export const STATE_WRITE_BYTES_PER_EXTRA_SECOND = 32 * 1024;
/** The deadline never exceeds the ordinary request timeout (kube-transport.ts). */
export const STATE_WRITE_DEADLINE_MAX_MS = 60_000;

/**
 * Deadline of a state Secret write of `bytes` (the encoded assignment and inventory):
 * 10 s + 1 s per full 32 KiB, at most 60 s (900 KiB, the largest state, gets 38 s).
 */
export function stateWriteDeadlineMs(bytes: number): number {
  const extra = Math.floor(Math.max(0, bytes) / STATE_WRITE_BYTES_PER_EXTRA_SECOND) * 1_000;
  return Math.min(STATE_WRITE_DEADLINE_MAX_MS, STATE_WRITE_DEADLINE_MS + extra);
}

/** The failure of a take-over, as the agent saw it. */
export interface TakeFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly terminal: boolean;
  /** Structured details of the error (`httpStatus` when the apiserver answered). */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export interface UntakenAssignment {
  readonly target: string;
  readonly app: string;
  readonly version: number;
  readonly revision: string;
  readonly contentDigest: string;
  /** `namespace/name` of the state Secret the assignment could not be written to. */
  readonly stateSecret: string;
  /** The apiserver's origin. */
  readonly server: string;
}

/** A StatusReport without `statusHash` and `observedAtUnixMs` (the caller adds them). */
export type UntakenReport = Omit<StatusReport, 'statusHash' | 'observedAtUnixMs'>;

/** Why the apiserver did not take the write, from the error's code and details. */
export type StateWriteFault =
  'no-answer' | 'unreachable' | 'forbidden' | 'namespace-missing' | 'server-error';

export function classifyStateWriteFault(f: TakeFailure): StateWriteFault {
  if (f.code === ErrorCode.Timeout) return 'no-answer';
  const http = f.details['httpStatus'];
  if (typeof http !== 'number') return 'unreachable';
  if (http === 401 || http === 403) return 'forbidden';
  if (http === 404) return 'namespace-missing';
  return 'server-error';
}

const MAX_MESSAGE_CHARS = 2_000;

/**
 * The report to send for an assignment that could not be taken over, or undefined when none is
 * due (a terminal failure: the link rejects the message and the hub records that instead).
 */
export function untakenAssignmentReport(
  a: UntakenAssignment,
  failure: TakeFailure,
): UntakenReport | undefined {
  if (failure.terminal) return undefined;
  const fault = classifyStateWriteFault(failure);
  const subject = `target ${a.target}: app ${a.app} v${a.version} (revision ${a.revision.slice(0, 12)})`;
  const consequence =
    'not acked and not applied; what the version before applied stays as it is, and the agent takes this version over when the hub resends it';
  const what = `could not be persisted in Secret ${a.stateSecret}`;
  let cause: string;
  let check: string;
  switch (fault) {
    case 'no-answer':
      cause = `the cluster's apiserver ${a.server} does not answer`;
      check = `check that the apiserver is up and not overloaded (kubectl get --raw /readyz), and the network path from the agent to ${a.server}`;
      break;
    case 'unreachable':
      cause = `the cluster's apiserver ${a.server} cannot be reached`;
      check = `check that the apiserver runs and listens at ${a.server}, and the agent's kubeconfig or in-cluster service`;
      break;
    case 'forbidden':
      cause = `the cluster's apiserver ${a.server} refused the write`;
      check = `grant the agent's service account get, create and patch on secrets in namespace ${a.stateSecret.split('/')[0] ?? ''} (deploy/ holds the agent's RBAC)`;
      break;
    case 'namespace-missing':
      cause = `the agent's state namespace is missing on ${a.server}`;
      check = `create namespace ${a.stateSecret.split('/')[0] ?? ''} or restart the agent (it creates it at start)`;
      break;
    case 'server-error':
      cause = `the cluster's apiserver ${a.server} failed the write`;
      check = 'check the apiserver and etcd logs; the agent retries on every resend';
      break;
  }
  const message =
    `${subject} ${what}: ${cause} (${failure.message}); ${consequence}. ${check}`.slice(
      0,
      MAX_MESSAGE_CHARS,
    );
  return {
    kind: 'statusReport',
    target: a.target,
    app: a.app,
    assignmentVersion: a.version,
    revision: a.revision,
    contentDigest: a.contentDigest,
    syncState: 'Failed',
    health: { status: 'Unknown', message: `not observed: ${cause}` },
    objects: [],
    drift: [],
    unmanaged: [],
    error: { code: failure.code, message },
  };
}
