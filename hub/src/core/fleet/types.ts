/**
 * The fleet model: what the fleet repository declares, after parsing, validation and defaults.
 * Plain readonly JSON-shaped values (no Maps, no classes), so a FleetSpec can be stored, compared
 * and sent as it is. parse-fleet.ts builds it from YAML; resolve.ts answers questions about it.
 */
import type {
  AssignmentPolicies,
  ErrorCode,
  JsonObject,
  JsonValue,
  LabelSelector,
  Labels,
  ObjectSelector,
  ProjectScope,
  ScopeRule,
} from '@gitfleet/proto/domain';

/** `apiVersion` of every fleet object. Documents with any other apiVersion are not fleet objects. */
export const FLEET_API_VERSION = 'gitfleet.dev/v1alpha1';
/** API group of fleet objects: another version of this group is an error, not "someone else's". */
export const FLEET_API_GROUP = 'gitfleet.dev';

export const FleetKind = {
  Target: 'Target',
  Application: 'Application',
  Environment: 'Environment',
  Project: 'Project',
} as const;
export type FleetKind = (typeof FleetKind)[keyof typeof FleetKind];

/** A fleet document larger than this (UTF-8 bytes of its source text) is refused. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** More fleet objects than this in one repository are refused (the rest are not read). */
export const MAX_FLEET_OBJECTS = 10_000;

/**
 * More entries than this in one list of a Project (sourceRepos, namespaces, …), or a pattern
 * longer than this (UTF-16 code units), are refused: the bounds of the scope an assignment
 * carries to the agent, so what the fleet accepts always fits on the wire.
 */
export {
  MAX_SCOPE_RULES as MAX_PROJECT_RULES,
  MAX_SCOPE_PATTERN_LENGTH as MAX_PROJECT_PATTERN_LENGTH,
} from '@gitfleet/proto/domain';

/** Branch an Application deploys when neither it nor a pin names a revision. */
export const DEFAULT_TARGET_REVISION = 'main';

// ---------------------------------------------------------------------------------------------
// Labels and label selectors (Kubernetes semantics, shared with the agent)

export { SelectorOperator } from '@gitfleet/proto/domain';
export type { LabelSelector, LabelSelectorRequirement, Labels } from '@gitfleet/proto/domain';

// ---------------------------------------------------------------------------------------------
// Target

/** A cluster. Its labels come from Git only: what an agent claims about itself is never used. */
export interface TargetSpec {
  /** DNS label; the agent authenticates as this name. */
  readonly name: string;
  readonly labels: Labels;
}

// ---------------------------------------------------------------------------------------------
// Application

export interface ApplicationSource {
  /** Git URL of the manifests; absent: the fleet repository itself. */
  readonly repoURL?: string;
  /** Directory inside the repository, normalised: no leading './' or '/', no trailing '/'; '' = root. */
  readonly path: string;
  /** Branch, tag or commit SHA used where no environment pin applies. Default {@link DEFAULT_TARGET_REVISION}. */
  readonly targetRevision: string;
  /**
   * Render `path` with kustomize, with these options (`{}`: none). Absent: kustomize all the same
   * when `path` holds a kustomization file (docs/sources.md).
   */
  readonly kustomize?: KustomizeOptions;
  /** Render `path`, a chart directory, with `helm template` and these options (docs/sources.md). */
  readonly helm?: HelmOptions;
}

/** A `--set` (or, with forceString, `--set-string`) value of a helm render. */
export interface HelmParameter {
  readonly name: string;
  readonly value: string;
  readonly forceString?: boolean;
}

/** Helm values: a YAML mapping of any JSON values. */
export type HelmValues = { readonly [key: string]: HelmValue };
export type HelmValue = string | number | boolean | null | readonly HelmValue[] | HelmValues;

/**
 * How gitfleet runs `helm template` over the chart at `source.path` (Argo CD's `source.helm`).
 * String values may use the overlay variables (`${target.name}`, …).
 */
