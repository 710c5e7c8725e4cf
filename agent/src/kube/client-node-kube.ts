/**
 * The KubeClient adapter: @kubernetes/client-node's `KubeConfig` for configuration and
 * credentials, raw REST calls over one reused undici dispatcher per cluster (see
 * kube-transport.ts for why and for the measurements).
 *
 * Server-side apply always sends `fieldValidation=Strict`. For built-in kinds an unknown or
 * mistyped field fails either way (SSA's typed patch rejects it); for custom resources the
 * server's default (`Warn`) would silently prune unknown fields and only return a warning header,
 * so a typo in a manifest would be applied as "success". Strict turns it into APPLY_FAILED.
 */
// dist/config.js, not the package index: see client-node-hooks.ts
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import {
  ErrorCode,
  GitfleetError,
  objectRef,
  silentLogger,
  toGitfleetError,
  type KubeObject,
  type Logger,
  type ObjectRef,
} from '@gitfleet/proto';
import { Discovery } from './discovery.ts';
import { applyError, describeObject, isJsonObject, transientError } from './kube-errors.ts';
import { KubeTransport, type KubeTransportOptions, type TransportStats } from './kube-transport.ts';
import { listObjects, resourcePath, withTypeMeta } from './list-objects.ts';
import type {
  ApplyOptions,
  Gvk,
  KubeClient,
  OpenApiDocument,
  ResourceInfo,
  WatchEventType,
  WatchOptions,
} from './port.ts';
import {
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MIN_BACKOFF_MS,
  ResourceWatch,
  type WatchTiming,
} from './resource-watch.ts';

export interface ClientNodeKubeOptions extends KubeTransportOptions {
  /**
   * Server-side timeout of each watch request, after which the watch re-establishes from its last
   * resourceVersion. Default: random 300–600 s per request (as client-go). Tests use 1.
   */
  readonly watchTimeoutSeconds?: number;
  /** @defaultValue {@link DEFAULT_MIN_BACKOFF_MS} */
  readonly minBackoffMs?: number;
  /** @defaultValue {@link DEFAULT_MAX_BACKOFF_MS} */
  readonly maxBackoffMs?: number;
  /** @defaultValue silentLogger */
  readonly logger?: Logger;
}

type ClientState = 'open' | 'closing' | 'closed';

/**
 * KubeClient for one cluster.
 *
 * @example
 * ```ts
 * const kube = ClientNodeKube.fromKubeconfigFile('/etc/gitfleet/kubeconfig');
 * await kube.apply(configMap, { fieldManager: 'gitfleet-agent', force: true });
 * await kube.close();
 * ```
 */
export class ClientNodeKube implements KubeClient {
  private readonly transport: KubeTransport;
  private readonly discovery: Discovery;
  private readonly timing: WatchTiming;
  private readonly logger: Logger;
  /** Open watches; each removes itself when its loop ends. */
  private readonly watches = new Set<ResourceWatch>();
  /** `/openapi/v3` index: 'apis/apps/v1' → hash-pinned URL of its document (undefined: no v3). */
  private openApiIndex: Promise<ReadonlyMap<string, string> | undefined> | undefined;
  /** Documents by hash-pinned URL (immutable for a given URL). */
  private readonly openApiDocs = new Map<string, Promise<OpenApiDocument | undefined>>();
  private state: ClientState = 'open';
  private closing: Promise<void> | undefined;

