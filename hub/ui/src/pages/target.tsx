/** `/ui/targets/<target>`: one target — environment, labels, connection — and its applications. */
import { useMemo } from 'preact/hooks';
import { ErrorBox, Facts, Loading, Page, StatusBadge } from '../components.tsx';
import { useFleetLists } from '../fleet-data.ts';
import { ago, formatTime } from '../format.ts';
import { useFleetLive } from '../live.ts';
import { Link, withQuery } from '../router.ts';
import { StatusTable } from './status-table.tsx';

export function TargetPage(props: { readonly target: string }) {
  const { target } = props;
  const live = useFleetLive();
  const lists = useFleetLists(live.fleet?.inForceCommit);
  const view = lists.targets?.find((t) => t.name === target);
  const rows = useMemo(
    () =>
      [...live.rows.values()]
        .filter((r) => r.target === target)
        .sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0)),
    [live.rows, target],
  );
  const labels = Object.entries(view?.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return (
    <Page title={`Target ${target}`}>
      <p>
        <Link href={withQuery('/ui/', { q: target })}>In the grid</Link> ·{' '}
        <Link href={withQuery('/ui/drift', { target })}>Drift</Link>
      </p>
      {lists.error !== undefined && <ErrorBox error={lists.error} />}
      {view === undefined && lists.settled && rows.length === 0 ? (
        <p role="status">The hub knows no target named {target}.</p>
      ) : (
        <Facts
          items={[
            ['Environment', view?.environment ?? rows[0]?.environment ?? '—'],
            [
              'Connection',
              view === undefined ? undefined : (
                <StatusBadge kind="connection" value={view.connection} />
              ),
            ],
            [
              'Last seen',
              view?.lastSeenMs === undefined
                ? 'never'
                : `${ago(view.lastSeenMs)} (${formatTime(view.lastSeenMs)})`,
            ],
            [
              'Connected since',
              view?.connectedAtMs === undefined ? undefined : formatTime(view.connectedAtMs),
            ],
            ['Hub replica', view?.replica],
            [
              'Declared',
              view === undefined
                ? undefined
                : view.declared
                  ? 'yes'
                  : 'no: the fleet in force no longer declares it',
            ],
            [
              'Labels',
              labels.length === 0 ? (
                'none'
              ) : (
                <span class="chips">
                  {labels.map(([k, v]) => (
                    <code key={k} class="chip">
                      {k}={v}
                    </code>
                  ))}
                </span>
              ),
            ],
          ]}
        />
      )}
      <h2>Applications</h2>
      {!live.ready ? (
        <Loading what="the live status" />
      ) : rows.length === 0 ? (
        <p class="muted">No application is placed on this target.</p>
      ) : (
        <StatusTable label="Applications" rows={rows} by="app" />
      )}
    </Page>
  );
}
