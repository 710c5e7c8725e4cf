/**
 * `/ui/apps/<app>/<target>`: one application on one target — its live status, where its
 * revision comes from (the application's branch, or the environment or target pin), the last
 * error verbatim, the objects of the last report with what the apply did to each, the drift and
 * unmanaged objects of that report, and the sync history. The report is read again when the
 * live row changes.
 */
import type { HistoryItem } from '../../../src/http/api/fleet.ts';
import type { PairReport } from '../../../src/http/api/report.ts';
import { ApiError, apiGet, apiGetAll } from '../api.ts';
import { ErrorBox, Facts, Loading, Page, StatusBadge, useAsync } from '../components.tsx';
import { useFleetLists } from '../fleet-data.ts';
import { ago, formatTime, shortSha } from '../format.ts';
import { cellKey, shownHealth } from '../grid-model.ts';
import { useFleetLive } from '../live.ts';
import { pinSource, pinSourceText } from '../pin-source.ts';
import { Link, withQuery } from '../router.ts';

const refText = (r: { kind: string; namespace: string; name: string }): string =>
  `${r.kind}/${r.namespace}/${r.name}`;

/** The last report, or undefined when the agent has not reported on the pair (404). */
async function loadReport(target: string, app: string): Promise<PairReport | undefined> {
  try {
    return await apiGet<PairReport>('/api/v1/report', { target, app });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

function Objects(props: { readonly report: PairReport }) {
  const { report } = props;
  return (
    <>
      <table aria-label="Objects" class="data">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Namespace</th>
            <th scope="col">Name</th>
            <th scope="col">Apply</th>
            <th scope="col">Health</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {report.objects.map((o) => (
            <tr key={refText(o.ref)} data-object={refText(o.ref)}>
              <td>{o.ref.kind}</td>
              <td>
                {o.ref.namespace === '' ? <span class="muted">(cluster)</span> : o.ref.namespace}
              </td>
              <th scope="row">{o.ref.name}</th>
              <td>
                <span class={`action a-${o.action}`}>{o.action}</span>
              </td>
              <td>
                <StatusBadge kind="health" value={o.health} />
                {o.healthMessage !== '' && <span class="muted"> {o.healthMessage}</span>}
              </td>
              <td class="wrap">
                {o.error !== undefined ? (
                  <code class="err-text">
                    {o.error.code}: {o.error.message}
                  </code>
                ) : (
                  o.message
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.objects.length === 0 && <p class="muted">The report names no object.</p>}
      {report.drift.length > 0 && (
        <>
          <h2>Drift</h2>
          <ul class="plain">
            {report.drift.map((d) => (
              <li key={refText(d.ref)}>
                <code>{refText(d.ref)}</code>: {d.changes.map((c) => c.path).join(', ')} by{' '}
                {d.fieldManager === '' ? 'an unknown manager' : <code>{d.fieldManager}</code>} (
                {d.action}, since {formatTime(d.firstSeenUnixMs)})
              </li>
            ))}
          </ul>
          <p>
            <Link href={withQuery('/ui/drift', { target: report.target, app: report.app })}>
              The fields, desired and live values on the drift page
            </Link>
          </p>
        </>
      )}
      {report.unmanaged.length > 0 && (
        <>
          <h2>Unmanaged objects</h2>
          <table aria-label="Unmanaged objects" class="data">
            <thead>
              <tr>
                <th scope="col">Object</th>
                <th scope="col">Created by</th>
                <th scope="col">Action</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {report.unmanaged.map((u) => (
                <tr key={refText(u.ref)}>
                  <th scope="row">
                    <code>{refText(u.ref)}</code>
                  </th>
                  <td>{u.createdBy}</td>
                  <td>{u.action}</td>
                  <td class="wrap">{u.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function History(props: { readonly items: readonly HistoryItem[] }) {
  if (props.items.length === 0) return <p class="muted">No sync history yet.</p>;
  return (
    <table aria-label="Sync history" class="data">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Sync</th>
          <th scope="col">Health</th>
          <th scope="col">Revision</th>
          <th scope="col">Version</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((h) => (
          <tr key={`${String(h.atMs)}/${h.revision}/${h.syncState}`}>
            <td>
              <time dateTime={new Date(h.atMs).toISOString()}>{formatTime(h.atMs)}</time>
            </td>
            <td>
              <StatusBadge kind="sync" value={h.syncState} />
            </td>
            <td>
              <StatusBadge kind="health" value={h.health} />
            </td>
            <td>
              <code title={h.revision}>{shortSha(h.revision)}</code>
            </td>
            <td>{h.assignmentVersion}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RowPage(props: { readonly app: string; readonly target: string }) {
  const { app, target } = props;
  const live = useFleetLive();
  const lists = useFleetLists(live.fleet?.inForceCommit);
  const row = live.rows.get(cellKey(app, target));
  const changed = [
    row?.revision,
    row?.sync,
    row?.health,
    row?.drift,
    row?.reportedVersion,
    row?.connection,
  ];
  const report = useAsync(() => loadReport(target, app), [target, app, ...changed]);
  const history = useAsync(
    () => apiGetAll<HistoryItem>('/api/v1/history', { target, app }),
    [target, app, row?.revision, row?.sync],
  );

  const appView = lists.applications?.find((a) => a.name === app);
  const source =
    lists.environments === undefined
      ? undefined
      : pinSource(app, target, lists.environments, appView, row?.environment);
  const lastError = (report.state === 'done' ? report.data?.error : undefined) ?? row?.error;
  const health = row === undefined ? undefined : shownHealth(row.health, row.connection);

  return (
    <Page title={`${app} on ${target}`}>
      <p>
        <Link href={`/ui/apps/${encodeURIComponent(app)}`}>Application {app}</Link> ·{' '}
        <Link href={`/ui/targets/${encodeURIComponent(target)}`}>Target {target}</Link>
      </p>
      {row === undefined ? (
        live.ready ? (
          <p role="status">
            {app} is not desired on {target} (no status row).
          </p>
        ) : (
          <Loading what="the live status" />
        )
      ) : (
        <Facts
          items={[
            [
              'Status',
              <span class="badges">
                <StatusBadge kind="sync" value={row.sync} />
                <StatusBadge
                  kind="health"
                  value={health?.value ?? row.health}
                  text={health?.text ?? row.health}
                />
                <StatusBadge kind="connection" value={row.connection} />
              </span>,
            ],
            ['Running', row.revision === undefined ? 'no report yet' : <code>{row.revision}</code>],
            ['Desired', <code>{row.desiredRevision}</code>],
            [
              'Delivery',
              `version ${String(row.desiredVersion)} ${row.delivered ? 'delivered' : 'not delivered yet'}${row.reportedVersion === undefined ? '' : `; last report on version ${String(row.reportedVersion)}`}`,
            ],
            ['Drifted objects', String(row.drift)],
            [
              'Last report',
              row.reportedAtMs === undefined
                ? 'never'
                : `${ago(row.reportedAtMs)} (${formatTime(row.reportedAtMs)})`,
            ],
            ['Agent last seen', row.lastSeenMs === undefined ? 'never' : ago(row.lastSeenMs)],
          ]}
        />
      )}

      <h2>Assignment</h2>
      <p data-testid="assignment">
        {row === undefined ? (
          'No desired state.'
        ) : (
          <>
            Revision <code title={row.desiredRevision}>{shortSha(row.desiredRevision)}</code>
            {source === undefined ? (lists.settled ? '' : ' …') : `: ${pinSourceText(source)}`}
          </>
        )}
      </p>

      <h2>Last error</h2>
      {lastError === undefined ? (
        <p class="muted">No error reported.</p>
      ) : (
        <pre class="error-text" data-testid="last-error">
          {lastError.code}: {lastError.message}
        </pre>
      )}

      <h2>Objects</h2>
      {report.state === 'loading' ? (
        <Loading what="the last report" />
      ) : report.state === 'error' ? (
        <ErrorBox error={report.error} />
      ) : report.data === undefined ? (
        <p role="status">No report yet: the agent has not reported on this application.</p>
      ) : (
        <>
          {report.data.healthMessage !== '' && <p>{report.data.healthMessage}</p>}
          <Objects report={report.data} />
        </>
      )}

      <h2>Sync history</h2>
      {history.state === 'loading' ? (
        <Loading what="the history" />
      ) : history.state === 'error' ? (
        <ErrorBox error={history.error} />
      ) : (
        <History items={history.data} />
      )}
    </Page>
  );
}
