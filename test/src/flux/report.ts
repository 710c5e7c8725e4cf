/**
 * docs/benchmarks.md and docs/benchmarks.svg, generated from the vs-flux benchmark's output (its
 * last line): the machine, versions and settings, every figure for both engines with the ratio,
 * the rows where Flux wins said plainly, and a bar chart of the ratios on a log scale.
 * Pure rendering (`renderMarkdown`, `renderSvg`) plus one function that writes both files.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../fleet/paths.ts';

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
interface EngineOut {
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

function winner(row: Row): string {
  if (row.unit === 'writes') {
    if (row.gitfleet === row.flux) return 'tie';
    return row.gitfleet < row.flux ? 'gitfleet' : '**Flux**';
  }
  if (row.ratio === undefined) return '—';
  if (Math.abs(row.ratio - 1) < 0.05) return 'tie (within 5 %)';
  return row.ratio > 1 ? 'gitfleet' : '**Flux**';
}

interface Goal {
  readonly what: string;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

function goals(r: VsFluxResult): Goal[] {
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

const esc = (s: string): string => s.replace(/\|/g, '\\|');

/** The run's temporary directories, which say nothing to a reader, as placeholders. */
const redact = (s: string): string =>
  s
    .replace(/\/tmp\/gitfleet-vs-flux-[A-Za-z0-9]+/g, '<run-dir>')
    .replace(/\/tmp\/gitfleet-kube-[A-Za-z0-9]+/g, '<cluster-dir>');

