/**
 * Discovery as the reconciler uses it: what the server knows about each kind, cached until CRDs
 * change, and warmed for the common kinds before the first assignment needs them.
 */
import type { Gvk, KubeClient, ResourceInfo } from '../kube/port.ts';
import { gvkKey } from './watches.ts';

export class Discovery {
  private readonly kube: KubeClient;
  private readonly resources = new Map<string, ResourceInfo>();

  constructor(kube: KubeClient) {
    this.kube = kube;
  }

  async resolve(g: Gvk): Promise<ResourceInfo> {
    const k = gvkKey(g);
    const hit = this.resources.get(k);
    if (hit !== undefined) return hit;
    const info = await this.kube.resolve(g);
    this.resources.set(k, info);
    return info;
  }

  /** Whether the kind is known to be namespaced (false when not resolved yet). */
  namespaced(g: Gvk): boolean {
    return this.resources.get(gvkKey(g))?.namespaced === true;
  }

  /**
   * Whether a group and kind is namespaced, as far as the kinds resolved so far say (any
   * version); undefined when none of its versions is resolved yet.
   */
  namespacedKind(gk: { readonly group: string; readonly kind: string }): boolean | undefined {
    for (const info of this.resources.values()) {
      if (info.group === gk.group && info.kind === gk.kind) return info.namespaced;
    }
    return undefined;
  }

  /** Forgets every kind (after CRDs were created), here and in the client. */
  invalidate(): void {
    this.kube.invalidateDiscovery();
    this.resources.clear();
  }

  /**
   * Fetches discovery and the OpenAPI schemas of the core and apps groups before the first
   * assignment needs them (the v1 schema alone is megabytes of JSON), so a first sync does not
   * pay for it. Failures are harmless: the sync pass fetches on demand.
   */
  async prewarm(): Promise<void> {
    const kinds: Gvk[] = [
      { group: '', version: 'v1', kind: 'Namespace' },
      { group: '', version: 'v1', kind: 'ConfigMap' },
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ];
    await Promise.allSettled([
      ...kinds.map((g) => this.resolve(g)),
      this.kube.openApiSchema('', 'v1'),
      this.kube.openApiSchema('apps', 'v1'),
    ]);
  }
}
