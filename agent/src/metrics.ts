/**
 * The agent's Prometheus metrics (`GET /metrics` on `--http-address`), by prom-client: every
 * family with its HELP and TYPE, and the default process and Node.js metrics. Each agent has a
 * registry of its own, never prom-client's global one, so that several agents in one process
 * (tests) keep their families apart. Values are read from the running agent when scraped.
 */
import type http from 'node:http';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { toGitfleetError, type Logger } from '@gitfleet/proto';

/** Where the agent's values come from, read at every scrape. */
export interface AgentMetricSources {
  /** Apps held by the agent. */
  readonly apps: () => number;
  /** Whether the link to the hub is ready. */
  readonly hubConnected: () => boolean;
  /** Reports waiting for the hub. */
  readonly pendingReports: () => number;
  /** notAfter of the client certificate the link presents, unix ms (undefined: none). */
  readonly certificateNotAfterMs?: () => number | undefined;
}

/** A registry of the agent's families, with the default process metrics. */
export function agentRegistry(sources: AgentMetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'gitfleet_agent_apps',
    help: 'Apps held by the agent.',
    registers,
    collect() {
      this.set(sources.apps());
    },
  });
  new Gauge({
    name: 'gitfleet_agent_hub_connected',
    help: '1 when the link to the hub is ready.',
    registers,
    collect() {
      this.set(sources.hubConnected() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gitfleet_agent_pending_reports',
    help: 'Reports waiting for the hub.',
    registers,
    collect() {
      this.set(sources.pendingReports());
    },
  });
  const notAfter = sources.certificateNotAfterMs;
  if (notAfter !== undefined) {
    new Gauge({
      name: 'gitfleet_agent_certificate_expiry_seconds',
      help: 'When the client certificate the link presents expires (unix seconds; 0: none).',
      registers,
      collect() {
        const ms = notAfter();
        this.set(ms === undefined ? 0 : Math.floor(ms / 1000));
      },
    });
  }
  return registry;
}

/** Answers a scrape with the registry's text exposition (500 when a value cannot be read). */
export async function serveMetrics(
  registry: Registry,
  res: http.ServerResponse,
  logger: Logger,
): Promise<void> {
  try {
    const text = await registry.metrics();
    res.setHeader('content-type', registry.contentType);
    res.end(text);
  } catch (err) {
    const error = toGitfleetError(err).message;
    logger.error('metrics scrape failed', { error });
    res.statusCode = 500;
    res.end(error);
  }
}
