/**
 * The clusters' own record of what was written, for fault tests — independent of gitfleet:
 *
 * - `ConfigMapWatch`: every event on the managed ConfigMaps of one cluster (list, then watch from
 *   the list's resourceVersion, so nothing is missed), and the content (`data.rev`) each has now.
 *   After the apiserver restarts, `resume()` lists again and records every difference from what
 *   it had seen as an event (`RELISTED`), then watches on: an object that changed while the watch
 *   was down is never missed.
 * - `configMapWrites` / `configMapApplies`: the apiserver's own request counter
 *   (`apiserver_request_total`, dry runs excluded), which also sees writes that change nothing —
 *   a server-side apply of unchanged content bumps no resourceVersion and emits no event.
 */
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import type { KubeCluster } from '../fleet/kube.ts';

export const MANAGED = 'app.kubernetes.io/managed-by=gitfleet';

export interface ConfigMap {
  metadata: {
    namespace?: string;
    name: string;
    resourceVersion: string;
    labels?: Record<string, string>;
  };
  data?: Record<string, string>;
}

export interface CmEvent {
  /** ADDED, MODIFIED, DELETED — or RELISTED: a change found by the list after a restart. */
  readonly type: string;
  /** namespace/name */
  readonly key: string;
  /** `data.rev` of the object after the event (undefined: deleted or none). */
  readonly rev: string | undefined;
  readonly resourceVersion: string;
  readonly atMs: number;
}

export function keyOf(cm: ConfigMap): string {
  return `${cm.metadata.namespace ?? ''}/${cm.metadata.name}`;
}

/**
 * Every event on the managed ConfigMaps of one cluster, and the content each object has now.
 */
export class ConfigMapWatch {
  readonly cluster: KubeCluster;
  readonly events: CmEvent[] = [];
  /** namespace/name → data.rev, as of the last event. */
  readonly live = new Map<string, string | undefined>();
  failure: string | undefined;
  private req: ClientRequest | undefined;
  private closed = false;
  /** The watch is expected to break (apiserver restarting): not a failure. */
  private pausedForRestart = false;
  private readonly listeners = new Set<(e: CmEvent) => void>();
  private readonly selector: string;

  constructor(cluster: KubeCluster, selector = MANAGED) {
    this.cluster = cluster;
    this.selector = selector;
  }

  async start(): Promise<void> {
    const rv = await this.list(false);
    await this.watchFrom(rv);
  }

  /** Call before the apiserver stops: the watch ending is then expected. */
  expectRestart(): void {
    this.pausedForRestart = true;
    this.req?.destroy();
    this.req = undefined;
  }

  /** After the apiserver is back: list (recording what changed meanwhile) and watch again. */
  async resume(): Promise<void> {
    const rv = await this.list(true);
    this.pausedForRestart = false;
    await this.watchFrom(rv);
  }

