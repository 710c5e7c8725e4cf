/**
 * The fleet grid's model, pure: which cells the filters keep, the rows (targets) and columns
 * (applications) they make, the group header rows, and which rows a scrolled viewport shows.
 * The filters are the query of `/ui/` (docs/ui.md): `q`, `app`, `environment`, `label`,
 * `problems=1`, `group`.
 */
import type { FleetStatusRow } from '../../src/http/api/fleet.ts';
import { matchesSelector, parseSelector, type Requirement } from './selector.ts';

export type Grouping =
  | { readonly kind: 'environment' }
  | { readonly kind: 'none' }
  | { readonly kind: 'label'; readonly key: string };

export interface GridFilters {
  readonly q: string;
  readonly app: string;
  readonly environment: string;
  readonly label: string;
  readonly problems: boolean;
  readonly group: Grouping;
}

/** The filters of a query string (unknown or empty values: no filter; bad group: environment). */
export function filtersOf(query: URLSearchParams): GridFilters {
  const g = query.get('group') ?? '';
  const group: Grouping =
    g === 'none'
      ? { kind: 'none' }
      : g.startsWith('label:') && g.length > 'label:'.length
        ? { kind: 'label', key: g.slice('label:'.length) }
        : { kind: 'environment' };
  return {
    q: (query.get('q') ?? '').trim(),
    app: query.get('app') ?? '',
    environment: query.get('environment') ?? '',
    label: query.get('label') ?? '',
    problems: query.get('problems') === '1',
    group,
  };
}

/** The `group` query value of a grouping (undefined: the default, environment). */
export function groupParam(g: Grouping): string | undefined {
  return g.kind === 'none' ? 'none' : g.kind === 'label' ? `label:${g.key}` : undefined;
}

/** The map key of a cell. */
export const cellKey = (app: string, target: string): string => `${app}/${target}`;

/** A cell shows a problem: not Synced, Healthy and Connected, or drifted, or in error. */
export function isProblem(row: FleetStatusRow): boolean {
  return (
    row.sync !== 'Synced' ||
    row.health !== 'Healthy' ||
    row.connection !== 'Connected' ||
    row.drift > 0 ||
    row.error !== undefined
  );
}

/** What the grid knows of a target besides its cells (`GET /api/v1/targets`). */
export interface TargetInfo {
  readonly environment?: string;
  readonly labels: Readonly<Record<string, string>>;
}

export type GridLine =
  | { readonly kind: 'group'; readonly value: string; readonly targets: number }
  | { readonly kind: 'target'; readonly target: string; readonly environment?: string };

export interface GridModel {
  /** Applications with at least one kept cell, sorted. */
  readonly columns: readonly string[];
  /** Group headers and target rows, in display order. */
  readonly lines: readonly GridLine[];
  /** Cells kept by the filters. */
  readonly cells: number;
  /** Targets with at least one kept cell. */
  readonly targets: number;
  /** The label selector's problem, when it does not parse (it then filters nothing). */
  readonly selectorError?: string;
}

export const NO_ENVIRONMENT = '(no environment)';

function groupOf(g: Grouping, env: string | undefined, info: TargetInfo | undefined): string {
  if (g.kind === 'environment') return env ?? NO_ENVIRONMENT;
  if (g.kind === 'label') return info?.labels[g.key] ?? `(no ${g.key})`;
  return '';
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The grid of `rows` under `filters`. `targets` gives labels and environments (a row's own
 * environment wins); a target without info has no labels.
 */
export function buildGrid(
  rows: Iterable<FleetStatusRow>,
  targets: ReadonlyMap<string, TargetInfo>,
  filters: GridFilters,
): GridModel {
  const parsed = parseSelector(filters.label);
  const reqs: readonly Requirement[] = parsed.ok ? parsed.requirements : [];
  const q = filters.q.toLowerCase();
  const apps = new Set<string>();
  const kept = new Map<string, string | undefined>();
  let cells = 0;
  const labelOk = new Map<string, boolean>();
  for (const row of rows) {
    if (filters.app !== '' && row.app !== filters.app) continue;
    const info = targets.get(row.target);
    const env = row.environment ?? info?.environment;
    if (filters.environment !== '' && env !== filters.environment) continue;
    if (q !== '' && !row.target.toLowerCase().includes(q) && !row.app.toLowerCase().includes(q))
      continue;
    if (filters.problems && !isProblem(row)) continue;
    if (reqs.length > 0) {
      let ok = labelOk.get(row.target);
      if (ok === undefined) {
        ok = matchesSelector(reqs, info?.labels ?? {});
        labelOk.set(row.target, ok);
      }
      if (!ok) continue;
    }
    cells++;
    apps.add(row.app);
    if (!kept.has(row.target) || kept.get(row.target) === undefined) kept.set(row.target, env);
  }
  const groups = new Map<string, { target: string; environment?: string }[]>();
  for (const [target, env] of kept) {
    const g = groupOf(filters.group, env, targets.get(target));
    let list = groups.get(g);
    if (list === undefined) groups.set(g, (list = []));
    list.push(env === undefined ? { target } : { target, environment: env });
  }
  const lines: GridLine[] = [];
  for (const g of [...groups.keys()].sort(byName)) {
    const list = (groups.get(g) ?? []).sort((a, b) => byName(a.target, b.target));
    if (filters.group.kind !== 'none')
      lines.push({ kind: 'group', value: g, targets: list.length });
    for (const t of list) lines.push({ kind: 'target', ...t });
  }
  return {
    columns: [...apps].sort(byName),
    lines,
    cells,
    targets: kept.size,
    ...(parsed.ok ? {} : { selectorError: parsed.message }),
  };
}

/** The rows `[start, end)` a viewport shows, with `overscan` rows more on each side. */
export function windowRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan: number,
): { readonly start: number; readonly end: number } {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, count - 1) - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(start, end) };
}

/**
 * The scrollTop that brings row `index` fully into a viewport at `scrollTop` (unchanged when it
 * is in view already). `top` is the height above the first row inside the scroller (headers).
 */
export function scrollToShow(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  top: number,
): number {
  const rowTop = top + index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  if (rowTop - top < scrollTop) return Math.max(0, rowTop - top);
  if (rowBottom > scrollTop + viewportHeight) return rowBottom - viewportHeight;
  return scrollTop;
}

/** The label keys of the targets, sorted (the Group by choices). */
export function labelKeys(targets: ReadonlyMap<string, TargetInfo>): string[] {
  const keys = new Set<string>();
  for (const t of targets.values()) for (const k of Object.keys(t.labels)) keys.add(k);
  return [...keys].sort(byName);
}

/**
 * The health a cell shows: a target that is not Connected never looks Healthy — its last report
 * is old news — so its health reads `Unknown (stale)` or `Unknown (disconnected)`.
 */
export function shownHealth(health: string, connection: string): { value: string; text: string } {
  if (connection === 'Connected') return { value: health, text: health };
  const why =
    connection === 'Stale'
      ? 'stale'
      : connection === 'Disconnected'
        ? 'disconnected'
        : connection.toLowerCase();
  return { value: 'Unknown', text: `Unknown (${why})` };
}