  /** @throws GitfleetError CONFIG_INVALID when the kubeconfig has no current cluster or an option is invalid */
  constructor(kc: KubeConfig, opts: ClientNodeKubeOptions = {}) {
    const timing: WatchTiming = {
      minBackoffMs: opts.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS,
      maxBackoffMs: opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
      ...(opts.watchTimeoutSeconds === undefined
        ? {}
        : { watchTimeoutSeconds: opts.watchTimeoutSeconds }),
    };
    const problems: string[] = [];
    if (
      timing.watchTimeoutSeconds !== undefined &&
      (!Number.isSafeInteger(timing.watchTimeoutSeconds) || timing.watchTimeoutSeconds < 1)
    ) {
      problems.push('watchTimeoutSeconds must be an integer >= 1');
    }
    if (!(timing.minBackoffMs >= 1 && timing.maxBackoffMs >= timing.minBackoffMs)) {
      problems.push('backoff must satisfy 1 <= minBackoffMs <= maxBackoffMs');
    }
    if (problems.length > 0) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `invalid kube client options: ${problems.join('; ')}`,
        { terminal: true },
      );
    }
    this.transport = new KubeTransport(kc, opts);
    this.discovery = new Discovery(this.transport);
    this.timing = timing;
    this.logger = (opts.logger ?? silentLogger).child({ component: 'kube-client' });
  }

  get server(): string {
    return this.transport.origin;
  }

  /** From a kubeconfig file (relative certificate paths resolve against its folder). */
  static fromKubeconfigFile(path: string, opts?: ClientNodeKubeOptions): ClientNodeKube {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new GitfleetError(ErrorCode.ConfigInvalid, `kubeconfig ${path}: ${errorMessage(err)}`, {
        terminal: true,
        cause: err,
      });
    }
    return new ClientNodeKube(kc, opts);
  }

  /** From kubeconfig YAML text. */
  static fromKubeconfigYaml(text: string, opts?: ClientNodeKubeOptions): ClientNodeKube {
    const kc = new KubeConfig();
    try {
      kc.loadFromString(text);
    } catch (err) {
      throw new GitfleetError(ErrorCode.ConfigInvalid, `kubeconfig: ${errorMessage(err)}`, {
        terminal: true,
        cause: err,
      });
    }
    return new ClientNodeKube(kc, opts);
  }

  /** From the pod's service account (KUBERNETES_SERVICE_HOST/PORT, token and CA files). */
  static inCluster(opts?: ClientNodeKubeOptions): ClientNodeKube {
    const kc = new KubeConfig();
    kc.loadFromCluster();
    const server = kc.getCurrentCluster()?.server ?? '';
    if (server === '' || server.includes('undefined')) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        'in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (is this running in a pod?)',
        { terminal: true },
      );
    }
    return new ClientNodeKube(kc, opts);
  }

  async resolve(gvk: Gvk): Promise<ResourceInfo> {
    this.assertOpen();
    return this.discovery.resolve(gvk);
  }

  invalidateDiscovery(): void {
    this.discovery.invalidate();
    this.openApiIndex = undefined;
    this.openApiDocs.clear();
  }

  /** The live object, or undefined when it (or its kind: a removed CRD takes its objects along) does not exist. */
  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const info = await this.resolveOrUndefined(ref);
    if (info === undefined) return undefined;
    const res = await this.transport.request('GET', resourcePath(info, ref.namespace, ref.name));
    if (res.status === 404) return undefined;
    if (res.status !== 200 || !isJsonObject(res.body)) {
      throw transientError(`get ${describeObject(ref.kind, ref.namespace, ref.name)}`, res);
    }
    return withTypeMeta(info, res.body);
  }

  async apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
    const ref = objectRef(obj);
    const subject = describeObject(ref.kind, ref.namespace, ref.name);
    const info = await this.resolve(ref);
    if (info.namespaced && ref.namespace === '') {
      throw new GitfleetError(
        ErrorCode.ApplyFailed,
        `${subject}: ${ref.kind} is namespaced but metadata.namespace is empty`,
        { terminal: true, details: { object: subject } },
      );
    }
    const dryRun = opts.dryRun === true;
    const res = await this.transport.request('PATCH', resourcePath(info, ref.namespace, ref.name), {
      query: {
        fieldManager: opts.fieldManager,
        force: opts.force ? 'true' : undefined,
        dryRun: dryRun ? 'All' : undefined,
        fieldValidation: 'Strict',
      },
      body: obj,
      contentType: 'application/apply-patch+yaml',
      ...(opts.deadlineMs === undefined ? {} : { deadlineMs: opts.deadlineMs }),
    });
    if ((res.status === 200 || res.status === 201) && isJsonObject(res.body)) {
      return withTypeMeta(info, res.body);
    }
    throw applyError(subject, res, dryRun);
  }

  /** True when deleted (or deletion started: finalizers); false when it (or its kind) was already gone. */
  async delete(
    ref: ObjectRef,
    opts: { propagation?: 'Background' | 'Foreground' | 'Orphan' } = {},
  ): Promise<boolean> {
    const info = await this.resolveOrUndefined(ref);
    if (info === undefined) return false;
    const res = await this.transport.request(
      'DELETE',
      resourcePath(info, ref.namespace, ref.name),
      {
        query: { propagationPolicy: opts.propagation ?? 'Background' },
      },
    );
    if (res.status === 200 || res.status === 202) return true;
    if (res.status === 404) return false;
    throw transientError(`delete ${describeObject(ref.kind, ref.namespace, ref.name)}`, res);
  }

  async list(gvk: Gvk, opts: WatchOptions = {}): Promise<readonly KubeObject[]> {
    const info = await this.resolve(gvk);
    return (await listObjects(this.transport, info, opts)).items;
  }

  /**
   * Starts a list+watch. The initial list is delivered as ADDED events before `ready` resolves;
   * a re-list (after 410) emits only the differences. `ready` stays pending while the kind is
   * not served or the server is unreachable (the watch keeps retrying), and rejects only if
   * stop() comes before the first list.
   */
  watch(
    gvk: Gvk,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
  ): ResourceWatch {
    this.assertOpen();
    const w = new ResourceWatch({
      transport: this.transport,
      discovery: this.discovery,
      gvk,
      options: opts,
      onEvent,
      logger: this.logger,
      timing: this.timing,
    });
    this.watches.add(w);
    w.finished
      .catch((err: unknown) =>
        this.logger.error('kube watch loop ended with an error', {
          kind: gvk.kind,
          error: toGitfleetError(err).message,
        }),
      )
      .finally(() => this.watches.delete(w));
    return w;
  }

  async openApiSchema(group: string, version: string): Promise<OpenApiDocument | undefined> {
    this.assertOpen();
    const indexPromise = (this.openApiIndex ??= this.fetchOpenApiIndex());
    const index = await indexPromise.catch((err: unknown) => {
      if (this.openApiIndex === indexPromise) this.openApiIndex = undefined;
      throw err;
    });
    const url = index?.get(group === '' ? `api/${version}` : `apis/${group}/${version}`);
    if (url === undefined) return undefined;
    let doc = this.openApiDocs.get(url);
    if (doc === undefined) {
      const p = this.fetchOpenApiDocument(url);
      doc = p;
      this.openApiDocs.set(url, p);
      p.catch(() => {
        if (this.openApiDocs.get(url) === p) this.openApiDocs.delete(url);
      });
    }
    return doc;
  }

  /** Sockets and requests of this cluster's dispatcher (tests, metrics). */
  connectionStats(): TransportStats {
    return this.transport.stats();
  }

  /** Stops every watch, then closes the dispatcher. Idempotent: every caller gets the same promise. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.state = 'closing';
    const open = [...this.watches];
    for (const w of open) w.stop();
    await Promise.allSettled(open.map((w) => w.finished));
    await this.transport.close();
    this.state = 'closed';
  }

  private assertOpen(): void {
    if (this.state !== 'open') {
      throw new GitfleetError(ErrorCode.Internal, 'kube client is closed', { terminal: true });
    }
  }

  private async resolveOrUndefined(gvk: Gvk): Promise<ResourceInfo | undefined> {
    try {
      return await this.resolve(gvk);
    } catch (err) {
      if (err instanceof GitfleetError && err.code === ErrorCode.NotFound) return undefined;
      throw err;
    }
  }

  private async fetchOpenApiIndex(): Promise<ReadonlyMap<string, string> | undefined> {
    const res = await this.transport.request('GET', '/openapi/v3');
    if (res.status === 404) return undefined;
    if (res.status !== 200 || !isJsonObject(res.body)) throw transientError('GET /openapi/v3', res);
    const paths = res.body['paths'];
    const index = new Map<string, string>();
    if (isJsonObject(paths)) {
      for (const [key, entry] of Object.entries(paths)) {
        const url = isJsonObject(entry) ? entry['serverRelativeURL'] : undefined;
        if (typeof url === 'string') index.set(key, url);
      }
    }
    return index;
  }

  private async fetchOpenApiDocument(url: string): Promise<OpenApiDocument | undefined> {
    const res = await this.transport.request('GET', url);
    if (res.status === 404) return undefined;
    if (res.status !== 200 || !isJsonObject(res.body)) throw transientError(`GET ${url}`, res);
    return res.body;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