  /** Calls `fn` for every later event; returns the unsubscribe. */
  onEvent(fn: (e: CmEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Objects whose content is at `rev` now. */
  countAt(rev: string): number {
    let n = 0;
    for (const r of this.live.values()) if (r === rev) n++;
    return n;
  }

  /** Objects of one namespace (`ns/`) now, with their content. */
  liveIn(namespace: string): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    for (const [k, r] of this.live) if (k.startsWith(`${namespace}/`)) out.set(k, r);
    return out;
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }

  private async list(recordChanges: boolean): Promise<string> {
    const c = this.cluster;
    const q = `labelSelector=${encodeURIComponent(this.selector)}`;
    const list = await c.request<{ metadata: { resourceVersion: string }; items: ConfigMap[] }>(
      'GET',
      `/api/v1/configmaps?${q}`,
    );
    if (list.status !== 200) throw new Error(`${c.name}: list configmaps: HTTP ${list.status}`);
    const seen = new Set<string>();
    for (const cm of list.body.items) {
      const key = keyOf(cm);
      seen.add(key);
      const rev = cm.data?.['rev'];
      if (recordChanges && (!this.live.has(key) || this.live.get(key) !== rev)) {
        this.record({
          type: 'RELISTED',
          key,
          rev,
          resourceVersion: cm.metadata.resourceVersion,
          atMs: Date.now(),
        });
      } else {
        this.live.set(key, rev);
      }
    }
    if (recordChanges) {
      for (const key of [...this.live.keys()]) {
        if (!seen.has(key)) {
          this.record({
            type: 'DELETED',
            key,
            rev: undefined,
            resourceVersion: list.body.metadata.resourceVersion,
            atMs: Date.now(),
          });
        }
      }
    }
    return list.body.metadata.resourceVersion;
  }

  private async watchFrom(resourceVersion: string): Promise<void> {
    const c = this.cluster;
    if (c.token === undefined) throw new Error(`${c.name}: the watch needs a bearer token`);
    const q = `labelSelector=${encodeURIComponent(this.selector)}`;
    const url = new URL(
      `/api/v1/configmaps?${q}&watch=true&allowWatchBookmarks=false&timeoutSeconds=3600&resourceVersion=${resourceVersion}`,
      c.server,
    );
    await new Promise<void>((resolve, reject) => {
      const req = https.get(
        url,
        {
          ca: c.caData,
          headers: { authorization: `Bearer ${c.token}`, accept: 'application/json' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`${c.name}: watch configmaps: HTTP ${res.statusCode}`));
            res.resume();
            return;
          }
          resolve();
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (line !== '') this.onLine(line);
            }
          });
          res.on('end', () => this.fail('the watch ended', req));
          res.on('error', (err) => this.fail(`the watch failed: ${err.message}`, req));
        },
      );
      req.on('error', (err) => {
        reject(err);
        this.fail(`the watch failed: ${err.message}`, req);
      });
      this.req = req;
    });
  }

  private onLine(line: string): void {
    const ev = JSON.parse(line) as { type: string; object: ConfigMap & { message?: string } };
    if (ev.type === 'ERROR') {
      this.fail(`watch error: ${ev.object.message ?? line}`, this.req);
      return;
    }
    this.record({
      type: ev.type,
      key: keyOf(ev.object),
      rev: ev.type === 'DELETED' ? undefined : ev.object.data?.['rev'],
      resourceVersion: ev.object.metadata.resourceVersion,
      atMs: Date.now(),
    });
  }

  private record(e: CmEvent): void {
    this.events.push(e);
    if (e.type === 'DELETED') this.live.delete(e.key);
    else this.live.set(e.key, e.rev);
    for (const fn of this.listeners) fn(e);
  }

  private fail(why: string, req: ClientRequest | undefined): void {
    // a request replaced by a newer one, a closed watch or an expected restart is no failure
    if (this.closed || this.pausedForRestart || (req !== undefined && req !== this.req)) return;
    this.failure ??= `${this.cluster.name}: ${why}`;
  }
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);

interface RequestSample {
  readonly verb: string;
  readonly code: string;
  readonly value: number;
}

/** Mutating requests on configmaps (no subresource, no dry run), one sample per label set. */
async function configMapWriteSamples(c: KubeCluster): Promise<RequestSample[]> {
  const res = await c.request<unknown>('GET', '/metrics');
  if (res.status !== 200 || typeof res.body !== 'string')
    throw new Error(`${c.name}: GET /metrics: HTTP ${res.status}`);
  const out: RequestSample[] = [];
  for (const line of res.body.split('\n')) {
    const m = /^apiserver_request_total\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (m === null) continue;
    const labels = new Map(
      [...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1] ?? '', l[2] ?? '']),
    );
    const verb = labels.get('verb') ?? '';
    if (labels.get('resource') !== 'configmaps' || (labels.get('subresource') ?? '') !== '')
      continue;
    if (!WRITE_VERBS.has(verb) || (labels.get('dry_run') ?? '') !== '') continue;
    out.push({ verb, code: labels.get('code') ?? '', value: Number(m[2]) });
  }
  return out;
}

/** Mutating requests on configmaps this apiserver has served (not dry runs), by verb. */
export async function configMapWrites(c: KubeCluster): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const s of await configMapWriteSamples(c)) out.set(s.verb, (out.get(s.verb) ?? 0) + s.value);
  return out;
}

/**
 * Server-side applies on configmaps this apiserver process answered with success (2xx), dry runs
 * excluded: the writes gitfleet's agent made (it writes objects by server-side apply only).
 * Counted from the apiserver's start: a restarted apiserver counts from zero.
 */
export async function configMapApplies(c: KubeCluster): Promise<number> {
  let n = 0;
  for (const s of await configMapWriteSamples(c)) {
    if (s.verb === 'APPLY' && s.code.startsWith('2')) n += s.value;
  }
  return n;
}

/** Per-verb difference of two `configMapWrites` readings (verbs that grew only). */
export function writesDelta(
  before: Map<string, number>,
  after: Map<string, number>,
): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [verb, n] of after)
    if (n - (before.get(verb) ?? 0) > 0) d[verb] = n - (before.get(verb) ?? 0);
  return d;
}
