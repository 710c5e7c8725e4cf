/**
 * What `gitfleet` prints for people: aligned tables, colours (only on a terminal), short SHAs,
 * ages. Pure functions of the hub's JSON (the same shapes `-o json` prints), so they are tested
 * without a hub.
 */
import { formatApiVersion, identityKey } from '@gitfleet/proto/domain';
import type { FleetProblem } from '../core/fleet/types.ts';
import type { DiffPreview } from '../http/preview.ts';
import type { DriftItem, FleetStatusRow, HistoryItem } from '../http/views.ts';
import type { HubProblem, ResolveFailure } from '../resolve/problems.ts';

// ---------------------------------------------------------------------------------------------
// Colours and tables

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;
export type Style = keyof typeof CODES;

export interface Painter {
  readonly enabled: boolean;
  paint(text: string, ...styles: Style[]): string;
}

export function painter(enabled: boolean): Painter {
  return {
    enabled,
    paint: (text, ...styles) =>
      !enabled || styles.length === 0 || text === ''
        ? text
        : styles.reduce(
            (t, s) => `\u001b[${String(CODES[s][0])}m${t}\u001b[${String(CODES[s][1])}m`,
            text,
          ),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The text without colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Printed width of a cell (colour codes take none). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

/** Rows aligned in columns separated by two spaces; the header in bold. Trailing spaces cut. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  p: Painter,
): string {
  const widths = header.map((h, i) =>
    Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ''))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) =>
        i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visibleWidth(c)),
      )
      .join('  ')
      .trimEnd();
  return [p.paint(line(header), 'bold'), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Values

/** The first 7 characters of a full commit SHA; anything else as it is. */
export function shortSha(rev: string | undefined): string {
  if (rev === undefined || rev === '') return '-';
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev) ? rev.slice(0, 7) : rev;
}

/** `12s`, `5m`, `3h`, `2d` between `thenMs` and `nowMs` (`-` when unknown). */
export function age(thenMs: number | undefined, nowMs: number): string {
  if (thenMs === undefined || thenMs <= 0) return '-';
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 120) return `${String(s)}s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${String(m)}m`;
  const h = Math.round(m / 60);
  if (h < 48) return `${String(h)}h`;
  return `${String(Math.round(h / 24))}d`;
}

/** `2026-11-26T10:00:01Z` (UTC, seconds). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function value(v: unknown, max = 60): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${String(n)} ${n === 1 ? one : many}`;
}

function syncStyle(sync: string): Style[] {
  return sync === 'Synced' ? ['green'] : sync === 'Failed' ? ['red'] : ['yellow'];
}

function healthStyle(health: string): Style[] {
  return health === 'Healthy'
    ? ['green']
    : health === 'Degraded' || health === 'Missing'
      ? ['red']
      : ['yellow'];
}

// ---------------------------------------------------------------------------------------------
// status

/** A row is fine when its target is Connected and the app Synced and Healthy there. */
export function isRowHealthy(r: FleetStatusRow): boolean {
  return r.connection === 'Connected' && r.sync === 'Synced' && r.health === 'Healthy';
}

/** Rows by application, then target (the hub sorts by target first). */
export function byAppThenTarget(rows: readonly FleetStatusRow[]): FleetStatusRow[] {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort((a, b) => cmp(a.app, b.app) || cmp(a.target, b.target));
}

