/**
 * `/ui/drift`: every drifted object the filters keep (`GET /api/v1/drift`), each field side by
 * side — its JSON pointer, the desired value from Git and the live value on the cluster, what
 * differs marked — with who changed it (the field manager), since when, and what the agent did.
 * Filters live in the address (environment, app, kind, manager, target). The records are read
 * again when the live rows say the drift of the selected cells changed, never on a timer.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { DriftItem } from '../../../src/http/api/fleet.ts';
import { apiGetAll } from '../api.ts';
import { ErrorBox, Loading, Page } from '../components.tsx';
import { ago, formatTime } from '../format.ts';
import { useFleetLive } from '../live.ts';
import { Link, setQuery, useLocation, withQuery } from '../router.ts';
import {
  NOT_SET,
  NO_OPTIONS,
  actionText,
  driftApiQuery,
  driftFiltersOf,
  driftKey,
  driftOptions,
  driftSignature,
  fieldView,
  objectLabel,
  sameOptions,
  type DriftFilterName,
  type DriftFilters,
  type DriftOptions,
  type Side,
} from '../views/drift-view.ts';

/** Wait after the live rows change before reading the records again. */
const REFRESH_DEBOUNCE_MS = 750;
/** Records rendered at first, and added by each "Show more". */
const PAGE_RECORDS = 200;

