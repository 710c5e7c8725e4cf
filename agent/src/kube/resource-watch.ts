/**
 * List+watch of one kind with a local cache (an informer), over the cluster's one dispatcher.
 *
 * Loop: resolve the kind → LIST (paginated; the cache is replaced and the differences are
 * emitted) → WATCH from the list's resourceVersion with bookmarks → when the server ends the watch
 * (`timeoutSeconds`), WATCH again from the last seen resourceVersion, without a new LIST. A 410
 * Gone (HTTP status or an ERROR event: the resourceVersion was compacted away, e.g. after an API
 * server restart) triggers a new LIST. Any other failure — and a watch the server ends suspiciously
 * early (a proxy closing streams) — waits with exponential backoff and jitter, then resumes from
 * the last resourceVersion. While the kind is not served (CRD missing) or the server is
 * unreachable, the loop keeps retrying and `ready` stays pending.
 *
 * Sockets: each watch has its own single-connection dispatcher. When the server ends a watch the
 * keep-alive socket stays open and the next watch request reuses it; stop() aborts the stream and
 * destroys the dispatcher with its socket. So reconnects never accumulate sockets (checked by the
 * integration test after 20 server-side timeouts and 20 start/stop cycles).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import {
  ErrorCode,
  GitfleetError,
  toGitfleetError,
  type KubeObject,
  type Logger,
} from '@gitfleet/proto';
import type { Discovery } from './discovery.ts';
import { isJsonObject, stringField, transientError } from './kube-errors.ts';
import type { KubeTransport } from './kube-transport.ts';
import { listObjects, resourcePath, withTypeMeta } from './list-objects.ts';
import type { Gvk, ResourceInfo, WatchEventType, WatchHandle, WatchOptions } from './port.ts';

/** Default first retry delay after a failed list or watch. */
export const DEFAULT_MIN_BACKOFF_MS = 250;
/** Default cap of the retry delay. */
export const DEFAULT_MAX_BACKOFF_MS = 30_000;
/** Server-side watch timeout is drawn from [MIN, 2 × MIN) seconds (as client-go does), spreading reconnects. */
const MIN_WATCH_TIMEOUT_SECONDS = 300;
/** Slack over timeoutSeconds before a silent stream is considered dead and aborted. */
const WATCH_IDLE_SLACK_MS = 30_000;
/**
 * A watch the server ends sooner than this was not ended by its timeout (≥ 1 s): reconnecting at
 * once could spin, so it backs off like a failure.
 */
const EARLY_END_MS = 500;

export type WatchState = 'starting' | 'listing' | 'watching' | 'backoff' | 'stopped';

export interface WatchTiming {
  /** Fixed server-side timeout of each watch request; default random 300–600 s. */
  readonly watchTimeoutSeconds?: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
}

export interface WatchStats {
  /** Completed LISTs (1 + re-lists). */
  readonly lists: number;
  /** Watch requests the server accepted (1 + reconnects). */
  readonly watches: number;
  /** 410 Gone answers seen (each causes a re-list). */
  readonly gone: number;
  /** Failures that caused a backoff. */
  readonly errors: number;
}

export interface ResourceWatchDeps {
  readonly transport: KubeTransport;
  readonly discovery: Discovery;
  readonly gvk: Gvk;
  readonly options: WatchOptions;
  readonly onEvent: (type: WatchEventType, obj: KubeObject) => void;
  readonly logger: Logger;
  readonly timing: WatchTiming;
}

type WatchOutcome = 'ended' | 'early' | 'gone';

function cacheKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function objectMeta(obj: KubeObject): { namespace: string; name: string; resourceVersion: string } {
  const meta = obj['metadata'];
  if (!isJsonObject(meta)) return { namespace: '', name: '', resourceVersion: '' };
  return {
    namespace: stringField(meta, 'namespace'),
    name: stringField(meta, 'name'),
    resourceVersion: stringField(meta, 'resourceVersion'),
  };
}

