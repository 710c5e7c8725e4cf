/**
 * Overlays: per-target and per-environment changes to an app's manifests, applied in order
 * (within one overlay: its namespace first, then its patches in order), followed by value
 * substitution over the result. Pure: objects in, new objects out; the input is never modified.
 *
 * - `namespace` (placeholders substituted right away) sets metadata.namespace on every
 *   namespaced object, replacing any namespace the manifest had (as kustomize's `namespace:`). Cluster-scoped objects are left alone: the
 *   built-in cluster-scoped kinds and custom resources whose CRD, in the same set, says
 *   `scope: Cluster` (a custom resource without its CRD in the set is taken as namespaced). The
 *   ServiceAccount subjects of RoleBindings and ClusterRoleBindings that have no namespace get it
 *   as well. Other namespace references (webhook and APIService service references, …) are not
 *   changed.
 * - `patches` select objects by group / kind / namespace / name (name may end in `*`) and apply
 *   either an RFC 6902 JSON patch (`jsonPatch`) or a strategic-merge-lite patch (`merge`, see
 *   merge-patch.ts). A selector with an exact name that matches nothing is a problem (a typo
 *   would otherwise silently skip the patch); selectors by kind or name prefix may match nothing.
 *   Selectors see the objects as the previous steps left them (namespaces substituted, other
 *   values not yet).
 * - Substitution (substitute.ts) runs last, over every string value of every object.
 *
 * Any problem → no objects.
 */
import { describeObject, identityOf, matchesSelector } from '@gitfleet/proto/domain';
import type { JsonObject, KubeObject, ObjectSelector } from '@gitfleet/proto/domain';
import { applyJsonPatch } from './json-patch.ts';
import type { JsonPatchOp } from './json-patch.ts';
import { cloneRecord, getOwn, isRecord, setOwn } from './json.ts';
import type { JsonRecord } from './json.ts';
import { applyMergePatch } from './merge-patch.ts';
import { clusterScopedCustomKinds, isDnsLabel, isNamespaced } from './objects.ts';
import { problem } from './problems.ts';
import type { RenderProblem } from './problems.ts';
import { substituteString, substituteValues } from './substitute.ts';
import type { SubstitutionContext, SubstitutionIssue } from './substitute.ts';

export type { JsonPatchOp } from './json-patch.ts';

/** An RFC 6902 patch for the objects `target` selects. */
export interface JsonPatchOverlay {
  readonly target: ObjectSelector;
  readonly jsonPatch: readonly JsonPatchOp[];
}

/** A strategic-merge-lite patch (merge-patch.ts) for the objects `target` selects. */
export interface MergePatchOverlay {
  readonly target: ObjectSelector;
  readonly merge: JsonObject;
}

export type OverlayPatch = JsonPatchOverlay | MergePatchOverlay;

/** One overlay: a namespace and/or patches. */
export interface Overlay {
  /** Names the overlay in problems (`environment prod`, a file path…); default `overlay <n>`. */
  readonly name?: string;
  readonly namespace?: string;
  readonly patches?: readonly OverlayPatch[];
}

/** The target (and environment) an app is rendered for. */
export type RenderContext = SubstitutionContext;

