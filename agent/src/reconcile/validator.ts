/**
 * The validation gate over an app's whole rendered set: first the agent's local policy (a pure
 * check, ../core/local-policy.ts: what this agent refuses to apply whatever the hub sends); then,
 * once discovery says which kinds are cluster-scoped, the app's project scope that the hub signed
 * into the assignment (../core/scope-check.ts: the second check of the hub's own); then each
 * object is checked locally against the server's OpenAPI schema (or, for a kind a CRD of the
 * same set defines, against that CRD's schema); only what the schemas cannot decide goes to a
 * server-side dry run. The verdicts and their wording are ../core/set-validation.ts,
 * ../core/schema-augment.ts and ../core/local-policy-outcome.ts.
 */
import { objectRef, toGitfleetError, type ErrorDetail, type KubeObject } from '@gitfleet/proto';
import { destinationRefusal } from '../core/destination-namespace.ts';
import { inventoryKey } from '../core/inventory.ts';
import { FIELD_MANAGER } from '../core/labels.ts';
import { checkLocalPolicy, defaultLocalPolicy, type LocalPolicy } from '../core/local-policy.ts';
import { policyDenials } from '../core/local-policy-outcome.ts';
import { validateAgainstSchema, validateObject } from '../core/openapi-validate.ts';
import { augmentCrdSchema, crdSchemaFor } from '../core/schema-augment.ts';
import { clusterScopedIn, scopeDenials, scopeRefusals } from '../core/scope-check.ts';
import {
  dryRunProblem,
  mayDryRun,
  missingNamespaceError,
  namespacesInSet,
  schemaProblemsError,
  unservedKindError,
} from '../core/set-validation.ts';
import type { OpenApiSchema, ResourceInfo } from '../kube/port.ts';
import type { AppRuntime } from './app-state.ts';
import type { ReconcileContext } from './context.ts';
import { mapLimit } from '@gitfleet/proto/domain';
import { gvkKey, gvkOf } from './watches.ts';

const NAMESPACE = { group: '', version: 'v1', kind: 'Namespace' } as const;

export class SetValidator {
  private readonly ctx: ReconcileContext;
  private readonly policy: LocalPolicy;

  /** `policy`: the agent's local policy (default: the built-in one of an agent in gitfleet-system). */
  constructor(ctx: ReconcileContext, policy: LocalPolicy = defaultLocalPolicy('gitfleet-system')) {
    this.ctx = ctx;
    this.policy = policy;
  }

  /**
   * The objects of the set (and `extra`: the Namespace the agent would create for it) the agent's
   * local policy refuses, per inventory key with every rule each breaks; empty when the policy
   * lets the whole set through. Pure: nothing is sent.
   */
  policyDenials(rt: AppRuntime, extra: readonly KubeObject[] = []): Map<string, ErrorDetail> {
    const set = [...rt.desired, ...extra];
    return policyDenials(set, checkLocalPolicy(this.policy, set));
  }

  /**
   * The objects of the set outside the app's project (the scope its assignment carries, signed
   * by the hub), per inventory key with every rule each breaks, and its destination namespace
   * (as the Namespace's key) when that is outside; empty when all are inside or the app is in no
   * project. `infos`: discovery per kind (which kinds are cluster-scoped). Pure.
   */
  scopeDenials(
    rt: AppRuntime,
    infos: ReadonlyMap<string, ResourceInfo | undefined>,
  ): Map<string, ErrorDetail> {
    const namespaced = new Map<string, boolean>();
    for (const info of infos.values()) {
      if (info !== undefined) namespaced.set(`${info.group}/${info.kind}`, info.namespaced);
    }
    const clusterScoped = clusterScopedIn(rt.desired, (gk) =>
      namespaced.get(`${gk.group}/${gk.kind}`),
    );
    const a = rt.assignment;
    const destination = destinationRefusal(a.scope, a.policies);
    const refusals = scopeRefusals(a.scope, rt.desired, clusterScoped);
    return scopeDenials(destination === undefined ? refusals : [destination, ...refusals]);
  }

  /**
   * Problems per object (inventory key); empty when the whole set may be applied. `infos` holds
   * discovery per kind (undefined: not served), `crds` the CRDs of the set.
   */
  async validate(
    rt: AppRuntime,
    infos: ReadonlyMap<string, ResourceInfo | undefined>,
    crds: readonly KubeObject[],
  ): Promise<Map<string, ErrorDetail>> {
    const { kube, watches, settings } = this.ctx;
    const problems = new Map<string, ErrorDetail>();
    const undecided: KubeObject[] = [];
    await Promise.all(
      rt.desired.map(async (obj) => {
        const ref = objectRef(obj);
        const g = gvkOf(obj);
        const info = infos.get(gvkKey(g));
        if (info === undefined) {
          const schema = crdSchemaFor(crds, g);
          if (schema === null) {
            problems.set(inventoryKey(ref), unservedKindError(ref, g));
          } else if (schema !== undefined) {
            const full = augmentCrdSchema(schema) as OpenApiSchema;
            const ps = validateAgainstSchema(obj, full, {});
            if (ps.length > 0) problems.set(inventoryKey(ref), schemaProblemsError(ref, ps));
          }
          return;
        }
        if (info.namespaced && ref.namespace === '') {
          problems.set(inventoryKey(ref), missingNamespaceError(ref));
          return;
        }
        const doc = await kube.openApiSchema(g.group, g.version).catch(() => undefined);
        const result = validateObject(obj, doc);
        if (!result.decided) undecided.push(obj);
        else if (result.problems.length > 0)
          problems.set(inventoryKey(ref), schemaProblemsError(ref, result.problems));
      }),
    );
    // what the schema could not decide goes to a server-side dry run (when its namespace exists)
    const inSet = namespacesInSet(rt.desired);
    const dryRunnable = undecided.filter((o) => {
      const ns = objectRef(o).namespace;
      return mayDryRun(ns, inSet, watches.get(NAMESPACE, '', ns) !== undefined);
    });
    const results = await mapLimit(dryRunnable, settings.applyConcurrency, (o) =>
      kube.apply(o, { fieldManager: FIELD_MANAGER, force: true, dryRun: true }),
    );
    results.forEach((r, i) => {
      if (r.status !== 'rejected') return;
      const problem = dryRunProblem(toGitfleetError(r.reason));
      if (problem !== undefined)
        problems.set(inventoryKey(objectRef(dryRunnable[i] as KubeObject)), problem);
    });
    return problems;
  }
}
