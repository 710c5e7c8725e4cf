import { describe, expect, it } from 'vitest';
import {
  fmtRatio,
  fmtValue,
  renderMarkdown,
  renderSvg,
  rows,
  type VsFluxResult,
} from './report.ts';

const timed = (ms: number, own?: number): { ms: number; own_ms?: number } =>
  own === undefined ? { ms } : { ms, own_ms: own };
const drift = (p50: number): Record<string, number> => ({
  p50_ms: p50,
  p90_ms: p50,
  max_ms: p50,
  min_ms: p50,
  timeouts: 0,
  spread_ms: 10_000,
});
const mem = (rss: number): { rssMb: number; peakMb: number; cpuMs: number } => ({
  rssMb: rss,
  peakMb: rss + 10,
  cpuMs: 0,
});

function result(): VsFluxResult {
  const engine = {
    change: { applied_ms: 300, ready_ms: 350, rounds_applied_ms: [300, 310, 290] },
    noop: { ms: 120, passes_ms: [120, 130, 110], writes: 0, dry_runs: 0 },
    settings: { trigger: 'webhook' },
    phase_s: 100,
  };
  return {
    bench: 'vs-flux',
    objects: 1000,
    mix: 100,
    gitfleet_sync_ms: 9000,
    flux_sync_ms: 8000,
    gitfleet_drift_p50_ms: 15,
    flux_drift_p50_ms: 30_000,
    gitfleet_noop_ms: 120,
    flux_noop_ms: 4500,
    gitfleet_rss_mb: 130,
    flux_rss_mb: 200,
    gitfleet: {
      ...engine,
      sync: timed(9000, 4500),
      prune: timed(4000),
      sync_poll: timed(8000),
      mix: timed(20_000),
      drift: { default: drift(15) },
      memory: { agent: mem(130), hub: mem(250) },
    },
    flux: {
      ...engine,
      change: { applied_ms: 5000, ready_ms: 5100, rounds_applied_ms: [5000, 5000, 5000] },
      noop: { ms: 4500, passes_ms: [4500], writes: 0, dry_runs: 3000 },
      sync: timed(8000, 7000),
      prune: timed(6000),
      sync_poll: timed(10_000),
      mix: timed(30_000),
      drift: { '10s': drift(8000), '1m': drift(30_000) },
      memory: { source_controller: mem(90), kustomize_controller: mem(110) },
      shipped_defaults: { sync: timed(55_000), prune: timed(40_000), noop: { ms: 39_000 } },
    },
    versions: { gitfleet: 'abc', flux: 'source-controller v1.9.6, kustomize-controller v1.9.6' },
    settings: { poll_interval_ms: 5000 },
    machine: { cpu: 'test', cpus: 2, mem_gb: 24, kernel: 'k', node: 'v24' },
    total_s: 600,
    date: '2026-11-26T00:00:00.000Z',
  } as unknown as VsFluxResult;
}

describe('the vs-flux report', () => {
  it('puts each figure of both engines next to the ratio Flux ÷ gitfleet', () => {
    const rs = rows(result());
    const byId = new Map(rs.map((r) => [r.id, r]));
    expect(byId.get('drift_1m')?.ratio).toBeCloseTo(2000);
    expect(byId.get('noop')?.ratio).toBeCloseTo(37.5);
    expect(byId.get('sync')?.ratio).toBeCloseTo(8000 / 9000);
    expect(byId.get('rss')).toMatchObject({ gitfleet: 130, flux: 200 });
    expect(byId.get('rss_hub')).toMatchObject({ gitfleet: 380, flux: 200 });
    expect(byId.get('noop_writes')?.ratio).toBeUndefined();
    expect(byId.get('sync_shipped')).toMatchObject({ flux: 55_000 });
  });

  it('says plainly where Flux wins, and which goals are missed', () => {
    const md = renderMarkdown(result());
    const wins = md.slice(md.indexOf('### Where Flux wins'), md.indexOf('## Goals'));
    expect(wins).toContain(
      '**Initial sync, 1,000 ConfigMaps (webhook / requestedAt)**: Flux 8.00 s',
    );
    expect(wins).toContain('**RSS: gitfleet agent + hub vs the two controllers**');
    expect(wins).not.toContain('Drift');
    expect(md).toMatch(
      /\| initial sync of 1,000 objects \| ≥ 3× faster \| 0\.89× \| \*\*no\*\* \|/,
    );
    expect(md).toMatch(/\| drift correction \(Flux at 1m\) \| ≥ 100× faster \| 2,000× \| yes \|/);
  });

  it('draws one bar per ratio, Flux’s wins in orange', () => {
    const svg = renderSvg(result());
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Drift corrected, p50 (Flux at 1m)');
    expect(svg).toContain('#e8772e');
    expect(svg).toContain('2,000×');
  });

  it('formats values and ratios for people', () => {
    expect(fmtValue(15.12, 'ms')).toBe('15.1 ms');
    expect(fmtValue(950, 'ms')).toBe('950 ms');
    expect(fmtValue(9_625, 'ms')).toBe('9.63 s');
    expect(fmtValue(57_300, 'ms')).toBe('57.3 s');
    expect(fmtValue(205.6, 'MB')).toBe('206 MB');
    expect(fmtRatio(0.4812)).toBe('0.48×');
    expect(fmtRatio(3.04)).toBe('3.0×');
    expect(fmtRatio(2650)).toBe('2,650×');
  });
});
