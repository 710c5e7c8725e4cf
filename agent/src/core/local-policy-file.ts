/**
 * The agent's policy file (`--policy-file`): YAML or JSON (one document), read once at start.
 *
 *   agent:   namespace (default: the state namespace), serviceAccount (default gitfleet-agent),
 *            roles (default: the ServiceAccount's name and its -cluster, -state, -watch variants)
 *   deny:    namespaces, kinds, clusterScopedKinds — added to the built-in denials
 *   allow:   namespaces, kinds, clusterScopedKinds, privilegedPods, adminBindings
 *
 * Every list holds globs (see ./local-policy.ts). Every problem names the file and the field, and
 * all of them are returned together; a file with a problem is never half applied.
 */
import { parseAllDocuments } from 'yaml';
import { isDnsLabel } from '@gitfleet/proto/domain';
import {
  DEFAULT_SERVICE_ACCOUNT,
  SYSTEM_NAMESPACES,
  defaultAgentRoles,
  type LocalPolicy,
  type PolicyAllowances,
  type PolicyDenials,
} from './local-policy.ts';

/** What a policy file says (absent: the built-in default). */
export interface PolicyFile {
  readonly agent: {
    readonly namespace?: string;
    readonly serviceAccount?: string;
    readonly roles?: readonly string[];
  };
  readonly deny: Partial<PolicyDenials>;
  readonly allow: Partial<PolicyAllowances>;
}

const SECTIONS = ['agent', 'deny', 'allow'] as const;
const AGENT_KEYS = ['namespace', 'serviceAccount', 'roles'] as const;
const DENY_KEYS = ['namespaces', 'kinds', 'clusterScopedKinds'] as const;
const ALLOW_KEYS = [...DENY_KEYS, 'privilegedPods', 'adminBindings'] as const;

/** The shape of each kind of pattern, and an example for problems. */
const PATTERNS = {
  namespace: { re: /^[a-z0-9*][a-z0-9*-]*$/, example: 'team-*' },
  kind: {
    re: /^[a-z0-9*][a-z0-9.*-]*\/[A-Za-z0-9*]+$/,
    example: 'apps/Deployment, core/Secret, */*',
  },
  binding: {
    re: /^([a-z0-9*][a-z0-9*-]*\/)?[a-z0-9*][a-z0-9.:*-]*$/,
    example: 'break-glass, ops/admins',
  },
  name: { re: /^[a-z0-9][a-z0-9.:-]*$/, example: 'gitfleet-agent' },
} as const;
type PatternKind = keyof typeof PATTERNS;

const PATTERN_OF: Readonly<Record<(typeof ALLOW_KEYS)[number], PatternKind>> = {
  namespaces: 'namespace',
  kinds: 'kind',
  clusterScopedKinds: 'kind',
  privilegedPods: 'namespace',
  adminBindings: 'binding',
};

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the keys of a mapping; a problem per unknown key. */
function knownKeys(v: Obj, known: readonly string[], at: string, problems: string[]): void {
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) problems.push(`${at}${k}: unknown key (known: ${known.join(', ')})`);
  }
}

/** A list of strings of the shape `kind`; undefined (with problems) when it is not one. */
function patternList(
  v: unknown,
  kind: PatternKind,
  at: string,
  problems: string[],
): string[] | undefined {
  if (!Array.isArray(v)) {
    problems.push(`${at}: must be a list of strings`);
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  v.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || !PATTERNS[kind].re.test(item)) {
      problems.push(
        `${at}[${i}]: ${JSON.stringify(item)} is not a ${kind} pattern (e.g. ${PATTERNS[kind].example})`,
      );
      ok = false;
    } else out.push(item);
  });
  return ok ? out : undefined;
}

function section(
  v: unknown,
  name: string,
  keys: readonly string[],
  problems: string[],
): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    problems.push(`${name}: must be a mapping (keys: ${keys.join(', ')})`);
    return undefined;
  }
  knownKeys(v, keys, `${name}.`, problems);
  return v;
}