export interface OverlayResult {
  /** The overlaid objects, in input order; empty when there are problems. */
  readonly objects: KubeObject[];
  readonly problems: RenderProblem[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const BINDING_KINDS: ReadonlySet<string> = new Set(['RoleBinding', 'ClusterRoleBinding']);

/**
 * Applies `overlays` in order to copies of `objects`, then substitutes placeholders (see the
 * module comment). Returns the new objects, or no objects and every problem found.
 */
export function applyOverlays(
  objects: readonly KubeObject[],
  overlays: readonly Overlay[],
  ctx: RenderContext,
): OverlayResult {
  const work: JsonRecord[] = objects.map(cloneRecord);
  const problems: RenderProblem[] = [];
  for (const [i, overlay] of overlays.entries()) {
    const label = overlay.name ?? `overlay ${String(i + 1)}`;
    if (overlay.namespace !== undefined) {
      applyNamespace(work, ctx, overlay.namespace, label, problems);
    }
    for (const [j, patch] of (overlay.patches ?? []).entries()) {
      applyPatch(work, patch, `patches[${String(j)}]`, label, problems);
    }
  }
  for (const obj of work) substitute(obj, ctx, problems);
  return problems.length > 0 ? { objects: [], problems } : { objects: work, problems };
}

function applyNamespace(
  work: JsonRecord[],
  ctx: RenderContext,
  value: string,
  overlay: string,
  problems: RenderProblem[],
): void {
  // Substituted now, so that later selectors see the namespace objects will have.
  const issues: SubstitutionIssue[] = [];
  const namespace = substituteString(value, ctx, issues);
  for (const issue of issues) {
    problems.push(
      problem({ overlay }, `namespace: placeholder ${issue.placeholder}: ${issue.message}`),
    );
  }
  if (issues.length > 0) return;
  if (!isDnsLabel(namespace)) {
    problems.push(
      problem(
        { overlay },
        `namespace "${namespace}" is not a DNS-1123 label (lowercase alphanumerics and "-", at most 63); correct it`,
      ),
    );
    return;
  }
  const clusterKinds = clusterScopedCustomKinds(work);
  for (const obj of work) {
    const id = identityOf(obj);
    if (isNamespaced(id, clusterKinds)) {
      const metadata = getOwn(obj, 'metadata');
      if (isRecord(metadata)) setOwn(metadata, 'namespace', namespace);
      else setOwn(obj, 'metadata', { namespace });
    }
    if (id.group === RBAC_GROUP && BINDING_KINDS.has(id.kind)) {
      const subjects = getOwn(obj, 'subjects');
      for (const subject of Array.isArray(subjects) ? subjects : []) {
        if (!isRecord(subject) || getOwn(subject, 'kind') !== 'ServiceAccount') continue;
        const current = getOwn(subject, 'namespace');
        if (current === undefined || current === null || current === '') {
          setOwn(subject, 'namespace', namespace);
        }
      }
    }
  }
}

function applyPatch(
  work: JsonRecord[],
  patch: OverlayPatch,
  where: string,
  overlay: string,
  problems: RenderProblem[],
): void {
  const hasJson = 'jsonPatch' in patch;
  const hasMerge = 'merge' in patch;
  if (hasJson === hasMerge) {
    problems.push(problem({ overlay }, `${where} must have exactly one of jsonPatch and merge`));
    return;
  }
  const selector = patch.target;
  let matched = 0;
  for (const [index, obj] of work.entries()) {
    const id = identityOf(obj);
    if (!matchesSelector(id, selector)) continue;
    matched += 1;
    const object = describeObject(id);
    if ('jsonPatch' in patch) {
      let result;
      try {
        result = applyJsonPatch(cloneRecord(obj), patch.jsonPatch);
      } catch (err) {
        const opIndex = opIndexOf(err);
        const op = opIndex === undefined ? undefined : patch.jsonPatch[opIndex];
        problems.push(
          problem(
            { overlay, object },
            `${where}.jsonPatch[${String(opIndex ?? '?')}]${
              op === undefined ? '' : ` (${String(op.op)} ${String(op.path)})`
            }: ${messageOf(err)}; correct the patch or its target selector`,
            limitOf(err),
          ),
        );
        continue;
      }
      if (!isRecord(result)) {
        problems.push(
          problem({ overlay, object }, `${where}.jsonPatch replaced the object with a non-object`),
        );
        continue;
      }
      work[index] = result;
    } else {
      try {
        work[index] = applyMergePatch(obj, patch.merge);
      } catch (err) {
        problems.push(problem({ overlay, object }, `${where}.merge ${messageOf(err)}`));
      }
    }
  }
  if (matched === 0 && selector.name !== undefined && !selector.name.endsWith('*')) {
    problems.push(
      problem(
        { overlay },
        `${where} target ${JSON.stringify(selector)} matches no object; correct the selector or remove the patch`,
      ),
    );
  }
}

/** The limit a patch error names (`details.limit`), if any. */
function limitOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('details' in err)) return undefined;
  const limit = (err as { readonly details: Readonly<Record<string, unknown>> }).details['limit'];
  return typeof limit === 'string' ? limit : undefined;
}

function opIndexOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('details' in err)) return undefined;
  const details = (err as { readonly details: Readonly<Record<string, unknown>> }).details;
  const op = details['op'];
  return typeof op === 'number' ? op : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function substitute(obj: JsonRecord, ctx: RenderContext, problems: RenderProblem[]): void {
  const issues: SubstitutionIssue[] = [];
  substituteValues(obj, ctx, issues);
  const seen = new Set<string>();
  const object = describeObject(identityOf(obj));
  for (const issue of issues) {
    if (seen.has(issue.placeholder)) continue;
    seen.add(issue.placeholder);
    problems.push(
      problem({ object }, `placeholder ${issue.placeholder} at ${issue.pointer}: ${issue.message}`),
    );
  }
}
