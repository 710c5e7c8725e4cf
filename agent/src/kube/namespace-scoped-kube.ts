/**
 * The KubeClient of an agent whose local policy confines it to a list of namespaces
 * (../core/watch-scope.ts). Every list and watch is made per namespace — a list or watch "over all
 * namespaces" becomes one per (kind, namespace), merged — so a Role per namespace is all the RBAC
 * the agent needs for what it manages, and it never asks the API server for anything
 * cluster-wide. A call for an object outside the namespaces (or a cluster-scoped one) is refused
 * with POLICY_DENIED before any request: the policy has refused such objects already, so reaching
 * here means an object left over from an earlier policy (a prune) or a bug, and RBAC would refuse
 * it anyway.
 *
 * Events pass straight from each namespace's watch to the handler and a cached lookup is one map
 * lookup more, so drift detection is as fast as with one cluster-wide watch.
 */
import {
  ErrorCode,
  GitfleetError,
  objectRef,
  type KubeObject,
  type ObjectRef,
} from '@gitfleet/proto';
import { inWatchScope, type WatchScope } from '../core/watch-scope.ts';
import { describeObject } from './kube-errors.ts';
import type {
  ApplyOptions,
  Gvk,
  KubeClient,
  OpenApiDocument,
  ResourceInfo,
  WatchEventType,
  WatchHandle,
  WatchOptions,
} from './port.ts';

type NamespacesScope = Extract<WatchScope, { kind: 'namespaces' }>;

/** `kube` itself for a cluster-wide scope; otherwise `kube` confined to the scope's namespaces. */
export function scopeKube(kube: KubeClient, scope: WatchScope): KubeClient {
  return scope.kind === 'cluster' ? kube : new NamespaceScopedKube(kube, scope);
}

/** The watches of one kind, one per namespace, as one handle. */
class NamespacesWatch implements WatchHandle {
  readonly ready: Promise<void>;
  private readonly byNamespace: ReadonlyMap<string, WatchHandle>;

  constructor(byNamespace: ReadonlyMap<string, WatchHandle>) {
    this.byNamespace = byNamespace;
    this.ready = Promise.all([...byNamespace.values()].map((h) => h.ready)).then(() => undefined);
    // rejected when one namespace's watch cannot start; callers that never await must not crash
    this.ready.catch(() => undefined);
  }

  list(): readonly KubeObject[] {
    return [...this.byNamespace.values()].flatMap((h) => h.list());
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.byNamespace.get(namespace)?.get(namespace, name);
  }

  stop(): void {
    for (const h of this.byNamespace.values()) h.stop();
  }
}

/** A watch refused before it started. */
class RefusedWatch implements WatchHandle {
  readonly ready: Promise<void>;

  constructor(err: GitfleetError) {
    this.ready = Promise.reject(err);
    this.ready.catch(() => undefined);
  }

  list(): readonly KubeObject[] {
    return [];
  }

  get(): undefined {
    return undefined;
  }

  stop(): void {}
}

export class NamespaceScopedKube implements KubeClient {
  private readonly kube: KubeClient;
  private readonly scope: NamespacesScope;

  constructor(kube: KubeClient, scope: NamespacesScope) {
    this.kube = kube;
    this.scope = scope;
  }

  get server(): string {
    return this.kube.server;
  }

  resolve(gvk: Gvk): Promise<ResourceInfo> {
    return this.kube.resolve(gvk);
  }

  invalidateDiscovery(): void {
    this.kube.invalidateDiscovery();
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.admit(ref, 'read');
    return this.kube.get(ref);
  }

  async apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
    this.admit(objectRef(obj), 'apply');
    return this.kube.apply(obj, opts);
  }

  async delete(
    ref: ObjectRef,
    opts?: { propagation?: 'Background' | 'Foreground' | 'Orphan' },
  ): Promise<boolean> {
    this.admit(ref, 'delete');
    return this.kube.delete(ref, opts);
  }

  async list(gvk: Gvk, opts: WatchOptions = {}): Promise<readonly KubeObject[]> {
    const namespaces = this.namespacesFor(gvk, opts);
    if (namespaces instanceof GitfleetError) throw namespaces;
    const info = await this.kube.resolve(gvk);
    if (!info.namespaced) throw this.clusterScoped(`list ${gvk.kind}`);
    const lists = await Promise.all(
      namespaces.map((namespace) => this.kube.list(gvk, { ...opts, namespace })),
    );
    return lists.flat();
  }

  watch(
    gvk: Gvk,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): WatchHandle {
    const namespaces = this.namespacesFor(gvk, opts);
    if (namespaces instanceof GitfleetError) return new RefusedWatch(namespaces);
    // a cluster-scoped kind fails each namespace's watch before any list (resource-watch.ts)
    return new NamespacesWatch(
      new Map(
        namespaces.map((namespace) => [
          namespace,
          this.kube.watch(gvk, { ...opts, namespace }, onEvent),
        ]),
      ),
    );
  }

  openApiSchema(group: string, version: string): Promise<OpenApiDocument | undefined> {
    return this.kube.openApiSchema(group, version);
  }

  close(): Promise<void> {
    return this.kube.close();
  }

  /** The namespaces a list or watch covers: the one asked for, or every namespace of the scope. */
  private namespacesFor(gvk: Gvk, opts: WatchOptions): readonly string[] | GitfleetError {
    if (opts.namespace === undefined) return this.scope.namespaces;
    if (inWatchScope(this.scope, opts.namespace)) return [opts.namespace];
    return this.outside(`list and watch ${gvk.kind} in ${opts.namespace}`, opts.namespace);
  }

  /** Throws POLICY_DENIED for an object outside the scope. */
  private admit(ref: ObjectRef, verb: string): void {
    const what = `${verb} ${describeObject(ref.kind, ref.namespace, ref.name)}`;
    if (ref.namespace === '') throw this.clusterScoped(what);
    if (!inWatchScope(this.scope, ref.namespace)) throw this.outside(what, ref.namespace);
  }

  private allowed(): string {
    return this.scope.namespaces.length === 0 ? 'none' : this.scope.namespaces.join(', ');
  }

  private outside(what: string, namespace: string): GitfleetError {
    return new GitfleetError(
      ErrorCode.PolicyDenied,
      `${what}: the namespace ${namespace} is outside the agent's local policy, which confines it to the namespaces ${this.allowed()}`,
      { terminal: true, details: { namespace } },
    );
  }

  private clusterScoped(what: string): GitfleetError {
    return new GitfleetError(
      ErrorCode.PolicyDenied,
      `${what}: cluster-scoped, and the agent's local policy confines it to the namespaces ${this.allowed()}`,
      { terminal: true, details: { namespace: '' } },
    );
  }
}
