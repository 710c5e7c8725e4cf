/** URL paths of resources and the paginated LIST shared by `list()` and the watch's (re-)list. */
import { formatApiVersion, type KubeObject } from '@gitfleet/proto';
import { groupVersionPath } from './discovery.ts';
import { isJsonObject, stringField, transientError } from './kube-errors.ts';
import type { KubeTransport } from './kube-transport.ts';
import type { ResourceInfo } from './port.ts';

/** Items per LIST page; large lists arrive in pages instead of one huge response. */
export const LIST_PAGE_SIZE = 500;

/**
 * `/apis/<g>/<v>[/namespaces/<ns>]/<plural>[/<name>]`. A namespaced kind without a namespace
 * addresses all namespaces (lists and watches only).
 */
export function resourcePath(info: ResourceInfo, namespace: string, name?: string): string {
  const ns =
    info.namespaced && namespace !== '' ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${groupVersionPath(info.group, info.version)}${ns}/${info.plural}${tail}`;
}

/** Objects of a LIST answer lack apiVersion/kind for built-in kinds; KubeObjects always carry them. */
export function withTypeMeta(info: ResourceInfo, obj: KubeObject): KubeObject {
  if (typeof obj['apiVersion'] === 'string' && typeof obj['kind'] === 'string') return obj;
  return { apiVersion: formatApiVersion(info), kind: info.kind, ...obj };
}

export interface ListResult {
  readonly items: readonly KubeObject[];
  /** The snapshot's resourceVersion: a watch from here misses nothing. */
  readonly resourceVersion: string;
}

/** Lists every page; restarts once from the first page when a continue token expires (410). */
export async function listObjects(
  transport: KubeTransport,
  info: ResourceInfo,
  opts: { readonly namespace?: string; readonly labelSelector?: string },
): Promise<ListResult> {
  const path = resourcePath(info, opts.namespace ?? '');
  let items: KubeObject[] = [];
  let resourceVersion = '';
  let cont: string | undefined;
  let restarted = false;
  for (;;) {
    const res = await transport.request('GET', path, {
      query: {
        limit: String(LIST_PAGE_SIZE),
        continue: cont,
        labelSelector: opts.labelSelector,
      },
    });
    if (res.status === 410 && cont !== undefined && !restarted) {
      restarted = true;
      cont = undefined;
      items = [];
      continue;
    }
    if (res.status !== 200 || !isJsonObject(res.body)) throw transientError(`list ${path}`, res);
    const page = res.body['items'];
    for (const item of Array.isArray(page) ? page : []) {
      if (isJsonObject(item)) items.push(withTypeMeta(info, item));
    }
    const meta = res.body['metadata'];
    const next = isJsonObject(meta) ? stringField(meta, 'continue') : '';
    if (cont === undefined && isJsonObject(meta)) {
      resourceVersion = stringField(meta, 'resourceVersion');
    }
    if (next === '') break;
    cont = next;
  }
  return { items, resourceVersion };
}
