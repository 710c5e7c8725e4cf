/**
 * `/ui/`: the fleet grid — one row per target (grouped by environment, a label, or not at all),
 * one column per application, each cell the live status of the application on the target. The
 * filters live in the query (./grid-model.ts). Rows are windowed: only the rows in view, and a
 * few more either side, are in the DOM. Arrow keys, Home/End and PageUp/PageDown move between
 * cells (one cell in the tab order); Enter opens the cell's page.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { FleetStatusRow } from '../../../src/http/api/fleet.ts';
import { ErrorBox, Page, StatusBadge } from '../components.tsx';
import { useFleetLists } from '../fleet-data.ts';
import { shortSha } from '../format.ts';
import {
  buildGrid,
  cellKey,
  filtersOf,
  groupParam,
  labelKeys,
  scrollToShow,
  shownHealth,
  windowRange,
  type GridLine,
  type Grouping,
  type TargetInfo,
} from '../grid-model.ts';
import { useFleetLive } from '../live.ts';
import { PinIndex } from '../pin-source.ts';
import { Link, navigate, setQuery, useLocation } from '../router.ts';

/** The height of a row in px (app.css `--row-h` says the same). */
const ROW_H = 56;
const OVERSCAN = 10;

interface Pos {
  readonly line: number;
  /** 0: the row header (target); 1…: the applications. */
  readonly col: number;
}

function Cell(props: {
  readonly app: string;
  readonly target: string;
  readonly row: FleetStatusRow | undefined;
  readonly pinned: boolean;
  readonly pos: string;
  readonly active: boolean;
}) {
  const { app, target, row, pinned, pos, active } = props;
  if (row === undefined) {
    return (
      <div role="gridcell" class="cell empty" data-pos={pos} tabIndex={active ? 0 : -1}>
        <span class="muted" aria-label={`${app} is not on ${target}`}>
          —
        </span>
      </div>
    );
  }
  const health = shownHealth(row.health, row.connection);
  const rev = row.revision ?? '';
  return (
    <div
      role="gridcell"
      class={`cell sync-${row.sync.toLowerCase()} health-${health.value.toLowerCase()} conn-${row.connection.toLowerCase()}${row.error === undefined ? '' : ' has-error'}`}
      data-testid={`cell-${app}-${target}`}
      data-sync={row.sync}
      data-health={health.value}
      data-connection={row.connection}
      data-drift={String(row.drift)}
      data-revision={rev}
      data-pinned={pinned ? 'true' : 'false'}
      data-pos={pos}
      tabIndex={active ? 0 : -1}
    >
      <Link
        href={`/ui/apps/${encodeURIComponent(app)}/${encodeURIComponent(target)}`}
        class="cell-link"
        tabIndex={-1}
      >
        <span class="cell-line">
          <code class="sha" title={rev === '' ? 'no report yet' : rev}>
            {rev === '' ? 'no report' : shortSha(rev)}
          </code>
          {pinned && (
            <span
              class="pin"
              aria-label="pinned"
              title="An environment or target pin holds this revision"
            >
              pinned
            </span>
          )}
          {row.drift > 0 && <span class="drift">{row.drift} drift</span>}
          {row.error !== undefined && (
            <span class="err" title={`${row.error.code}: ${row.error.message}`}>
              error
            </span>
          )}
        </span>
        <span class="cell-line">
          <StatusBadge kind="sync" value={row.sync} />
          <StatusBadge kind="health" value={health.value} text={health.text} />
        </span>
      </Link>
    </div>
  );
}

