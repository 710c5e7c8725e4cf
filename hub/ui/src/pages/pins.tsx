/**
 * `/ui/pins`: every pin of the fleet in force (`GET /api/v1/pins`) — environment, application,
 * target for a target pin, the revision as written, where it is written and who set it (the
 * commit from Git history) — and the revisions each environment runs per application
 * (`GET /api/v1/environments`). With an operate token, the promotion form pins an application in
 * one environment to the revision another runs healthily (`POST /api/v1/promote`) and shows the
 * commit, or the hub's reasons for refusing, verbatim.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { EnvironmentView } from '../../../src/http/api/fleet.ts';
import type { Pin, PinList, Promotion } from '../../../src/http/api/pins.ts';
import { ApiError, apiGet, apiGetAll, apiPost } from '../api.ts';
import { ErrorBox, Loading, Page, errorText } from '../components.tsx';
import { ago, formatTime, shortSha } from '../format.ts';
import { useFleetLive } from '../live.ts';
import { Link } from '../router.ts';
import { canOperate, useSession } from '../session.ts';
import {
  environmentRevisions,
  firstLine,
  pinKey,
  pinLocation,
  pinsUnavailableText,
  promoteChoices,
  promoteDefaults,
  promoteProblem,
  promoteQuery,
  promotionText,
  refusalReasons,
  type PromoteForm,
} from '../views/pins-view.ts';

/** Wait after the live rows change before reading the environments again. */
const REFRESH_DEBOUNCE_MS = 750;
/** After a promotion: read the pins again this often until its commit is in force … */
const PROMOTION_POLL_MS = 1000;
/** … for at most this long. */
const PROMOTION_WATCH_MS = 30_000;

type Load<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'done'; readonly data: T }
  | { readonly state: 'error'; readonly error: unknown };

/** Runs `load` now and whenever `key` changes; the data shown stays until replaced. */
function useLoad<T>(load: () => Promise<T>, key: string): Load<T> {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setResult({ state: 'done', data }),
      (error: unknown) => live && setResult({ state: 'error', error }),
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure each render; `generation` says when to run it again
  }, [key]);
  return result;
}

function SetBy(props: { readonly pin: Pin; readonly now: number }) {
  const { pin, now } = props;
  const s = pin.setBy;
  if (s === undefined) {
    return (
      <span class="muted">
        {pin.truncated === true
          ? 'unknown: the history of its file is longer than the hub reads'
          : 'unknown'}
      </span>
    );
  }
  return (
    <span class="set-by">
      <span class="author" title={s.email}>
        {s.author}
      </span>
      {', '}
      <time dateTime={new Date(s.atMs).toISOString()} title={formatTime(s.atMs)}>
        {ago(s.atMs, now)}
      </time>
      {', '}
      <code title={s.commit}>{shortSha(s.commit)}</code>
      {firstLine(s.message) !== '' && <span class="message">: {firstLine(s.message)}</span>}
    </span>
  );
}