export interface HelmOptions {
  readonly releaseName?: string;
  readonly namespace?: string;
  /** Value files relative to the chart directory, inside the repository; applied in order. */
  readonly valueFiles?: readonly string[];
  /** Values over the value files (deep-merged over the application's by each overlay). */
  readonly values?: HelmValues;
  /** `--set` values over everything else (replaced by name by each overlay). */
  readonly parameters?: readonly HelmParameter[];
  /** True: the chart's crds/ directory is left out. */
  readonly skipCrds?: boolean;
}

/**
 * An image override (kustomize `images:`): the containers whose image is `name` get `newName`,
 * `newTag` and/or `digest`. Written as a mapping or as `name=newName:newTag` / `name:newTag` /
 * `name@sha256:…`.
 */
export interface KustomizeImage {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

/** Which objects a kustomize patch applies to (kustomize's patch target; every field optional). */
export interface KustomizePatchTarget {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly annotationSelector?: string;
}

/** A kustomize patch: a strategic-merge or JSON 6902 patch as text, and its target. */
export interface KustomizePatch {
  readonly target?: KustomizePatchTarget;
  readonly patch: string;
}

/**
 * What gitfleet sets in the application's kustomization before it runs kustomize (Argo CD's
 * `source.kustomize`). String values may use the overlay variables (`${target.name}`, …).
 */
export interface KustomizeOptions {
  readonly namePrefix?: string;
  readonly nameSuffix?: string;
  readonly images?: readonly KustomizeImage[];
  readonly commonLabels?: Readonly<Record<string, string>>;
  readonly commonAnnotations?: Readonly<Record<string, string>>;
  readonly patches?: readonly KustomizePatch[];
  /** Component directories, relative to `path`, inside the repository. */
  readonly components?: readonly string[];
}

export interface Placement {
  /** Targets the application is deployed to. */
  readonly selector: LabelSelector;
}

export const JsonPatchOp = {
  Add: 'add',
  Remove: 'remove',
  Replace: 'replace',
  Move: 'move',
  Copy: 'copy',
  Test: 'test',
} as const;
export type JsonPatchOp = (typeof JsonPatchOp)[keyof typeof JsonPatchOp];

/** One RFC 6902 operation; `path`/`from` are RFC 6901 JSON pointers. */
export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string };

/** An RFC 6902 JSON patch applied to every rendered object the selector matches. */
export interface JsonPatchOverlay {
  readonly target: ObjectSelector;
  readonly jsonPatch: readonly JsonPatchOperation[];
}

/** A strategic-merge patch (a partial object) applied to every rendered object the selector matches. */
export interface MergePatchOverlay {
  readonly target: ObjectSelector;
  readonly merge: JsonObject;
}

export type OverlayPatch = JsonPatchOverlay | MergePatchOverlay;

/**
 * Changes to the rendered objects of an application on some of its targets. At most one of
 * `environment`, `target` and `selector` scopes it; none = every target of the application.
 * Overlays apply in declared order. String values (namespace and everything inside patches) may
 * use the variables of variables.ts (`${target.name}`, `${target.labels.<key>}`,
 * `${environment.name}`).
 */
export interface Overlay {
  readonly environment?: string;
  readonly target?: string;
  readonly selector?: LabelSelector;
  /** Namespace set on every namespaced object of the application. */
  readonly namespace?: string;
  readonly patches?: readonly OverlayPatch[];
  /**
   * Kustomize options for these targets, over the application's `source.kustomize`: names
   * and prefixes replace, images (by name), labels and annotations (by key) merge, patches and
   * components add up.
   */
  readonly kustomize?: KustomizeOptions;
  /** Helm values and parameters for these targets, over the application's `source.helm`. */
  readonly helm?: HelmOptions;
}

// ---------------------------------------------------------------------------------------------
// Rollout strategy (Application.spec.rollout)

/** What the rollout does once more targets failed than `failureBudget` tolerates. */
export const RolloutOnFailure = { Rollback: 'rollback', Halt: 'halt' } as const;
export type RolloutOnFailure = (typeof RolloutOnFailure)[keyof typeof RolloutOnFailure];

