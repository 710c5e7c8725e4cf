/**
 * docs/benchmarks.md and docs/benchmarks.svg, generated from the vs-flux benchmark's output (its
 * last line): the machine, versions and settings, every figure for both engines with the ratio,
 * the rows where Flux wins said plainly, and a bar chart of the ratios on a log scale.
 * Pure rendering (`renderMarkdown` here, `renderSvg` in ./report-svg.ts, the figures in
 * ./report-figures.ts) plus one function that writes both files.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../fleet/paths.ts';
import { fmtRatio, fmtValue, goals, rows, winner, type VsFluxResult } from './report-figures.ts';
import { renderSvg } from './report-svg.ts';

export {
  fmtRatio,
  fmtValue,
  rows,
  type Row,
  type Unit,
  type VsFluxResult,
} from './report-figures.ts';
export { renderSvg } from './report-svg.ts';

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
