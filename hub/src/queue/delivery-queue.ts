/**
 * Producer side of the delivery queue (`gitfleet-deliver`): one job per changed desired state of
 * (target, app). Duplicates collapse (deterministic job id per version; deduplication per app
 * with `keepLastIfActive`), so a burst of changes to one app costs at most one running and one
 * waiting job, and the waiting one carries the newest version.
 *
 * How the deduplication id behaves, by the state of the app's job already in the queue:
 * - delayed (backing off after a failed attempt): `replace` swaps it for the new job;
 * - active: the new job's data is kept and enqueued when the active one finishes (only the last
 *   of several is kept);
 * - waiting: the add is dropped. The waiting job still delivers the newest version, because the
 *   processor reads the current version from the store (DeliverJobData.version is a lower bound).
 *
 * Redis Cluster: pass a `prefix` with a hash tag (e.g. `{gitfleet-bull}`), as BullMQ requires.
 */
import { Queue } from 'bullmq';
import type { ConnectionOptions, JobsOptions } from 'bullmq';
import type { Logger } from '@gitfleet/proto';
import { silentLogger } from '@gitfleet/proto';
import {
  DELIVER_ATTEMPTS,
  DELIVER_BACKOFF_MS,
  DELIVER_KEEP_FAILED,
  DELIVER_QUEUE,
  JobName,
  deliverDedupId,
  deliverJobId,
} from './jobs.ts';
import type { DeliverJobData } from './jobs.ts';

/** Default BullMQ key prefix of the hub's queues. */
export const DEFAULT_QUEUE_PREFIX = 'gitfleet-bull';

export interface DeliveryQueueOptions {
  /**
   * An ioredis instance (shared: the caller closes it) or connection options (the queue opens
   * and closes its own connection).
   */
  readonly connection: ConnectionOptions;
  /** BullMQ key prefix. @defaultValue {@link DEFAULT_QUEUE_PREFIX} */
  readonly prefix?: string;
  /** Retry policy overrides (tests use short backoffs). */
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly logger?: Logger;
  /** Connection errors (default: a warning per error); the hub throttles them. */
  readonly onError?: (err: Error) => void;
}

/** Result of one enqueue. */
export interface EnqueueResult {
  /** The job id this enqueue asked for. */
  readonly jobId: string;
  /**
   * The job it collapsed into when it did not create its own (the app's waiting job, or the
   * running one whose successor will carry this enqueue's data); absent when a job was created.
   */
  readonly collapsedInto?: string;
}

/** Queue depth, for metrics. */
export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly prioritized: number;
  readonly failed: number;
}

type DeliverQueue = Queue<DeliverJobData, unknown, typeof JobName.Deliver>;

export class DeliveryQueue {
  private readonly queue: DeliverQueue;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private closing: Promise<void> | undefined;

  constructor(opts: DeliveryQueueOptions) {
    const logger = (opts.logger ?? silentLogger).child({ component: 'delivery-queue' });
    this.attempts = opts.attempts ?? DELIVER_ATTEMPTS;
    this.backoffMs = opts.backoffMs ?? DELIVER_BACKOFF_MS;
    this.queue = new Queue<DeliverJobData, unknown, typeof JobName.Deliver>(DELIVER_QUEUE, {
      connection: opts.connection,
      prefix: opts.prefix ?? DEFAULT_QUEUE_PREFIX,
    });
    // An EventEmitter 'error' without a listener would crash the process.
    this.queue.on('error', opts.onError ?? ((err) => logger.warn('delivery queue error', { err })));
  }

  /** Resolves once the queue's connection is ready. */
  async waitUntilReady(): Promise<void> {
    await this.queue.waitUntilReady();
  }

  /** Enqueues the delivery of (target, app) at `version` (see the module comment). */
  async enqueue(data: DeliverJobData): Promise<EnqueueResult> {
    const jobId = deliverJobId(data.target, data.app, data.version);
    const job = await this.queue.add(JobName.Deliver, this.payload(data), this.jobOptions(data));
    return job.id === undefined || job.id === jobId ? { jobId } : { jobId, collapsedInto: job.id };
  }

  /** Enqueues many deliveries in one round trip (a commit fanning out to many targets). */
  async enqueueMany(data: readonly DeliverJobData[]): Promise<EnqueueResult[]> {
    const jobs = await this.queue.addBulk(
      data.map((d) => ({ name: JobName.Deliver, data: this.payload(d), opts: this.jobOptions(d) })),
    );
    return data.map((d, i) => {
      const jobId = deliverJobId(d.target, d.app, d.version);
      const id = jobs[i]?.id;
      return id === undefined || id === jobId ? { jobId } : { jobId, collapsedInto: id };
    });
  }

  /** Queue depth by state. */
  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'prioritized',
      'failed',
    );
    return {
      waiting: c['waiting'] ?? 0,
      active: c['active'] ?? 0,
      delayed: c['delayed'] ?? 0,
      prioritized: c['prioritized'] ?? 0,
      failed: c['failed'] ?? 0,
    };
  }

  /** Closes the queue (idempotent: every caller gets the same promise). */
  close(): Promise<void> {
    this.closing ??= this.queue.close();
    return this.closing;
  }

  private payload(d: DeliverJobData): DeliverJobData {
    // Exactly the catalog's fields: nothing else (objects!) rides along into Redis.
    return { target: d.target, app: d.app, version: d.version, trace: { ...d.trace } };
  }

  private jobOptions(d: DeliverJobData): JobsOptions {
    return {
      jobId: deliverJobId(d.target, d.app, d.version),
      deduplication: {
        id: deliverDedupId(d.target, d.app),
        keepLastIfActive: true,
        replace: true,
      },
      attempts: this.attempts,
      backoff: { type: 'exponential', delay: this.backoffMs },
      removeOnComplete: true,
      removeOnFail: { ...DELIVER_KEEP_FAILED },
    };
  }
}
