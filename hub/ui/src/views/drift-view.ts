/**
 * The drift page's model, pure: the filters of `/ui/drift` (query `environment`, `app`, `kind`,
 * `manager`, `target`), the options of their selects, the key of a record, each drifted field as
 * desired (Git) and live (cluster) JSON text with what differs marked, and the signature of the
 * live rows that says when the records may have changed.
 */
import { diffChars, diffLines } from 'diff';
import type { DriftItem, FleetStatusRow } from '../../../src/http/api/fleet.ts';

export const DRIFT_FILTERS = ['environment', 'app', 'kind', 'manager', 'target'] as const;
export type DriftFilterName = (typeof DRIFT_FILTERS)[number];
export type DriftFilters = Readonly<Record<DriftFilterName, string>>;

/** The filters of a query string (absent: '' — no filter). */
export function driftFiltersOf(query: URLSearchParams): DriftFilters {
  const get = (k: DriftFilterName): string => (query.get(k) ?? '').trim();
  return {
    environment: get('environment'),
    app: get('app'),
    kind: get('kind'),
    manager: get('manager'),
    target: get('target'),
  };
}

/** The query of `GET /api/v1/drift` for `filters` (no filter: the parameter left out). */
export function driftApiQuery(filters: DriftFilters): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of DRIFT_FILTERS) if (filters[k] !== '') out[k] = filters[k];
  return out;
}

/** `<target>/<app>/<Kind>/<namespace>/<name>` ('' namespace: cluster-scoped). */
export function driftKey(item: Pick<DriftItem, 'target' | 'app' | 'ref'>): string {
  const r = item.ref;
  return `${item.target}/${item.app}/${r.kind}/${r.namespace}/${r.name}`;
}

/** `Deployment web/api`, `ClusterRole reader` (cluster-scoped), with the group when it has one. */
export function objectLabel(ref: DriftItem['ref']): string {
  const kind = ref.group === '' ? ref.kind : `${ref.kind}.${ref.group}`;
  return ref.namespace === '' ? `${kind} ${ref.name}` : `${kind} ${ref.namespace}/${ref.name}`;
}

export interface DriftOptions {
  readonly environment: readonly string[];
  readonly app: readonly string[];
  readonly kind: readonly string[];
  readonly manager: readonly string[];
  readonly target: readonly string[];
}

export const NO_OPTIONS: DriftOptions = {
  environment: [],
  app: [],
  kind: [],
  manager: [],
  target: [],
};

const merged = (...lists: readonly (readonly string[])[]): string[] =>
  [...new Set(lists.flat().filter((s) => s !== ''))].sort((a, b) => a.localeCompare(b));

/**
 * The options of the filter selects: what was offered before (a filtered answer holds only the
 * records it kept), the values of the records and of the fleet's rows, and the filter in force.
 * A manager of '' (unknown) is no option.
 */
export function driftOptions(
  previous: DriftOptions,
  items: readonly DriftItem[],
  rows: Iterable<Pick<FleetStatusRow, 'app' | 'target' | 'environment'>>,
  filters: DriftFilters,
): DriftOptions {
  const rowList = [...rows];
  return {
    environment: merged(
      previous.environment,
      items.map((i) => i.environment ?? ''),
      rowList.map((r) => r.environment ?? ''),
      [filters.environment],
    ),
    app: merged(
      previous.app,
      items.map((i) => i.app),
      rowList.map((r) => r.app),
      [filters.app],
    ),
    kind: merged(
      previous.kind,
      items.map((i) => i.ref.kind),
      [filters.kind],
    ),
    manager: merged(
      previous.manager,
      items.map((i) => i.fieldManager),
      [filters.manager],
    ),
    target: merged(
      previous.target,
      items.map((i) => i.target),
      rowList.map((r) => r.target),
      [filters.target],
    ),
  };
}

/** Whether two option sets offer the same values (to keep the previous object). */
export function sameOptions(a: DriftOptions, b: DriftOptions): boolean {
  return DRIFT_FILTERS.every(
    (k) => a[k].length === b[k].length && a[k].every((v, i) => v === b[k][i]),
  );
}

/**
 * What the fleet's live rows say about the drift the filters select: each kept row's drift
 * count, and for drifted rows when they last reported (a report may change the fields or the
 * correction count without changing the count). The drift page fetches again when it changes.
 */
