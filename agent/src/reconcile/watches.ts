/**
 * One informer per kind in use, shared by every app: list+watch of the objects gitfleet manages
 * (label app.kubernetes.io/managed-by=gitfleet) over the agent's watch scope — cluster-wide, or
 * one watch per namespace its policy allows (../kube/namespace-scoped-kube.ts). Events are routed to the owning app by its
 * gitfleet.dev/app label. The cache doubles as the "live" side of every drift comparison, so a
 * no-op resync needs no GET per object.
 */
import { objectRef, parseApiVersion, type KubeObject, type Logger } from '@gitfleet/proto/domain';
import { LABEL_APP, LABEL_MANAGED_BY, MANAGED_BY_GITFLEET } from '../core/labels.ts';
import type { Gvk, KubeClient, WatchEventType, WatchHandle } from '../kube/port.ts';

export type ManagedEventHandler = (
  app: string,
  type: WatchEventType,
  obj: KubeObject,
  gvk: Gvk,
) => void;

export function gvkKey(g: Gvk): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

/** The group, version and kind of an object ("" where absent). */
export function gvkOf(obj: KubeObject): Gvk {
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  return {
    ...parseApiVersion(typeof apiVersion === 'string' ? apiVersion : ''),
    kind: typeof kind === 'string' ? kind : '',
  };
}

export class WatchRegistry {
  private readonly kube: KubeClient;
  private readonly logger: Logger;
  private readonly onEvent: ManagedEventHandler;
  private readonly handles = new Map<
    string,
    { gvk: Gvk; handle: WatchHandle; users: Set<string> }
  >();

  constructor(kube: KubeClient, logger: Logger, onEvent: ManagedEventHandler) {
    this.kube = kube;
    this.logger = logger.child({ component: 'watches' });
    this.onEvent = onEvent;
  }

  /** Makes sure every kind is watched for `app`; resolves when all caches are warm. */
  async ensure(app: string, gvks: readonly Gvk[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const wanted = new Set(gvks.map(gvkKey));
    for (const g of gvks) {
      const key = gvkKey(g);
      let entry = this.handles.get(key);
      if (entry === undefined) {
        const handle = this.kube.watch(
          g,
          { labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY_GITFLEET}` },
          (type, obj) => {
            const labels =
              (obj['metadata'] as { labels?: Record<string, string> } | undefined)?.labels ?? {};
            const owner = labels[LABEL_APP];
            if (owner !== undefined) this.onEvent(owner, type, obj, g);
          },
        );
        const created = { gvk: g, handle, users: new Set<string>() };
        entry = created;
        this.handles.set(key, entry);
        // a watch that could not start (RBAC) is dropped: the next pass tries a fresh one
        handle.ready.catch(() => {
          if (this.handles.get(key) !== created) return;
          created.handle.stop();
          this.handles.delete(key);
        });
        this.logger.debug('watching kind', { gvk: key });
      }
      entry.users.add(app);
      waits.push(entry.handle.ready);
    }
    // kinds this app no longer uses
    for (const [key, entry] of this.handles) {
      if (!wanted.has(key) && entry.users.delete(app) && entry.users.size === 0) {
        entry.handle.stop();
        this.handles.delete(key);
      }
    }
    await Promise.all(waits);
  }

  release(app: string): void {
    for (const [key, entry] of this.handles) {
      if (entry.users.delete(app) && entry.users.size === 0) {
        entry.handle.stop();
        this.handles.delete(key);
      }
    }
  }

  /** The cached live object, or undefined (not watched, or absent). */
  get(gvk: Gvk, namespace: string, name: string): KubeObject | undefined {
    return this.handles.get(gvkKey(gvk))?.handle.get(namespace, name);
  }

  /** The cached live version of `obj`, or undefined (not watched, or absent). */
  cachedOf(obj: KubeObject): KubeObject | undefined {
    const ref = objectRef(obj);
    return this.get(gvkOf(obj), ref.namespace, ref.name);
  }

  isWatched(gvk: Gvk): boolean {
    return this.handles.has(gvkKey(gvk));
  }

  get kinds(): number {
    return this.handles.size;
  }

  stopAll(): void {
    for (const e of this.handles.values()) e.handle.stop();
    this.handles.clear();
  }
}
