/**
 * A table of live status rows (the target page lists its applications, the application page its
 * targets): each row links to its (application, target) page.
 */
import type { FleetStatusRow } from '../../../src/http/api/fleet.ts';
import { StatusBadge } from '../components.tsx';
import { ago, shortSha } from '../format.ts';
import { shownHealth } from '../grid-model.ts';
import { Link } from '../router.ts';

export function StatusTable(props: {
  readonly label: string;
  readonly rows: readonly FleetStatusRow[];
  /** The first column: the application (a target's page) or the target (an application's). */
  readonly by: 'app' | 'target';
  /** Extra column, e.g. where the revision comes from. */
  readonly extra?: { readonly title: string; readonly cell: (r: FleetStatusRow) => string };
}) {
  const { rows, by, extra } = props;
  return (
    <table aria-label={props.label} class="data">
      <thead>
        <tr>
          <th scope="col">{by === 'app' ? 'Application' : 'Target'}</th>
          {by === 'target' && <th scope="col">Environment</th>}
          <th scope="col">Revision</th>
          <th scope="col">Sync</th>
          <th scope="col">Health</th>
          <th scope="col">Connection</th>
          <th scope="col">Drift</th>
          {extra !== undefined && <th scope="col">{extra.title}</th>}
          <th scope="col">Reported</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const h = shownHealth(r.health, r.connection);
          return (
            <tr key={`${r.app}/${r.target}`} data-row={`${r.app}/${r.target}`}>
              <th scope="row">
                <Link
                  href={`/ui/apps/${encodeURIComponent(r.app)}/${encodeURIComponent(r.target)}`}
                >
                  {by === 'app' ? r.app : r.target}
                </Link>
              </th>
              {by === 'target' && <td>{r.environment ?? '—'}</td>}
              <td>
                <code title={r.revision ?? ''}>
                  {r.revision === undefined ? '—' : shortSha(r.revision)}
                </code>
                {r.revision !== undefined && r.revision !== r.desiredRevision && (
                  <span class="muted"> → {shortSha(r.desiredRevision)}</span>
                )}
              </td>
              <td>
                <StatusBadge kind="sync" value={r.sync} />
              </td>
              <td>
                <StatusBadge kind="health" value={h.value} text={h.text} />
              </td>
              <td>
                <StatusBadge kind="connection" value={r.connection} />
              </td>
              <td>{r.drift}</td>
              {extra !== undefined && <td>{extra.cell(r)}</td>}
              <td>{ago(r.reportedAtMs)}</td>
              <td class="wrap">
                {r.error === undefined ? '' : `${r.error.code}: ${r.error.message}`}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
