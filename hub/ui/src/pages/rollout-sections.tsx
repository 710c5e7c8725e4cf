/**
 * The sections of the rollout page (./rollouts.tsx): a wave with its members, soak countdown,
 * gate and targets; a table of targets with their state and reason; the history; the plan
 * preview; and the badge of a phase or target state (a symbol and the word, never colour alone).
 */
import { ApiError } from '../api.ts';
import { ErrorBox, Facts, Loading, errorText } from '../components.tsx';
import { duration, formatTime, shortSha } from '../format.ts';
import { Link } from '../router.ts';
import {
  commandLabel,
  countdownText,
  historyNewestFirst,
  soakOf,
  tone,
  type RolloutExplanation,
  type StateView,
  type TargetExplanation,
  type WaveExplanation,
} from '../views/rollout-view.ts';

/** A read of the API as a page holds it: the data shown stays while a refresh fails. */
export type Load<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'done'; readonly data: T }
  | { readonly state: 'error'; readonly error: unknown; readonly data?: T };

/** A 404: the hub serves no rollouts, or the application has none. */
export function notServed(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** A phase or target state as text with a symbol; the tone colours it, the text says it. */
export function StateBadge(props: { readonly value: string; readonly label?: string }) {
  const t = tone(props.value);
  const sym = { ok: '✓', warn: '‖', bad: '✕', neutral: '•' }[t];
  return (
    <span class={`badge tone-${t}`} data-state={props.value}>
      <span class="sym" aria-hidden="true">
        {sym}
      </span>
      {props.label ?? props.value}
    </span>
  );
}

export function WaveSection(props: {
  readonly app: string;
  readonly wave: WaveExplanation;
  readonly state: StateView;
  readonly targets: readonly TargetExplanation[];
  readonly now: number;
  readonly approve: (() => void) | undefined;
  readonly busy: boolean;
}) {
  const { app, wave: w, state, targets, now } = props;
  const soak = soakOf(state, w, now);
  const approved = state.approvals.includes(w.name);
  return (
    <section
      aria-label={`Wave ${w.name}`}
      id={`wave-${w.name}`}
      data-status={w.status}
      class={`wave wave-${w.status}`}
    >
      <h3>
        {w.name}{' '}
        <StateBadge value={w.status} label={w.status === 'current' ? 'current wave' : w.status} />
      </h3>
      <p class="muted">{w.description}</p>
      <Facts
        items={[
          ['Members', w.targets.length === 0 ? 'none' : w.targets.join(', ')],
          [
            'maxUnavailable',
            `${w.maxUnavailableSpec}${w.maxUnavailableSpec === String(w.maxUnavailable) ? '' : ` (= ${String(w.maxUnavailable)})`}`,
          ],
          ['Soak', w.soakMs > 0 ? duration(w.soakMs) : 'none'],
          ['Gate', w.gate === undefined ? 'none' : `${w.gate}${approved ? ' (approved)' : ''}`],
        ]}
      />
      {soak.kind !== 'none' && (
        <p
          class={`soak soak-${soak.kind}`}
          data-testid={`soak-${w.name}`}
          data-soak={soak.kind}
          {...(soak.kind === 'running' ? { 'data-remaining-ms': String(soak.remainingMs) } : {})}
        >
          {countdownText(soak, duration)}
          {soak.kind === 'running' && (
            <span class="muted">
              {' '}
              (healthy since {formatTime(soak.startMs)}, ends {formatTime(soak.endMs)})
            </span>
          )}
        </p>
      )}
      {props.approve !== undefined && (
        <p class="gate">
          The wave waits at its manual gate.{' '}
          <button type="button" disabled={props.busy} onClick={props.approve}>
            {commandLabel('approve', w.name)}
          </button>
        </p>
      )}
      {targets.length > 0 && (
        <TargetTable app={app} targets={targets} label={`Targets of wave ${w.name}`} />
      )}
    </section>
  );
}

/** Targets with their state and reason; `withWave` adds the wave column (the plan's table). */
export function TargetTable(props: {
  readonly app: string;
  readonly targets: readonly TargetExplanation[];
  readonly label: string;
  readonly withWave?: boolean;
}) {
  const href = (t: string): string =>
    `/ui/apps/${encodeURIComponent(props.app)}/${encodeURIComponent(t)}`;
  return (
    <table aria-label={props.label} class="data">
      <thead>
        <tr>
          <th scope="col">Target</th>
          {props.withWave === true && <th scope="col">Wave</th>}
          <th scope="col">State</th>
          <th scope="col">Revision</th>
          <th scope="col">Reason</th>
          <th scope="col">Why in this wave</th>
        </tr>
      </thead>
      <tbody>
        {props.targets.map((t) => (
          <tr key={t.target} data-target={t.target} data-state={t.state}>
            <th scope="row">
              <Link href={href(t.target)}>{t.target}</Link>
            </th>
            {props.withWave === true && <td>{t.wave}</td>}
            <td>
              <StateBadge value={t.state} />
            </td>
            <td>
              <code title={t.revision}>{shortSha(t.revision)}</code>
            </td>
            <td class="wrap">{t.reason}</td>
            <td class="wrap muted">{t.membership}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function History(props: { readonly state: StateView }) {
  const events = historyNewestFirst(props.state.history);
  return (
    <>
      <h2>History</h2>
      {events.length === 0 ? (
        <p class="muted">No event yet.</p>
      ) : (
        <table aria-label="Rollout history" class="data">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Wave</th>
              <th scope="col">By</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e, i) => (
              <tr key={`${String(e.atMs)}/${String(i)}`} data-event={e.kind}>
                <td>
                  <time dateTime={new Date(e.atMs).toISOString()}>{formatTime(e.atMs)}</time>
                </td>
                <td>{e.kind}</td>
                <td>{e.wave ?? ''}</td>
                <td>{e.by ?? ''}</td>
                <td class="wrap">
                  {e.message}
                  {e.targets !== undefined && e.targets.length > 0 && (
                    <span class="muted"> ({e.targets.join(', ')})</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function PlanSection(props: {
  readonly app: string;
  readonly result: Load<RolloutExplanation>;
}) {
  const r = props.result;
  const plan = r.state === 'loading' ? undefined : r.data;
  return (
    <section aria-label="Plan" class="plan">
      <h2>Plan</h2>
      <p class="muted">
        What a rollout of the next revision would do now: which wave each target is in and why, and
        what would hold it back.
      </p>
      {r.state === 'loading' && <Loading what="the plan" />}
      {r.state === 'error' &&
        (notServed(r.error) ? (
          <p class="muted" data-testid="plan-none">
            No plan: {errorText(r.error)}
          </p>
        ) : (
          <ErrorBox error={r.error} />
        ))}
      {plan !== undefined && (
        <>
          <p data-testid="plan-summary">{plan.summary}</p>
          <ol class="plain">
            {plan.waves.map((w) => (
              <li key={w.name} data-wave={w.name}>
                {w.description}
              </li>
            ))}
          </ol>
          {plan.targets.length > 0 && (
            <TargetTable app={props.app} targets={plan.targets} label="Plan targets" withWave />
          )}
        </>
      )}
    </section>
  );
}
