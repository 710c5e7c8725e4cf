/**
 * A watch of our own on one collection (list, then watch from its resourceVersion over a raw
 * HTTPS stream), independent of the agent's: every event is kept per object name with its
 * resourceVersion and arrival time, so a benchmark can ask "when did this object, after that
 * write, first look like this?".
 */
import https from 'node:https';
import type { KubeCluster } from '../../src/fleet/kube.ts';

export type Obj = Record<string, unknown> & {
  metadata?: { name?: string; resourceVersion?: string };
};

export interface SeenEvent {
  readonly type: string;
  readonly rv: number;
  /** performance.now() when the event was parsed. */
  readonly at: number;
  readonly obj: Obj;
}

interface Waiter {
  readonly name: string;
  readonly afterRv: number;
  readonly pred: (o: Obj) => boolean;
  readonly resolve: (e: SeenEvent) => void;
}

export class CollectionWatch {
  private readonly events = new Map<string, SeenEvent[]>();
  private waiters: Waiter[] = [];
  private req: ReturnType<typeof https.request> | undefined;
  private stopped = false;
  /** Set when the stream ends or fails unexpectedly. */
  failure: string | undefined;

  private readonly cluster: KubeCluster;
  private readonly path: string;

  private constructor(cluster: KubeCluster, collectionPath: string) {
    this.cluster = cluster;
    this.path = collectionPath;
  }

  /** Lists `collectionPath` (e.g. /api/v1/namespaces/x/configmaps) and watches it from there. */
  static async open(cluster: KubeCluster, collectionPath: string): Promise<CollectionWatch> {
    const w = new CollectionWatch(cluster, collectionPath);
    const list = await cluster.request<{ metadata?: { resourceVersion?: string } }>(
      'GET',
      collectionPath,
    );
    const rv = list.body.metadata?.resourceVersion;
    if (list.status !== 200 || rv === undefined)
      throw new Error(`list ${collectionPath}: HTTP ${list.status}`);
    await w.start(rv);
    return w;
  }

  private start(rv: string): Promise<void> {
    const token = this.cluster.token;
    if (token === undefined) throw new Error('the benchmarks need a token-authenticated cluster');
    const url = new URL(
      `${this.path}?watch=true&resourceVersion=${rv}&timeoutSeconds=1800`,
      this.cluster.server,
    );
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: 'GET',
          ca: this.cluster.caData,
          agent: false,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`watch ${this.path}: HTTP ${res.statusCode}`));
            res.resume();
            return;
          }
          resolve();
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const at = performance.now();
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim() !== '') this.onLine(line, at);
            }
          });
          res.on('end', () => {
            if (!this.stopped) this.failure = `watch ${this.path} ended`;
          });
        },
      );
      req.on('error', (err) => {
        if (!this.stopped) this.failure = `watch ${this.path}: ${err.message}`;
        reject(err);
      });
      req.end();
      this.req = req;
    });
  }

  private onLine(line: string, at: number): void {
    const ev = JSON.parse(line) as { type: string; object: Obj };
    const name = ev.object.metadata?.name;
    const rv = Number(ev.object.metadata?.resourceVersion);
    if (name === undefined || !Number.isFinite(rv)) return;
    const seen: SeenEvent = { type: ev.type, rv, at, obj: ev.object };
    let list = this.events.get(name);
    if (list === undefined) this.events.set(name, (list = []));
    list.push(seen);
    if (list.length > 50) list.shift();
    this.waiters = this.waiters.filter((w) => {
      if (w.name === name && rv > w.afterRv && w.pred(ev.object)) {
        w.resolve(seen);
        return false;
      }
      return true;
    });
  }

  /** The event in which `name` reached resourceVersion `rv`, once seen. */
  seenAt(name: string, rv: number): SeenEvent | undefined {
    return this.events.get(name)?.find((e) => e.rv === rv);
  }

  /**
   * The first event of `name` after resourceVersion `afterRv` whose object satisfies `pred`
   * (including one already received), or undefined after `timeoutMs`.
   */
  waitFor(
    name: string,
    afterRv: number,
    pred: (o: Obj) => boolean,
    timeoutMs: number,
  ): Promise<SeenEvent | undefined> {
    const hit = this.events.get(name)?.find((e) => e.rv > afterRv && pred(e.obj));
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        resolve(undefined);
      }, timeoutMs);
      const done = (e: SeenEvent): void => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ name, afterRv, pred, resolve: done });
    });
  }

  stop(): void {
    this.stopped = true;
    this.req?.destroy();
  }
}
