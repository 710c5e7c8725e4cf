/**
 * The hub's composition root: Redis → store, BullMQ delivery queue and worker → AgentLink gRPC
 * server → Git source, poller and resolver → HTTP (./http: health, webhook, fleet views, drift,
 * history, metrics, OpenAPI); and the ordered shutdown. Every replica runs the same; any can
 * serve any agent.
 *
 * The last good fleet saved in Redis is put in force before agents are accepted, so a restarted
 * hub serves it at once. Every Redis connection has a (throttled) error listener. The shutdown
 * runs its steps within a budget of `shutdownTimeoutMs` (each step bounded too): when Redis is
 * gone, its connections are closed first so that nothing waits for it.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  ShutdownSequence,
  errorLogFields,
  startTelemetry,
  toGitfleetError,
  type BinaryRuntime,
  type Logger,
  STALE_AFTER_MISSED_HEARTBEATS,
  steadyClock,
} from '@gitfleet/proto';
import type { HubConfig } from './config.ts';
import { IsomorphicGitSource } from './git/git-source.ts';
import { FleetHistory } from './git/fleet-history.ts';
import { FleetWriter } from './git/fleet-writer.ts';
import { HydrateWriter } from './git/hydrate-writer.ts';
import { GitPoller } from './git/poller.ts';
import { RepoCredentials } from './git/repo-creds.ts';
import { scrubbingLogger } from './git/scrubbing-logger.ts';
import { LiveChanges, liveChangesChannel } from './http/events/changes.ts';
import { OidcVerifier } from './http/oidc.ts';
import { Hydrator } from './hydrate/hydrator.ts';
import { HydrateMetrics } from './hydrate/metrics.ts';
import { startHttpServer } from './http/server.ts';
import { AgentLinkServer } from './link/agent-link-server.ts';
import { declaredIn } from './link/declared-targets.ts';
import { DeliveryBridge } from './link/delivery-bridge.ts';
import { DeliveryNudges, nudgeChannel } from './link/delivery-nudges.ts';
import { RegistrationMetrics } from './link/registration-metrics.ts';
import { RevocationWatch } from './link/registration-revocations.ts';
import { RegistrationService } from './link/registration-server.ts';
import { agentLinkServerTransport } from './link/transport.ts';
import { AgentCa } from './pki/agent-ca.ts';
import { DeliveryQueue } from './queue/delivery-queue.ts';
import { DeliveryWorker } from './queue/delivery-worker.ts';
import { Resolver } from './resolve/resolver.ts';
import { polledRepos } from './resolve/source-repos.ts';
import { RolloutController } from './rollout/controller.ts';
import { RolloutRevisions } from './rollout/rollout-revisions.ts';
import { RolloutStore } from './rollout/rollout-store.ts';
import { SourceRenderer } from './sources/renderer.ts';
import { answersWithin, closeRedis } from './store/close-redis.ts';
import { connectionErrors } from './store/connection-errors.ts';
import { RedisFleetStore } from './store/fleet-store.ts';
import { RedisHubStore } from './store/redis-store.ts';
import { RedisRegistrationStore } from './store/registration-store.ts';

export const HUB_VERSION = '0.1.0';

/** How long the shutdown waits for Redis to answer a PING before treating it as gone. */
const REDIS_PING_AT_SHUTDOWN_MS = 300;

export interface RunningHub {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly resolver: Resolver;
  readonly link: AgentLinkServer;
  close(): Promise<void>;
  /** Shutdown steps not finished yet (named when the process's shutdown deadline passes). */
  unfinished(): readonly string[];
}

export type { FleetStatusRow } from './http/views.ts';