export function formatStatus(rows: readonly FleetStatusRow[], p: Painter, nowMs: number): string {
  if (rows.length === 0) return 'no application is desired on any target (yet)';
  const sorted = byAppThenTarget(rows);
  const body = sorted.map((r) => {
    const running = shortSha(r.revision);
    const desired = shortSha(r.desiredRevision);
    const revision =
      r.revision === r.desiredRevision ? running : `${running} → ${p.paint(desired, 'yellow')}`;
    const connection =
      r.connection === 'Connected'
        ? p.paint(r.connection, 'green')
        : p.paint(
            `${r.connection}! (seen ${age(r.lastSeenMs, nowMs)} ago)`,
            'bold',
            r.connection === 'Stale' ? 'yellow' : 'red',
          );
    return [
      r.app,
      r.target,
      r.environment ?? '-',
      revision,
      p.paint(r.sync, ...syncStyle(r.sync)),
      p.paint(r.health, ...healthStyle(r.health)),
      r.drift > 0 ? p.paint(String(r.drift), 'yellow') : '0',
      connection,
    ];
  });
  const lines = [
    table(['APP', 'TARGET', 'ENV', 'REVISION', 'SYNC', 'HEALTH', 'DRIFT', 'CONNECTION'], body, p),
  ];
  const errors = sorted.filter((r) => r.error !== undefined);
  if (errors.length > 0) {
    lines.push('');
    for (const r of errors) {
      lines.push(
        p.paint(
          `${r.app} on ${r.target}: ${r.error?.code ?? ''}: ${r.error?.message ?? ''}`,
          'red',
        ),
      );
    }
  }
  const ok = sorted.filter(isRowHealthy).length;
  const drifted = sorted.filter((r) => r.drift > 0).length;
  const away = [
    ...new Map(
      sorted.filter((r) => r.connection !== 'Connected').map((r) => [r.target, r.connection]),
    ).entries(),
  ];
  lines.push(
    '',
    [
      `${String(ok)}/${String(sorted.length)} Synced and Healthy`,
      ...(drifted > 0 ? [`${String(drifted)} with drift`] : []),
      ...(away.length > 0
        ? [
            p.paint(
              `${plural(away.length, 'target')} not connected (${away.map(([t, c]) => `${t}: ${c}`).join(', ')}): their health is unknown`,
              'yellow',
            ),
          ]
        : []),
    ].join('; '),
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// fleet problems (above the status table)

/** What `GET /api/v1/fleet` answers, as far as the CLI reads it (older hubs send less). */
export interface FleetHealth {
  readonly fleetCommit?: string;
  readonly fleetAccepted: boolean;
  readonly inForceCommit?: string;
  readonly inForceFrom?: string;
  readonly fleetProblems: readonly FleetProblem[];
  readonly problems?: readonly HubProblem[];
  readonly failures: readonly ResolveFailure[];
}

/** Lines shown of each kind of problem; the rest are counted. */
const PROBLEM_LINES = 10;

function firstLines<T>(items: readonly T[], line: (t: T) => string[]): string[] {
  const out = items.slice(0, PROBLEM_LINES).flatMap(line);
  if (items.length > PROBLEM_LINES)
    out.push(`  … and ${String(items.length - PROBLEM_LINES)} more`);
  return out;
}

function place(file: string | undefined, line: number | undefined): string {
  if (file === undefined || file === '') return '';
  return `${file}${line === undefined || line === 0 ? '' : `:${String(line)}`}: `;
}

/**
 * What is wrong with the fleet, for the top of `gitfleet status`: whether the head's fleet is in
 * force (and which commit is), every problem with what to do, and the (application, target)
 * pairs that could not be rendered. Undefined when nothing is wrong.
 */
export function formatFleetProblems(f: FleetHealth, p: Painter): string | undefined {
  const hubProblems = f.problems ?? [];
  const fleetErrors = f.fleetProblems.filter((x) => x.severity === 'error');
  if (f.fleetAccepted && hubProblems.length === 0 && fleetErrors.length === 0) {
    if (f.failures.length === 0) return undefined;
  }
  const lines: string[] = [];
  if (!f.fleetAccepted) {
    const from = f.inForceFrom === 'redis' ? ' (the last good fleet, saved in Redis)' : '';
    const inForce =
      f.inForceCommit === undefined
        ? 'no fleet is in force yet'
        : `the fleet of ${shortSha(f.inForceCommit)} stays in force${from}`;
    lines.push(
      p.paint(`fleet at ${shortSha(f.fleetCommit)} is not in force: ${inForce}`, 'bold', 'red'),
    );
  }
  lines.push(
    ...firstLines(hubProblems, (x) => [
      p.paint(`  ${x.stage}: ${place(x.file, x.line)}${x.code}: ${x.message}`, 'red'),
      `    → ${x.action}`,
    ]),
    ...firstLines(fleetErrors, (x) => [
      p.paint(
        `  ${x.file === '' ? '(repository)' : `${x.file}:${String(x.line)}`}: ${x.field === '' ? '' : `${x.field}: `}${x.message}`,
        'red',
      ),
    ]),
    ...(f.failures.length === 0
      ? []
      : [p.paint('not resolved (their last good desired state stays):', 'yellow')]),
    ...firstLines(f.failures, (x) => [
      p.paint(
        `  ${x.app} on ${x.target}: ${place(x.file, x.line)}${x.code}: ${x.message}`,
        'yellow',
      ),
    ]),
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// drift

export interface DriftSummary {
  readonly objects: number;
  readonly targets: number;
  readonly apps: number;
  /** Drift records per field manager ("" = unknown), most first. */
  readonly byManager: Readonly<Record<string, number>>;
  readonly byKind: Readonly<Record<string, number>>;
  readonly byAction: Readonly<Record<string, number>>;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  return Object.fromEntries(
    [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
  );
}

/** Fleet-wide counts of drift records. */
export function summarizeDrift(items: readonly DriftItem[]): DriftSummary {
  return {
    objects: items.length,
    targets: new Set(items.map((d) => d.target)).size,
    apps: new Set(items.map((d) => d.app)).size,
    byManager: countBy(items, (d) => d.fieldManager),
    byKind: countBy(items, (d) => d.ref.kind),
    byAction: countBy(items, (d) => d.action),
  };
}

function objectName(d: DriftItem): string {
  return `${formatApiVersion(d.ref)} ${d.ref.kind} ${d.ref.namespace === '' ? d.ref.name : `${d.ref.namespace}/${d.ref.name}`}`;
}

/** How `gitfleet drift` groups its records. */
export const DRIFT_GROUPINGS = ['target', 'app', 'object'] as const;
export type DriftGrouping = (typeof DRIFT_GROUPINGS)[number];

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function objectKey(d: DriftItem): string {
  return identityKey(d.ref);
}

/**
 * Drift records grouped `by` target (then application, then object), by application (then
 * target), or by object (the same object of an application across targets), each with its fields
 * and since when; then fleet-wide counts.
 */
export function formatDrift(
  items: readonly DriftItem[],
  p: Painter,
  nowMs: number,
  by: DriftGrouping = 'target',
): string {
  if (items.length === 0) return 'no drift';
  const targetName = (d: DriftItem): string =>
    `target ${d.target}${d.environment === undefined ? '' : ` (${d.environment})`}`;
  const levels: ((d: DriftItem) => string)[] =
    by === 'target'
      ? [targetName, (d) => `app ${d.app}`]
      : by === 'app'
        ? [(d) => `app ${d.app}`, targetName]
        : [(d) => `app ${d.app} · ${objectName(d)}`];
  const leafName = (d: DriftItem): string => (by === 'object' ? targetName(d) : objectName(d));
  const sortKey = (d: DriftItem): string[] =>
    by === 'target'
      ? [d.target, d.app, objectKey(d)]
      : by === 'app'
        ? [d.app, d.target, objectKey(d)]
        : [d.app, objectKey(d), d.target];
  const sorted = [...items].sort((a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    return ka.reduce((r, x, i) => r || cmpStr(x, kb[i] ?? ''), 0);
  });
  const lines: string[] = [];
  const current: (string | undefined)[] = levels.map(() => undefined);
  for (const d of sorted) {
    levels.forEach((level, i) => {
      const label = level(d);
      if (label === current[i]) return;
      if (i === 0 && current[0] !== undefined) lines.push('');
      current[i] = label;
      for (let j = i + 1; j < current.length; j++) current[j] = undefined;
      lines.push(`${'  '.repeat(i)}${p.paint(label, 'bold')}`);
    });
    const indent = '  '.repeat(levels.length);
    const action =
      d.action === 'corrected'
        ? p.paint(
            `corrected${d.correctionCount > 1 ? ` ×${String(d.correctionCount)}` : ''}`,
            'green',
          )
        : p.paint(d.action, 'yellow');
    lines.push(
      `${indent}${leafName(d)}: ${action} · by ${d.fieldManager === '' ? 'an unknown manager' : d.fieldManager} · since ${isoTime(d.firstSeenUnixMs)} (${age(d.firstSeenUnixMs, nowMs)} ago, last seen ${age(d.lastSeenUnixMs, nowMs)} ago)`,
    );
    for (const c of d.changes) {
      const desired = c.desired !== undefined ? value(c.desired) : '(not in Git)';
      const live = c.live !== undefined ? value(c.live) : '(removed on the cluster)';
      lines.push(
        `${indent}  ${c.path}: desired ${p.paint(desired, 'green')}, live ${p.paint(live, 'red')}`,
      );
    }
  }
  const s = summarizeDrift(items);
  const top = (r: Readonly<Record<string, number>>, unknown = '(unknown)'): string =>
    Object.entries(r)
      .map(([k, n]) => `${k === '' ? unknown : k} ${String(n)}`)
      .join(', ');
  lines.push(
    '',
    `fleet-wide: ${plural(s.objects, 'drifted object')} in ${plural(s.apps, 'app')} on ${plural(s.targets, 'target')}`,
    `  by manager: ${top(s.byManager)}`,
    `  by kind:    ${top(s.byKind)}`,
    `  by action:  ${top(s.byAction)}`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// history

export function formatHistory(items: readonly HistoryItem[], p: Painter, nowMs: number): string {
  if (items.length === 0) return 'no sync history yet';
  return table(
    ['TIME', 'AGO', 'REVISION', 'SYNC', 'HEALTH', 'VERSION'],
    items.map((h) => [
      isoTime(h.atMs),
      age(h.atMs, nowMs),
      shortSha(h.revision),
      p.paint(h.syncState, ...syncStyle(h.syncState)),
      p.paint(h.health, ...healthStyle(h.health)),
      String(h.assignmentVersion),
    ]),
    p,
  );
}

// ---------------------------------------------------------------------------------------------
// diff

function colourDiffLine(line: string, p: Painter): string {
  if (line.startsWith('+++') || line.startsWith('---')) return p.paint(line, 'bold');
  if (line.startsWith('@@')) return p.paint(line, 'cyan');
  if (line.startsWith('+')) return p.paint(line, 'green');
  if (line.startsWith('-')) return p.paint(line, 'red');
  return line;
}

export function formatDiff(d: DiffPreview, p: Painter): string {
  const rev =
    d.revision === d.commit || d.commit.startsWith(d.revision)
      ? shortSha(d.commit)
      : `${d.revision} (${shortSha(d.commit)})`;
  const now =
    d.current === undefined
      ? 'nothing desired there yet'
      : `what it is meant to run now, ${shortSha(d.current.revision)} (version ${String(d.current.version)})`;
  const s = d.summary;
  const lines = [
    p.paint(
      `${d.app} on ${d.target}${d.environment === undefined ? '' : ` (${d.environment})`}: ${rev} vs ${now}`,
      'bold',
    ),
    `${String(s.changed)} changed, ${String(s.added)} added, ${String(s.removed)} removed, ${String(s.unchanged)} unchanged`,
  ];
  if (d.objects.length === 0) {
    lines.push('no change: this revision renders the same objects for this target');
    return lines.join('\n');
  }
  const mark = { added: '+', removed: '-', changed: '~' } as const;
  for (const o of d.objects) {
    const name = o.ref.namespace === '' ? o.ref.name : `${o.ref.namespace}/${o.ref.name}`;
    const api = o.ref.group === '' ? o.ref.version : `${o.ref.group}/${o.ref.version}`;
    lines.push('', p.paint(`${mark[o.change]} ${api} ${o.ref.kind} ${name} (${o.change})`, 'bold'));
    lines.push(
      ...o.diff
        .trimEnd()
        .split('\n')
        .map((l) => colourDiffLine(l, p)),
    );
  }
  return lines.join('\n');
}
