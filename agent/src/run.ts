/**
 * The agent's composition root: config → Kubernetes client → state store → reconciler → hub link,
 * plus an optional health/metrics endpoint; and the ordered, idempotent shutdown.
 */
import http from 'node:http';
import { startTelemetry, steadyClock, toGitfleetError, type Logger } from '@gitfleet/proto';
import type { AgentConfig } from './config.ts';
import { ClientNodeKube } from './kube/client-node-kube.ts';
import { ensureCertificate } from './link/enrollment.ts';
import { HubLink } from './link/hub-link.ts';
import { ownCertificateOf } from './link/registration-client.ts';
import { CertificateRenewer } from './link/renewal.ts';
import { hubLinkTransport } from './link/transport.ts';
import { agentRegistry, serveMetrics } from './metrics.ts';
import { Agent } from './reconcile/agent.ts';
import { ClusterAppStore } from './state/app-store.ts';

export const AGENT_VERSION = '0.1.0';

export interface RunningAgent {
  readonly agent: Agent;
  readonly link: HubLink;
  /** Address of the health/metrics endpoint when enabled. */
  readonly httpPort: number | undefined;
  close(): Promise<void>;
}

export async function runAgent(config: AgentConfig, logger: Logger): Promise<RunningAgent> {
  // the agent's own certificate: registered for first when it has none usable (a refused token
  // fails the start), renewed while it runs (link/enrollment.ts, link/renewal.ts)
  const own = ownCertificateOf(config.hubTls, config.hubAddress);
  if (own !== undefined && config.registrationTokenFile !== undefined) {
    await ensureCertificate(
      { target: config.target, tokenFile: config.registrationTokenFile, ...own },
      { logger },
    );
  }
  // first, before anything that would need closing: TLS files unusable since the configuration
  // was read fail the start here. They are re-read while the agent runs (link/transport.ts).
  const transport = hubLinkTransport(config.hubTls, logger);
  const kube =
    config.kubeconfig === undefined
      ? ClientNodeKube.inCluster()
      : ClientNodeKube.fromKubeconfigFile(config.kubeconfig);
  const store = new ClusterAppStore(kube, config.stateNamespace);
  const telemetry = await startTelemetry({
    service: 'gitfleet-agent',
    version: AGENT_VERSION,
    attributes: { 'gitfleet.target': config.target },
    otlpEndpoint: config.otlpEndpoint,
    logger,
  });
  const agent = new Agent(
    {
      target: config.target,
      applyConcurrency: config.applyConcurrency,
      resyncIntervalMs: config.resyncIntervalMs,
      unmanagedScanIntervalMs: config.unmanagedScanIntervalMs,
      policy: config.policy,
      ...(config.hubKeys === undefined ? {} : { hubKeys: config.hubKeys }),
    },
    { kube, store, logger, tracer: telemetry.tracer },
  );
  const link = new HubLink(
    {
      address: config.hubAddress,
      target: config.target,
      ...(config.token === undefined ? {} : { token: config.token }),
      agentVersion: AGENT_VERSION,
      credentials: transport.credentials,
      channelOptions: transport.channelOptions,
    },
    // heartbeats and hub silence on elapsed time: a wall-clock step is not an hour of silence
    { handler: agent, logger, now: steadyClock() },
  );
  agent.setReporter((r, trace) => link.report(r, trace));
  transport.onChange(() => link.credentialsChanged());
  const renewer =
    own === undefined
      ? undefined
      : new CertificateRenewer(
          { target: config.target, ...own },
          { logger, onRenewed: () => transport.reload() },
        );
  let started = false;
  let server: http.Server | undefined;
  let httpPort: number | undefined;
  if (config.httpAddress !== undefined) {
    const [host, port] = splitHostPort(config.httpAddress);
    const metrics = agentRegistry({
      apps: () => agent.appNames().length,
      hubConnected: () => link.state === 'ready',
      pendingReports: () => link.pendingReports,
      certificateNotAfterMs: () => {
        const c = transport.certificate();
        return c === undefined ? undefined : Date.parse(c.notAfter);
      },
    });
    server = http.createServer((req, res) => {
      if (req.url === '/healthz') return void res.end('ok');
      if (req.url === '/readyz') {
        res.statusCode = started ? 200 : 503;
        return void res.end(started ? 'ok' : 'starting');
      }
      if (req.url === '/metrics') return void serveMetrics(metrics, res, logger);
      res.statusCode = 404;
      res.end();
    });
    const srv = server;
    httpPort = await new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => {
        const a = srv.address();
        resolve(typeof a === 'object' && a !== null ? a.port : port);
      });
    });
  }
  await agent.start();
  link.start();
  renewer?.start();
  started = true;
  logger.info('agent started', {
    target: config.target,
    hub: config.hubAddress,
    version: AGENT_VERSION,
    policy: config.policyFile ?? 'built-in',
    hubKeys: config.hubKeys === undefined ? 'none (unverified)' : [...config.hubKeys.keys()],
  });
  let closing: Promise<void> | undefined;
  return {
    agent,
    link,
    httpPort,
    close() {
      closing ??= (async () => {
        for (const step of [
          async () => {
            await renewer?.close();
            await link.close();
            transport.close();
          },
          () => agent.close(),
          () => kube.close(),
          () => new Promise<void>((r) => (server === undefined ? r() : server.close(() => r()))),
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

function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i) || '127.0.0.1', Number(addr.slice(i + 1))];
}
