/**
 * `/ui/rollouts`: every rollout with its phase and one-line summary; `/ui/rollouts/<app>`: one
 * rollout — the hub's explanation (each wave with its members, maxUnavailable, soak, gate and
 * status; each target with its state and reason), the soak countdown of the current wave, the
 * approvals and the history, the commands for an operate token (Approve <wave>, Pause, Resume,
 * Abort, Rollback), and the plan preview. Read again when the application's live rows change,
 * every 2 s while a soak counts down, and after a command until the rollout shows it applied.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type {
  Rollout,
  RolloutCommandAccepted,
  RolloutList,
  RolloutSummary,
} from '../../../src/http/api/rollouts.ts';
import { apiGet, apiPost } from '../api.ts';
import { ErrorBox, Facts, Loading, Page } from '../components.tsx';
import { ago, formatTime, shortSha } from '../format.ts';
import { useFleetLive } from '../live.ts';
import { Link } from '../router.ts';
import { canOperate, useSession } from '../session.ts';
import {
  acceptedText,
  commandLabel,
  commandsFor,
  explanationOf,
  soakRunning,
  stateFingerprint,
  stateOf,
  targetsByWave,
  waveAwaitingApproval,
  type CommandName,
  type RolloutExplanation,
  type StateView,
} from '../views/rollout-view.ts';
import {
  History,
  PlanSection,
  StateBadge,
  WaveSection,
  notServed,
  type Load,
} from './rollout-sections.tsx';

/** Wait after the live rows change before reading again. */
const REFRESH_DEBOUNCE_MS = 500;
/** Poll while a soak counts down or a command is not applied yet. */
const POLL_MS = 2000;
/** How long to poll for a command to show in the rollout. */
const COMMAND_WATCH_MS = 60_000;
/**
 * A second read after the live rows changed: the hub steps rollouts after the reports that
 * move them (every second by default), so the step a report allows shows only then.
 */
const TRAILING_REFRESH_MS = 2500;

