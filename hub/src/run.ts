/**
 * The hub's composition root: Redis → store, BullMQ delivery queue and worker → AgentLink gRPC
 * server → Git source, poller and resolver → HTTP (health, webhook, fleet status, drift report,
 * metrics); and the ordered shutdown. Every replica runs the same; any can serve any agent.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Redis } from 'ioredis';
import { toGitfleetError, type DriftRecord, type Logger, type StatusReport } from '@gitfleet/proto';
import type { HubConfig } from './config.ts';
import { IsomorphicGitSource } from './git/git-source.ts';
import { GitPoller } from './git/poller.ts';
import { MAX_WEBHOOK_BODY_BYTES, verifyWebhook } from './git/webhook.ts';
import { AgentLinkServer } from './link/agent-link-server.ts';
import { DeliveryQueue } from './queue/delivery-queue.ts';
import { DeliveryWorker } from './queue/delivery-worker.ts';
import { Resolver } from './resolve/resolver.ts';
import type { ConnectionStatus } from './store/port.ts';
import { RedisHubStore } from './store/redis-store.ts';

export const HUB_VERSION = '0.1.0';

export interface RunningHub {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly resolver: Resolver;
  readonly link: AgentLinkServer;
  close(): Promise<void>;
}

function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

/** One row of the fleet status: an application on a target. */
export interface FleetStatusRow {
  readonly target: string;
  readonly app: string;
  readonly desiredVersion: number;
  readonly desiredRevision: string;
  readonly delivered: boolean;
  readonly reportedVersion: number | undefined;
  readonly revision: string | undefined;
  readonly sync: string;
  /** Never Healthy for a target that is not Connected: its last report is old news. */
  readonly health: string;
  readonly drift: number;
  readonly connection: ConnectionStatus['state'];
  readonly lastSeenMs: number | undefined;
}