/** The whole of docs/benchmarks.md. */
export function renderMarkdown(r: VsFluxResult): string {
  const rs = rows(r);
  const m = r.machine;
  const v = r.versions;
  const build = (v['flux_build'] ?? {}) as { build_s?: Record<string, number>; go?: string };
  const fluxWins = rs.filter((x) => winner(x) === '**Flux**');
  const ties = rs.filter((x) => winner(x).startsWith('tie'));
  const L: string[] = [];
  L.push('# Benchmarks: gitfleet side by side with Flux');
  L.push('');
  L.push(
    "gitfleet's performance claims count only as ratios against a real peer measured in the same run, on the same machine, from the same Git server, with the same objects. The peer is [Flux](https://fluxcd.io): its real `source-controller` and `kustomize-controller`, built from the Go module proxy by `scripts/build-flux.sh` and cached outside the repository. This page is generated from the benchmark's output; nothing in it is typed by hand.",
  );
  L.push('');
  L.push('```sh');
  L.push(
    'npm run bench -- vs-flux --write-docs   # builds Flux once if needed, runs everything, rewrites this page and the chart',
  );
  L.push(
    'npm run bench -- vs-flux --render-docs=OUT # re-renders from a saved output (its last line)',
  );
  L.push('```');
  L.push('');
  L.push(
    `Run of ${r.date.slice(0, 10)}, ${Math.round(r.total_s / 60)} min in all (gitfleet phase ${r.gitfleet.phase_s} s, Flux phase ${r.flux.phase_s} s).`,
  );
  L.push('');
  L.push('![Ratios, gitfleet vs Flux, log scale](benchmarks.svg)');
  L.push('');
  L.push('## Results');
  L.push('');
  L.push(
    'Ratio = Flux ÷ gitfleet: how many times faster (or smaller) gitfleet is. Below 1×, Flux wins.',
  );
  L.push('');
  L.push('| figure | gitfleet | Flux | ratio | better |');
  L.push('|---|---:|---:|---:|---|');
  for (const x of rs) {
    const label = x.note === undefined ? x.label : `${x.label}<br><sub>${x.note}</sub>`;
    L.push(
      `| ${esc(label)} | ${fmtValue(x.gitfleet, x.unit)} | ${fmtValue(x.flux, x.unit)} | ${fmtRatio(x.ratio)} | ${winner(x)} |`,
    );
  }
  L.push('');
  L.push('### Where Flux wins (or ties)');
  L.push('');
  if (fluxWins.length === 0 && ties.length === 0) L.push('Nowhere in this run.');
  for (const x of fluxWins)
    L.push(
      `- **${x.label}**: Flux ${fmtValue(x.flux, x.unit)}, gitfleet ${fmtValue(x.gitfleet, x.unit)}${x.ratio === undefined ? '' : ` (${fmtRatio(x.ratio)})`}.`,
    );
  for (const x of ties)
    L.push(
      `- A tie: **${x.label}**: gitfleet ${fmtValue(x.gitfleet, x.unit)}, Flux ${fmtValue(x.flux, x.unit)}.`,
    );
  L.push('');
  L.push('## Goals');
  L.push('');
  L.push('| goal (gitfleet vs Flux, same run) | target | measured | met |');
  L.push('|---|---|---|---|');
  for (const gl of goals(r))
    L.push(`| ${gl.what} | ${gl.goal} | ${gl.measured} | ${gl.met ? 'yes' : '**no**'} |`);
  L.push('');
  L.push('## Details');
  L.push('');
  const g = r.gitfleet;
  const f = r.flux;
  L.push(
    `- Drift, every edit (ms): gitfleet ${JSON.stringify((g.drift['default'] as { samples_ms?: number[] } | undefined)?.samples_ms ?? [])}; Flux at 10s ${JSON.stringify((f.drift['10s'] as { samples_ms?: number[] } | undefined)?.samples_ms ?? [])}; Flux at 1m ${JSON.stringify((f.drift['1m'] as { samples_ms?: number[] } | undefined)?.samples_ms ?? [])}.`,
  );
  L.push(
    `- No-op passes (ms): gitfleet ${JSON.stringify(g.noop.passes_ms)}; Flux ${JSON.stringify(f.noop.passes_ms)} (request → Ready, wall: ${f.noop.wall_ms === undefined ? '—' : fmtValue(f.noop.wall_ms, 'ms')}). Dry-run requests (not writes): gitfleet ${g.noop.dry_runs}, Flux ${f.noop.dry_runs}.`,
  );
  L.push(
    `- Change of 10, each round (ms, commit → applied): gitfleet ${JSON.stringify(g.change.rounds_applied_ms)}; Flux ${JSON.stringify(f.change.rounds_applied_ms)}.`,
  );
  if (g.sync.hub_ms !== undefined && g.sync.own_ms !== undefined) {
    const med = (xs: readonly (number | undefined)[] | undefined): number | undefined => {
      const v = (xs ?? []).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
      return v[Math.floor(v.length / 2)];
    };
    const ch = med(g.change.rounds_hub_ms);
    const ca = med(g.change.rounds_own_ms);
    const same =
      ch !== undefined && ch >= 0.5 * g.sync.hub_ms
        ? ` The hub's resolve pass costs about as much for a change of 10 as for the first ${r.objects.toLocaleString('en-US')}: it is most of that row.`
        : '';
    L.push(
      `- Where gitfleet's time goes (each pass as its own log times it; delivery starts before the hub's pass ends): initial sync of ${r.objects.toLocaleString('en-US')}: hub resolve pass (fetch → render → desired state) ${fmtValue(g.sync.hub_ms, 'ms')}, agent apply pass ${fmtValue(g.sync.own_ms, 'ms')}${ch === undefined || ca === undefined ? '' : `; change of 10: hub resolve pass ${fmtValue(ch, 'ms')}, agent apply pass ${fmtValue(ca, 'ms')}`}.${same}`,
    );
  }
  const hub = g.memory['hub'];
  if (hub !== undefined)
    L.push(
      `- gitfleet hub: RSS ${fmtValue(hub.rssMb, 'MB')} (peak ${fmtValue(hub.peakMb, 'MB')}); Redis is apart and not counted.`,
    );
  L.push('');
  L.push('## Machine and versions');
  L.push('');
  L.push('| | |');
  L.push('|---|---|');
  L.push(`| CPU | ${String(m['cpu'])}, ${String(m['cpus'])} cores |`);
  L.push(`| memory | ${String(m['mem_gb'])} GiB |`);
  L.push(`| kernel | ${String(m['kernel'])} |`);
  L.push(`| Node.js (gitfleet) | ${String(m['node'])} |`);
  L.push(
    `| Go (Flux build) | ${build.go ?? (typeof m['go'] === 'string' ? m['go'] : 'unknown')} |`,
  );
  L.push(`| gitfleet | ${String(v['gitfleet'])} |`);
  L.push(`| Flux | ${String(v['flux'])} |`);
  L.push(
    `| Flux cold build | ${
      Object.entries(build.build_s ?? {})
        .map(([k, s]) => `${k} ${String(s)} s`)
        .join(', ') || 'unknown'
    } (2 cores; cached afterwards) |`,
  );
  L.push(
    `| Kubernetes | ${String(v['kubernetes'])} (kube-apiserver, kube-controller-manager, kube-scheduler), kwok ${String(v['kwok'])} |`,
  );
  L.push('');
  L.push('## Settings');
  L.push('');
  for (const [k, val] of Object.entries(r.settings))
    L.push(`- ${k.replace(/_/g, ' ')}: ${typeof val === 'string' ? val : JSON.stringify(val)}`);
  L.push('');
  for (const [name, e] of [
    ['gitfleet', g],
    ['Flux', f],
  ] as const) {
    L.push(`### ${name}`);
    L.push('');
    L.push('```json');
    L.push(redact(JSON.stringify(e.settings, null, 2)));
    L.push('```');
    L.push('');
  }
  L.push('## How it runs');
  L.push('');
  L.push(
    [
      'Two real clusters, `gitfleet` and `flux` (kube-apiserver, kube-controller-manager, kube-scheduler and kwok each, one shared etcd), one Redis and one Git server on loopback. Each engine works alone on its own cluster from its own repository (same files), one after the other, so they never fight over objects or CPU. In each phase, in order:',
      '',
      '1. **sync**: a commit adds the 1,000 ConfigMaps to an app that held one placeholder; gitfleet gets a signed push webhook, Flux the `reconcile.fluxcd.io/requestedAt` annotation on its GitRepository (what its webhook Receiver does). Done when the engine reports the app ready at that commit.',
      '2. **prune**: a commit removes them again. 3. **sync by polling**: a commit adds them again with no trigger; the hub and the GitRepository poll at the same interval.',
      '4. **mix**: 100 × (Namespace, ServiceAccount, Deployment, Service, Ingress), ready when every Deployment is Available (Flux: `wait: true`).',
      '5. **change**: 10 of the 1,000 changed per commit, 3 rounds; applied = our own watch sees the last of the 10.',
      "6. **drift**: 20 out-of-band edits, spread evenly over one interval so they sample every phase of a periodic engine's timer; corrected = our own watch sees the value back. Flux at 10s, then at 1m; gitfleet with its defaults.",
      "7. **no-op**: resyncs of the unchanged objects: gitfleet's periodic resync pass, Flux's reconcile on request; writes counted by the apiserver (`apiserver_request_total`, mutating verbs, dry runs apart).",
      '8. **footprint**: RSS of the gitfleet agent and of the two Flux controllers at the end of their phase.',
    ].join('\n'),
  );
  L.push('');
  L.push('## Reading the figures');
  L.push('');
  L.push(
    [
      "- **Flux at its best, and as shipped.** kustomize-controller ships with client limits `--kube-api-qps=50 --kube-api-burst=300`; every reconcile sends a server-side dry-run apply of every object (and reads around it), so at 1,000 objects those limits bind and a reconcile takes about 8× longer. The headline rows run it with `--kube-api-qps=500 --kube-api-burst=1000`, so it is compared at its best; the rows marked *shipped client limits* show it as installed. Every other flag of both Flux controllers is its default (kustomize-controller `--concurrent=4`, `--concurrent-ssa=4`; source-controller `--concurrent=2`). gitfleet runs with its defaults (no client-side rate limit; 32 applies in flight) except the agent's resync interval (below).",
      "- **Flux layout.** One GitRepository and one Kustomization per app, the usual layout. A new revision of the GitRepository reconciles every Kustomization on it, so each commit also re-applies the other app: that is what a commit costs Flux in this layout. gitfleet's hub sends only the apps whose files changed. Outside the drift scenario their interval is 1h, so no periodic run lands in another figure (that favours Flux: at 1m it would re-apply everything every minute).",
      '- **Own figures vs end to end.** "Own apply time" and the no-op rows are what each engine logs for its pass (gitfleet\'s agent: `sync pass`; kustomize-controller: `Reconciliation finished in`); the other rows are wall time from the commit (or the edit) to what we observe from outside.',
      '- **Polling** is one sample per engine and includes a wait of anywhere between 0 and one poll interval before the engine even sees the commit: read that row with its noise in mind.',
      "- **Drift.** The 20 edits are spread evenly over one interval, so a periodic engine's p50 is about half its interval plus one reconcile, and its worst case a whole interval plus one reconcile (an edit made just after a run waits for the next). gitfleet's agent watches what it applied and has no interval.",
      "- **No-op.** gitfleet's agent resyncs every 20 s here (its default is 5 min) only so the run sees passes; drift correction does not depend on it. Flux's no-op is a reconcile on request of the unchanged Kustomization. Writes are the apiserver's own count of mutating requests on the objects' resource; Flux's server-side dry runs are counted apart.",
      '- **Memory.** The agent is what runs per cluster; gitfleet also runs a hub per fleet (outside the clusters, with Redis), so the agent + hub row compares what one cluster needs in all.',
      '- **Order.** gitfleet ran first, then Flux, each alone on its own cluster; the other, idle cluster kept running throughout, so both phases had the same machine load apart from the engine itself.',
    ].join('\n'),
  );
  L.push('');
  L.push('<details><summary>The benchmark output this page was generated from</summary>');
  L.push('');
  L.push('```json');
  L.push(redact(JSON.stringify(r)));
  L.push('```');
  L.push('');
  L.push('</details>');
  L.push('');
  return L.join('\n');
}