/** What the rollout does with a target that is not Connected when its turn comes. */
export const StaleTargetPolicy = { Block: 'block', Skip: 'skip' } as const;
export type StaleTargetPolicy = (typeof StaleTargetPolicy)[keyof typeof StaleTargetPolicy];

/** `manual`: the wave starts only once a person approved it. */
export const WaveGate = { Manual: 'manual' } as const;
export type WaveGate = (typeof WaveGate)[keyof typeof WaveGate];

/**
 * How many of a wave's targets may be moved-but-not-yet-healthy at once: a count (≥ 1) or a
 * percentage in (0, 100] of the wave's targets, rounded down, at least 1.
 */
export type MaxUnavailable = { readonly count: number } | { readonly percent: number };

/** Name of the implicit last wave holding the placed targets no wave selects (reserved). */
export const UNMATCHED_WAVE = 'unmatched';

/** Defaults of what a rollout does not set. */
export const ROLLOUT_DEFAULTS: {
  /** Every target of the wave at once (Fleet's and Argo's default too). */
  readonly maxUnavailable: MaxUnavailable;
  readonly soakMs: number;
  readonly progressDeadlineMs: number;
  readonly failureBudget: number;
  /** Stop and let a person decide (the least surprising reaction). */
  readonly onFailure: RolloutOnFailure;
  /** Wait for targets that are not Connected (never move a revision past an unseen cluster). */
  readonly staleTargets: StaleTargetPolicy;
} = Object.freeze({
  maxUnavailable: Object.freeze({ percent: 100 }),
  soakMs: 0,
  progressDeadlineMs: 10 * 60_000,
  failureBudget: 0,
  onFailure: RolloutOnFailure.Halt,
  staleTargets: StaleTargetPolicy.Block,
});

export interface RolloutWave {
  /** DNS label, unique in the rollout; `unmatched` is reserved. */
  readonly name: string;
  /** Over the application's placed targets; a target belongs to the first wave that selects it. */
  readonly selector: LabelSelector;
  readonly maxUnavailable: MaxUnavailable;
  /** How long the wave stays healthy at the new revision before the next one starts. */
  readonly soakMs: number;
  readonly gate?: WaveGate;
}

/**
 * How a new revision of an application reaches its targets: wave by wave, in declared order.
 * Placed targets that no wave selects form an implicit last wave named {@link UNMATCHED_WAVE}
 * (default maxUnavailable, no soak, no gate): they are rolled out last rather than never.
 */
export interface RolloutStrategy {
  readonly waves: readonly RolloutWave[];
  /** A moved target not healthy within this long is a failure. */
  readonly progressDeadlineMs: number;
  /** Failed targets tolerated across the whole rollout; one more triggers `onFailure`. */
  readonly failureBudget: number;
  readonly onFailure: RolloutOnFailure;
  readonly staleTargets: StaleTargetPolicy;
}

export interface ApplicationSpec {
  /** DNS label. */
  readonly name: string;
  /** The Project whose scope the application stays in; absent: `default` (see ProjectSpec). */
  readonly project?: string;
  readonly source: ApplicationSource;
  readonly placement: Placement;
  /**
   * What the agent does with the objects; every field defaulted (see DEFAULT_POLICIES). The
   * destination namespace and createNamespace come from `spec.destination.namespace` and
   * `spec.syncPolicy.createNamespace` (read-destination.ts), present only when set.
   */
  readonly policies: AssignmentPolicies;
  readonly overlays?: readonly Overlay[];
  /** Absent: a new revision goes to every target at once. */
  readonly rollout?: RolloutStrategy;
  /** Absent: the rendered objects are not written back to Git. */
  readonly hydrateTo?: HydrateTo;
}

/**
 * Where the hub writes the application's rendered objects, per environment, for reviewers to
 * read (`spec.hydrateTo`, docs/sources.md "Rendered manifests in Git"): a branch of the
 * application's source repository (the fleet repository when `source.repoURL` is absent) and a
 * directory on it. The hub owns everything under `path` on that branch; the rest is kept.
 */
export interface HydrateTo {
  /** Branch name (created as an orphan branch when missing); never the branch the app reads. */
  readonly branch: string;
  /** Directory, normalised like `source.path`; never the repository root. */
  readonly path: string;
}

