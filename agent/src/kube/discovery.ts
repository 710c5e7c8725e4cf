/**
 * Discovery, lazily per group-version: `GET /api/v1` or `GET /apis/<group>/<version>` (an
 * APIResourceList) the first time a kind of that group-version is resolved, then cached. An agent
 * touches a handful of group-versions, so this is cheaper than aggregated discovery of the whole
 * server (`/api` + `/apis`, hundreds of KB), and it works on every server version.
 *
 * A miss (unknown kind, or a group-version the server does not serve) refetches that
 * group-version once, so kinds of CRDs established a moment ago resolve without an explicit
 * invalidate; concurrent misses share one refetch.
 */
import { ErrorCode, GitfleetError, formatApiVersion } from '@gitfleet/proto';
import type { Gvk, ResourceInfo } from './port.ts';
import { isJsonObject, stringField, transientError } from './kube-errors.ts';
import type { KubeTransport } from './kube-transport.ts';

type KindTable = ReadonlyMap<string, ResourceInfo>;

/** URL prefix of a group-version: `/api/v1` (core) or `/apis/<group>/<version>`. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** Cached kind → resource lookups of one cluster. */
export class Discovery {
  private readonly transport: KubeTransport;
  /** group-version → kinds it serves (undefined: the group-version is not served). */
  private readonly tables = new Map<string, Promise<KindTable | undefined>>();

  constructor(transport: KubeTransport) {
    this.transport = transport;
  }

  /** @throws GitfleetError NOT_FOUND (not terminal: a CRD may still be created) when not served. */
  async resolve(gvk: Gvk): Promise<ResourceInfo> {
    const key = formatApiVersion(gvk);
    const cached = this.tables.get(key);
    let table = cached === undefined ? this.load(key, gvk) : cached;
    let info = (await table)?.get(gvk.kind);
    if (info === undefined && cached !== undefined) {
      // A miss on a cached table: refetch once (unless another caller already did).
      const current = this.tables.get(key);
      table = current !== undefined && current !== cached ? current : this.load(key, gvk);
      info = (await table)?.get(gvk.kind);
    }
    if (info === undefined) {
      throw new GitfleetError(
        ErrorCode.NotFound,
        `${gvk.kind} (${key}) is not served by the cluster: its API group or CRD is missing`,
        { details: { group: gvk.group, version: gvk.version, kind: gvk.kind } },
      );
    }
    return info;
  }

  invalidate(): void {
    this.tables.clear();
  }

  private load(key: string, gvk: Gvk): Promise<KindTable | undefined> {
    const p = this.fetchTable(gvk.group, gvk.version);
    this.tables.set(key, p);
    // A failed fetch (network) is not cached: the next resolve tries again.
    p.catch(() => {
      if (this.tables.get(key) === p) this.tables.delete(key);
    });
    return p;
  }

  private async fetchTable(group: string, version: string): Promise<KindTable | undefined> {
    const path = groupVersionPath(group, version);
    const res = await this.transport.request('GET', path);
    if (res.status === 404) return undefined;
    if (res.status !== 200 || !isJsonObject(res.body)) {
      throw transientError(`discovery ${path}`, res);
    }
    const table = new Map<string, ResourceInfo>();
    const resources = res.body['resources'];
    for (const r of Array.isArray(resources) ? resources : []) {
      if (!isJsonObject(r)) continue;
      const plural = stringField(r, 'name');
      const kind = stringField(r, 'kind');
      // Subresources (deployments/scale, pods/status) share the kind of another resource.
      if (plural === '' || kind === '' || plural.includes('/')) continue;
      const verbs = r['verbs'];
      table.set(kind, {
        group,
        version,
        kind,
        plural,
        namespaced: r['namespaced'] === true,
        verbs: Array.isArray(verbs) ? verbs.filter((v) => typeof v === 'string') : [],
      });
    }
    return table;
  }
}
