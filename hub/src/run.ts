/**
 * The hub's composition root: Redis → store, BullMQ delivery queue and worker → AgentLink gRPC
 * server → Git source, poller and resolver → HTTP (./http: health, webhook, fleet views, drift,
 * history, metrics, OpenAPI); and the ordered shutdown. Every replica runs the same; any can
 * serve any agent.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  SpanKind,
  carrierOf,
  inSpan,
  startTelemetry,
  toGitfleetError,
  type Logger,
} from '@gitfleet/proto';
import type { HubConfig } from './config.ts';
import { IsomorphicGitSource } from './git/git-source.ts';
import { GitPoller } from './git/poller.ts';
import { startHttpServer } from './http/server.ts';
import { AgentLinkServer } from './link/agent-link-server.ts';
import { DeliveryQueue } from './queue/delivery-queue.ts';
import { DeliveryWorker } from './queue/delivery-worker.ts';
import type { FleetSpec } from './core/fleet/index.ts';
import { Resolver } from './resolve/resolver.ts';
import { RolloutController } from './rollout/controller.ts';
import { RolloutStore } from './rollout/rollout-store.ts';
import { RedisHubStore } from './store/redis-store.ts';

export const HUB_VERSION = '0.1.0';

export interface RunningHub {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly resolver: Resolver;
  readonly link: AgentLinkServer;
  close(): Promise<void>;
}

export type { FleetStatusRow } from './http/views.ts';

/** Target names of a fleet, indexed once per accepted fleet (agents look up on every connect). */
const declaredIndex = new WeakMap<FleetSpec, ReadonlySet<string>>();
function declaredTargets(fleet: FleetSpec): ReadonlySet<string> {
  let set = declaredIndex.get(fleet);
  if (set === undefined) {
    set = new Set(fleet.targets.map((t) => t.name));
    declaredIndex.set(fleet, set);
  }
  return set;
}

