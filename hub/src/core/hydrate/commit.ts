/**
 * The commit that carries an application's rendered manifests: its message, author and time.
 * Everything in it follows from the rendered state, so two hub replicas writing the same render
 * onto the same branch head make the same commit (same id): neither has to win. Pure.
 */
import type { HydrateGroup } from './layout.ts';
import { NO_ENVIRONMENT_DIR } from './layout.ts';

/** Author and committer of every hydration commit. */
export const HYDRATE_AUTHOR = Object.freeze({ name: 'gitfleet', email: 'gitfleet@localhost' });

/** Commits named on the subject line before the rest is summed up as `+N`. */
export const MAX_SUBJECT_COMMITS = 3;
const SHORT = 12;

/**
 * `hydrate <app>: <short commit>[, …]`, a blank line, then one line per environment with the
 * full source commit(s) it renders.
 *
 * @example hydrateMessage('web', [{ name: 'prod', revisions: ['0123…'], … }])
 *   === 'hydrate web: 0123456789ab\n\nprod: 0123…\n'
 */
export function hydrateMessage(app: string, groups: readonly HydrateGroup[]): string {
  const all = [...new Set(groups.flatMap((g) => g.revisions))].sort();
  const shown = all.slice(0, MAX_SUBJECT_COMMITS).map((r) => r.slice(0, SHORT));
  const more = all.length - shown.length;
  const subject = `hydrate ${app}: ${shown.length === 0 ? 'no targets' : shown.join(', ')}${more > 0 ? ` +${String(more)}` : ''}`;
  const lines = groups.map(
    (g) =>
      `${g.name === NO_ENVIRONMENT_DIR ? '(no environment)' : g.name}: ${g.revisions.join(', ')}`,
  );
  return lines.length === 0 ? `${subject}\n` : `${subject}\n\n${lines.join('\n')}\n`;
}

/**
 * The commit time (Unix seconds): the newest committer time among the source commits rendered,
 * so it moves with the sources and never with the clock of the replica writing it. 0 when no
 * source commit's time is known.
 */
export function hydrateTime(sourceCommitTimes: readonly number[]): number {
  let newest = 0;
  for (const t of sourceCommitTimes) if (Number.isSafeInteger(t) && t > newest) newest = t;
  return newest;
}
