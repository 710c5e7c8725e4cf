/**
 * The agent's port to one Kubernetes cluster. The reconciler only sees this interface; the adapter
 * (client-node-kube.ts) implements it with @kubernetes/client-node over reused connections.
 * All objects are plain JSON (KubeObject from @gitfleet/proto).
 */
import type { KubeObject, ObjectRef } from '@gitfleet/proto';
import type { OpenApiDocument } from '../core/openapi-schema.ts';

export type { OpenApiDocument, OpenApiSchema } from '../core/openapi-schema.ts';

/** What discovery knows about a kind. */
export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Verbs the server supports for it (from discovery). */
  readonly verbs: readonly string[];
}

/** Group/version/kind of a type, without an object. */
export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface ApplyOptions {
  readonly fieldManager: string;
  /** Take ownership of fields owned by other managers (SSA force). */
  readonly force: boolean;
  /** Server-side dry run (dryRun=All): validated and defaulted, nothing persisted. */
  readonly dryRun?: boolean;
  /** Whole-request deadline; past it the apply fails with TIMEOUT (default: no deadline beyond the request timeout). */
  readonly deadlineMs?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchHandle {
  /** Resolves once the initial list has been delivered (the cache is warm). */
  readonly ready: Promise<void>;
  /** Current cached objects (from the informer cache). */
  list(): readonly KubeObject[];
  get(namespace: string, name: string): KubeObject | undefined;
  stop(): void;
}

export interface WatchOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
}

export interface KubeClient {
  /** The API server's origin (`https://host:port`), for messages that name it. */
  readonly server: string;
  /** Discovery (cached). Refreshes once on a miss, so kinds of CRDs created a moment ago resolve. */
  resolve(gvk: Gvk): Promise<ResourceInfo>;
  /** Forgets cached discovery (after CRDs change). */
  invalidateDiscovery(): void;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Server-side apply (PATCH application/apply-patch+yaml). Throws GitfleetError: APPLY_CONFLICT (with the other managers named), APPLY_FAILED (invalid, with the server's message), or transient errors. */
  apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject>;
  /** Deletes; false when it was already gone. */
  delete(
    ref: ObjectRef,
    opts?: { propagation?: 'Background' | 'Foreground' | 'Orphan' },
  ): Promise<boolean>;
  list(gvk: Gvk, opts?: WatchOptions): Promise<readonly KubeObject[]>;
  /** List+watch with a local cache; re-lists on expiry (410) and reconnects with backoff. */
  watch(
    gvk: Gvk,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): WatchHandle;
  /** OpenAPI v3 schema document of one group-version (cached), for local validation; undefined if the server has none. */
  openApiSchema(group: string, version: string): Promise<OpenApiDocument | undefined>;
  close(): Promise<void>;
}
