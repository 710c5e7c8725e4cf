/**
 * The figures of the vs-flux benchmark's result line: every figure of both engines with its ratio
 * (the rows of docs/benchmarks.md and its chart), how each is written, who wins each, and the
 * goals gitfleet sets itself against Flux. Pure.
 */

interface Mem {
  readonly rssMb: number;
  readonly peakMb: number;
  readonly cpuMs: number;
}
interface Timed {
  readonly ms: number;
  readonly own_ms?: number;
  readonly hub_ms?: number;
}
interface Drift {
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly max_ms: number;
  readonly min_ms: number;
  readonly timeouts: number;
  readonly spread_ms: number;
}
/** One engine's figures in the benchmark's result line. */
export interface EngineOut {
  readonly sync: Timed;
  readonly prune: Timed;
  readonly sync_poll: Timed;
  readonly mix: Timed;
  readonly change: {
    readonly applied_ms: number;
    readonly ready_ms: number;
    readonly rounds_applied_ms: readonly number[];
    readonly rounds_own_ms?: readonly (number | undefined)[];
    readonly rounds_hub_ms?: readonly (number | undefined)[];
  };
  readonly drift: Readonly<Record<string, Drift>>;
  readonly noop: {
    readonly ms: number;
    readonly passes_ms: readonly number[];
    readonly wall_ms?: number;
    readonly writes: number;
    readonly dry_runs: number;
  };
  readonly memory: Readonly<Record<string, Mem | undefined>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly phase_s: number;
  /** Flux only: the figures with kustomize-controller's shipped client limits. */
  readonly shipped_defaults?: {
    readonly sync: Timed;
    readonly prune: Timed;
    readonly noop: { readonly ms: number };
  };
}

/** The benchmark's result line (the fields the documents use; the rest is carried along). */
export interface VsFluxResult {
  readonly bench: 'vs-flux';
  readonly objects: number;
  readonly gitfleet_sync_ms: number;
  readonly flux_sync_ms: number;
  readonly gitfleet_drift_p50_ms: number;
  readonly flux_drift_p50_ms: number;
  readonly gitfleet_noop_ms: number;
  readonly flux_noop_ms: number;
  readonly gitfleet_rss_mb: number;
  readonly flux_rss_mb: number;
  readonly gitfleet: EngineOut;
  readonly flux: EngineOut;
  readonly versions: Readonly<Record<string, unknown>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly machine: Readonly<Record<string, unknown>>;
  readonly total_s: number;
  readonly date: string;
  readonly [key: string]: unknown;
}

export type Unit = 'ms' | 'MB' | 'writes';

