/**
 * The scope of a project (the fleet's equivalent of Argo CD's AppProject): which source
 * repositories its applications may deploy from, which targets they may be placed on, which
 * namespaces their objects may land in and which kinds of objects they may declare. One pure
 * decision, shared by the hub (before it delivers anything) and the agent (a second check of what
 * it is sent): the same scope and input give the same violations on both sides.
 *
 * Patterns are globs: `*` matches any run of characters except '/', `**` any run at all, every
 * other character itself (case-sensitive). So `https://git.example.com/payments/*` allows the
 * repositories directly under `payments/` and `https://*.example.com/...` cannot be satisfied by
 * another host with a path; `**` allows every repository. A repository URL with a `.` or `..`
 * path segment or an encoded '/' or '\' (written plainly or percent-encoded) says one place and
 * may fetch another: only a project allowing `**` takes it.
 *
 * Kinds: a deny entry always wins. A namespaced object's kind must match `allow` when it is
 * written (absent: every namespaced kind). A cluster-scoped object (no namespace, or a kind the
 * caller knows is cluster-scoped) must match `allowClusterScoped`, a list of its own so that a
 * wildcard meant for namespaced kinds never opens Namespaces, ClusterRoleBindings or CRDs:
 * without it a project deploys namespaced objects only.
 */
import { describeObject } from './kube.ts';
import type { ObjectIdentity } from './kube.ts';
import type { AssignmentScope } from './messages.ts';
import { formatLabelSelector, matchesLabelSelector } from './label-selector.ts';
import type { LabelSelector, Labels } from './label-selector.ts';

/** The project of an application that names none. Unrestricted unless the fleet declares it. */
export const DEFAULT_PROJECT = 'default';

/** An API group and kind, each a glob (`*`: any); group "" is the core group. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Which object kinds a project's applications may declare. */
export interface ProjectKinds {
  /** Namespaced kinds allowed; absent: every namespaced kind. */
  readonly allow?: readonly GroupKind[];
  /** Cluster-scoped kinds allowed; absent: none. */
  readonly allowClusterScoped?: readonly GroupKind[];
  /** Never allowed, whatever the allow lists say. */
  readonly deny: readonly GroupKind[];
}

/** Which targets a project's applications may be placed on: a target either rule selects. */
export interface ProjectTargets {
  readonly names?: readonly string[];
  readonly selector?: LabelSelector;
}

/** What a project allows. */
export interface ProjectScope {
  /** DNS label. */
  readonly name: string;
  /** Globs over source repository URLs. */
  readonly sourceRepos: readonly string[];
  /** Globs over the namespaces of namespaced objects. */
  readonly namespaces: readonly string[];
  readonly kinds: ProjectKinds;
  readonly targets: ProjectTargets;
}

/**
 * The part of a project that bounds objects: what an Assignment carries (signed) so that the
 * agent can judge each object it is sent with {@link objectViolations}, as the hub did. Every
 * ProjectScope is one.
 */
export type ObjectScope = AssignmentScope;

/** Most entries of one list of a project's rules (namespaces, each kinds list). */
export const MAX_SCOPE_RULES = 256;
/** Longest pattern of a project's rules, in characters. */
export const MAX_SCOPE_PATTERN_LENGTH = 512;

const NAMESPACE_GLOB = /^[a-z0-9*-]+$/;
const GROUP_GLOB = /^[a-z0-9.*-]*$/;
const KIND_GLOB = /^[A-Za-z0-9*]+$/;

/** True for a namespace glob: lowercase letters, digits, '-' and '*'. */
export function isNamespaceGlob(pattern: string): boolean {
  return NAMESPACE_GLOB.test(pattern);
}

/** True for an API group glob: lowercase letters, digits, '.', '-' and '*'; "" (core group). */
export function isGroupGlob(pattern: string): boolean {
  return GROUP_GLOB.test(pattern);
}

/** True for a kind glob: letters, digits and '*' (as in Deployment), never empty. */
export function isKindGlob(pattern: string): boolean {
  return KIND_GLOB.test(pattern);
}

/**
 * The object rules of `scope` in one normal form: only the fields that judge objects, every list
 * copied, `allowClusterScoped` always present (absent and empty both allow none), `allow` only
 * when written. Equal scopes give equal values (the codec's decode gives this form too).
 */
export function objectScopeOf(scope: ObjectScope): ObjectScope {
  const gks = (list: readonly GroupKind[]): GroupKind[] =>
    list.map((gk) => ({ group: gk.group, kind: gk.kind }));
  const { allow, allowClusterScoped, deny } = scope.kinds;
  return {
    name: scope.name,
    namespaces: [...scope.namespaces],
    kinds: {
      ...(allow === undefined ? {} : { allow: gks(allow) }),
      allowClusterScoped: gks(allowClusterScoped ?? []),
      deny: gks(deny),
    },
  };
}