/** One list+watch loop with its cache; the WatchHandle that ClientNodeKube.watch returns. */
export class ResourceWatch implements WatchHandle {
  readonly ready: Promise<void>;
  /** Resolves when the loop has ended after stop(). */
  readonly finished: Promise<void>;
  private readonly deps: ResourceWatchDeps;
  private readonly logger: Logger;
  /** Objects by `namespace/name`. Updated before onEvent runs, so handlers see the new state. */
  private readonly cache = new Map<string, KubeObject>();
  private readonly abort = new AbortController();
  private resourceVersion = '';
  /** This watch's own single-connection dispatcher, reused across reconnects (see kube-transport.ts). */
  private dispatcher: Dispatcher | undefined;
  private state: WatchState = 'starting';
  private counters = { lists: 0, watches: 0, gone: 0, errors: 0 };
  private markReady!: () => void;
  private failReady!: (err: Error) => void;
  private isReady = false;

  constructor(deps: ResourceWatchDeps) {
    this.deps = deps;
    this.logger = deps.logger.child({
      component: 'kube-watch',
      kind: deps.gvk.kind,
      namespace: deps.options.namespace ?? '',
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    // Rejected only by stop() before warm-up; callers that never await `ready` must not crash.
    this.ready.catch(() => undefined);
    this.finished = this.run();
  }

  get currentState(): WatchState {
    return this.isStopped() ? 'stopped' : this.state;
  }

  get stats(): WatchStats {
    return { ...this.counters };
  }

  list(): readonly KubeObject[] {
    return [...this.cache.values()];
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.cache.get(cacheKey(namespace, name));
  }

  /** True once stop() ran (a method, so TypeScript does not narrow it across awaits). */
  private isStopped(): boolean {
    return this.abort.signal.aborted;
  }

  stop(): void {
    if (this.isStopped()) return;
    this.state = 'stopped';
    this.abort.abort();
    if (!this.isReady) {
      this.failReady(
        new GitfleetError(
          ErrorCode.Internal,
          `watch of ${this.deps.gvk.kind} stopped before its first list`,
        ),
      );
    }
  }

  private async run(): Promise<void> {
    try {
      await this.loop();
    } finally {
      if (this.dispatcher !== undefined) {
        await this.deps.transport.closeStreamDispatcher(this.dispatcher);
      }
    }
  }

  private async loop(): Promise<void> {
    let info: ResourceInfo | undefined;
    let needList = true;
    let attempt = 0;
    while (!this.isStopped()) {
      try {
        info ??= await this.deps.discovery.resolve(this.deps.gvk);
        const ns = this.deps.options.namespace;
        if (ns !== undefined && !info.namespaced) {
          // a cluster-scoped kind has no namespaces: a watch "in" one would watch the whole kind
          this.failStart(
            new GitfleetError(
              ErrorCode.ApplyFailed,
              `${this.deps.gvk.kind} is cluster-scoped: it cannot be listed and watched in the namespace ${ns}`,
              { terminal: true, details: { kind: this.deps.gvk.kind, namespace: ns } },
            ),
          );
          break;
        }
        if (needList) {
          await this.relist(info);
          needList = false;
        }
        this.dispatcher ??= await this.deps.transport.openStreamDispatcher();
        const outcome = await this.watchOnce(this.dispatcher, info);
        if (outcome === 'early') {
          attempt++;
          await this.backoff(attempt, 'kube watch ended early; backing off', {});
          continue;
        }
        attempt = 0;
        if (outcome === 'gone') {
          this.counters.gone++;
          needList = true;
        }
      } catch (err) {
        if (this.isStopped()) break;
        const e = toGitfleetError(err);
        const httpStatus = e.details['httpStatus'];
        if ((httpStatus === 401 || httpStatus === 403) && !this.isReady) {
          // RBAC: retrying does not help until someone grants it; say so instead of waiting
          // forever (the owner drops this watch and a later pass starts a fresh one)
          const what =
            info === undefined
              ? this.deps.gvk.kind
              : `${info.group === '' ? '' : `${info.group}/`}${info.plural}`;
          this.logger.warn('kube watch forbidden', { err: e.message });
          this.failStart(
            new GitfleetError(
              ErrorCode.ApplyFailed,
              `cannot list and watch ${what}${this.deps.options.namespace === undefined ? '' : ` in ${this.deps.options.namespace}`}: ${e.message}; grant the agent's ServiceAccount get, list and watch on it`,
              { details: { kind: this.deps.gvk.kind, httpStatus } },
            ),
          );
          break;
        }
        this.counters.errors++;
        attempt++;
        await this.backoff(attempt, 'kube watch failed; retrying', {
          err: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }

  /** Ends a watch that cannot start (retrying would not help): `ready` rejects with `err`. */
  private failStart(err: GitfleetError): void {
    this.failReady(err);
    this.stop();
  }

  private async backoff(
    attempt: number,
    message: string,
    meta: Record<string, unknown>,
  ): Promise<void> {
    const delayMs = this.backoffMs(attempt);
    this.logger.warn(message, { ...meta, attempt, delayMs });
    this.state = 'backoff';
    await sleep(delayMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  private backoffMs(attempt: number): number {
    const { minBackoffMs, maxBackoffMs } = this.deps.timing;
    const ceiling = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(attempt - 1, 20));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async relist(info: ResourceInfo): Promise<void> {
    this.state = 'listing';
    const { items, resourceVersion } = await listObjects(
      this.deps.transport,
      info,
      this.deps.options,
    );
    if (this.isStopped()) return;
    this.counters.lists++;
    const previous = new Map(this.cache);
    this.cache.clear();
    const events: [WatchEventType, KubeObject][] = [];
    for (const obj of items) {
      const m = objectMeta(obj);
      const key = cacheKey(m.namespace, m.name);
      this.cache.set(key, obj);
      const before = previous.get(key);
      previous.delete(key);
      if (before === undefined) events.push(['ADDED', obj]);
      else if (objectMeta(before).resourceVersion !== m.resourceVersion) {
        events.push(['MODIFIED', obj]);
      }
    }
    // Deleted while we were not watching: their last known state.
    for (const gone of previous.values()) events.push(['DELETED', gone]);
    this.resourceVersion = resourceVersion;
    for (const [type, obj] of events) this.emit(type, obj);
    if (!this.isReady) {
      this.isReady = true;
      this.markReady();
    }
  }

  private async watchOnce(dispatcher: Dispatcher, info: ResourceInfo): Promise<WatchOutcome> {
    const { options, timing, transport } = this.deps;
    const timeoutSeconds =
      timing.watchTimeoutSeconds ?? Math.floor(MIN_WATCH_TIMEOUT_SECONDS * (1 + Math.random()));
    const path = resourcePath(info, options.namespace ?? '');
    const res = await transport.stream(
      dispatcher,
      path,
      {
        watch: '1',
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
        labelSelector: options.labelSelector,
      },
      this.abort.signal,
      timeoutSeconds * 1000 + WATCH_IDLE_SLACK_MS,
    );
    if (res.status === 410) return 'gone';
    if (res.body === undefined) {
      throw transientError(`watch ${path}`, { status: res.status, body: res.error });
    }
    this.counters.watches++;
    this.state = 'watching';
    const startedAt = performance.now();
    const decoder = new TextDecoder();
    let buffered = '';
    // Leaving this loop early (return/throw) destroys the body, and with it that one socket.
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk as Buffer, { stream: true });
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() !== '' && this.handleLine(info, path, line) === 'gone') return 'gone';
        nl = buffered.indexOf('\n');
      }
    }
    return performance.now() - startedAt < EARLY_END_MS ? 'early' : 'ended';
  }

  /** Applies one watch event to the cache and emits it; 'gone' when the server says 410. */
  private handleLine(info: ResourceInfo, path: string, line: string): 'gone' | undefined {
    const event: unknown = JSON.parse(line);
    if (!isJsonObject(event) || !isJsonObject(event['object'])) {
      throw new GitfleetError(
        ErrorCode.Internal,
        `watch ${path}: malformed event ${line.slice(0, 200)}`,
      );
    }
    const type = stringField(event, 'type');
    const obj = event['object'];
    if (type === 'ERROR') {
      if (obj['code'] === 410) return 'gone';
      throw transientError(`watch ${path}`, { status: Number(obj['code'] ?? 500), body: obj });
    }
    const meta = objectMeta(obj);
    if (meta.resourceVersion !== '') this.resourceVersion = meta.resourceVersion;
    if (type === 'BOOKMARK') return undefined;
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return undefined;
    const full = withTypeMeta(info, obj);
    const key = cacheKey(meta.namespace, meta.name);
    if (type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, full);
    this.emit(type, full);
    return undefined;
  }

  private emit(type: WatchEventType, obj: KubeObject): void {
    if (this.isStopped()) return;
    try {
      this.deps.onEvent(type, obj);
    } catch (err) {
      // A throwing handler must not kill the watch; the error belongs to the handler's owner.
      this.logger.error('kube watch event handler threw', {
        type,
        err: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
