/**
 * Consumer side of the delivery queue: a thin BullMQ Worker around an injected `deliver`
 * function (the gRPC side: "if the target's stream is on this replica, send; otherwise leave it
 * pending in the store for the replica that holds the stream, or for the agent's next resync").
 *
 * The processor decodes the job, resolves the version to deliver (the store's current one, never
 * below the job's), calls `deliver`, and maps errors exactly once: a terminal GitfleetError
 * becomes UnrecoverableError (no retry), anything else is rethrown so BullMQ backs off and
 * retries. Every hub replica runs one; BullMQ spreads the jobs, and a job whose replica died is
 * picked up by another once its lock expires (stalled-job check).
 */
import { UnrecoverableError, Worker } from 'bullmq';
import type { ConnectionOptions, Job } from 'bullmq';
import { silentLogger, toGitfleetError } from '@gitfleet/proto';
import type { Logger } from '@gitfleet/proto';
import { DEFAULT_QUEUE_PREFIX } from './delivery-queue.ts';
import { DELIVER_QUEUE, decodeDeliverJobData } from './jobs.ts';
import type { DeliverJobData, JobName } from './jobs.ts';

/** Default number of deliveries one replica runs at once. */
export const DEFAULT_DELIVERY_CONCURRENCY = 32;

/** What `deliver` did with a job (kept only in logs and tests; jobs are removed on completion). */
export const DeliveryOutcome = {
  /** Sent on a stream held by this replica (the ack arrives later, through the store). */
  Sent: 'sent',
  /** The target's stream is not on this replica (or there is none): left pending in the store. */
  NotHere: 'not-here',
  /** Nothing to send: the version is already acked, rejected or superseded. */
  Nothing: 'nothing',
} as const;
export type DeliveryOutcome = (typeof DeliveryOutcome)[keyof typeof DeliveryOutcome];

/** One delivery, as handed to `deliver`. */
export interface DeliveryJob extends DeliverJobData {
  /** The version to deliver: the store's current one, at least the enqueued one. */
  readonly version: number;
  /** The version the job was enqueued with (≤ `version`). */
  readonly enqueuedVersion: number;
  readonly jobId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

export interface DeliveryWorkerDeps {
  /** Sends the app's current desired state if this replica holds the target's stream. */
  readonly deliver: (job: DeliveryJob) => Promise<DeliveryOutcome>;
  /**
   * The current version counter of (target, app), normally `HubStore.versionOf`. Without it
   * the enqueued version is delivered as is.
   */
  readonly versionOf?: (target: string, app: string) => Promise<number>;
  readonly logger?: Logger;
  /** Connection errors (default: a warning per error); the hub throttles them. */
  readonly onError?: (err: Error) => void;
}

export interface DeliveryWorkerOptions {
  /**
   * An ioredis instance (BullMQ duplicates it for its blocking connection; the caller closes the
   * original) or connection options.
   */
  readonly connection: ConnectionOptions;
  /** Must equal the producer's. @defaultValue {@link DEFAULT_QUEUE_PREFIX} */
  readonly prefix?: string;
  /** @defaultValue {@link DEFAULT_DELIVERY_CONCURRENCY} */
  readonly concurrency?: number;
  /** Name stored on processed jobs: the replica id. */
  readonly name?: string;
  /** Lock of an active job; a replica that dies loses its jobs to others after this. */
  readonly lockDurationMs?: number;
  /** How often stalled jobs (of dead replicas) are looked for. */
  readonly stalledIntervalMs?: number;
  /** Start processing right away. @defaultValue true */
  readonly autorun?: boolean;
}

type DeliverJob = Job<DeliverJobData, DeliveryOutcome, typeof JobName.Deliver>;

export class DeliveryWorker {
  private readonly worker: Worker<DeliverJobData, DeliveryOutcome, typeof JobName.Deliver>;
  private readonly deliver: DeliveryWorkerDeps['deliver'];
  private readonly versionOf: DeliveryWorkerDeps['versionOf'];
  private readonly logger: Logger;
  private closing: Promise<void> | undefined;

  constructor(opts: DeliveryWorkerOptions, deps: DeliveryWorkerDeps) {
    this.deliver = deps.deliver;
    this.versionOf = deps.versionOf;
    this.logger = (deps.logger ?? silentLogger).child({ component: 'delivery-worker' });
    this.worker = new Worker<DeliverJobData, DeliveryOutcome, typeof JobName.Deliver>(
      DELIVER_QUEUE,
      (job) => this.process(job),
      {
        connection: opts.connection,
        prefix: opts.prefix ?? DEFAULT_QUEUE_PREFIX,
        concurrency: opts.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY,
        autorun: opts.autorun ?? true,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        ...(opts.lockDurationMs === undefined ? {} : { lockDuration: opts.lockDurationMs }),
        ...(opts.stalledIntervalMs === undefined
          ? {}
          : { stalledInterval: opts.stalledIntervalMs }),
      },
    );
    // An EventEmitter 'error' without a listener would crash the process.
    this.worker.on(
      'error',
      deps.onError ?? ((err) => this.logger.warn('delivery worker error', { err })),
    );
    this.worker.on('failed', (job, err) =>
      this.logger.warn('delivery failed', {
        jobId: job?.id,
        attempt: job?.attemptsMade,
        err: err.message,
      }),
    );
  }

  /** Resolves once the worker's connections are ready. */
  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /** Starts processing (only needed with `autorun: false`). */
  run(): void {
    this.worker.run().catch((err: unknown) => {
      this.logger.error('delivery worker stopped', { err });
    });
  }

  /**
   * Stops taking jobs and waits for the running ones (idempotent: every caller gets the same
   * promise); `force` does not wait for them (Redis is gone: they cannot finish). Jobs still
   * waiting stay in Redis for the other replicas.
   */
  close(force = false): Promise<void> {
    this.closing ??= this.worker.close(force);
    return this.closing;
  }

  private async process(job: DeliverJob): Promise<DeliveryOutcome> {
    try {
      const data = decodeDeliverJobData(job.data);
      const current =
        this.versionOf === undefined ? 0 : await this.versionOf(data.target, data.app);
      return await this.deliver({
        ...data,
        version: Math.max(data.version, current),
        enqueuedVersion: data.version,
        jobId: job.id ?? '',
        attempt: job.attemptsMade + 1,
      });
    } catch (err) {
      const e = toGitfleetError(err);
      throw e.terminal ? new UnrecoverableError(`${e.code}: ${e.message}`) : e;
    }
  }
}
