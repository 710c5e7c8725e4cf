/**
 * The repositories the hub polls: the fleet's, and every application source repository of the
 * fleet in force (`source.repoURL`), once each. A commit in any of them starts a pass, so an
 * application repository's new commit is seen within the poll interval (or at once by a
 * webhook), not only when the fleet repository changes. Pure.
 */
import type { FleetSpec } from '../core/fleet/index.ts';
import type { GitRepo } from '../git/port.ts';
import { repoKey } from '../git/repo-url.ts';

/** The fleet repository first, then each other source repository of `spec` in fleet order. */
export function polledRepos(fleet: GitRepo, spec: FleetSpec | undefined): GitRepo[] {
  const out: GitRepo[] = [fleet];
  const seen = new Set([keyOf(fleet.url)]);
  for (const app of spec?.applications ?? []) {
    const url = app.source.repoURL;
    if (url === undefined || seen.has(keyOf(url))) continue;
    seen.add(keyOf(url));
    out.push({ url });
  }
  return out;
}

/** An invalid URL keys as written: it is polled and shows its error in the poll status. */
function keyOf(url: string): string {
  return repoKey(url) ?? url;
}