const xmlEsc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The chart's row labels (the table has the long ones). */
function shortLabel(row: Row, r: VsFluxResult): string {
  const n = r.objects.toLocaleString('en-US');
  const pollS = Number(r.settings['poll_interval_ms'] ?? 0) / 1000;
  const mixN = typeof r['mix'] === 'number' ? r['mix'] : 100;
  const short: Record<string, string> = {
    sync: `Sync ${n} ConfigMaps (webhook)`,
    sync_own: `Sync ${n}: engine's own apply time`,
    sync_poll: `Sync ${n} ConfigMaps (polling ${pollS} s)`,
    mix: `Sync mix × ${mixN}, Deployments ready`,
    prune: `Prune ${n} ConfigMaps`,
    change10: `Change 10 of ${n} → applied`,
    drift_1m: 'Drift corrected, p50 (Flux at 1m)',
    drift_10s: 'Drift corrected, p50 (Flux at 10s)',
    noop: `No-op resync of ${n}`,
    rss: 'RSS: agent vs the 2 controllers',
    rss_hub: 'RSS: agent + hub vs the 2 controllers',
    sync_shipped: `Sync ${n}, Flux as shipped (QPS 50)`,
    prune_shipped: `Prune ${n}, Flux as shipped (QPS 50)`,
    noop_shipped: `No-op of ${n}, Flux as shipped (QPS 50)`,
  };
  return short[row.id] ?? row.label;
}

