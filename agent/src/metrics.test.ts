import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLogger } from '@gitfleet/proto';
import { parseExposition, sampleValue } from '../../test/src/metrics/exposition.ts';
import { agentRegistry, serveMetrics } from './metrics.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Serves `registry` on a loopback port, as the agent's endpoint does. */
async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return `http://127.0.0.1:${String(a.port)}/metrics`;
}

describe('agent metrics', () => {
  it('serves valid exposition with HELP and TYPE for every family, read when scraped', async () => {
    const state = { apps: 2, connected: true, pending: 0 };
    const registry = agentRegistry({
      apps: () => state.apps,
      hubConnected: () => state.connected,
      pendingReports: () => state.pending,
    });
    const logger = jsonLogger(() => undefined);
    const url = await serve((_req, res) => void serveMetrics(registry, res, logger));

    const first = await fetch(url);
    expect(first.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(await first.text());
    expect(Object.fromEntries(families.map((f) => [f.name, f.type]))).toMatchObject({
      gitfleet_agent_apps: 'gauge',
      gitfleet_agent_hub_connected: 'gauge',
      gitfleet_agent_pending_reports: 'gauge',
      process_cpu_seconds_total: 'counter',
      nodejs_heap_size_used_bytes: 'gauge',
    });
    for (const f of families) expect(f.help, f.name).not.toBe('');
    expect(
      ['gitfleet_agent_apps', 'gitfleet_agent_hub_connected', 'gitfleet_agent_pending_reports'].map(
        (n) => sampleValue(families, n),
      ),
    ).toEqual([2, 1, 0]);

    Object.assign(state, { apps: 5, connected: false, pending: 3 });
    const second = parseExposition(await (await fetch(url)).text());
    expect(
      ['gitfleet_agent_apps', 'gitfleet_agent_hub_connected', 'gitfleet_agent_pending_reports'].map(
        (n) => sampleValue(second, n),
      ),
    ).toEqual([5, 0, 3]);
  });

  it('keeps the families of several agents in one process apart', async () => {
    const of = (apps: number) =>
      agentRegistry({ apps: () => apps, hubConnected: () => true, pendingReports: () => 0 });
    const [a, b] = [of(1), of(9)];
    expect(sampleValue(parseExposition(await a.metrics()), 'gitfleet_agent_apps')).toBe(1);
    expect(sampleValue(parseExposition(await b.metrics()), 'gitfleet_agent_apps')).toBe(9);
  });

  it('answers 500 and logs when a value cannot be read', async () => {
    const lines: string[] = [];
    const registry = agentRegistry({
      apps: () => {
        throw new Error('no apps');
      },
      hubConnected: () => true,
      pendingReports: () => 0,
    });
    const url = await serve(
      (_req, res) =>
        void serveMetrics(
          registry,
          res,
          jsonLogger((l) => lines.push(l)),
        ),
    );
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('no apps');
    expect(lines.map((l) => JSON.parse(l) as { msg?: string; error?: string })).toEqual([
      expect.objectContaining({ error: 'no apps' }),
    ]);
  });
});