function Filters(props: {
  readonly query: URLSearchParams;
  readonly environments: readonly string[];
  readonly apps: readonly string[];
  readonly labelKeys: readonly string[];
  readonly group: Grouping;
  readonly selectorError?: string;
}) {
  const { query } = props;
  const groupValue = groupParam(props.group) ?? 'environment';
  return (
    <form class="filters" role="search" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label>
        <span>Search</span>
        <input
          type="search"
          aria-label="Search"
          placeholder="target or application"
          value={query.get('q') ?? ''}
          onInput={(e) => setQuery({ q: e.currentTarget.value })}
        />
      </label>
      <label>
        <span>Environment</span>
        <select
          aria-label="Environment"
          value={query.get('environment') ?? ''}
          onChange={(e) => setQuery({ environment: e.currentTarget.value })}
        >
          <option value="">All</option>
          {props.environments.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Application</span>
        <select
          aria-label="Application"
          value={query.get('app') ?? ''}
          onChange={(e) => setQuery({ app: e.currentTarget.value })}
        >
          <option value="">All</option>
          {props.apps.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Labels</span>
        <input
          type="text"
          aria-label="Label selector"
          placeholder="env=prod,region!=us"
          spellcheck={false}
          aria-invalid={props.selectorError === undefined ? 'false' : 'true'}
          aria-describedby="selector-error"
          value={query.get('label') ?? ''}
          onInput={(e) => setQuery({ label: e.currentTarget.value })}
        />
      </label>
      <label class="check">
        <input
          type="checkbox"
          aria-label="Only problems"
          checked={query.get('problems') === '1'}
          onChange={(e) => setQuery({ problems: e.currentTarget.checked ? '1' : undefined })}
        />
        <span>Only problems</span>
      </label>
      <label>
        <span>Group by</span>
        <select
          aria-label="Group by"
          value={groupValue}
          onChange={(e) =>
            setQuery({
              group: e.currentTarget.value === 'environment' ? undefined : e.currentTarget.value,
            })
          }
        >
          <option value="environment">Environment</option>
          <option value="none">None</option>
          {props.labelKeys.map((k) => (
            <option key={k} value={`label:${k}`}>
              Label {k}
            </option>
          ))}
          {props.group.kind === 'label' && !props.labelKeys.includes(props.group.key) && (
            <option value={`label:${props.group.key}`}>Label {props.group.key}</option>
          )}
        </select>
      </label>
      <p id="selector-error" class="field-error" aria-live="polite">
        {props.selectorError ?? ''}
      </p>
    </form>
  );
}

/** The FleetGrid page. */
export function FleetGrid() {
  const live = useFleetLive();
  const { query } = useLocation();
  const filters = useMemo(() => filtersOf(query), [query]);
  const needsLabels = filters.label !== '' || filters.group.kind === 'label';
  const lists = useFleetLists(live.fleet?.inForceCommit, live.ready || needsLabels);

  const targetInfo = useMemo(() => {
    const m = new Map<string, TargetInfo>();
    for (const t of lists.targets ?? [])
      m.set(
        t.name,
        t.environment === undefined
          ? { labels: t.labels }
          : { environment: t.environment, labels: t.labels },
      );
    return m;
  }, [lists.targets]);
  const pins = useMemo(() => new PinIndex(lists.environments ?? []), [lists.environments]);
  const model = useMemo(
    () => buildGrid(live.rows.values(), targetInfo, filters),
    [live.rows, targetInfo, filters],
  );

  const choices = useMemo(() => {
    const envs = new Set<string>();
    const apps = new Set<string>();
    for (const r of live.rows.values()) {
      if (r.environment !== undefined) envs.add(r.environment);
      apps.add(r.app);
    }
    for (const e of lists.environments ?? []) envs.add(e.name);
    for (const a of lists.applications ?? []) apps.add(a.name);
    return { envs: [...envs].sort(), apps: [...apps].sort(), keys: labelKeys(targetInfo) };
  }, [live.rows, lists.environments, lists.applications, targetInfo]);

  const ready = live.ready && (!needsLabels || lists.settled);

  // windowing
  const scroller = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, setViewH] = useState(800);
  const frame = useRef(0);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null) return undefined;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    setViewH(el.clientHeight);
    return () => ro.disconnect();
  }, []);
  const onScroll = (): void => {
    if (frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (scroller.current !== null) setScrollTop(scroller.current.scrollTop);
    });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  const headH = head.current?.offsetHeight ?? 40;
  const lines = model.lines;
  const { start, end } = windowRange(scrollTop, viewH - headH, ROW_H, lines.length, OVERSCAN);
  // rows are keyed by slot (index modulo more than a window holds): a row scrolled out lends
  // its DOM to the row scrolled in, patched rather than created
  const slots = Math.max(end - start, Math.ceil(viewH / ROW_H) + 2 * OVERSCAN + 2);

  // keyboard: one cell in the tab order, arrows move it
  const [active, setActive] = useState<Pos>({ line: -1, col: 0 });
  const focusWanted = useRef(false);
  const firstTarget = lines.findIndex((l) => l.kind === 'target');
  const act: Pos =
    active.line >= 0 && active.line < lines.length && lines[active.line]?.kind === 'target'
      ? { line: active.line, col: Math.min(active.col, model.columns.length) }
      : { line: firstTarget, col: 0 };
  useLayoutEffect(() => {
    if (!focusWanted.current) return;
    focusWanted.current = false;
    scroller.current
      ?.querySelector<HTMLElement>(`[data-pos="${String(act.line)}:${String(act.col)}"]`)
      ?.focus({ preventScroll: true });
  });
  const moveTo = (line: number, col: number): void => {
    const el = scroller.current;
    if (el === null) return;
    focusWanted.current = true;
    setActive({ line, col });
    const top = scrollToShow(line, el.scrollTop, el.clientHeight, ROW_H, headH);
    if (top !== el.scrollTop) {
      el.scrollTop = top;
      setScrollTop(top);
    }
  };
  const step = (from: number, by: number): number => {
    let i = from;
    let last = from;
    for (let n = Math.abs(by); n > 0;) {
      i += Math.sign(by);
      if (i < 0 || i >= lines.length) break;
      if (lines[i]?.kind === 'target') {
        last = i;
        n--;
      }
    }
    return last;
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    if (act.line < 0) return;
    const target = e.target as HTMLElement | null;
    if (target?.closest('[data-pos]') === null) return;
    const page = Math.max(1, Math.floor((viewH - headH) / ROW_H) - 1);
    const cols = model.columns.length;
    let next: Pos | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = { line: step(act.line, 1), col: act.col };
        break;
      case 'ArrowUp':
        next = { line: step(act.line, -1), col: act.col };
        break;
      case 'ArrowRight':
        next = { line: act.line, col: Math.min(cols, act.col + 1) };
        break;
      case 'ArrowLeft':
        next = { line: act.line, col: Math.max(0, act.col - 1) };
        break;
      case 'Home':
        next = e.ctrlKey ? { line: firstTarget, col: 0 } : { line: act.line, col: 0 };
        break;
      case 'End':
        next = e.ctrlKey
          ? { line: step(lines.length - 1, 0), col: cols }
          : { line: act.line, col: cols };
        break;
      case 'PageDown':
        next = { line: step(act.line, page), col: act.col };
        break;
      case 'PageUp':
        next = { line: step(act.line, -page), col: act.col };
        break;
      case 'Enter': {
        const href = target?.querySelector('a')?.getAttribute('href');
        if (href !== null && href !== undefined) {
          e.preventDefault();
          navigate(href);
        }
        return;
      }
      default:
        return;
    }
    e.preventDefault();
    moveTo(next.line, next.col);
  };
  const onFocusIn = (e: FocusEvent): void => {
    const pos = (e.target as HTMLElement | null)?.closest('[data-pos]')?.getAttribute('data-pos');
    if (pos === null || pos === undefined) return;
    const [l, c] = pos.split(':').map(Number);
    if (l !== undefined && c !== undefined && (l !== act.line || c !== act.col))
      setActive({ line: l, col: c });
  };

  const fleet = live.fleet;
  return (
    <Page
      title="Fleet"
      fill
      aside={
        <p class="summary muted" aria-live="polite">
          {model.targets} targets · {model.columns.length} applications · {model.cells} cells
        </p>
      }
    >
      {fleet !== undefined && !fleet.fleetAccepted && (
        <ErrorBox
          title="The fleet at the branch head is not in force; the last good one is."
          error={fleet.lastError ?? 'see GET /api/v1/fleet'}
        />
      )}
      <Filters
        query={query}
        environments={choices.envs}
        apps={choices.apps}
        labelKeys={choices.keys}
        group={filters.group}
        {...(model.selectorError === undefined ? {} : { selectorError: model.selectorError })}
      />
      <div
        ref={scroller}
        class="grid"
        role="grid"
        aria-label="Fleet"
        aria-rowcount={lines.length + 1}
        aria-colcount={model.columns.length + 1}
        data-testid="fleet-grid"
        data-ready={ready ? 'true' : 'false'}
        data-cells={String(model.cells)}
        style={{ '--cols': String(model.columns.length) }}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        onFocusIn={onFocusIn}
      >
        <div ref={head} role="row" class="grid-row grid-head" aria-rowindex={1}>
          <div role="columnheader" class="rowhead">
            Target
          </div>
          {model.columns.map((app) => (
            <div role="columnheader" key={app} class="colhead">
              <Link href={`/ui/apps/${encodeURIComponent(app)}`} tabIndex={-1}>
                {app}
              </Link>
            </div>
          ))}
        </div>
        <div class="spacer-row" role="none" style={{ height: `${String(start * ROW_H)}px` }} />
        {lines.slice(start, end).map((line, i) => (
          <Line
            key={(start + i) % slots}
            line={line}
            index={start + i}
            columns={model.columns}
            rows={live.rows}
            pins={pins}
            active={act}
          />
        ))}
        <div
          class="spacer-row"
          role="none"
          style={{ height: `${String((lines.length - end) * ROW_H)}px` }}
        />
      </div>
      {ready && lines.length === 0 && (
        <p class="empty-grid" role="status">
          {live.rows.size === 0
            ? 'No application is placed on any target yet.'
            : 'No cell matches the filters.'}
        </p>
      )}
      {!ready && (
        <p class="muted" role="status">
          {live.state === 'connecting' ? 'Connecting to the live stream…' : 'Loading…'}
        </p>
      )}
    </Page>
  );
}