/** `value`, once it has stayed the same for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

type Load =
  | { readonly state: 'loading' }
  | { readonly state: 'done'; readonly items: readonly DriftItem[]; readonly refreshing: boolean }
  | { readonly state: 'error'; readonly error: unknown; readonly items?: readonly DriftItem[] };

const FILTER_LABELS: readonly (readonly [DriftFilterName, string])[] = [
  ['environment', 'Environment'],
  ['app', 'Application'],
  ['kind', 'Kind'],
  ['manager', 'Manager'],
  ['target', 'Target'],
];

function Filters(props: { readonly filters: DriftFilters; readonly options: DriftOptions }) {
  const { filters, options } = props;
  const any = Object.values(filters).some((v) => v !== '');
  return (
    <form class="filters" aria-label="Drift filters" onSubmit={(e) => e.preventDefault()}>
      {FILTER_LABELS.map(([key, label]) => (
        <label key={key}>
          <span>{label}</span>
          <select
            aria-label={label}
            value={filters[key]}
            onChange={(e) => setQuery({ [key]: e.currentTarget.value })}
          >
            <option value="">All</option>
            {options[key].map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      ))}
      {any && (
        <button
          type="button"
          class="quiet"
          onClick={() => setQuery(Object.fromEntries(FILTER_LABELS.map(([k]) => [k, undefined])))}
        >
          Clear filters
        </button>
      )}
    </form>
  );
}

function When(props: { readonly ms: number; readonly now: number }) {
  return (
    <time dateTime={new Date(props.ms).toISOString()} title={formatTime(props.ms)}>
      {ago(props.ms, props.now)}
    </time>
  );
}

function Value(props: { readonly side: Side; readonly masked: boolean }) {
  const { side } = props;
  if (side.absent) return <span class="not-set">{NOT_SET}</span>;
  return (
    <pre
      class="value"
      title={props.masked ? 'A Secret value: its fingerprint, never the value' : undefined}
    >
      {side.segments.map((s, i) =>
        s.changed ? (
          <mark key={i} class="chg">
            {s.text}
          </mark>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </pre>
  );
}

function DriftRecord(props: { readonly item: DriftItem; readonly now: number }) {
  const { item, now } = props;
  const fields = useMemo(() => item.changes.map(fieldView), [item]);
  return (
    <tbody data-drift={driftKey(item)}>
      <tr class="record-head">
        <th scope="rowgroup" colSpan={3}>
          <div class="record-title">
            <code>{objectLabel(item.ref)}</code> on{' '}
            <Link href={`/ui/targets/${encodeURIComponent(item.target)}`}>{item.target}</Link>
            {', '}application{' '}
            <Link
              href={`/ui/apps/${encodeURIComponent(item.app)}/${encodeURIComponent(item.target)}`}
            >
              {item.app}
            </Link>
            {item.environment !== undefined && item.environment !== '' && (
              <>
                {', '}environment {item.environment}
              </>
            )}
          </div>
          <dl class="record-facts">
            <div>
              <dt>Changed by</dt>
              <dd data-testid="manager">
                {item.fieldManager === '' ? '(unknown manager)' : item.fieldManager}
              </dd>
            </div>
            <div>
              <dt>First seen</dt>
              <dd data-testid="first-seen">
                <When ms={item.firstSeenUnixMs} now={now} />
              </dd>
            </div>
            <div>
              <dt>Last seen</dt>
              <dd data-testid="last-seen">
                <When ms={item.lastSeenUnixMs} now={now} />
              </dd>
            </div>
            <div>
              <dt>Action</dt>
              <dd data-testid="action" data-action={item.action}>
                {actionText(item.action, item.correctionCount)}
              </dd>
            </div>
            <div>
              <dt>Corrections</dt>
              <dd data-testid="corrections">{item.correctionCount}</dd>
            </div>
          </dl>
        </th>
      </tr>
      {fields.map((f) => (
        <tr key={f.pointer} data-field={f.pointer}>
          <th scope="row" class="pointer">
            <code>{f.pointer === '' ? '(whole object)' : f.pointer}</code>
            {f.masked && <span class="muted secret-note"> Secret value: fingerprints only</span>}
          </th>
          <td class="desired">
            <Value side={f.desired} masked={f.masked} />
          </td>
          <td class="live">
            <Value side={f.live} masked={f.masked} />
          </td>
        </tr>
      ))}
      {fields.length === 0 && (
        <tr>
          <td colSpan={3} class="muted">
            The record names no field.
          </td>
        </tr>
      )}
    </tbody>
  );
}

function DriftTable(props: { readonly items: readonly DriftItem[]; readonly busy: boolean }) {
  const now = Date.now();
  const [shown, setShown] = useState(PAGE_RECORDS);
  const hidden = props.items.length - shown;
  return (
    <>
      <table aria-label="Drift" class="data drift-table" aria-busy={props.busy ? 'true' : 'false'}>
        <thead>
          <tr>
            <th scope="col">Field (JSON pointer)</th>
            <th scope="col">Desired (Git)</th>
            <th scope="col">Live (cluster)</th>
          </tr>
        </thead>
        {props.items.slice(0, shown).map((item) => (
          <DriftRecord key={driftKey(item)} item={item} now={now} />
        ))}
      </table>
      {hidden > 0 && (
        <p>
          <button type="button" onClick={() => setShown((n) => n + PAGE_RECORDS)}>
            Show {String(Math.min(hidden, PAGE_RECORDS))} more
          </button>{' '}
          <span class="muted">
            ({String(hidden)} of {String(props.items.length)} records not shown)
          </span>
        </p>
      )}
    </>
  );
}

export function DriftPage() {
  const { query } = useLocation();
  const filters = driftFiltersOf(query);
  const filterKey = JSON.stringify(driftApiQuery(filters));
  const live = useFleetLive();
  const signature = useDebounced(driftSignature(live.rows.values(), filters), REFRESH_DEBOUNCE_MS);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const seq = useRef(0);
  const shownFilter = useRef<string | undefined>(undefined);

  useEffect(() => {
    const mine = ++seq.current;
    const sameFilter = shownFilter.current === filterKey;
    setLoad((prev) =>
      sameFilter && prev.state === 'done' ? { ...prev, refreshing: true } : { state: 'loading' },
    );
    apiGetAll<DriftItem>('/api/v1/drift', driftApiQuery(filters)).then(
      (items) => {
        if (mine !== seq.current) return;
        shownFilter.current = filterKey;
        setLoad({ state: 'done', items, refreshing: false });
      },
      (error: unknown) => {
        if (mine !== seq.current) return;
        setLoad((prev) => ({
          state: 'error',
          error,
          ...(sameFilter && prev.state === 'done' ? { items: prev.items } : {}),
        }));
      },
    );
    // filters are read through filterKey
  }, [filterKey, signature]);

  const items =
    load.state === 'done' ? load.items : load.state === 'error' ? load.items : undefined;
  const optionsRef = useRef<DriftOptions>(NO_OPTIONS);
  const options = useMemo(() => {
    const next = driftOptions(optionsRef.current, items ?? [], live.rows.values(), filters);
    if (!sameOptions(next, optionsRef.current)) optionsRef.current = next;
    return optionsRef.current;
  }, [items, live.rows, filterKey]);

  const filtered = Object.values(filters).some((v) => v !== '');
  return (
    <Page title="Drift">
      <p class="muted">
        Objects whose live state on a cluster differs from Git: each field with the desired and the
        live value, who changed it and what the agent did. Secret values show as fingerprints only.
      </p>
      <Filters filters={filters} options={options} />
      {load.state === 'error' && <ErrorBox error={load.error} />}
      {load.state === 'loading' && <Loading what="drift" />}
      {items !== undefined && (
        <>
          <p data-testid="drift-count">
            {items.length === 0
              ? filtered
                ? 'No drift matches these filters.'
                : 'No drift: every object matches Git.'
              : `${String(items.length)} drifted object${items.length === 1 ? '' : 's'}${
                  filtered ? ' matching the filters' : ''
                }.`}
            {filtered && items.length === 0 && (
              <>
                {' '}
                <Link href={withQuery('/ui/drift', {})}>Show all drift</Link>
              </>
            )}
          </p>
          {items.length > 0 && (
            <DriftTable
              key={filterKey}
              items={items}
              busy={load.state === 'done' && load.refreshing}
            />
          )}
        </>
      )}
    </Page>
  );
}
