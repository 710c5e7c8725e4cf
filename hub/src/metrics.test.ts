import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue, type Family } from '../../test/src/metrics/exposition.ts';
import {
  DeliveryLatency,
  HubMetrics,
  hubMetricsOf,
  linkRegistry,
  type AppMetricRow,
  type HubMetricSources,
} from './metrics.ts';

interface State {
  unexpected: number;
  accepted: boolean;
  streams: number;
  rows: AppMetricRow[];
  appReads: number;
  refused: Record<string, number>;
  takeovers: number;
}

function sourcesOf(state: State, latency = new DeliveryLatency()): HubMetricSources {
  return {
    unexpectedErrors: () => state.unexpected,
    fleet: () => ({
      fleetAccepted: state.accepted,
      problems: [{ stage: 'fetch', message: 'unreachable' }],
      fleetProblems: [
        { severity: 'error', message: 'bad' },
        { severity: 'warning', message: 'odd' },
      ],
    }),
    streams: () => state.streams,
    queue: {
      counts: () =>
        Promise.resolve({ waiting: 1, active: 2, delayed: 3, prioritized: 4, failed: 5 }),
    },
    apps: () => {
      state.appReads++;
      return Promise.resolve(state.rows);
    },
    link: {
      metrics: () => ({ refused: state.refused, takeovers: state.takeovers }),
      deliveryLatency: latency,
    },
  };
}

function freshState(): State {
  return {
    unexpected: 0,
    accepted: true,
    streams: 2,
    rows: [{ target: 'edge', app: 'web', sync: 'Synced', health: 'Healthy', drift: 0 }],
    appReads: 0,
    refused: { 'rate-limit': 0, 'foreign-target': 0 },
    takeovers: 0,
  };
}

async function scrape(m: HubMetrics): Promise<{ text: string; families: Family[] }> {
  const text = await m.render();
  return { text, families: parseExposition(text) };
}

describe('HubMetrics', () => {
  it('serves valid exposition: HELP and TYPE for every family, default process metrics too', async () => {
    const { families } = await scrape(new HubMetrics(sourcesOf(freshState())));
    const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      gitfleet_unexpected_errors_total: 'counter',
      gitfleet_hub_fleet_accepted: 'gauge',
      gitfleet_hub_fleet_problems: 'gauge',
      gitfleet_hub_streams: 'gauge',
      gitfleet_hub_queue_depth: 'gauge',
      gitfleet_hub_app_synced: 'gauge',
      gitfleet_hub_app_healthy: 'gauge',
      gitfleet_hub_app_drift: 'gauge',
      gitfleet_hub_delivery_latency_seconds: 'histogram',
      gitfleet_hub_link_refused_total: 'counter',
      gitfleet_hub_link_takeovers_total: 'counter',
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    });
    for (const f of families) expect(f.help, f.name).not.toBe('');
  });

  it('reads every value when scraped', async () => {
    const state = freshState();
    const m = new HubMetrics(sourcesOf(state));
    const first = (await scrape(m)).families;
    expect(
      [
        'gitfleet_unexpected_errors_total',
        'gitfleet_hub_fleet_accepted',
        'gitfleet_hub_fleet_problems',
        'gitfleet_hub_streams',
        'gitfleet_hub_queue_depth',
        'gitfleet_hub_link_takeovers_total',
      ].map((n) => sampleValue(first, n)),
    ).toEqual([0, 1, 2, 2, 6, 0]);
    expect(sampleValue(first, 'gitfleet_hub_app_synced', { target: 'edge', app: 'web' })).toBe(1);

    state.unexpected = 3;
    state.accepted = false;
    state.streams = 0;
    state.takeovers = 4;
    state.rows = [
      { target: 'edge', app: 'web', sync: 'OutOfSync', health: 'Degraded', drift: 2 },
      { target: 'core', app: 'db', sync: 'Synced', health: 'Healthy', drift: 0 },
    ];
    const second = (await scrape(m)).families;
    expect(
      [
        'gitfleet_unexpected_errors_total',
        'gitfleet_hub_fleet_accepted',
        'gitfleet_hub_streams',
        'gitfleet_hub_link_takeovers_total',
      ].map((n) => sampleValue(second, n)),
    ).toEqual([3, 0, 0, 4]);
    const edge = { target: 'edge', app: 'web' };
    expect(
      ['gitfleet_hub_app_synced', 'gitfleet_hub_app_healthy', 'gitfleet_hub_app_drift'].map((n) =>
        sampleValue(second, n, edge),
      ),
    ).toEqual([0, 0, 2]);
    expect(sampleValue(second, 'gitfleet_hub_app_healthy', { target: 'core', app: 'db' })).toBe(1);
    // the store is read once per scrape for the three per-app families
    expect(state.appReads).toBe(2);
  });

  it('drops a (target, app) that is gone', async () => {
    const state = freshState();
    const m = new HubMetrics(sourcesOf(state));
    await m.render();
    state.rows = [];
    const { families } = await scrape(m);
    expect(families.find((f) => f.name === 'gitfleet_hub_app_synced')?.samples).toEqual([]);
  });

  it('escapes a quote, a backslash and a line feed in a label value', async () => {
    const state = freshState();
    state.rows = [{ target: 'a"b\\c\nd', app: 'web', sync: 'Synced', health: 'Healthy', drift: 1 }];
    const { text, families } = await scrape(new HubMetrics(sourcesOf(state)));
    expect(text.split('\n')).toContain(
      'gitfleet_hub_app_drift{target="a\\"b\\\\c\\nd",app="web"} 1',
    );
    expect(
      sampleValue(families, 'gitfleet_hub_app_drift', { target: 'a"b\\c\nd', app: 'web' }),
    ).toBe(1);
  });

  it('keeps the families of several hubs in one process apart', async () => {
    const a = freshState();
    const b = { ...freshState(), streams: 7 };
    const [ma, mb] = [new HubMetrics(sourcesOf(a)), new HubMetrics(sourcesOf(b))];
    expect(sampleValue((await scrape(ma)).families, 'gitfleet_hub_streams')).toBe(2);
    expect(sampleValue((await scrape(mb)).families, 'gitfleet_hub_streams')).toBe(7);
  });

  it('makes one registry per owner', () => {
    const owner = {};
    const make = (): HubMetricSources => sourcesOf(freshState());
    expect(hubMetricsOf(owner, make)).toBe(hubMetricsOf(owner, make));
    expect(hubMetricsOf({}, make)).not.toBe(hubMetricsOf(owner, make));
  });

  it('fails the scrape when a value cannot be read', async () => {
    const sources = {
      ...sourcesOf(freshState()),
      apps: () => Promise.reject(new Error('store down')),
    };
    await expect(new HubMetrics(sources).render()).rejects.toThrow('store down');
  });
});