export async function runHub(config: HubConfig, logger: Logger): Promise<RunningHub> {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const store = new RedisHubStore({ redis, prefix: config.redisPrefix });
  await store.epochChanged();
  const queue = new DeliveryQueue({ connection: redis, logger });
  // constant-time token check against every declared target (no early exit on a match)
  const tokenEntries = [...config.agentTokens].map(([target, token]) => ({
    target,
    token: Buffer.from(token),
  }));
  const authenticate = (presented: string): string | undefined => {
    const p = Buffer.from(presented);
    let found: string | undefined;
    for (const e of tokenEntries) {
      if (e.token.length === p.length && timingSafeEqual(e.token, p)) found = e.target;
    }
    return found;
  };
  const git = new IsomorphicGitSource({ cacheDir: config.cacheDir }, { logger });
  const fleetRepo = {
    url: config.fleetRepo,
    ...(config.fleetToken === undefined ? {} : { token: config.fleetToken }),
    branch: config.fleetBranch,
  };
  const r = new Resolver(
    { fleet: fleetRepo },
    {
      git,
      store,
      changed: async (target, app, version) => {
        await queue.enqueue({ target, app, version, trace: {} });
      },
      logger,
    },
  );
  const link = new AgentLinkServer(
    { replica: config.replica, heartbeatIntervalMs: config.heartbeatIntervalMs },
    {
      store,
      authenticate,
      isDeclared: (target) => r.fleet?.targets.some((t) => t.name === target) === true,
      logger,
    },
  );
  const nudgeChannel = `${config.redisPrefix}deliver-nudge`;
  const subscriber = redis.duplicate();
  await subscriber.subscribe(nudgeChannel);
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { target, app } = JSON.parse(message) as { target: string; app: string };
      void link.deliver(target, app).catch(() => undefined);
    } catch {
      logger.warn('ignored a malformed delivery nudge');
    }
  });
  const worker = new DeliveryWorker(
    { connection: redis, name: config.replica },
    {
      deliver: async (job) => {
        const r = await link.deliver(job.target, job.app);
        // the target's stream may be on another replica: tell every replica (the one holding it
        // sends; the store keeps the message pending either way)
        if (r === 'no-session')
          await redis.publish(nudgeChannel, JSON.stringify({ target: job.target, app: job.app }));
        return r === 'sent' || r === 'queued'
          ? 'sent'
          : r === 'no-session'
            ? 'not-here'
            : 'nothing';
      },
      versionOf: (t, a) => store.versionOf(t, a),
      logger,
    },
  );
  const poller = new GitPoller(
    { intervalMs: config.pollIntervalMs },
    { source: git, onChange: () => void r.trigger(), logger },
  );
  poller.setRepos([fleetRepo]);

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
  await r
    .trigger()
    .catch((err: unknown) =>
      logger.error('first resolve pass failed', { error: toGitfleetError(err).message }),
    );

  const status = async (): Promise<FleetStatusRow[]> => {
    const now = Date.now();
    const stale = 3 * config.heartbeatIntervalMs;
    const rows: FleetStatusRow[] = [];
    for (const target of await store.targets()) {
      const conn = await store.connection(target, now, stale);
      const reports = new Map((await store.listReports({ target })).map((x) => [x.app, x]));
      for (const d of await store.listDesired(target)) {
        const rep: StatusReport | undefined = reports.get(d.app);
        rows.push({
          target,
          app: d.app,
          desiredVersion: d.version,
          desiredRevision: d.revision,
          delivered: d.delivered,
          reportedVersion: rep?.assignmentVersion,
          revision: rep?.revision,
          sync:
            rep === undefined
              ? 'Unknown'
              : rep.assignmentVersion < d.version
                ? 'OutOfSync'
                : rep.syncState,
          health: rep === undefined || conn.state !== 'Connected' ? 'Unknown' : rep.health.status,
          drift: rep?.drift.length ?? 0,
          connection: conn.state,
          lastSeenMs: conn.lastSeenMs,
        });
      }
    }
    return rows;
  };

  const json = (res: http.ServerResponse, code: number, body: unknown): void => {
    res.statusCode = code;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://hub');
      try {
        if (url.pathname === '/healthz') return void res.end('ok');
        if (url.pathname === '/readyz') {
          const ok = r.fleet !== undefined;
          res.statusCode = ok ? 200 : 503;
          return void res.end(ok ? 'ok' : 'no fleet definition accepted yet');
        }
        if (url.pathname === '/webhook' && req.method === 'POST') {
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const c of req) {
            size += (c as Buffer).length;
            if (size > MAX_WEBHOOK_BODY_BYTES) return json(res, 413, { error: 'body too large' });
            chunks.push(c as Buffer);
          }
          const secret = config.webhookSecret;
          if (secret === undefined)
            return json(res, 404, { error: 'webhooks are not configured (--webhook-secret-file)' });
          const verdict = verifyWebhook({
            headers: req.headers,
            body: Buffer.concat(chunks),
            secrets: { github: secret, gitlab: secret, gitea: secret },
          });
          if (!verdict.ok) return json(res, verdict.status, { error: verdict.reason });
          for (const u of verdict.repoUrls) poller.trigger(u);
          void r.trigger();
          return json(res, 202, { accepted: true, ref: verdict.ref });
        }
        if (url.pathname === '/api/v1/fleet') return json(res, 200, r.status);
        if (url.pathname === '/api/v1/status') {
          const rows = (await status()).filter(
            (x) =>
              (url.searchParams.get('target') ?? x.target) === x.target &&
              (url.searchParams.get('app') ?? x.app) === x.app,
          );
          return json(res, 200, { items: rows });
        }
        if (url.pathname === '/api/v1/drift') {
          const q = url.searchParams;
          const items: (DriftRecord & { target: string; app: string })[] = [];
          for (const rep of await store.listReports({
            ...(q.get('target') === null ? {} : { target: q.get('target') ?? '' }),
            ...(q.get('app') === null ? {} : { app: q.get('app') ?? '' }),
          })) {
            for (const d of rep.drift) {
              if (q.get('kind') !== null && d.ref.kind !== q.get('kind')) continue;
              if (q.get('manager') !== null && d.fieldManager !== q.get('manager')) continue;
              items.push({ target: rep.target, app: rep.app, ...d });
            }
          }
          return json(res, 200, { items });
        }
        if (url.pathname === '/metrics') {
          const rows = await status();
          const counts = await queue.counts();
          res.setHeader('content-type', 'text/plain; version=0.0.4');
          return void res.end(
            [
              '# TYPE gitfleet_hub_streams gauge',
              `gitfleet_hub_streams ${link.connectedTargets().length}`,
              '# TYPE gitfleet_hub_queue_depth gauge',
              `gitfleet_hub_queue_depth ${counts.waiting + counts.active + counts.delayed}`,
              '# TYPE gitfleet_hub_app_synced gauge',
              ...rows.map(
                (x) =>
                  `gitfleet_hub_app_synced{target="${x.target}",app="${x.app}"} ${x.sync === 'Synced' ? 1 : 0}`,
              ),
              '# TYPE gitfleet_hub_app_healthy gauge',
              ...rows.map(
                (x) =>
                  `gitfleet_hub_app_healthy{target="${x.target}",app="${x.app}"} ${x.health === 'Healthy' ? 1 : 0}`,
              ),
              '# TYPE gitfleet_hub_app_drift gauge',
              ...rows.map(
                (x) => `gitfleet_hub_app_drift{target="${x.target}",app="${x.app}"} ${x.drift}`,
              ),
              '',
            ].join('\n'),
          );
        }
        json(res, 404, { error: `no route ${url.pathname}` });
      } catch (err) {
        logger.error('http request failed', {
          path: url.pathname,
          error: toGitfleetError(err).message,
        });
        json(res, 500, { error: toGitfleetError(err).message });
      }
    })();
  });
  const [host, port] = splitHostPort(config.httpAddress);
  const httpPort = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : port);
    });
  });
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
            return new Promise<void>((res) => server.close(() => res()));
          },
          () => poller.close(),
          () => link.close(),
          () => worker.close(),
          () => queue.close(),
          () => subscriber.quit().then(() => undefined),
          () => redis.quit().then(() => undefined),
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
