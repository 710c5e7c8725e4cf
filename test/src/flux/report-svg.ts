/**
 * docs/benchmarks.svg: the ratios of the vs-flux benchmark as horizontal bars on a log scale.
 * Pure.
 */
import { fmtRatio, fmtValue, rows, type Row, type VsFluxResult } from './report-figures.ts';

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