export function driftSignature(
  rows: Iterable<Pick<FleetStatusRow, 'app' | 'target' | 'environment' | 'drift' | 'reportedAtMs'>>,
  filters: Pick<DriftFilters, 'environment' | 'app' | 'target'>,
): string {
  const parts: string[] = [];
  for (const r of rows) {
    if (filters.app !== '' && r.app !== filters.app) continue;
    if (filters.target !== '' && r.target !== filters.target) continue;
    if (filters.environment !== '' && r.environment !== filters.environment) continue;
    if (r.drift === 0) continue;
    parts.push(`${r.target}/${r.app}:${String(r.drift)}@${String(r.reportedAtMs ?? 0)}`);
  }
  return parts.sort().join(',');
}

/** A run of a value's text, marked when it differs from the other side. */
export interface Segment {
  readonly text: string;
  readonly changed: boolean;
}

/** One side of a field: absent (not set there), or its JSON text in segments. */
export type Side =
  | { readonly absent: true }
  | { readonly absent: false; readonly text: string; readonly segments: readonly Segment[] };

export interface FieldView {
  /** RFC 6901 JSON pointer ('' is the whole object). */
  readonly pointer: string;
  readonly desired: Side;
  readonly live: Side;
  /** A Secret value: both sides are fingerprints, compared whole. */
  readonly masked: boolean;
}

/** Text shown for a value that is not set on one side. */
export const NOT_SET = '(not set)';

/** A Secret value as the API shows it: `*** sha256:<hex>`. */
export function isFingerprint(v: unknown): boolean {
  return typeof v === 'string' && /^\*\*\* sha256:[0-9a-f]{6,64}$/.test(v);
}

/** A value as JSON text (objects indented by two spaces); undefined: not set. */
export function jsonText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return JSON.stringify(v, null, 2);
}

function join(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    if (s.text === '') continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.changed === s.changed) {
      out[out.length - 1] = { text: last.text + s.text, changed: s.changed };
    } else out.push(s);
  }
  return out;
}

/** Part of the shorter text that must be common for a character diff to help the reader. */
const MIN_COMMON = 0.4;

/**
 * `desired` and `live` as segments, what differs marked: line by line when either spans lines,
 * else character by character; two values with little in common (or fingerprints) are marked
 * whole rather than as scattered characters.
 */
export function highlight(
  desired: string,
  live: string,
  whole = false,
): { desired: Segment[]; live: Segment[] } {
  if (desired === live) {
    return {
      desired: join([{ text: desired, changed: false }]),
      live: join([{ text: live, changed: false }]),
    };
  }
  const all = (): { desired: Segment[]; live: Segment[] } => ({
    desired: join([{ text: desired, changed: true }]),
    live: join([{ text: live, changed: true }]),
  });
  if (whole) return all();
  const lines = desired.includes('\n') || live.includes('\n');
  const parts = lines ? diffLines(desired, live) : diffChars(desired, live);
  const common = parts
    .filter((p) => !p.added && !p.removed)
    .reduce((n, p) => n + p.value.length, 0);
  if (!lines && common < MIN_COMMON * Math.min(desired.length, live.length)) return all();
  if (common === 0) return all();
  const d: Segment[] = [];
  const l: Segment[] = [];
  for (const p of parts) {
    if (p.added) l.push({ text: p.value, changed: true });
    else if (p.removed) d.push({ text: p.value, changed: true });
    else {
      d.push({ text: p.value, changed: false });
      l.push({ text: p.value, changed: false });
    }
  }
  return { desired: join(d), live: join(l) };
}

/** One drifted field as the page shows it. */
export function fieldView(change: DriftItem['changes'][number]): FieldView {
  const d = jsonText(change.desired);
  const l = jsonText(change.live);
  const masked = isFingerprint(change.desired) || isFingerprint(change.live);
  if (d === undefined || l === undefined) {
    const side = (t: string | undefined): Side =>
      t === undefined
        ? { absent: true }
        : { absent: false, text: t, segments: [{ text: t, changed: true }] };
    return { pointer: change.path, desired: side(d), live: side(l), masked };
  }
  const h = highlight(d, l, masked);
  return {
    pointer: change.path,
    desired: { absent: false, text: d, segments: h.desired },
    live: { absent: false, text: l, segments: h.live },
    masked,
  };
}

/** What the agent did about the drift, in words. */
export function actionText(action: DriftItem['action'], corrections: number): string {
  switch (action) {
    case 'corrected':
      return `corrected (${String(corrections)} time${corrections === 1 ? '' : 's'})`;
    case 'reported':
      return 'reported, not corrected';
    case 'ignored':
      return 'ignored';
    default:
      return String(action);
  }
}