export async function runHub(
  config: HubConfig,
  unscrubbed: Logger,
  runtime?: BinaryRuntime,
): Promise<RunningHub> {
  // repository credentials for every fetch, the fleet token being the entry of the fleet URL;
  // every secret they read is kept out of the log
  const repoCreds = new RepoCredentials({
    entries: config.repoCreds?.entries ?? [],
    ...(config.fleetToken === undefined
      ? {}
      : { fleet: { url: config.fleetRepo, token: config.fleetToken } }),
  });
  const logger = scrubbingLogger(unscrubbed, repoCreds.known);
  // first, before anything that would need closing: files unusable since the configuration was
  // read fail the start here. TLS with client certificates, re-read while the hub runs.
  // the agent CA (files, never Redis): with it the port also serves Registration, and asks for
  // client certificates without requiring them at the handshake (Connect and Renew still do)
  const agentCa =
    config.agentCa === undefined
      ? undefined
      : AgentCa.open(
          {
            ...config.agentCa,
            reloadIntervalMs: config.agentLinkTls?.reloadIntervalMs ?? 60_000,
          },
          logger,
        );
  const transport = agentLinkServerTransport(
    config.agentLinkTls,
    config.allowStaticTokens,
    logger,
    agentCa !== undefined,
  );
  const telemetry = await startTelemetry({
    service: 'gitfleet-hub',
    version: HUB_VERSION,
    attributes: { 'gitfleet.replica': config.replica },
    otlpEndpoint: config.otlpEndpoint,
    logger,
  });
  const tracer = telemetry.tracer;
  // one clock for every elapsed-time decision (staleness, heartbeats, resends, soaks, deadlines):
  // a step of the machine's wall clock must not look like an hour of silence or of soak
  const now = steadyClock();
  // options first: BullMQ needs maxRetriesPerRequest null (a blocked worker must not give up)
  const redis = new Redis(config.redisUrl, { ...config.redisOptions, maxRetriesPerRequest: null });
  const redisErrors = connectionErrors(logger);
  redisErrors.watch('redis', redis);
  const signingKey = config.signingKey;
  if (signingKey === undefined) {
    logger.warn(
      'no --signing-key-file: desired state is unsigned, so whoever can write Redis can change what every cluster runs, and agents that pin a hub key refuse it',
    );
  } else {
    logger.info('desired state is signed', { keyId: signingKey.keyId });
  }
  const store = new RedisHubStore({
    redis,
    prefix: config.redisPrefix,
    now,
    ...(signingKey === undefined ? {} : { signingKey }),
  });
  await store.epochChanged();
  const queue = new DeliveryQueue({
    connection: redis,
    logger,
    onError: redisErrors.listener('delivery-queue'),
  });
  // a pass records what goes wrong in the resolver's status and never rejects; the catch logs
  // what would be a bug, so that no promise floats
  const passFailed = (why: string) => (err: unknown) =>
    logger.error('resolve pass failed unexpectedly', { trigger: why, ...errorLogFields(err) });
  // static tokens (--allow-static-tokens only) are looked up by their sha256: no early exit on a
  // matching prefix (the digest of a guess says nothing about the token), O(1) for thousands
  const tokenIndex = new Map(
    [...config.agentTokens].map(([target, token]) => [
      createHash('sha256').update(token).digest('hex'),
      target,
    ]),
  );
  const authenticate = (presented: string): string | undefined =>
    tokenIndex.get(createHash('sha256').update(presented).digest('hex'));
  const git = new IsomorphicGitSource(
    { ...config.gitLimits, cacheDir: config.cacheDir, allowLocalRoots: config.allowLocalSources },
    { logger, now, credentials: repoCreds },
  );
  const fleetRepo = { url: config.fleetRepo, branch: config.fleetBranch };
  // rollouts publish which revision each (app, target) runs; the resolver reads it
  const rolloutStore = new RolloutStore({
    redis,
    prefix: config.redisPrefix,
    logger,
    ...(signingKey === undefined ? {} : { signingKey }),
  });
  const revisions = new RolloutRevisions(rolloutStore);
  // kustomize applications: one renderer (and its cache) for the resolver and the diff preview
  const sources = new SourceRenderer(config.sources, { logger, credentials: repoCreds });
  // rendered manifests to Git after each pass (spec.hydrateTo); every replica writes the same
  // commit for the same render and never force-pushes, so no lease is needed
  const hydrateMetrics = new HydrateMetrics();
  const hydrator = new Hydrator(
    { fleet: fleetRepo },
    {
      store,
      writer: new HydrateWriter(
        { cacheDir: config.cacheDir, limits: config.gitLimits },
        { credentials: repoCreds },
      ),
      logger,
      metrics: hydrateMetrics,
      now,
    },
  );
  // the change feed of the live event stream (GET /api/v1/events), shared by every replica
  const live = new LiveChanges({ replica: config.replica, logger });
  await live.listen({
    publisher: redis,
    subscriber: redisErrors.watch('redis-live-subscriber', redis.duplicate()),
    channel: liveChangesChannel(config.redisPrefix),
  });
  const r = new Resolver(
    { fleet: fleetRepo },
    {
      git,
      store,
      changed: async (target, app, version, trace) => {
        live.notify({ target, app });
        await queue.enqueue({ target, app, version, trace });
      },
      logger,
      tracer,
      rollouts: revisions,
      lastGood: new RedisFleetStore({ redis, prefix: config.redisPrefix }),
      sources,
      afterPass: (spec, commit) => {
        // a commit in any application source repository starts a pass, like one in the fleet's
        poller.setRepos(polledRepos(fleetRepo, spec));
        return hydrator.afterPass(spec, commit);
      },
      now,
    },
  );
  const rollouts = new RolloutController(
    {
      replica: config.replica,
      intervalMs: config.rolloutIntervalMs,
      staleAfterMs: STALE_AFTER_MISSED_HEARTBEATS * config.heartbeatIntervalMs,
    },
    { store: rolloutStore, hub: store, inForce: r, revisions, logger, now },
  );
  // before agents connect: those of the saved fleet's targets are accepted at once
  await r.restore();
  // registration tokens and revocations; every replica polls the revocations (link/registration-revocations.ts)
  const registrationStore = new RedisRegistrationStore({ redis, prefix: config.redisPrefix });
  const registrationMetrics = new RegistrationMetrics();
  const revocations = new RevocationWatch(registrationStore, logger);
  await revocations.start();
  const registration =
    agentCa === undefined
      ? undefined
      : new RegistrationService({
          ca: agentCa,
          store: registrationStore,
          isDeclared: declaredIn(r),
          certTtlMs: config.agentCertTtlMs,
          metrics: registrationMetrics,
          logger,
        });
  const link = new AgentLinkServer(
    { replica: config.replica, heartbeatIntervalMs: config.heartbeatIntervalMs },
    {
      store,
      // without --allow-static-tokens every agent is known by its client certificate
      ...(config.allowStaticTokens ? { authenticate } : {}),
      isDeclared: declaredIn(r),
      logger,
      tracer,
      now,
      revocations,
      registrationMetrics,
      ...(registration === undefined ? {} : { registration: registration.handlers() }),
      changed: (target, app) => live.notify(app === undefined ? { target } : { target, app }),
    },
  );
  // queue → link: a job is delivered on this replica's stream of its target, or every replica
  // is nudged to deliver it (link/delivery-bridge.ts)
  const nudges = new DeliveryNudges({
    publisher: redis,
    subscriber: redisErrors.watch('redis-subscriber', redis.duplicate()),
    channel: nudgeChannel(config.redisPrefix),
    logger,
  });
  const bridge = new DeliveryBridge({ link, nudges, tracer });
  await bridge.listen();
  const worker = new DeliveryWorker(
    // a delivery takes milliseconds: a short lock hands the job of a killed replica on in seconds
    { connection: redis, name: config.replica, lockDurationMs: 5_000, stalledIntervalMs: 5_000 },
    {
      deliver: (job) => bridge.deliver(job),
      versionOf: (t, a) => store.versionOf(t, a),
      logger,
      onError: redisErrors.listener('delivery-worker'),
    },
  );
  const poller = new GitPoller(
    { intervalMs: config.pollIntervalMs },
    { source: git, onChange: () => void r.trigger().catch(passFailed('git change')), logger },
  );
  poller.setRepos(polledRepos(fleetRepo, r.fleet));
  rollouts.start();

  const grpcPort = await link.listen(config.grpcAddress, transport.credentials);
  // Redis wiped (or replaced): rebuild desired state from Git and make every agent resync, which
  // moves the lost version counters past what the agents hold (proto/README.md, resync step 2)
  const wipeWatch = setInterval(
    () => {
      void store
        .epochChanged()
        .then(async (wiped) => {
          if (!wiped) return;
          logger.warn('Redis state was lost: rebuilding from Git and resyncing every agent');
          r.persistAgain();
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
  // OIDC bearer tokens beside the static ones: keys fetched at the first token, never at start
  let oidc: OidcVerifier | undefined;
  if (config.oidc !== undefined) {
    oidc = new OidcVerifier(config.oidc, { logger });
    logger.info('oidc bearer tokens accepted', { issuer: config.oidc.issuer, keys: oidc.source });
  }
  // health, readiness and status answer while the first pass runs (a big fleet takes a while)
  const httpServer = await startHttpServer({
    config,
    store,
    resolver: r,
    queue,
    link,
    poller,
    logger,
    ...(oidc === undefined ? {} : { oidc }),
    preview: { git, fleetRepo, sources },
    // pins with who set them (the history of the hub's fleet cache); promotions as commits
    pins: {
      git,
      fleetRepo,
      history: new FleetHistory({ cacheDir: config.cacheDir }),
      writer: new FleetWriter(
        { cacheDir: config.cacheDir, limits: config.gitLimits },
        { credentials: repoCreds },
      ),
    },
    rollouts: { rollouts },
    registration: {
      store: registrationStore,
      isDeclared: declaredIn(r),
    },
    metrics: [registrationMetrics.registry, sources.metrics.registry, hydrateMetrics.registry],
    live: { changes: live, maxStreams: config.maxEventStreams },
    now,
    ...(runtime === undefined ? {} : { unexpectedErrors: () => runtime.unexpectedErrors() }),
  });
  await r.trigger().catch(passFailed('start'));

  const httpPort = httpServer.port;
  logger.info('hub started', {
    replica: config.replica,
    grpcPort,
    httpPort,
    fleet: config.fleetRepo,
    version: HUB_VERSION,
  });

  // Redis gone: close its connections first, so that every step that would wait on a command
  // (the rollout lease, session ends, the worker's jobs) fails fast instead of waiting forever
  let redisGone = false;
  const waitOnRedis = (ms: number) => (): number => (redisGone ? Math.min(ms, 500) : ms);
  const shutdown = new ShutdownSequence(
    [
      {
        name: 'redis check',
        run: async () => {
          clearInterval(wipeWatch);
          // "ready" is only what the client last saw: a server that stopped answering (or a
          // socket whose end was not noticed yet) must not make every later step wait its fill
          if (redis.status === 'ready' && (await answersWithin(redis, REDIS_PING_AT_SHUTDOWN_MS))) {
            return;
          }
          redisGone = true;
          logger.warn('Redis is unreachable at shutdown: its connections close first', {
            status: redis.status,
          });
          redis.disconnect();
          nudges.disconnect();
          live.disconnect();
        },
      },
      {
        name: 'http server',
        run: () => httpServer.close(),
        timeoutMs: waitOnRedis(2_000),
        onTimeout: () => httpServer.closeConnections(),
      },
      { name: 'git poller', run: () => poller.close(), timeoutMs: 1_000 },
      { name: 'rollouts', run: () => rollouts.close(), timeoutMs: waitOnRedis(2_000) },
      {
        name: 'agent streams',
        run: async () => {
          transport.close();
          revocations.close();
          agentCa?.close();
          await link.close();
        },
        timeoutMs: waitOnRedis(2_000),
      },
      {
        name: 'delivery worker',
        run: () => worker.close(redisGone),
        timeoutMs: waitOnRedis(2_000),
      },
      { name: 'delivery queue', run: () => queue.close(), timeoutMs: waitOnRedis(1_000) },
      { name: 'redis subscriber', run: () => nudges.close(), always: true },
      { name: 'redis live subscriber', run: () => live.close(), always: true },
      { name: 'redis', run: () => closeRedis(redis, 1_000), always: true },
      { name: 'telemetry', run: () => telemetry.shutdown(), timeoutMs: 2_000 },
    ],
    // the rest of the deadline is the process's margin to exit (proto/src/run-binary.ts)
    { budgetMs: Math.round(config.shutdownTimeoutMs * 0.6), logger },
  );
  return {
    grpcPort,
    httpPort,
    resolver: r,
    link,
    close: async () => {
      await shutdown.run();
    },
    unfinished: () => shutdown.unfinished(),
  };
}