function PinsTable(props: { readonly pins: readonly Pin[] }) {
  const now = Date.now();
  if (props.pins.length === 0)
    return <p class="muted">No pin: every application runs the revision its source names.</p>;
  return (
    <table aria-label="Pins" class="data">
      <thead>
        <tr>
          <th scope="col">Environment</th>
          <th scope="col">Application</th>
          <th scope="col">Target</th>
          <th scope="col">Pinned to</th>
          <th scope="col">Set by</th>
          <th scope="col">Written in</th>
        </tr>
      </thead>
      <tbody>
        {props.pins.map((p) => (
          <tr key={pinKey(p)} data-pin={pinKey(p)}>
            <td>{p.environment}</td>
            <th scope="row">
              <Link href={`/ui/apps/${encodeURIComponent(p.app)}`}>{p.app}</Link>
            </th>
            <td>
              {p.target === undefined || p.target === '' ? (
                <span class="muted">every target</span>
              ) : (
                <Link href={`/ui/targets/${encodeURIComponent(p.target)}`}>{p.target}</Link>
              )}
            </td>
            <td>
              <code title={p.value}>{shortSha(p.value)}</code>
            </td>
            <td class="wrap">
              <SetBy pin={p} now={now} />
            </td>
            <td>
              <code>{pinLocation(p)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RevisionsTable(props: { readonly envs: readonly EnvironmentView[] }) {
  const rows = environmentRevisions(props.envs);
  if (rows.length === 0) return <p class="muted">No environment places an application.</p>;
  return (
    <table aria-label="Environment revisions" class="data">
      <thead>
        <tr>
          <th scope="col">Environment</th>
          <th scope="col">Application</th>
          <th scope="col">Pin</th>
          <th scope="col">Revisions its targets run</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.environment}/${r.app}`} data-environment={r.environment} data-app={r.app}>
            <td>
              {r.environment}
              {r.frozen && <span class="badge tone-warn"> frozen</span>}
            </td>
            <th scope="row">{r.app}</th>
            <td>
              {r.pin === undefined ? (
                <span class="muted">none</span>
              ) : (
                <code title={r.pin}>{shortSha(r.pin)}</code>
              )}
            </td>
            <td>
              {r.revisions.length === 0 ? (
                <span class="muted">none yet</span>
              ) : (
                r.revisions.map((rev, i) => (
                  <span key={rev}>
                    {i > 0 && ', '}
                    <code title={rev}>{shortSha(rev)}</code>
                  </span>
                ))
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type PromoteResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'sending' }
  | { readonly kind: 'done'; readonly promotion: Promotion }
  | { readonly kind: 'error'; readonly error: unknown };

function PromoteSection(props: {
  readonly envs: readonly EnvironmentView[];
  /** Called with the commit of a promotion made. */
  readonly promoted: (commit: string) => void;
}) {
  const choices = useMemo(() => promoteChoices(props.envs), [props.envs]);
  const [chosen, setChosen] = useState<Partial<PromoteForm>>({});
  const form = promoteDefaults(choices, chosen);
  const problem = promoteProblem(form);
  const [result, setResult] = useState<PromoteResult>({ kind: 'none' });
  const [reason, setReason] = useState('');

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (problem !== undefined) return;
    setResult({ kind: 'sending' });
    try {
      const promotion = await apiPost<Promotion>('/api/v1/promote', promoteQuery(form, reason));
      setResult({ kind: 'done', promotion });
      props.promoted(promotion.commit);
    } catch (error) {
      setResult({ kind: 'error', error });
    }
  };

  const select = (key: keyof PromoteForm, label: string, options: readonly string[]) => (
    <label>
      <span>{label}</span>
      <select
        aria-label={label}
        value={form[key]}
        onChange={(e) => {
          const value = e.currentTarget.value;
          setChosen((c) => ({ ...c, ...form, [key]: value }));
        }}
      >
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section aria-label="Promote" class="promote">
      <h2>Promote</h2>
      <p class="muted">
        Pins the application in <em>To</em> to the revision <em>From</em> runs, once every target of{' '}
        <em>From</em> runs it Synced and Healthy: a commit to the fleet branch, authored by your
        token's name.
      </p>
      <form class="filters" onSubmit={(e) => void submit(e)}>
        {select('app', 'Application', choices.apps)}
        {select('from', 'From', choices.environments)}
        {select('to', 'To', choices.environments)}
        <label>
          <span>Reason (optional, for the commit message)</span>
          <input
            type="text"
            aria-label="Reason"
            value={reason}
            maxLength={2000}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={problem !== undefined || result.kind === 'sending'}>
          Promote
        </button>
      </form>
      {problem !== undefined && choices.environments.length > 0 && (
        <p class="muted" id="promote-problem">
          {problem}
        </p>
      )}
      <PromoteOutcome result={result} />
    </section>
  );
}

function PromoteOutcome(props: { readonly result: PromoteResult }) {
  const r = props.result;
  if (r.kind === 'error') {
    const reasons = r.error instanceof ApiError ? refusalReasons(r.error.details) : [];
    return (
      <div class="error-box" role="alert" data-testid="promote-error">
        <pre>{errorText(r.error)}</pre>
        {reasons.length > 0 && (
          <>
            <strong>Reasons</strong>
            <ul class="reasons">
              {reasons.map((reason, i) => (
                <li key={i}>
                  <code>{reason}</code>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    );
  }
  return (
    <p role="status" data-testid="promote-result">
      {r.kind === 'sending' && 'Promoting…'}
      {r.kind === 'done' && (
        <>
          {promotionText(r.promotion, shortSha)}{' '}
          <code data-testid="promote-commit">{r.promotion.commit}</code>
        </>
      )}
    </p>
  );
}

/** `value`, once it has stayed the same for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** What the live rows say of the revisions environments run: each cell's desired revision. */
function useRevisionsSignature(): string {
  const live = useFleetLive();
  const parts: string[] = [];
  for (const r of live.rows.values()) parts.push(`${r.app}/${r.target}:${r.desiredRevision}`);
  return useDebounced(parts.sort().join(','), REFRESH_DEBOUNCE_MS);
}

export function PinsPage() {
  const session = useSession();
  const [generation, setGeneration] = useState(0);
  const revisions = useRevisionsSignature();
  const pins = useLoad(() => apiGet<PinList>('/api/v1/pins'), String(generation));
  const envs = useLoad(
    () => apiGetAll<EnvironmentView>('/api/v1/environments'),
    `${String(generation)}|${revisions}`,
  );
  // after a promotion, read the pins again until the hub has its commit in force
  const [awaiting, setAwaiting] = useState<{ readonly commit: string; readonly untilMs: number }>();
  useEffect(() => {
    if (awaiting === undefined || pins.state === 'loading') return undefined;
    if (
      (pins.state === 'done' && pins.data.commit === awaiting.commit) ||
      Date.now() > awaiting.untilMs
    ) {
      setAwaiting(undefined);
      return undefined;
    }
    const t = setTimeout(() => setGeneration((g) => g + 1), PROMOTION_POLL_MS);
    return () => clearTimeout(t);
  }, [awaiting, pins]);
  return (
    <Page title="Pins">
      <h2>Pins in force</h2>
      {pins.state === 'loading' && <Loading what="pins" />}
      {pins.state === 'error' && (
        <>
          {pins.error instanceof ApiError &&
            pinsUnavailableText(pins.error.status) !== undefined && (
              <p>{pinsUnavailableText(pins.error.status)}</p>
            )}
          <ErrorBox error={pins.error} />
        </>
      )}
      {pins.state === 'done' && (
        <>
          {pins.data.commit !== undefined && (
            <p class="muted">
              Read from fleet commit{' '}
              <code title={pins.data.commit}>{shortSha(pins.data.commit)}</code>.
            </p>
          )}
          {awaiting !== undefined && (
            <p class="muted">
              Waiting for the hub to take commit{' '}
              <code title={awaiting.commit}>{shortSha(awaiting.commit)}</code> in force…
            </p>
          )}
          <PinsTable pins={pins.data.items} />
        </>
      )}
      <h2>What each environment runs</h2>
      {envs.state === 'loading' && <Loading what="environments" />}
      {envs.state === 'error' && <ErrorBox error={envs.error} />}
      {envs.state === 'done' && <RevisionsTable envs={envs.data} />}
      {canOperate(session) && envs.state === 'done' && (
        <PromoteSection
          envs={envs.data}
          promoted={(commit) => {
            setAwaiting({ commit, untilMs: Date.now() + PROMOTION_WATCH_MS });
            setGeneration((g) => g + 1);
          }}
        />
      )}
    </Page>
  );
}
