/**
 * The pins page's model, pure: the key and "set by" text of each pin (`GET /api/v1/pins`), the
 * revisions each environment runs per application (`GET /api/v1/environments`), the choices of
 * the promotion form, and what a promotion answered (`POST /api/v1/promote`): the commit, or the
 * reasons of a refusal.
 */
import type { EnvironmentView } from '../../../src/http/api/fleet.ts';
import type { Pin, Promotion } from '../../../src/http/api/pins.ts';

/** `<environment>/<app>` or `<environment>/<app>/<target>`. */
export function pinKey(pin: Pick<Pin, 'environment' | 'app' | 'target'>): string {
  return pin.target === undefined || pin.target === ''
    ? `${pin.environment}/${pin.app}`
    : `${pin.environment}/${pin.app}/${pin.target}`;
}

/** The first line of a commit message, trimmed. */
export function firstLine(message: string): string {
  return (message.split(/\r?\n/, 1)[0] ?? '').trim();
}

/** Where a pin is written: `fleet/envs/prod.yaml:12`. */
export function pinLocation(pin: Pick<Pin, 'file' | 'line'>): string {
  return pin.line > 0 ? `${pin.file}:${String(pin.line)}` : pin.file;
}

/** One environment's application: its pin, and the revisions its targets are meant to run. */
export interface EnvironmentRevision {
  readonly environment: string;
  readonly app: string;
  readonly pin?: string;
  readonly revisions: readonly string[];
  readonly frozen: boolean;
}

/** Every (environment, application) pair, by environment then application. */
export function environmentRevisions(
  envs: readonly Pick<EnvironmentView, 'name' | 'frozen' | 'apps'>[],
): EnvironmentRevision[] {
  const out: EnvironmentRevision[] = [];
  for (const e of [...envs].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const a of [...e.apps].sort((x, y) => x.app.localeCompare(y.app))) {
      out.push({
        environment: e.name,
        app: a.app,
        ...(a.pin === undefined ? {} : { pin: a.pin }),
        revisions: a.revisions,
        frozen: e.frozen,
      });
    }
  }
  return out;
}

export interface PromoteChoices {
  readonly apps: readonly string[];
  readonly environments: readonly string[];
}

/** The applications placed in any environment and the environments, each sorted. */
export function promoteChoices(
  envs: readonly Pick<EnvironmentView, 'name' | 'apps'>[],
): PromoteChoices {
  const apps = new Set<string>();
  for (const e of envs) for (const a of e.apps) apps.add(a.app);
  return {
    apps: [...apps].sort((a, b) => a.localeCompare(b)),
    environments: envs.map((e) => e.name).sort((a, b) => a.localeCompare(b)),
  };
}

export interface PromoteForm {
  readonly app: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The form's values kept valid against the choices: a value no longer offered falls back to the
 * first (From) or the one after From (To).
 */
export function promoteDefaults(choices: PromoteChoices, form: Partial<PromoteForm>): PromoteForm {
  const pick = (v: string | undefined, list: readonly string[], fallback: string): string =>
    v !== undefined && list.includes(v) ? v : fallback;
  const app = pick(form.app, choices.apps, choices.apps[0] ?? '');
  const from = pick(form.from, choices.environments, choices.environments[0] ?? '');
  const next =
    choices.environments.find((e) => e !== from && e > from) ??
    choices.environments.find((e) => e !== from) ??
    '';
  const to = pick(form.to, choices.environments, next);
  return { app, from, to };
}

/** Why the form cannot be sent, or undefined when it can. */
export function promoteProblem(form: PromoteForm): string | undefined {
  if (form.app === '') return 'choose an application';
  if (form.from === '' || form.to === '') return 'choose the environments to promote from and to';
  if (form.from === form.to) return 'From and To must be different environments';
  return undefined;
}

/** The query of `POST /api/v1/promote`; a reason (for the commit message) only when given. */
export function promoteQuery(form: PromoteForm, reason = ''): Record<string, string> {
  const why = reason.trim();
  return { app: form.app, from: form.from, to: form.to, ...(why === '' ? {} : { reason: why }) };
}

/** What the page says about a promotion made. */
export function promotionText(
  p: Pick<Promotion, 'app' | 'environment' | 'revision' | 'commit' | 'changed' | 'targets'>,
  short: (sha: string) => string,
): string {
  if (!p.changed)
    return `${p.environment} already pins ${p.app} to ${short(p.revision)}: nothing to commit (fleet branch at ${short(p.commit)})`;
  const n = p.targets.length;
  return `promoted ${p.app} to ${p.environment}: pinned ${short(p.revision)} (what ${String(n)} target${n === 1 ? '' : 's'} run), commit ${short(p.commit)}`;
}

/** The reasons of a refused promotion (`details.reasons`), or none. */
export function refusalReasons(details: unknown): string[] {
  if (typeof details !== 'object' || details === null) return [];
  const reasons = (details as { reasons?: unknown }).reasons;
  return Array.isArray(reasons) ? reasons.filter((r): r is string => typeof r === 'string') : [];
}

/** What the page adds to the API's error when the hub serves no pins (404). */
export function pinsUnavailableText(status: number): string | undefined {
  if (status === 404) return 'This hub serves no pins (GET /api/v1/pins answered 404).';
  return undefined;
}
