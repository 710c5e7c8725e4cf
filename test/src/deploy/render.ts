/**
 * Renders the deploy manifests with the real tools — kustomize as built into the cached kubectl,
 * helm as built by scripts/build-helm.sh — and reads RBAC out of the result: the effective grants
 * of a ServiceAccount, so that two renderings (kustomize, helm) can be held to the same access.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ErrorCode, GitfleetError, type KubeObject } from '@gitfleet/proto';
import { CACHE_DIR, kubeBinaries, REPO_ROOT } from '../fleet/paths.ts';

const run = promisify(execFile);

export const HELM_VERSION = process.env['GITFLEET_HELM_VERSION'] ?? 'v4.3.1';
export const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');

export function helmBinary(): string {
  const bin = path.join(CACHE_DIR, 'helm', HELM_VERSION, 'bin', 'helm');
  if (!existsSync(bin)) {
    throw new GitfleetError(
      ErrorCode.PrerequisiteMissing,
      `helm ${HELM_VERSION} not found at ${bin}: run scripts/setup.sh (scripts/build-helm.sh builds it)`,
      { terminal: true },
    );
  }
  return bin;
}

/** The documents of a multi-document YAML stream (empty documents dropped). */
export function parseObjects(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message ?? ''}`);
    const v: unknown = doc.toJS();
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(v as KubeObject);
  }
  return out;
}

export interface Rendered {
  readonly text: string;
  readonly objects: readonly KubeObject[];
}

/** `kubectl kustomize deploy/kustomize/<dir>`. */
export async function kustomize(dir: string): Promise<Rendered> {
  const { stdout } = await run(kubeBinaries().kubectl, [
    'kustomize',
    path.join(DEPLOY_DIR, 'kustomize', dir),
  ]);
  return { text: stdout, objects: parseObjects(stdout) };
}

/** `helm template <release> deploy/helm/<chart> -n <namespace> <args>`. */
export async function helmTemplate(
  chart: string,
  release: string,
  namespace: string,
  args: readonly string[] = [],
): Promise<Rendered> {
  const { stdout } = await run(helmBinary(), [
    'template',
    release,
    path.join(DEPLOY_DIR, 'helm', chart),
    '--namespace',
    namespace,
    ...args,
  ]);
  return { text: stdout, objects: parseObjects(stdout) };
}

/** A helm invocation that is expected to fail: its stderr. */
export async function helmTemplateError(
  chart: string,
  args: readonly string[] = [],
): Promise<string> {
  try {
    await helmTemplate(chart, chart, 'default', args);
  } catch (err) {
    return String((err as { stderr?: unknown }).stderr ?? err);
  }
  throw new Error(`helm template ${chart} ${args.join(' ')} succeeded`);
}

// ------------------------------------------------------------------ object access

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
}

export function kindOf(o: KubeObject): string {
  const k = o['kind'];
  return typeof k === 'string' ? k : '';
}

export function meta(o: KubeObject): Meta {
  return o['metadata'] as unknown as Meta;
}

export function find(
  objects: readonly KubeObject[],
  kind: string,
  name: string | RegExp,
  namespace?: string,
): KubeObject {
  const hit = objects.find(
    (o) =>
      o['kind'] === kind &&
      (typeof name === 'string' ? meta(o).name === name : name.test(meta(o).name)) &&
      (namespace === undefined || meta(o).namespace === namespace),
  );
  if (hit === undefined) {
    const have = objects.map((o) => `${kindOf(o)}/${meta(o).name}`).join(', ');
    throw new Error(`no ${kind} ${String(name)} in the rendering (have: ${have})`);
  }
  return hit;
}

export function kinds(objects: readonly KubeObject[]): string[] {
  return objects
    .map(
      (o) =>
        `${kindOf(o)}/${meta(o).namespace === undefined ? '' : `${meta(o).namespace}/`}${meta(o).name}`,
    )
    .sort();
}

export const RBAC_KINDS = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

export function rbacObjects(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((o) => RBAC_KINDS.has(kindOf(o)));
}

// ------------------------------------------------------------------ effective RBAC

export interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly verbs: readonly string[];
}

interface Binding {
  readonly roleRef: { readonly kind: string; readonly name: string };
  readonly subjects?: readonly { kind: string; name: string; namespace?: string }[];
}

/**
 * Every (subject, scope, resource or URL, verb) a set of RBAC objects grants, one string each,
 * sorted: `sa:gitfleet-system/gitfleet-agent apps apps/deployments patch`, scope `*` for
 * cluster-wide. Role names do not matter, only what they grant to whom and where — so a
 * RoleBinding to a ClusterRole (kustomize) equals a Role + RoleBinding with the same rules (helm).
 */
export function effectiveGrants(objects: readonly KubeObject[]): string[] {
  const roles = new Map<string, readonly PolicyRule[]>();
  for (const o of objects) {
    if (o['kind'] === 'ClusterRole') roles.set(`ClusterRole/${meta(o).name}`, rulesOf(o));
    if (o['kind'] === 'Role')
      roles.set(`Role/${meta(o).namespace ?? ''}/${meta(o).name}`, rulesOf(o));
  }
  const out = new Set<string>();
  for (const o of objects) {
    const kind = o['kind'];
    if (kind !== 'ClusterRoleBinding' && kind !== 'RoleBinding') continue;
    const b = o as unknown as Binding;
    const ns = meta(o).namespace ?? '';
    const scope = kind === 'ClusterRoleBinding' ? '*' : ns;
    const key =
      b.roleRef.kind === 'ClusterRole'
        ? `ClusterRole/${b.roleRef.name}`
        : `Role/${ns}/${b.roleRef.name}`;
    const rules = roles.get(key);
    if (rules === undefined)
      throw new Error(`${String(kind)} ${meta(o).name}: ${key} not rendered`);
    for (const s of b.subjects ?? []) {
      const who = s.kind === 'ServiceAccount' ? `sa:${s.namespace ?? ns}/${s.name}` : s.name;
      for (const r of rules) {
        for (const verb of r.verbs) {
          for (const url of r.nonResourceURLs ?? []) {
            // non-resource URLs are granted only through a ClusterRoleBinding
            if (scope === '*') out.add(`${who} * url:${url} ${verb}`);
          }
          for (const g of r.apiGroups ?? []) {
            for (const res of r.resources ?? []) {
              const names = r.resourceNames ?? ['*'];
              for (const n of names)
                out.add(`${who} ${scope} ${g === '' ? 'core' : g}/${res}/${n} ${verb}`);
            }
          }
        }
      }
    }
  }
  return [...out].sort();
}

function rulesOf(o: KubeObject): readonly PolicyRule[] {
  return (o['rules'] ?? []) as unknown as readonly PolicyRule[];
}
