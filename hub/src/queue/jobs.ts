/**
 * The job catalog: every BullMQ queue and job of the hub, its payload type, its deterministic
 * ids and its default options. Producers (delivery-queue.ts) and processors
 * (delivery-worker.ts) are typed from here.
 *
 * Conventions (BullMQ rejects ':' in queue names and custom job ids): names are kebab-case, ids
 * join DNS-label parts with '.'.
 *
 * Job data carries only what identifies the work and its trace, never the objects: the desired
 * state lives in the store, and the processor always delivers the store's current version.
 */
import { ErrorCode, GitfleetError, isDnsLabel } from '@gitfleet/proto';
import type { Envelope } from '@gitfleet/proto';

/** The delivery queue: "deliver the current desired state of (target, app)". */
export const DELIVER_QUEUE = 'gitfleet-deliver';

export const JobName = { Deliver: 'deliver' } as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** Payload of a `deliver` job. */
export interface DeliverJobData {
  readonly target: string;
  readonly app: string;
  /**
   * The version current when the job was enqueued. A lower bound: a later version of the same
   * (target, app) may have collapsed into this job, so the processor delivers the store's
   * current version, which is at least this.
   */
  readonly version: number;
  /** W3C trace context (`traceparent`, `tracestate`) of the change, so one trace spans it. */
  readonly trace: Envelope['trace'];
}

/** Job name → payload, for every job of the hub. */
export interface JobCatalog {
  readonly [JobName.Deliver]: DeliverJobData;
}

/** Backoff of retried deliveries: exponential from this delay. */
export const DELIVER_BACKOFF_MS = 500;
/** Attempts per delivery job before it fails for good (the store keeps it pending anyway). */
export const DELIVER_ATTEMPTS = 8;
/** Failed delivery jobs kept for inspection (count and age bound; Redis stays bounded). */
export const DELIVER_KEEP_FAILED = { count: 1000, age: 24 * 60 * 60 } as const;

function checkNames(target: string, app: string): void {
  for (const [what, name] of [
    ['target', target],
    ['app', app],
  ] as const) {
    if (!isDnsLabel(name)) {
      throw new GitfleetError(
        ErrorCode.Internal,
        `deliver job: ${what} "${name}" is not a DNS label`,
        {
          terminal: true,
          details: { [what]: name },
        },
      );
    }
  }
}

/**
 * Deduplication id of (target, app): `deliver.<target>.<app>`. All deliveries of one app on one
 * target share it, so at most one waits and one runs, and the one that waits carries the newest
 * data (`keepLastIfActive`).
 */
export function deliverDedupId(target: string, app: string): string {
  checkNames(target, app);
  return `deliver.${target}.${app}`;
}

/**
 * Job id of one version: `deliver.<target>.<app>.v<version>`. Deterministic, so two replicas
 * enqueueing the same version make one job. It includes the version on purpose: BullMQ drops an
 * add whose job id already exists before it looks at deduplication, so a fixed per-app id would
 * discard a newer version arriving while the older one runs instead of keeping it for after.
 */
export function deliverJobId(target: string, app: string, version: number): string {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new GitfleetError(
      ErrorCode.Internal,
      `deliver job: version ${String(version)} is not a positive integer`,
      { terminal: true },
    );
  }
  return `${deliverDedupId(target, app)}.v${version}`;
}

/**
 * Checks a `deliver` job's data as read back from Redis.
 *
 * @throws GitfleetError PROTOCOL_VIOLATION (terminal) when it is not a DeliverJobData
 */
export function decodeDeliverJobData(data: unknown): DeliverJobData {
  const bad = (why: string): GitfleetError =>
    new GitfleetError(ErrorCode.ProtocolViolation, `deliver job data: ${why}`, { terminal: true });
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('not an object');
  const d = data as Readonly<Record<string, unknown>>;
  const { target, app, version, trace } = d;
  if (typeof target !== 'string' || !isDnsLabel(target)) throw bad('target is not a DNS label');
  if (typeof app !== 'string' || !isDnsLabel(app)) throw bad('app is not a DNS label');
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw bad('version is not a positive integer');
  }
  const carrier: Record<string, string> = {};
  if (trace !== undefined) {
    if (typeof trace !== 'object' || trace === null || Array.isArray(trace)) {
      throw bad('trace is not an object');
    }
    for (const [k, v] of Object.entries(trace)) {
      if (typeof v !== 'string') throw bad(`trace.${k} is not a string`);
      carrier[k] = v;
    }
  }
  return { target, app, version, trace: carrier };
}