// ---------------------------------------------------------------------------------------------
// Environment

export const SyncWindowKind = { Allow: 'allow', Deny: 'deny' } as const;
export type SyncWindowKind = (typeof SyncWindowKind)[keyof typeof SyncWindowKind];

/**
 * A recurring window of time (Argo CD semantics): active from each start of `schedule` for
 * `durationMs`. With no windows syncs are allowed; with allow windows only while one is active;
 * an active deny window always forbids (deny beats allow).
 */
export interface SyncWindow {
  readonly kind: SyncWindowKind;
  /** 5-field cron, evaluated in `timeZone` (see core/time/cron.ts). */
  readonly schedule: string;
  readonly durationMs: number;
  /** IANA time zone, as written. Default `UTC`. */
  readonly timeZone: string;
}

/** Application name → revision (commit SHA, tag or branch). */
export type Pins = Readonly<Record<string, string>>;

export interface EnvironmentSpec {
  /** DNS label. */
  readonly name: string;
  /** Targets in the environment; a target is in at most one environment. */
  readonly selector: LabelSelector;
  readonly pins: Pins;
  /** Target name → pins that override `pins` on that target only. */
  readonly targetPins?: Readonly<Record<string, Pins>>;
  /** A frozen environment takes no new revisions (enforced by the rollout, not here). */
  readonly frozen?: boolean;
  /** When rollouts may move this environment's targets (rollout/windows.ts). */
  readonly syncWindows?: readonly SyncWindow[];
}

// ---------------------------------------------------------------------------------------------
// Project

/** Where a Project is written, for the problems its rules raise. */
export interface ProjectLocation {
  readonly file: string;
  /** Line of `metadata.name`. */
  readonly line: number;
  /** Line of each rule written (`sourceRepos`, `kinds.allow`, …). */
  readonly rules: Readonly<Partial<Record<ScopeRule, number>>>;
}

/**
 * What a group of applications may do (Argo CD's AppProject): sources, targets, namespaces and
 * kinds; the decision is `scopeViolations` of `@gitfleet/proto/domain`, so the agent can apply
 * the same scope. An application names its project; one that names none is in `default`, which
 * allows everything unless the fleet declares a Project named `default`.
 */
export interface ProjectSpec extends ProjectScope {
  readonly declaredAt: ProjectLocation;
}

// ---------------------------------------------------------------------------------------------
// Fleet

/** Everything the fleet repository declares; each list sorted by name, names unique per kind. */
export interface FleetSpec {
  readonly targets: readonly TargetSpec[];
  readonly applications: readonly ApplicationSpec[];
  readonly environments: readonly EnvironmentSpec[];
  /** Absent when the repository declares no Project (every application is then unrestricted). */
  readonly projects?: readonly ProjectSpec[];
}

export const ProblemSeverity = { Error: 'error', Warning: 'warning' } as const;
export type ProblemSeverity = (typeof ProblemSeverity)[keyof typeof ProblemSeverity];

/**
 * One thing wrong with the fleet repository. `error` blocks the new definition (the last good one
 * stays in force); `warning` is reported but does not block.
 */
export interface FleetProblem {
  /** Repository-relative path; '' for problems of the repository as a whole. */
  readonly file: string;
  /** 1-based; 0 when `file` is ''. */
  readonly line: number;
  /** 1-based. */
  readonly column?: number;
  /** Dotted path in the document (`spec.placement.selector.matchLabels`); '' for the document. */
  readonly field: string;
  readonly message: string;
  readonly severity: ProblemSeverity;
  /** LIMIT_EXCEEDED when the problem is a documented limit crossed; absent otherwise. */
  readonly code?: typeof ErrorCode.LimitExceeded;
  /** The name of the limit crossed (maxDepth, MAX_FLEET_OBJECTS, …), with `code`. */
  readonly limit?: string;
}

/** The outcome of parsing: the fleet as far as it could be read, and everything wrong with it. */
export interface ParsedFleet {
  readonly spec: FleetSpec;
  readonly problems: readonly FleetProblem[];
}