/** The implicit `default` project: everything allowed, as when there were no projects. */
export const UNRESTRICTED_SCOPE: ProjectScope = Object.freeze({
  name: DEFAULT_PROJECT,
  sourceRepos: Object.freeze(['**']),
  namespaces: Object.freeze(['*']),
  kinds: Object.freeze({
    allowClusterScoped: Object.freeze([Object.freeze({ group: '*', kind: '*' })]),
    deny: Object.freeze([]),
  }),
  targets: Object.freeze({ selector: {} }),
});

/** The rule of a project that refused something: the field of the Project's `spec`. */
export const ScopeRule = {
  SourceRepos: 'sourceRepos',
  Targets: 'targets',
  Namespaces: 'namespaces',
  KindsAllow: 'kinds.allow',
  KindsAllowClusterScoped: 'kinds.allowClusterScoped',
  KindsDeny: 'kinds.deny',
} as const;
export type ScopeRule = (typeof ScopeRule)[keyof typeof ScopeRule];

/** One thing outside the project. */
export interface ScopeViolation {
  readonly rule: ScopeRule;
  /** The object at fault (namespace and kind rules). */
  readonly object?: ObjectIdentity;
  /** Subject first: what is outside, and what the project allows. */
  readonly message: string;
}

/** What an application would do on one target; each part present is checked. */
export interface ScopeInput {
  /**
   * The application's source. `repoURL` absent: the fleet repository itself, allowed in every
   * project (whoever can change it can change the Project too); its objects are still checked.
   */
  readonly source?: { readonly repoURL?: string };
  readonly target?: { readonly name: string; readonly labels: Labels };
  readonly objects?: readonly ObjectIdentity[];
  /**
   * True for kinds known to be cluster-scoped (built-in ones, custom ones whose definition is
   * known); an object without a namespace is cluster-scoped whatever this says.
   */
  readonly clusterScoped?: (kind: GroupKind) => boolean;
}

/**
 * Everything `input` does outside `scope`, in order: source, target, then objects in the order
 * given (a kind rule before the namespace rule of the same object). Empty: all inside.
 *
 * @example scopeViolations(UNRESTRICTED_SCOPE, anything) // []
 */
export function scopeViolations(scope: ProjectScope, input: ScopeInput): ScopeViolation[] {
  const out: ScopeViolation[] = [];
  const repoURL = input.source?.repoURL;
  if (repoURL !== undefined && !sourceAllowed(scope, repoURL)) {
    out.push({
      rule: ScopeRule.SourceRepos,
      message: `source ${repoURL} is not allowed by project "${scope.name}" (sourceRepos: ${listOf(scope.sourceRepos)})${ambiguousURL(repoURL) ? "; the URL has a '.' or '..' segment or an encoded '/' or '\\': write it plainly" : ''}`,
    });
  }
  const target = input.target;
  if (target !== undefined && !targetAllowed(scope, target)) {
    out.push({
      rule: ScopeRule.Targets,
      message: `target "${target.name}" is outside project "${scope.name}" (targets: ${describeTargets(scope.targets)})`,
    });
  }
  const clusterScoped = input.clusterScoped ?? (() => false);
  for (const object of input.objects ?? []) {
    out.push(...objectViolations(scope, object, clusterScoped(object)));
  }
  return out;
}

/** True when the project allows deploying from `repoURL` (see the module comment). */
export function sourceAllowed(scope: ProjectScope, repoURL: string): boolean {
  if (ambiguousURL(repoURL)) return scope.sourceRepos.includes('**');
  return scope.sourceRepos.some((pattern) => matchesGlob(pattern, repoURL));
}

/** True when the project's targets rule selects the target (by name, or by its labels). */
export function targetAllowed(
  scope: ProjectScope,
  target: { readonly name: string; readonly labels: Labels },
): boolean {
  const { names, selector } = scope.targets;
  if (names?.includes(target.name) === true) return true;
  return selector !== undefined && matchesLabelSelector(target.labels, selector);
}

