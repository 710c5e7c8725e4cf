/**
 * The delivery queue → this replica's AgentLink streams. A job of the queue's worker
 * (../queue/delivery-worker.ts) becomes a `deliver` on the link inside a producer span, which
 * becomes the parent of the agent's apply. When the target's stream is on another replica (or on
 * none), every replica is nudged (./delivery-nudges.ts) and the one holding it sends; the store
 * keeps the message pending either way. Nudges from other replicas are delivered here the same
 * way, without a nudge back.
 */
import { SpanKind, carrierOf, inSpan, type Tracer } from '@gitfleet/proto';
import type { DeliveryJob, DeliveryOutcome } from '../queue/delivery-worker.ts';
import type { AgentLinkServer } from './agent-link-server.ts';
import type { DeliveryNudges } from './delivery-nudges.ts';

/** What the link did with one delivery. */
export type LinkDelivery = Awaited<ReturnType<AgentLinkServer['deliver']>>;

/** The worker's outcome of what the link did (sent or queued on a stream here: sent). */
export function outcomeOf(result: LinkDelivery): DeliveryOutcome {
  switch (result) {
    case 'sent':
    case 'queued':
      return 'sent';
    case 'no-session':
      return 'not-here';
    case 'nothing-pending':
    case 'refused':
      return 'nothing';
  }
}

export interface DeliveryBridgeDeps {
  readonly link: Pick<AgentLinkServer, 'deliver'>;
  readonly nudges: Pick<DeliveryNudges, 'listen' | 'publish'>;
  readonly tracer: Tracer;
}

export class DeliveryBridge {
  private readonly deps: DeliveryBridgeDeps;

  constructor(deps: DeliveryBridgeDeps) {
    this.deps = deps;
  }

  /** Delivers what other replicas nudge (errors are the link's to log: a nudge is best effort). */
  listen(): Promise<void> {
    return this.deps.nudges.listen((n) => {
      this.deps.link.deliver(n.target, n.app, n.trace).catch(() => undefined);
    });
  }

  /** The queue worker's `deliver`: one job onto this replica's stream of the target, or a nudge. */
  deliver(job: DeliveryJob): Promise<DeliveryOutcome> {
    return inSpan(
      this.deps.tracer,
      'gitfleet.deliver',
      {
        parent: job.trace,
        kind: SpanKind.PRODUCER,
        attributes: {
          'gitfleet.target': job.target,
          'gitfleet.app': job.app,
          'gitfleet.version': job.version,
        },
      },
      async (span) => {
        const trace = carrierOf(span);
        const result = await this.deps.link.deliver(job.target, job.app, trace);
        span.setAttribute('gitfleet.delivery', result);
        // the target's stream may be on another replica: tell every replica
        if (result === 'no-session') {
          await this.deps.nudges.publish({ target: job.target, app: job.app, trace });
        }
        return outcomeOf(result);
      },
    );
  }
}
