/**
 * The hub's Prometheus metrics (`GET /metrics`), by prom-client: every family with its HELP and
 * TYPE, label values escaped, and the default process and Node.js metrics.
 *
 * Each hub has a registry of its own, never prom-client's global one, so that several hubs in
 * one process (tests) keep their families apart. Values are read from the hub's state when
 * scraped (collect callbacks); the delivery latency is the one family observed as it happens.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AgentLinkMetrics } from './link/stream-guard.ts';
import type { QueueCounts } from './queue/delivery-queue.ts';

/** Upper bounds of the delivery latency buckets, seconds. */
const DELIVERY_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * First send of an assignment or removal → the agent's ack, seconds. A negative or non-finite
 * duration (a clock step) is not observed.
 */
export class DeliveryLatency {
  readonly histogram = new Histogram({
    name: 'gitfleet_hub_delivery_latency_seconds',
    help: 'Time from sending an assignment or removal on a stream to the agent acking it.',
    buckets: [...DELIVERY_LATENCY_BUCKETS],
    registers: [],
  });

  observe(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.histogram.observe(seconds);
  }
}

/** What the AgentLink server tells the metrics (both optional: a hub without a link has none). */
export interface LinkMetricSource {
  /** The quota counters so far. */
  metrics?(): AgentLinkMetrics;
  readonly deliveryLatency?: DeliveryLatency;
}

/** The AgentLink's families (quota refusals, takeovers, delivery latency) in a registry of their own. */
export function linkRegistry(link: LinkMetricSource): Registry {
  const registry = new Registry();
  const counters = link.metrics?.bind(link);
  if (counters !== undefined) {
    registry.registerMetric(
      new Counter({
        name: 'gitfleet_hub_link_refused_total',
        help: 'AgentLink messages or streams refused by a limit or quota, by reason.',
        labelNames: ['reason'],
        registers: [],
        collect() {
          this.reset();
          const refused = Object.entries(counters().refused).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          );
          for (const [reason, n] of refused) this.inc({ reason }, n);
        },
      }),
    );
    registry.registerMetric(
      new Counter({
        name: 'gitfleet_hub_link_takeovers_total',
        help: "New AgentLink streams that superseded another agent instance's live stream.",
        registers: [],
        collect() {
          this.reset();
          this.inc(counters().takeovers);
        },
      }),
    );
  }
  if (link.deliveryLatency !== undefined) registry.registerMetric(link.deliveryLatency.histogram);
  return registry;
}

/** One (target, app) of the status table, as far as the metrics need it. */
export interface AppMetricRow {
  readonly target: string;
  readonly app: string;
  readonly sync: string;
  readonly health: string;
  readonly drift: number;
}

/** Where the hub's values come from, read at every scrape. */
export interface HubMetricSources {
  /** Unexpected errors the process guard caught (absent: not run as a binary; 0). */
  readonly unexpectedErrors?: (() => number) | undefined;
  /** The resolver's status (ResolverStatus): accepted, and the problems of the last pass. */
  readonly fleet: () => {
    readonly fleetAccepted: boolean;
    readonly problems: readonly unknown[];
    readonly fleetProblems: readonly { readonly severity: string }[];
  };
  /** Targets with a live stream on this replica. */
  readonly streams: () => number;
  readonly queue: { counts(): Promise<QueueCounts> };
  /** Every (target, app) the store or the fleet knows: read once per scrape. */
  readonly apps: () => Promise<readonly AppMetricRow[]>;
  readonly link: LinkMetricSource;
  /** Registries of other parts of the hub (registration, source renders), merged into the exposition. */
  readonly more?: readonly Registry[];
}

/** The registry of one hub and its exposition. */
export class HubMetrics {
  readonly registry: Registry;
  private readonly sources: HubMetricSources;
  /** The rows of the scrape under way, shared by the per-app families. */
  private apps: Promise<readonly AppMetricRow[]> | undefined;

  constructor(sources: HubMetricSources) {
    this.sources = sources;
    const own = new Registry();
    collectDefaultMetrics({ register: own });
    const registers = [own];
    new Counter({
      name: 'gitfleet_unexpected_errors_total',
      help: 'Unhandled rejections and uncaught exceptions caught by the process guard.',
      registers,
      collect() {
        this.reset();
        this.inc(sources.unexpectedErrors?.() ?? 0);
      },
    });
    new Gauge({
      name: 'gitfleet_hub_fleet_accepted',
      help: "1 when the fleet at the branch's head is the one in force.",
      registers,
      collect() {
        this.set(sources.fleet().fleetAccepted ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gitfleet_hub_fleet_problems',
      help: 'Problems of the last resolve pass (fetch, read, fleet errors).',
      registers,
      collect() {
        const f = sources.fleet();
        this.set(f.problems.length + f.fleetProblems.filter((p) => p.severity === 'error').length);
      },
    });
    new Gauge({
      name: 'gitfleet_hub_streams',
      help: 'Targets with a live AgentLink stream on this replica.',
      registers,
      collect() {
        this.set(sources.streams());
      },
    });
    new Gauge({
      name: 'gitfleet_hub_queue_depth',
      help: 'Delivery jobs waiting, running or delayed.',
      registers,
      async collect() {
        const c = await sources.queue.counts();
        this.set(c.waiting + c.active + c.delayed);
      },
    });
    // outside a render (the registry read directly) each family reads the rows itself
    const rows = (): Promise<readonly AppMetricRow[]> => this.apps ?? sources.apps();
    const perApp = (name: string, help: string, value: (row: AppMetricRow) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['target', 'app'],
        registers,
        async collect() {
          const all = await rows();
          this.reset();
          for (const row of all) this.set({ target: row.target, app: row.app }, value(row));
        },
      });
    };
    perApp('gitfleet_hub_app_synced', '1 when the app is Synced on the target.', (r) =>
      r.sync === 'Synced' ? 1 : 0,
    );
    perApp('gitfleet_hub_app_healthy', '1 when the app is Healthy on the target.', (r) =>
      r.health === 'Healthy' ? 1 : 0,
    );
    perApp(
      'gitfleet_hub_app_drift',
      "Drift records in the agent's last report of the app (objects that differ from Git).",
      (r) => r.drift,
    );
    this.registry = Registry.merge([own, linkRegistry(sources.link), ...(sources.more ?? [])]);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition, every family read now (the store once for all per-app families). */
  async render(): Promise<string> {
    const apps = this.sources.apps();
    this.apps = apps;
    try {
      return await this.registry.metrics();
    } finally {
      // a later scrape may have started meanwhile: its rows stay for its families
      if (this.apps === apps) this.apps = undefined;
    }
  }
}

const HUBS = new WeakMap<object, HubMetrics>();

/**
 * The metrics of the hub that `owner` stands for (the HTTP server's dependencies), made on first
 * use: one registry per hub, however many requests read it.
 */
export function hubMetricsOf(owner: object, sources: () => HubMetricSources): HubMetrics {
  let m = HUBS.get(owner);
  if (m === undefined) {
    m = new HubMetrics(sources());
    HUBS.set(owner, m);
  }
  return m;
}