/** The kind and namespace violations of one object; `clusterScoped` as the caller knows it. */
export function objectViolations(
  scope: ObjectScope,
  object: ObjectIdentity,
  clusterScoped: boolean,
): ScopeViolation[] {
  const out: ScopeViolation[] = [];
  const cluster = clusterScoped || object.namespace === '';
  const what = `${describeObject(object)} (${kindName(object)})`;
  const { allow, allowClusterScoped, deny } = scope.kinds;
  const denied = deny.find((gk) => matchesKind(gk, object));
  if (denied !== undefined) {
    out.push({
      rule: ScopeRule.KindsDeny,
      object,
      message: `${what}: kind ${kindName(object)} is denied by project "${scope.name}" (kinds.deny: ${kindName(denied)})`,
    });
  } else if (cluster && !(allowClusterScoped ?? []).some((gk) => matchesKind(gk, object))) {
    const rule = `cluster-scoped kinds are denied unless kinds.allowClusterScoped names them; kinds.allowClusterScoped: ${allowClusterScoped === undefined ? 'absent' : listOf(allowClusterScoped.map(kindName))}`;
    out.push({
      rule: ScopeRule.KindsAllowClusterScoped,
      object,
      message: clusterScoped
        ? `${what}: cluster-scoped kind ${kindName(object)} is not allowed by project "${scope.name}" (${rule})`
        : `${what}: has no namespace, so it counts as cluster-scoped, and project "${scope.name}" does not allow kind ${kindName(object)} there (${rule}); give it a namespace`,
    });
  } else if (!cluster && allow !== undefined && !allow.some((gk) => matchesKind(gk, object))) {
    out.push({
      rule: ScopeRule.KindsAllow,
      object,
      message: `${what}: kind ${kindName(object)} is not allowed by project "${scope.name}" (kinds.allow: ${listOf(allow.map(kindName))})`,
    });
  }
  if (!cluster && !scope.namespaces.some((pattern) => matchesGlob(pattern, object.namespace))) {
    out.push({
      rule: ScopeRule.Namespaces,
      object,
      message: `${what}: namespace "${object.namespace}" is not allowed by project "${scope.name}" (namespaces: ${listOf(scope.namespaces)})`,
    });
  }
  return out;
}

/** `group/kind`, `core/kind` for the core group (so that an empty group reads as one). */
function kindName(gk: GroupKind): string {
  return `${gk.group === '' ? 'core' : gk.group}/${gk.kind}`;
}

function matchesKind(pattern: GroupKind, gk: GroupKind): boolean {
  return matchesGlob(pattern.group, gk.group) && matchesGlob(pattern.kind, gk.kind);
}

const MAX_LISTED = 5;

function listOf(items: readonly string[]): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED
    ? `${shown} and ${String(items.length - MAX_LISTED)} more`
    : shown;
}

function describeTargets(targets: ProjectTargets): string {
  const parts = [
    ...(targets.names === undefined ? [] : [`names ${listOf(targets.names)}`]),
    ...(targets.selector === undefined
      ? []
      : [`selector ${formatLabelSelector(targets.selector)}`]),
  ];
  return parts.length === 0 ? 'none' : parts.join('; ');
}

// A '.' or '..' path segment (plain or %2e), or an encoded separator: the URL a server or client
// normalises may not be the one the pattern saw.
const DOT_SEGMENT = /(?:^|[/:])(?:\.|%2e){1,2}(?:$|[/?#])/i;
const ENCODED_SEPARATOR = /%2f|%5c|\\/i;

/** True when the URL's path could be normalised into another one (see the module comment). */
export function ambiguousURL(url: string): boolean {
  return DOT_SEGMENT.test(url) || ENCODED_SEPARATOR.test(url);
}

/**
 * True when `text` matches the glob `pattern`: `*` any run without '/', `**` (two or more stars)
 * any run, anything else itself. Linear in pattern × text: no backtracking blow-up.
 *
 * @example matchesGlob('team-*', 'team-a') === true
 * @example matchesGlob('https://git.example.com/*', 'https://git.example.com/a/b.git') === false
 */
export function matchesGlob(pattern: string, text: string): boolean {
  const n = text.length;
  // reach[j]: the pattern read so far matches text[0, j)
  let reach: boolean[] = Array.from({ length: n + 1 }, (_, j) => j === 0);
  for (let i = 0; i < pattern.length;) {
    const next: boolean[] = Array.from({ length: n + 1 }, () => false);
    if (pattern[i] === '*') {
      let stars = 0;
      while (pattern[i] === '*') {
        stars++;
        i++;
      }
      for (let j = 0; j <= n; j++) {
        const prior = j > 0 && next[j - 1] === true && (stars > 1 || text[j - 1] !== '/');
        next[j] = reach[j] === true || prior;
      }
    } else {
      const ch = pattern[i];
      i++;
      for (let j = 0; j < n; j++) {
        if (reach[j] === true && text[j] === ch) next[j + 1] = true;
      }
    }
    reach = next;
  }
  return reach[n] === true;
}
