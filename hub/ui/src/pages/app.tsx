/** `/ui/apps/<app>`: one application — its source revision, and its status on every target. */
import { useMemo } from 'preact/hooks';
import { ErrorBox, Facts, Loading, Page } from '../components.tsx';
import { useFleetLists } from '../fleet-data.ts';
import { useFleetLive } from '../live.ts';
import { pinSource, pinSourceText } from '../pin-source.ts';
import { Link, withQuery } from '../router.ts';
import { StatusTable } from './status-table.tsx';

export function AppPage(props: { readonly app: string }) {
  const { app } = props;
  const live = useFleetLive();
  const lists = useFleetLists(live.fleet?.inForceCommit);
  const view = lists.applications?.find((a) => a.name === app);
  const rows = useMemo(
    () =>
      [...live.rows.values()]
        .filter((r) => r.app === app)
        .sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0)),
    [live.rows, app],
  );
  const envs = lists.environments ?? [];
  return (
    <Page title={`Application ${app}`}>
      <p>
        <Link href={withQuery('/ui/', { app })}>In the grid</Link> ·{' '}
        <Link href={withQuery('/ui/drift', { app })}>Drift</Link> ·{' '}
        <Link href={`/ui/rollouts/${encodeURIComponent(app)}`}>Rollout</Link>
      </p>
      {lists.error !== undefined && <ErrorBox error={lists.error} />}
      <Facts
        items={[
          ['Source revision', view?.targetRevision ?? (lists.settled ? '—' : '…')],
          [
            'Declared',
            view === undefined
              ? undefined
              : view.declared
                ? 'yes'
                : 'no: the fleet in force no longer declares it',
          ],
          ['Placed on', view === undefined ? undefined : `${String(view.targets.length)} targets`],
          [
            'Synced',
            view === undefined
              ? undefined
              : `${String(view.counts.synced)} of ${String(view.counts.apps)}; healthy ${String(view.counts.healthy)}; drifted ${String(view.counts.drifted)}`,
          ],
        ]}
      />
      <h2>Targets</h2>
      {!live.ready ? (
        <Loading what="the live status" />
      ) : rows.length === 0 ? (
        <p class="muted">This application is on no target.</p>
      ) : (
        <StatusTable
          label="Targets"
          rows={rows}
          by="target"
          extra={{
            title: 'Revision from',
            cell: (r) => pinSourceText(pinSource(app, r.target, envs, view, r.environment)),
          }}
        />
      )}
    </Page>
  );
}