/** A horizontal bar per ratio on a log scale, parity (1×) marked; Flux's wins go left, in orange. */
export function renderSvg(r: VsFluxResult): string {
  const rs = rows(r).filter(
    (x) =>
      x.ratio !== undefined &&
      x.ratio > 0 &&
      x.id !== 'change10_ready' &&
      x.id !== 'drift_1m_max' &&
      x.id !== 'rss_peak',
  );
  const ratios = rs.map((x) => x.ratio ?? 1);
  const lo = Math.min(-1, Math.floor(Math.log10(Math.min(...ratios, 1))));
  const hi = Math.max(2, Math.ceil(Math.log10(Math.max(...ratios, 1))));
  const W = 900;
  const left = 300;
  const right = W - 60;
  const top = 64;
  const rowH = 30;
  const H = top + rs.length * rowH + 50;
  const x = (ratio: number): number =>
    left + ((Math.log10(ratio) - lo) / (hi - lo)) * (right - left);
  const fluxVersion = /v\d+\.\d+\.\d+/.exec(JSON.stringify(r.versions['flux'] ?? ''))?.[0] ?? '';
  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="13">`,
  );
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(
    `<text x="20" y="26" font-size="16" font-weight="600" fill="#111">gitfleet vs Flux ${xmlEsc(fluxVersion)}: how many times faster (or smaller) gitfleet is</text>`,
  );
  o.push(
    `<text x="20" y="46" fill="#555">same run, same machine, same Git server, same objects · ${xmlEsc(r.date.slice(0, 10))} · log scale · figures: gitfleet vs Flux · left of 1×: Flux wins</text>`,
  );
  for (let d = lo; d <= hi; d++) {
    const gx = x(10 ** d);
    o.push(
      `<line x1="${gx.toFixed(1)}" y1="${top - 6}" x2="${gx.toFixed(1)}" y2="${top + rs.length * rowH}" stroke="${d === 0 ? '#333' : '#ddd'}" stroke-width="${d === 0 ? 1.5 : 1}"/>`,
    );
    o.push(
      `<text x="${gx.toFixed(1)}" y="${top + rs.length * rowH + 18}" text-anchor="middle" fill="#555">${fmtRatio(10 ** d)}</text>`,
    );
  }
  rs.forEach((row, i) => {
    const y = top + i * rowH;
    const ratio = row.ratio ?? 1;
    const x0 = x(1);
    const x1 = x(ratio);
    const fluxWins = ratio < 0.95;
    const color = fluxWins ? '#e8772e' : ratio <= 1.05 ? '#999' : '#2f7d4f';
    o.push(
      `<text x="${left - 10}" y="${y + rowH / 2 + 4}" text-anchor="end" fill="#222">${xmlEsc(shortLabel(row, r))}</text>`,
    );
    o.push(
      `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y + 6}" width="${Math.max(2, Math.abs(x1 - x0)).toFixed(1)}" height="${rowH - 12}" fill="${color}" rx="2"/>`,
    );
    const label = `${fmtRatio(ratio)}  (${fmtValue(row.gitfleet, row.unit)} vs ${fmtValue(row.flux, row.unit)})`;
    // the figure goes right of the bar (right of 1× for Flux's wins), or inside a bar that is
    // too long for it to fit in the picture
    const lx = Math.max(x0, x1) + 6;
    const inside = lx + label.length * 6.8 > W - 4;
    o.push(
      `<text x="${(inside ? Math.max(x0, x1) - 6 : lx).toFixed(1)}" y="${y + rowH / 2 + 4}" text-anchor="${inside ? 'end' : 'start'}" fill="${inside ? '#fff' : '#222'}" font-weight="600">${xmlEsc(label)}</text>`,
    );
  });
  o.push(
    `<text x="20" y="${H - 10}" fill="#555">green: gitfleet faster or smaller · orange: Flux faster or smaller · grey: within 5 %</text>`,
  );
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}

/** Writes docs/benchmarks.md and docs/benchmarks.svg; returns their paths. */
export async function writeBenchmarkDocs(
  r: VsFluxResult,
  docsDir = path.join(REPO_ROOT, 'docs'),
): Promise<string[]> {
  const md = path.join(docsDir, 'benchmarks.md');
  const svg = path.join(docsDir, 'benchmarks.svg');
  await writeFile(md, renderMarkdown(r));
  await writeFile(svg, renderSvg(r));
  return [md, svg];
}