describe('link families', () => {
  it('counts refusals by reason, every known reason listed, sorted', async () => {
    const text = await linkRegistry({
      metrics: () => ({ refused: { z: 1, 'rate-limit': 2, m: 0 }, takeovers: 3 }),
    }).metrics();
    const lines = text.split('\n').filter((l) => l.startsWith('gitfleet_hub_link_'));
    expect(lines).toEqual([
      'gitfleet_hub_link_refused_total{reason="m"} 0',
      'gitfleet_hub_link_refused_total{reason="rate-limit"} 2',
      'gitfleet_hub_link_refused_total{reason="z"} 1',
      'gitfleet_hub_link_takeovers_total 3',
    ]);
    expect(parseExposition(text).map((f) => f.name)).toEqual([
      'gitfleet_hub_link_refused_total',
      'gitfleet_hub_link_takeovers_total',
    ]);
  });

  it('reads the counters of a link object through its methods', async () => {
    class Link {
      private readonly takeovers = 2;
      metrics(): { refused: Record<string, number>; takeovers: number } {
        return { refused: {}, takeovers: this.takeovers };
      }
    }
    const families = parseExposition(await linkRegistry(new Link()).metrics());
    expect(sampleValue(families, 'gitfleet_hub_link_takeovers_total')).toBe(2);
  });

  it.each<[string, number[], Record<string, number>, number, number]>([
    ['nothing observed', [], { '0.1': 0, '1': 0, '+Inf': 0 }, 0, 0],
    [
      'cumulative buckets, a value on a bound counts in it',
      [0.005, 0.1, 0.5, 3],
      { '0.005': 1, '0.1': 2, '1': 3, '30': 4, '+Inf': 4 },
      3.605,
      4,
    ],
    [
      'negative and non-finite values are ignored',
      [-1, Number.NaN, Number.POSITIVE_INFINITY, 0.2],
      { '0.1': 0, '0.25': 1, '+Inf': 1 },
      0.2,
      1,
    ],
  ])('delivery latency: %s', async (_what, values, buckets, sum, count) => {
    const latency = new DeliveryLatency();
    for (const v of values) latency.observe(v);
    const families = parseExposition(await linkRegistry({ deliveryLatency: latency }).metrics());
    const name = 'gitfleet_hub_delivery_latency_seconds';
    for (const [le, n] of Object.entries(buckets))
      expect(sampleValue(families, `${name}_bucket`, { le }), le).toBe(n);
    expect(sampleValue(families, `${name}_sum`)).toBeCloseTo(sum, 9);
    expect(sampleValue(families, `${name}_count`)).toBe(count);
  });
});