function Line(props: {
  readonly line: GridLine;
  readonly index: number;
  readonly columns: readonly string[];
  readonly rows: ReadonlyMap<string, FleetStatusRow>;
  readonly pins: PinIndex;
  readonly active: Pos;
}) {
  const { line, index, columns, rows, pins, active } = props;
  if (line.kind === 'group') {
    return (
      <div role="row" class="grid-row group-row" data-group={line.value} aria-rowindex={index + 2}>
        <div role="gridcell" class="group-cell" aria-colspan={columns.length + 1}>
          <strong>{line.value}</strong>{' '}
          <span class="muted">
            {line.targets} {line.targets === 1 ? 'target' : 'targets'}
          </span>
        </div>
      </div>
    );
  }
  const t = line.target;
  const isActive = active.line === index;
  return (
    <div role="row" class="grid-row" data-target={t} aria-rowindex={index + 2}>
      <div
        role="rowheader"
        class="rowhead"
        data-pos={`${String(index)}:0`}
        tabIndex={isActive && active.col === 0 ? 0 : -1}
      >
        <Link href={`/ui/targets/${encodeURIComponent(t)}`} tabIndex={-1}>
          {t}
        </Link>
      </div>
      {columns.map((app, c) => {
        const row = rows.get(cellKey(app, t));
        return (
          <Cell
            key={app}
            app={app}
            target={t}
            row={row}
            pinned={row !== undefined && pins.pinned(app, t, row.environment ?? line.environment)}
            pos={`${String(index)}:${String(c + 1)}`}
            active={isActive && active.col === c + 1}
          />
        );
      })}
    </div>
  );
}