/** Calls `reload` `TRAILING_REFRESH_MS` after `signature` last changed. */
function useTrailingReload(signature: string, reload: () => Promise<unknown>): void {
  useEffect(() => {
    const t = setTimeout(() => void reload(), TRAILING_REFRESH_MS);
    return () => clearTimeout(t);
  }, [signature, reload]);
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

/** A signature of the live rows of `apps` (all when undefined): revision, sync, health. */
function useAppRowsSignature(apps?: ReadonlySet<string>): string {
  const live = useFleetLive();
  const parts: string[] = [];
  for (const r of live.rows.values()) {
    if (apps !== undefined && !apps.has(r.app)) continue;
    parts.push(
      `${r.app}/${r.target}:${r.desiredRevision}:${r.revision ?? ''}:${r.sync}:${r.health}:${r.connection}`,
    );
  }
  return useDebounced(parts.sort().join(','), REFRESH_DEBOUNCE_MS);
}

/** Loads with `load` whenever `key` changes or `reload()` is called; keeps the data shown meanwhile. */
function useReload<T>(
  load: () => Promise<T>,
  key: string,
): { readonly result: Load<T>; readonly reload: () => Promise<T | undefined> } {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' });
  const seq = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(async (): Promise<T | undefined> => {
    const mine = ++seq.current;
    try {
      const data = await loader.current();
      if (mine === seq.current) setResult({ state: 'done', data });
      return data;
    } catch (error) {
      if (mine === seq.current)
        setResult((prev) => ({
          state: 'error',
          error,
          ...(prev.state === 'loading' || prev.data === undefined ? {} : { data: prev.data }),
        }));
      return undefined;
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [key, reload]);
  return { result, reload };
}

export function RolloutsPage() {
  const signature = useAppRowsSignature();
  const { result, reload } = useReload(
    () => apiGet<RolloutList>('/api/v1/rollouts').then((l) => l.items),
    signature,
  );
  useTrailingReload(signature, reload);
  const items = result.state === 'loading' ? undefined : result.data;
  return (
    <Page title="Rollouts">
      {result.state === 'loading' && <Loading what="rollouts" />}
      {result.state === 'error' && (
        <>
          {notServed(result.error) && <p>This hub serves no rollouts.</p>}
          <ErrorBox error={result.error} />
        </>
      )}
      {items !== undefined &&
        (items.length === 0 ? (
          <p class="muted">
            No rollout: no application declares <code>spec.rollout</code>, or none has a revision
            yet.
          </p>
        ) : (
          <RolloutTable items={items} />
        ))}
    </Page>
  );
}

function RolloutTable(props: { readonly items: readonly RolloutSummary[] }) {
  return (
    <table aria-label="Rollouts" class="data">
      <thead>
        <tr>
          <th scope="col">Application</th>
          <th scope="col">Phase</th>
          <th scope="col">Revisions</th>
          <th scope="col">Summary</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((r) => (
          <tr key={r.id} data-rollout={r.app} data-phase={r.phase}>
            <th scope="row">
              <Link href={`/ui/rollouts/${encodeURIComponent(r.app)}`}>{r.app}</Link>
            </th>
            <td>
              <StateBadge value={r.phase} />
            </td>
            <td>
              <code title={r.fromRevision}>{shortSha(r.fromRevision)}</code> →{' '}
              <code title={r.toRevision}>{shortSha(r.toRevision)}</code>
            </td>
            <td class="wrap">{r.summary}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface RolloutData {
  readonly state: StateView;
  readonly explanation: RolloutExplanation;
}

async function loadRollout(app: string): Promise<RolloutData> {
  const r = await apiGet<Rollout>('/api/v1/rollout', { app });
  return { state: stateOf(r.state), explanation: explanationOf(r.explanation) };
}

/** The current time, ticking each second while `on`. */
function useTicker(on: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!on) return undefined;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

type CommandResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'sending'; readonly label: string }
  | { readonly kind: 'accepted'; readonly text: string }
  | { readonly kind: 'error'; readonly error: unknown };

export function RolloutPage(props: { readonly app: string }) {
  const { app } = props;
  const session = useSession();
  const operate = canOperate(session);
  const apps = useRef(new Set([app]));
  if (!apps.current.has(app)) apps.current = new Set([app]);
  const signature = useAppRowsSignature(apps.current);
  const rollout = useReload(() => loadRollout(app), `${app}|${signature}`);
  const plan = useReload(
    () => apiGet<unknown>('/api/v1/rollout/plan', { app }).then(explanationOf),
    `${app}|${signature}`,
  );
  const data = rollout.result.state === 'loading' ? undefined : rollout.result.data;
  const soaking = data !== undefined && soakRunning(data.state, data.explanation.waves);
  const now = useTicker(soaking);
  const [command, setCommand] = useState<CommandResult>({ kind: 'none' });
  const [watch, setWatch] = useState<{ readonly fingerprint: string; readonly untilMs: number }>();

  // poll while a soak counts down, or until a command shows in the rollout
  const polling = soaking || watch !== undefined;
  const { reload } = rollout;
  useTrailingReload(signature, reload);
  useEffect(() => {
    if (!polling) return undefined;
    const t = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(t);
  }, [polling, reload]);
  useEffect(() => {
    if (watch === undefined || data === undefined) return;
    if (stateFingerprint(data.state) !== watch.fingerprint || Date.now() > watch.untilMs)
      setWatch(undefined);
  }, [data, watch, now]);

  const send = async (name: CommandName, wave?: string): Promise<void> => {
    setCommand({ kind: 'sending', label: commandLabel(name, wave) });
    try {
      await apiPost<RolloutCommandAccepted>('/api/v1/rollout/command', {
        app,
        command: name,
        wave,
      });
      setCommand({ kind: 'accepted', text: acceptedText(app, name, wave) });
      if (data !== undefined)
        setWatch({
          fingerprint: stateFingerprint(data.state),
          untilMs: Date.now() + COMMAND_WATCH_MS,
        });
    } catch (error) {
      setCommand({ kind: 'error', error });
    }
    await Promise.all([rollout.reload(), plan.reload()]);
  };

  return (
    <Page title={`Rollout of ${app}`} aside={<Link href="/ui/rollouts">All rollouts</Link>}>
      {rollout.result.state === 'loading' && <Loading what="the rollout" />}
      {rollout.result.state === 'error' && <ErrorBox error={rollout.result.error} />}
      {data !== undefined && (
        <RolloutView
          app={app}
          data={data}
          now={now}
          operate={operate}
          busy={command.kind === 'sending'}
          send={send}
          status={operate ? <CommandStatus result={command} /> : undefined}
        />
      )}
      <PlanSection app={app} result={plan.result} />
    </Page>
  );
}

function CommandStatus(props: { readonly result: CommandResult }) {
  const r = props.result;
  if (r.kind === 'error') return <ErrorBox error={r.error} title="The command was refused" />;
  return (
    <p role="status" class="command-result" data-testid="command-result">
      {r.kind === 'sending' ? `Sending ${r.label}…` : r.kind === 'accepted' ? r.text : ''}
    </p>
  );
}

function RolloutView(props: {
  readonly app: string;
  readonly data: RolloutData;
  readonly now: number;
  readonly operate: boolean;
  readonly busy: boolean;
  readonly send: (name: CommandName, wave?: string) => Promise<void>;
  /** The outcome of the last command, shown under the commands. */
  readonly status: ComponentChildren;
}) {
  const { app, data, now, operate, busy, send } = props;
  const { state, explanation } = data;
  const awaiting = waveAwaitingApproval(state, explanation.waves);
  const byWave = targetsByWave(explanation.targets);
  const failed = Object.entries(state.failed);
  return (
    <>
      <p class="summary" data-testid="summary">
        <StateBadge value={state.phase} /> {explanation.summary}
      </p>
      {awaiting !== undefined && (
        <p class="gate-note">
          Wave {awaiting.name} waits at its manual gate
          {operate ? (
            <>
              : <a href={`#wave-${awaiting.name}`}>approve it in its section</a>.
            </>
          ) : (
            ' for someone with an operate token to approve it.'
          )}
        </p>
      )}
      <Facts
        items={[
          [
            'Phase',
            state.phase === 'Paused' && state.pausedPhase !== undefined
              ? `Paused (was ${state.pausedPhase})`
              : state.phase,
          ],
          ['From', <code title={state.fromRevision}>{shortSha(state.fromRevision)}</code>],
          ['To', <code title={state.toRevision}>{shortSha(state.toRevision)}</code>],
          [
            'Started',
            <time
              dateTime={new Date(state.startedAtMs).toISOString()}
              title={formatTime(state.startedAtMs)}
            >
              {ago(state.startedAtMs, now)}
            </time>,
          ],
          [
            'Rollback',
            state.rollback === undefined
              ? undefined
              : `since ${formatTime(state.rollback.startedAtMs)}: ${state.rollback.reason}`,
          ],
          ['Approvals', state.approvals.length === 0 ? 'none' : state.approvals.join(', ')],
          ['Id', <code>{state.id}</code>],
        ]}
      />
      {operate && commandsFor(state.phase).length > 0 && (
        <div class="actions" role="group" aria-label="Rollout commands">
          {commandsFor(state.phase).map((c) => (
            <button
              key={c}
              type="button"
              class={c === 'abort' || c === 'rollback' ? 'danger' : undefined}
              disabled={busy}
              onClick={() => void send(c)}
            >
              {commandLabel(c)}
            </button>
          ))}
        </div>
      )}
      {props.status}
      {failed.length > 0 && (
        <>
          <h2>Failed targets</h2>
          <ul class="plain">
            {failed.map(([t, f]) => (
              <li key={t}>
                <strong>{t}</strong> (wave {f.wave}, {formatTime(f.atMs)}): {f.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Waves</h2>
      {explanation.waves.length === 0 && <p class="muted">The explanation names no wave.</p>}
      {explanation.waves.map((w) => (
        <WaveSection
          key={w.name}
          app={app}
          wave={w}
          state={state}
          targets={byWave.get(w.index) ?? []}
          now={now}
          approve={
            operate && awaiting?.name === w.name ? () => void send('approve', w.name) : undefined
          }
          busy={busy}
        />
      ))}
      <History state={state} />
    </>
  );
}
