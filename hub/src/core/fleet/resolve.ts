/**
 * Questions about a FleetSpec: which targets an application goes to, which environment a target
 * is in, which revision an application should run on a target (and why), which overlays apply,
 * and which project's scope an application stays in. Pure and synchronous; unknown names throw GitfleetError NOT_FOUND (a caller bug or a
 * stale name, never a fleet problem: those are parseFleet's job).
 */
import {
  DEFAULT_PROJECT,
  ErrorCode,
  GitfleetError,
  UNRESTRICTED_SCOPE,
} from '@gitfleet/proto/domain';
import type { ProjectScope } from '@gitfleet/proto/domain';
import { matchesLabelSelector } from './label-selector.ts';
import type {
  ApplicationSpec,
  EnvironmentSpec,
  FleetSpec,
  Overlay,
  ProjectSpec,
  TargetSpec,
} from './types.ts';

/** The declared target of that name, or undefined: an agent that is not one is refused. */
export function findTarget(spec: FleetSpec, name: string): TargetSpec | undefined {
  return spec.targets.find((t) => t.name === name);
}

/** The declared application of that name, or undefined. */
export function findApplication(spec: FleetSpec, name: string): ApplicationSpec | undefined {
  return spec.applications.find((a) => a.name === name);
}

function requireTarget(spec: FleetSpec, name: string): TargetSpec {
  const found = findTarget(spec, name);
  if (found !== undefined) return found;
  throw new GitfleetError(ErrorCode.NotFound, `target "${name}" is not declared in the fleet`, {
    details: { target: name },
  });
}

function requireApplication(spec: FleetSpec, name: string): ApplicationSpec {
  const found = findApplication(spec, name);
  if (found !== undefined) return found;
  throw new GitfleetError(
    ErrorCode.NotFound,
    `application "${name}" is not declared in the fleet`,
    { details: { app: name } },
  );
}

/**
 * Names of the targets `app` is placed on (its placement selector over target labels), sorted.
 *
 * @throws GitfleetError NOT_FOUND when `app` is not declared
 */
export function placementOf(spec: FleetSpec, app: string): string[] {
  const { selector } = requireApplication(spec, app).placement;
  return spec.targets
    .filter((t) => matchesLabelSelector(t.labels, selector))
    .map((t) => t.name)
    .sort();
}

/**
 * The environment whose selector matches `target`'s labels, or undefined when none does. In an
 * accepted fleet at most one does (parseFleet refuses overlaps); otherwise the first by name.
 *
 * @throws GitfleetError NOT_FOUND when `target` is not declared
 */
export function environmentOf(spec: FleetSpec, target: string): EnvironmentSpec | undefined {
  const { labels } = requireTarget(spec, target);
  return spec.environments.find((e) => matchesLabelSelector(labels, e.selector));
}

export const RevisionSource = {
  TargetPin: 'target-pin',
  EnvironmentPin: 'environment-pin',
  Application: 'application',
} as const;
export type RevisionSource = (typeof RevisionSource)[keyof typeof RevisionSource];

/** The revision to deploy and where it came from (for the explainable status). */
export interface RevisionRef {
  /** Commit SHA, tag or branch, as written; the Git adapter turns it into a commit. */
  readonly ref: string;
  readonly source: RevisionSource;
  /** The target's environment, when it has one (also for source 'application'). */
  readonly environment?: string;
}

function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * The revision `app` should run on `target`: the environment's pin for that target, else the
 * environment's pin, else the application's `source.targetRevision`. The most specific pin wins.
 * Whether `app` is placed on `target` is not checked (see placementOf). A frozen environment
 * still resolves: holding revisions back is the rollout's decision.
 *
 * @throws GitfleetError NOT_FOUND when `app` or `target` is not declared
 * @example resolveRevisionRef(spec, 'podinfo', 'prod-eu-1') // { ref: 'v6.7.0', source: 'environment-pin', environment: 'prod' }
 */
export function resolveRevisionRef(spec: FleetSpec, app: string, target: string): RevisionRef {
  const { source } = requireApplication(spec, app);
  const env = environmentOf(spec, target);
  if (env === undefined) return { ref: source.targetRevision, source: 'application' };
  const environment = env.name;
  const targetPin = own(own(env.targetPins, target), app);
  if (targetPin !== undefined) return { ref: targetPin, source: 'target-pin', environment };
  const pin = own(env.pins, app);
  if (pin !== undefined) return { ref: pin, source: 'environment-pin', environment };
  return { ref: source.targetRevision, source: 'application', environment };
}

/**
 * True when `overlay` applies to `target` (in environment `environment`, if any): its scope is
 * that environment, that target, a selector matching the target's labels, or absent.
 */
export function overlayApplies(
  overlay: Overlay,
  target: TargetSpec,
  environment: string | undefined,
): boolean {
  if (overlay.environment !== undefined) return overlay.environment === environment;
  if (overlay.target !== undefined) return overlay.target === target.name;
  if (overlay.selector !== undefined) return matchesLabelSelector(target.labels, overlay.selector);
  return true;
}

/**
 * The overlays of `app` that apply on `target`, in declared order (later ones patch the result
 * of earlier ones). Whether `app` is placed on `target` is not checked.
 *
 * @throws GitfleetError NOT_FOUND when `app` or `target` is not declared
 */
export function overlaysFor(spec: FleetSpec, app: string, target: string): Overlay[] {
  const t = requireTarget(spec, target);
  const env = environmentOf(spec, target)?.name;
  return (requireApplication(spec, app).overlays ?? []).filter((o) => overlayApplies(o, t, env));
}

/**
 * The scope `app` stays in: the Project it names (`default` when it names none); the
 * unrestricted scope for `default` when the fleet declares no Project of that name. A name the
 * fleet does not declare (never so in an accepted fleet) allows nothing: the check fails closed.
 */
export function projectScopeOf(spec: FleetSpec, app: ApplicationSpec): ProjectScope | ProjectSpec {
  const name = app.project ?? DEFAULT_PROJECT;
  const declared = spec.projects?.find((p) => p.name === name);
  if (declared !== undefined) return declared;
  if (name === DEFAULT_PROJECT) return UNRESTRICTED_SCOPE;
  return { name, sourceRepos: [], namespaces: [], kinds: { allow: [], deny: [] }, targets: {} };
}
