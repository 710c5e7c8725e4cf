/**
 * Where the revision of an application on a target comes from, as the hub decides it: a pin of
 * the target in its environment (`spec.targetPins`), else the environment's pin of the
 * application (`spec.pins`), else the application's own `source.targetRevision`. Computed from
 * `GET /api/v1/environments` and `GET /api/v1/applications`. Pure.
 */
import type { ApplicationView, EnvironmentView } from '../../src/http/api/fleet.ts';

export type PinSource =
  | { readonly kind: 'target'; readonly environment: string; readonly value: string }
  | { readonly kind: 'environment'; readonly environment: string; readonly value: string }
  | { readonly kind: 'branch'; readonly ref: string };

export type EnvPins = Pick<EnvironmentView, 'name' | 'targets' | 'pins' | 'targetPins'>;

/** The environment of `target`: the one named, else the first whose selector matches it. */
function environmentOf(
  target: string,
  envs: readonly EnvPins[],
  environment?: string,
): EnvPins | undefined {
  if (environment !== undefined) return envs.find((e) => e.name === environment);
  return envs.find((e) => e.targets.includes(target));
}

/**
 * The source of (app, target)'s revision. `environment` is the target's, when known (a status
 * row says it); `app` the application's view (its targetRevision; absent: `HEAD`).
 */
export function pinSource(
  appName: string,
  target: string,
  envs: readonly EnvPins[],
  app?: Pick<ApplicationView, 'targetRevision'>,
  environment?: string,
): PinSource {
  const env = environmentOf(target, envs, environment);
  if (env !== undefined) {
    const tp = env.targetPins[target]?.[appName];
    if (tp !== undefined) return { kind: 'target', environment: env.name, value: tp };
    const ep = env.pins[appName];
    if (ep !== undefined) return { kind: 'environment', environment: env.name, value: ep };
  }
  return { kind: 'branch', ref: app?.targetRevision ?? 'HEAD' };
}

/** The words of the row page (docs/ui.md). */
export function pinSourceText(s: PinSource): string {
  switch (s.kind) {
    case 'target':
      return `pinned for target in environment ${s.environment} (${s.value})`;
    case 'environment':
      return `pinned by environment ${s.environment} (${s.value})`;
    case 'branch':
      return `branch ${s.ref} of the application`;
  }
}

/**
 * A fast "is (app, target) pinned" for the grid: an index of the environments' pins. `env` is the
 * row's environment when it has one.
 */
export class PinIndex {
  private readonly byName = new Map<string, EnvPins>();
  private readonly byTarget = new Map<string, EnvPins>();

  constructor(envs: readonly EnvPins[]) {
    for (const e of envs) {
      this.byName.set(e.name, e);
      for (const t of e.targets) if (!this.byTarget.has(t)) this.byTarget.set(t, e);
    }
  }

  pinned(app: string, target: string, env?: string): boolean {
    const e = env === undefined ? this.byTarget.get(target) : this.byName.get(env);
    if (e === undefined) return false;
    return e.targetPins[target]?.[app] !== undefined || e.pins[app] !== undefined;
  }
}