export async function runHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const telemetry = await startTelemetry({
    service: 'gitfleet-hub',
    version: HUB_VERSION,
    attributes: { 'gitfleet.replica': config.replica },
    otlpEndpoint: config.otlpEndpoint,
    logger,
  });
  const tracer = telemetry.tracer;
  // options first: BullMQ needs maxRetriesPerRequest null (a blocked worker must not give up)
  const redis = new Redis(config.redisUrl, { ...config.redisOptions, maxRetriesPerRequest: null });
  const store = new RedisHubStore({ redis, prefix: config.redisPrefix });
  await store.epochChanged();
  const queue = new DeliveryQueue({ connection: redis, logger });
  // tokens are looked up by their sha256: no early exit on a matching prefix (the digest of a
  // guess says nothing about the token), and O(1) for thousands of targets
  const tokenIndex = new Map(
    [...config.agentTokens].map(([target, token]) => [
      createHash('sha256').update(token).digest('hex'),
      target,
    ]),
  );
  const authenticate = (presented: string): string | undefined =>
    tokenIndex.get(createHash('sha256').update(presented).digest('hex'));
  const git = new IsomorphicGitSource({ cacheDir: config.cacheDir }, { logger });
  const fleetRepo = {
    url: config.fleetRepo,
    ...(config.fleetToken === undefined ? {} : { token: config.fleetToken }),
    branch: config.fleetBranch,
  };
  const rolloutStore = new RolloutStore({ redis, prefix: config.redisPrefix });
  const rollouts: RolloutController = new RolloutController(
    {
      replica: config.replica,
      intervalMs: config.rolloutIntervalMs,
      staleAfterMs: 3 * config.heartbeatIntervalMs,
    },
    {
      store: rolloutStore,
      hub: store,
      fleet: () => r.fleet,
      retarget: (pairs) => void r.resolvePairs(pairs),
      logger,
    },
  );
  const r: Resolver = new Resolver(
    { fleet: fleetRepo },
    {
      git,
      store,
      changed: async (target, app, version, trace) => {
        await queue.enqueue({ target, app, version, trace });
      },
      logger,
      tracer,
      rollouts,
    },
  );
  const link = new AgentLinkServer(
    { replica: config.replica, heartbeatIntervalMs: config.heartbeatIntervalMs },
    {
      store,
      authenticate,
      isDeclared: (target) =>
        r.fleet === undefined ? undefined : declaredTargets(r.fleet).has(target),
      logger,
      tracer,
    },
  );
  const nudgeChannel = `${config.redisPrefix}deliver-nudge`;
  const subscriber = redis.duplicate();
  await subscriber.subscribe(nudgeChannel);
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { target, app, trace } = JSON.parse(message) as {
        target: string;
        app: string;
        trace?: Record<string, string>;
      };
      void link.deliver(target, app, trace).catch(() => undefined);
    } catch {
      logger.warn('ignored a malformed delivery nudge');
    }
  });
  const worker = new DeliveryWorker(
    // a delivery takes milliseconds: a short lock hands the job of a killed replica on in seconds
    { connection: redis, name: config.replica, lockDurationMs: 5_000, stalledIntervalMs: 5_000 },
    {
      deliver: (job) =>
        inSpan(
          tracer,
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
            const r = await link.deliver(job.target, job.app, trace);
            span.setAttribute('gitfleet.delivery', r);
            // the target's stream may be on another replica: tell every replica (the one holding
            // it sends; the store keeps the message pending either way)
            if (r === 'no-session') {
              await redis.publish(
                nudgeChannel,
                JSON.stringify({ target: job.target, app: job.app, trace }),
              );
            }
            return r === 'sent' || r === 'queued'
              ? 'sent'
              : r === 'no-session'
                ? 'not-here'
                : 'nothing';
          },
        ),
      versionOf: (t, a) => store.versionOf(t, a),
      logger,
    },
  );
  const poller = new GitPoller(
    { intervalMs: config.pollIntervalMs },
    { source: git, onChange: () => void r.trigger(), logger },
  );
  poller.setRepos([fleetRepo]);
  rollouts.start();

  const grpcPort = await link.listen(config.grpcAddress);
  // Redis wiped (or replaced): rebuild desired state from Git and make every agent resync, which
  // moves the lost version counters past what the agents hold (proto/README.md, resync step 2)
  const wipeWatch = setInterval(
    () => {
      void store
        .epochChanged()
        .then(async (wiped) => {
          if (!wiped) return;
          logger.warn('Redis state was lost: rebuilding from Git and resyncing every agent');
          await r.trigger();
          await link.dropAll('hub state rebuilt');
        })
        .catch((err: unknown) =>
          logger.warn('wipe check failed', { error: toGitfleetError(err).message }),
        );
    },
    Math.max(1_000, config.heartbeatIntervalMs),
  );
  wipeWatch.unref();
  // health, readiness and status answer while the first pass runs (a big fleet takes a while)
  const httpServer = await startHttpServer({
    config,
    store,
    resolver: r,
    queue,
    link,
    poller,
    logger,
    preview: { git, fleetRepo },
    rollouts: { rollouts, apiToken: config.apiToken },
  });
  await r
    .trigger()
    .catch((err: unknown) =>
      logger.error('first resolve pass failed', { error: toGitfleetError(err).message }),
    );

  const httpPort = httpServer.port;
  logger.info('hub started', {
    replica: config.replica,
    grpcPort,
    httpPort,
    fleet: config.fleetRepo,
    version: HUB_VERSION,
  });

  let closing: Promise<void> | undefined;
  return {
    grpcPort,
    httpPort,
    resolver: r,
    link,
    close() {
      closing ??= (async () => {
        for (const step of [
          () => {
            clearInterval(wipeWatch);
            return httpServer.close();
          },
          () => poller.close(),
          () => rollouts.close(),
          () => link.close(),
          () => worker.close(),
          () => queue.close(),
          () => subscriber.quit().then(() => undefined),
          () => redis.quit().then(() => undefined),
          () => telemetry.shutdown(),
        ]) {
          try {
            await step();
          } catch (err) {
            logger.warn('shutdown step failed', { error: toGitfleetError(err).message });
          }
        }
      })();
      return closing;
    },
  };
}