function lists<K extends (typeof ALLOW_KEYS)[number]>(
  v: Obj | undefined,
  name: string,
  keys: readonly K[],
  problems: string[],
): Partial<Record<K, string[]>> {
  const out: Partial<Record<K, string[]>> = {};
  for (const k of keys) {
    if (v?.[k] === undefined || v[k] === null) continue;
    const list = patternList(v[k], PATTERN_OF[k], `${name}.${k}`, problems);
    if (list !== undefined) out[k] = list;
  }
  return out;
}

function agentSection(v: Obj | undefined, problems: string[]): PolicyFile['agent'] {
  if (v === undefined) return {};
  const out: { namespace?: string; serviceAccount?: string; roles?: string[] } = {};
  const ns = v['namespace'];
  if (ns !== undefined) {
    if (typeof ns === 'string' && isDnsLabel(ns)) out.namespace = ns;
    else problems.push(`agent.namespace: ${JSON.stringify(ns)} is not a namespace name`);
  }
  const sa = v['serviceAccount'];
  if (sa !== undefined) {
    if (typeof sa === 'string' && PATTERNS.name.re.test(sa)) out.serviceAccount = sa;
    else problems.push(`agent.serviceAccount: ${JSON.stringify(sa)} is not a ServiceAccount name`);
  }
  if (v['roles'] !== undefined) {
    const roles = patternList(v['roles'], 'name', 'agent.roles', problems);
    if (roles !== undefined) out.roles = roles;
  }
  return out;
}

/**
 * Parses a policy file's text (`source` names it in problems). `file` is undefined exactly when
 * there are problems; an empty file is a file without settings (the built-in defaults).
 */
export function parsePolicyFile(
  text: string,
  source: string,
): { file: PolicyFile | undefined; problems: string[] } {
  const problems: string[] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (docs.length > 1)
    return {
      file: undefined,
      problems: [`${source}: holds ${docs.length} documents; expected one`],
    };
  const doc = docs[0];
  for (const e of doc?.errors ?? []) problems.push(`${source}: ${e.message.split('\n')[0] ?? ''}`);
  if (problems.length > 0) return { file: undefined, problems };
  const root: unknown = doc?.toJS({ maxAliasCount: 100 }) ?? null;
  if (root !== null && !isObj(root)) {
    return {
      file: undefined,
      problems: [`${source}: must be a mapping with any of ${SECTIONS.join(', ')}`],
    };
  }
  const top = root ?? {};
  const fieldProblems: string[] = [];
  knownKeys(top, SECTIONS, '', fieldProblems);
  const agent = agentSection(
    section(top['agent'], 'agent', AGENT_KEYS, fieldProblems),
    fieldProblems,
  );
  const deny = lists(
    section(top['deny'], 'deny', DENY_KEYS, fieldProblems),
    'deny',
    DENY_KEYS,
    fieldProblems,
  );
  const allow = lists(
    section(top['allow'], 'allow', ALLOW_KEYS, fieldProblems),
    'allow',
    ALLOW_KEYS,
    fieldProblems,
  );
  if (fieldProblems.length > 0)
    return { file: undefined, problems: fieldProblems.map((p) => `${source}: ${p}`) };
  return { file: { agent, deny, allow }, problems: [] };
}

/**
 * The policy in force: the built-in denials plus the file's, the file's allowances, and the
 * agent's identity (its namespace defaults to `agentNamespace`, the state namespace).
 */
export function resolveLocalPolicy(
  file: PolicyFile | undefined,
  agentNamespace: string,
): LocalPolicy {
  const sa = file?.agent.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT;
  const deny: Partial<PolicyDenials> = file?.deny ?? {};
  const allow: Partial<PolicyAllowances> = file?.allow ?? {};
  return {
    agent: {
      namespace: file?.agent.namespace ?? agentNamespace,
      serviceAccount: sa,
      roles: file?.agent.roles ?? defaultAgentRoles(sa),
    },
    deny: {
      namespaces: [...SYSTEM_NAMESPACES, ...(deny.namespaces ?? [])],
      kinds: deny.kinds ?? [],
      clusterScopedKinds: deny.clusterScopedKinds ?? [],
    },
    allow: {
      namespaces: allow.namespaces ?? [],
      kinds: allow.kinds ?? [],
      clusterScopedKinds: allow.clusterScopedKinds ?? [],
      privilegedPods: allow.privilegedPods ?? [],
      adminBindings: allow.adminBindings ?? [],
    },
  };
}