export interface Row {
  readonly id: string;
  readonly label: string;
  readonly gitfleet: number;
  readonly flux: number;
  readonly unit: Unit;
  /** Flux ÷ gitfleet: how many times faster (or smaller) gitfleet is; < 1 where Flux wins. */
  readonly ratio: number | undefined;
  readonly note?: string;
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

function ratioOf(flux: number, gitfleet: number, unit: Unit): number | undefined {
  if (unit === 'writes') return undefined;
  if (gitfleet <= 0) return undefined;
  return flux / gitfleet;
}

/** Every figure of both engines, in the order the tables and the chart show them. */
export function rows(r: VsFluxResult): Row[] {
  const g = r.gitfleet;
  const f = r.flux;
  const mem = (e: EngineOut, ...keys: string[]): { rss: number; peak: number } =>
    keys.reduce(
      (a, k) => ({
        rss: a.rss + (e.memory[k]?.rssMb ?? 0),
        peak: a.peak + (e.memory[k]?.peakMb ?? 0),
      }),
      { rss: 0, peak: 0 },
    );
  const gm = mem(g, 'agent');
  const gmh = mem(g, 'agent', 'hub');
  const fm = mem(f, 'source_controller', 'kustomize_controller');
  const gd = g.drift['default'];
  const fd1 = f.drift['1m'];
  const fd10 = f.drift['10s'];
  const n = r.objects.toLocaleString('en-US');
  const pollS = Number(r.settings['poll_interval_ms'] ?? 0) / 1000;
  const mixN = typeof r['mix'] === 'number' ? r['mix'] : 100;
  const out: Omit<Row, 'ratio'>[] = [
    {
      id: 'sync',
      label: `Initial sync, ${n} ConfigMaps (webhook / requestedAt)`,
      gitfleet: g.sync.ms,
      flux: f.sync.ms,
      unit: 'ms',
      note: 'commit → all applied and reported ready',
    },
    ...(g.sync.own_ms !== undefined && f.sync.own_ms !== undefined
      ? [
          {
            id: 'sync_own',
            label: `Initial sync, ${n}: the engine's own apply time`,
            gitfleet: g.sync.own_ms,
            flux: f.sync.own_ms,
            unit: 'ms' as const,
            note: 'agent "sync pass" vs kustomize-controller "Reconciliation finished in"',
          },
        ]
      : []),
    {
      id: 'sync_poll',
      label: `Initial sync, ${n} ConfigMaps (polling every ${pollS} s)`,
      gitfleet: g.sync_poll.ms,
      flux: f.sync_poll.ms,
      unit: 'ms',
      note: 'one sample each: includes a wait of 0 to one poll interval',
    },
    {
      id: 'mix',
      label: `Initial sync, Namespace+SA+Deployment+Service+Ingress × ${mixN}`,
      gitfleet: g.mix.ms,
      flux: f.mix.ms,
      unit: 'ms',
      note: 'commit → all applied, Deployments Available, reported ready',
    },
    {
      id: 'prune',
      label: `Prune ${n} ConfigMaps (removed from Git)`,
      gitfleet: g.prune.ms,
      flux: f.prune.ms,
      unit: 'ms',
      note: 'commit → deleted and reported ready',
    },
    {
      id: 'change10',
      label: `Change 10 of ${n}: commit → applied`,
      gitfleet: g.change.applied_ms,
      flux: f.change.applied_ms,
      unit: 'ms',
      note: 'median of 3 rounds; the last of the 10 seen live',
    },
    {
      id: 'change10_ready',
      label: `Change 10 of ${n}: commit → reported ready`,
      gitfleet: g.change.ready_ms,
      flux: f.change.ready_ms,
      unit: 'ms',
    },
    ...(gd !== undefined && fd1 !== undefined
      ? [
          {
            id: 'drift_1m',
            label: 'Drift: 20 edits → corrected, p50 (Flux interval 1m)',
            gitfleet: gd.p50_ms,
            flux: fd1.p50_ms,
            unit: 'ms' as const,
            note: 'edits spread evenly over one interval',
          },
          {
            id: 'drift_1m_max',
            label: 'Drift: 20 edits → corrected, max (Flux interval 1m)',
            gitfleet: gd.max_ms,
            flux: fd1.max_ms,
            unit: 'ms' as const,
          },
        ]
      : []),
    ...(gd !== undefined && fd10 !== undefined
      ? [
          {
            id: 'drift_10s',
            label: 'Drift: 20 edits → corrected, p50 (Flux interval 10s)',
            gitfleet: gd.p50_ms,
            flux: fd10.p50_ms,
            unit: 'ms' as const,
          },
        ]
      : []),
    {
      id: 'noop',
      label: `No-op resync of ${n} unchanged objects`,
      gitfleet: g.noop.ms,
      flux: f.noop.ms,
      unit: 'ms',
      note: "each engine's own pass time, median of 3",
    },
    ...(f.shipped_defaults === undefined
      ? []
      : [
          {
            id: 'sync_shipped',
            label: `Initial sync, ${n} ConfigMaps, Flux with its shipped client limits`,
            gitfleet: g.sync.ms,
            flux: f.shipped_defaults.sync.ms,
            unit: 'ms' as const,
            note: 'kustomize-controller --kube-api-qps=50 --kube-api-burst=300 (its defaults)',
          },
          {
            id: 'prune_shipped',
            label: `Prune ${n} ConfigMaps, Flux with its shipped client limits`,
            gitfleet: g.prune.ms,
            flux: f.shipped_defaults.prune.ms,
            unit: 'ms' as const,
          },
          {
            id: 'noop_shipped',
            label: `No-op resync of ${n}, Flux with its shipped client limits`,
            gitfleet: g.noop.ms,
            flux: f.shipped_defaults.noop.ms,
            unit: 'ms' as const,
            note: 'one pass',
          },
        ]),
    {
      id: 'noop_writes',
      label: `No-op resync: writes to the ${n} objects (3 passes)`,
      gitfleet: g.noop.writes,
      flux: f.noop.writes,
      unit: 'writes',
      note: 'counted by the apiserver',
    },
    {
      id: 'rss',
      label: 'RSS: gitfleet agent vs Flux source- + kustomize-controller',
      gitfleet: gm.rss,
      flux: fm.rss,
      unit: 'MB',
      note: 'at the end of each phase',
    },
    {
      id: 'rss_peak',
      label: 'Peak RSS: agent vs the two controllers',
      gitfleet: gm.peak,
      flux: fm.peak,
      unit: 'MB',
    },
    {
      id: 'rss_hub',
      label: 'RSS: gitfleet agent + hub vs the two controllers',
      gitfleet: gmh.rss,
      flux: fm.rss,
      unit: 'MB',
      note: 'the hub serves a whole fleet from outside the clusters; Flux has no counterpart',
    },
  ];
  return out.map((o) => ({ ...o, ratio: ratioOf(o.flux, o.gitfleet, o.unit) }));
}

export function fmtValue(v: number, unit: Unit): string {
  if (unit === 'MB') return `${Math.round(v)} MB`;
  if (unit === 'writes') return String(Math.round(v));
  if (v < 100) return `${r1(v)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
}

export function fmtRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  if (x >= 100) return `${Math.round(x).toLocaleString('en-US')}×`;
  if (x >= 10) return `${x.toFixed(0)}×`;
  if (x >= 1) return `${x.toFixed(1)}×`;
  return `${Number(x.toPrecision(2))}×`;
}

/** Who is better on a row: 'gitfleet', '**Flux**', a tie, or '—' without a ratio. */
export function winner(row: Row): string {
  if (row.unit === 'writes') {
    if (row.gitfleet === row.flux) return 'tie';
    return row.gitfleet < row.flux ? 'gitfleet' : '**Flux**';
  }
  if (row.ratio === undefined) return '—';
  if (Math.abs(row.ratio - 1) < 0.05) return 'tie (within 5 %)';
  return row.ratio > 1 ? 'gitfleet' : '**Flux**';
}

/** One of the goals gitfleet sets itself against Flux, and whether this run met it. */
export interface Goal {
  readonly what: string;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

/** The goals, measured on one run. */
export function goals(r: VsFluxResult): Goal[] {
  const rs = rows(r);
  const get = (id: string): Row | undefined => rs.find((x) => x.id === id);
  const sync = get('sync');
  const drift = get('drift_1m');
  const noop = get('noop');
  const rss = get('rss');
  return [
    {
      what: `initial sync of ${r.objects.toLocaleString('en-US')} objects`,
      goal: '≥ 3× faster',
      measured: fmtRatio(sync?.ratio),
      met: (sync?.ratio ?? 0) >= 3,
    },
    {
      what: 'drift correction (Flux at 1m)',
      goal: '≥ 100× faster',
      measured: fmtRatio(drift?.ratio),
      met: (drift?.ratio ?? 0) >= 100,
    },
    {
      what: 'no-op resync',
      goal: '≥ 10× faster, 0 writes',
      measured: `${fmtRatio(noop?.ratio)}, ${String(r.gitfleet.noop.writes)} writes`,
      met: (noop?.ratio ?? 0) >= 10 && r.gitfleet.noop.writes === 0,
    },
    {
      what: 'agent RSS',
      goal: "≤ Flux's two controllers together",
      measured: `${fmtValue(rss?.gitfleet ?? 0, 'MB')} vs ${fmtValue(rss?.flux ?? 0, 'MB')}`,
      met: (rss?.gitfleet ?? Infinity) <= (rss?.flux ?? 0),
    },
  ];
}
