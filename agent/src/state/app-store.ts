/**
 * Durable agent state, kept in the spoke cluster itself so it survives agent restarts and does not
 * need the hub: per app one Secret `gitfleet-app-<app>` in the agent's namespace, holding the last
 * accepted assignment (gzip'd JSON) and the inventory of what was applied. A Secret, because the
 * rendered objects may themselves be Secrets.
 *
 * An agent that verifies the hub's signatures keeps a removed app's Secret as a tombstone instead
 * of deleting it (labels `gitfleet.dev/state: removed`, `gitfleet.dev/removed-app: <app>`; the
 * app's state — assignment, inventory, the `gitfleet.dev/app` label — is gone): it holds only the
 * signed AppRemoval, so the version the app was removed at survives restarts and an older
 * assignment of the app, replayed later, is refused (../core/intake.ts).
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ErrorCode,
  GitfleetError,
  type AppRemoval,
  type Assignment,
  type JsonObject,
  type KubeObject,
  type ObjectRef,
} from '@gitfleet/proto';
import type { Inventory } from '../core/inventory.ts';
import { stateWriteDeadlineMs } from '../core/take-failure.ts';
import type { KubeClient } from '../kube/port.ts';

export const STATE_FIELD_MANAGER = 'gitfleet-agent-state';
export const STATE_LABEL = 'gitfleet.dev/state';
/** `STATE_LABEL` of a tombstone: a removed app's Secret holding its signed removal. */
const REMOVED = 'removed';
/** The app of a tombstone (not `gitfleet.dev/app`: the app holds no state any more). */
const REMOVED_APP_LABEL = 'gitfleet.dev/removed-app';
const STATE_SECRET_TYPE = 'gitfleet.dev/app-state';
/** A Secret holds at most 1 MiB; keep room for metadata. */
const MAX_STATE_BYTES = 900 * 1024;

export interface AppState {
  readonly app: string;
  readonly assignment: Assignment;
  /** What was applied for this app; undefined before its first sync. */
  readonly inventory: Inventory | undefined;
}

const SECRET_REF = (namespace: string, app: string): ObjectRef => ({
  group: '',
  version: 'v1',
  kind: 'Secret',
  namespace,
  name: `gitfleet-app-${app}`,
});

function encode(value: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(value))).toString('base64');
}

function decode(b64: string): unknown {
  return JSON.parse(gunzipSync(Buffer.from(b64, 'base64')).toString('utf8'));
}

export class ClusterAppStore {
  private readonly kube: KubeClient;
  private readonly namespace: string;

  constructor(kube: KubeClient, namespace: string) {
    this.kube = kube;
    this.namespace = namespace;
  }

  /** Creates the agent's namespace if it is missing. */
  async ensureNamespace(): Promise<void> {
    await this.kube.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } },
      { fieldManager: STATE_FIELD_MANAGER, force: true },
    );
  }

  /**
   * A random per-cluster salt for Secret fingerprints in drift reports (so a short secret cannot be
   * guessed from its hash). Created once, kept in the agent's namespace.
   */
  async salt(): Promise<string> {
    const ref: ObjectRef = {
      group: '',
      version: 'v1',
      kind: 'Secret',
      namespace: this.namespace,
      name: 'gitfleet-agent-salt',
    };
    const existing = await this.kube.get(ref);
    const data = (existing?.['data'] ?? {}) as Record<string, string>;
    if (typeof data['salt'] === 'string' && data['salt'] !== '') return data['salt'];
    const salt = randomBytes(32).toString('base64');
    await this.kube.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: ref.name, namespace: this.namespace },
        data: { salt: Buffer.from(salt).toString('base64') },
      },
      { fieldManager: STATE_FIELD_MANAGER, force: true },
    );
    return Buffer.from(salt).toString('base64');
  }

  /** `namespace/name` of an app's state Secret. */
  secretOf(app: string): string {
    return `${this.namespace}/gitfleet-app-${app}`;
  }

  /**
   * Writes an app's state. The write has its own deadline (core/take-failure.ts,
   * `stateWriteDeadlineMs`): a hung apiserver fails it with TIMEOUT within 10–38 s, not after the
   * 60 s request timeout.
   */
  async save(state: AppState): Promise<void> {
    const assignment = encode(state.assignment);
    const inventory = encode(state.inventory ?? null);
    if (assignment.length + inventory.length > MAX_STATE_BYTES) {
      throw new GitfleetError(
        ErrorCode.ManifestInvalid,
        `app ${state.app}: its rendered objects are too large to persist in the cluster (${Math.round((assignment.length + inventory.length) / 1024)} KiB compressed, limit ${MAX_STATE_BYTES / 1024} KiB): split the application`,
        { terminal: true },
      );
    }
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: STATE_SECRET_TYPE,
      metadata: {
        name: `gitfleet-app-${state.app}`,
        namespace: this.namespace,
        labels: { [STATE_LABEL]: 'app', 'gitfleet.dev/app': state.app },
        annotations: {
          'gitfleet.dev/revision': state.assignment.revision,
          'gitfleet.dev/assignment-version': String(state.assignment.version),
        },
      },
      data: { assignment, inventory },
    };
    await this.kube.apply(secret, {
      fieldManager: STATE_FIELD_MANAGER,
      force: true,
      deadlineMs: stateWriteDeadlineMs(assignment.length + inventory.length),
    });
  }

  /**
   * Forgets an app's state. With `tombstone` (the signed removal), the Secret stays as the app's
   * tombstone, holding only that removal; without, it is deleted.
   */
  async remove(app: string, tombstone?: AppRemoval): Promise<void> {
    if (tombstone === undefined) {
      await this.kube.delete(SECRET_REF(this.namespace, app));
      return;
    }
    const removal = encode(tombstone);
    // one apply by the same field manager: the assignment and inventory it no longer lists go
    await this.kube.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: STATE_SECRET_TYPE,
        metadata: {
          name: `gitfleet-app-${app}`,
          namespace: this.namespace,
          labels: { [STATE_LABEL]: REMOVED, [REMOVED_APP_LABEL]: app },
          annotations: { 'gitfleet.dev/removal-version': String(tombstone.version) },
        },
        data: { removal },
      },
      {
        fieldManager: STATE_FIELD_MANAGER,
        force: true,
        deadlineMs: stateWriteDeadlineMs(removal.length),
      },
    );
  }

  /**
   * The removals kept in tombstones (see {@link remove}); one that cannot be read is reported
   * through `onCorrupt` and skipped.
   */
  async loadRemovals(onCorrupt: (app: string, err: unknown) => void): Promise<AppRemoval[]> {
    const out: AppRemoval[] = [];
    for (const { app, data } of await this.listState(REMOVED)) {
      try {
        const removal = decode(data['removal'] ?? '') as AppRemoval;
        if (removal.app !== app || removal.kind !== 'appRemoval')
          throw new Error('tombstone does not match its Secret');
        out.push(removal);
      } catch (err) {
        onCorrupt(app, err);
      }
    }
    return out;
  }

  /** The state Secrets with `STATE_LABEL` = `state`: their app and data. */
  private async listState(state: string): Promise<{ app: string; data: Record<string, string> }[]> {
    const secrets = await this.kube.list(
      { group: '', version: 'v1', kind: 'Secret' },
      { namespace: this.namespace, labelSelector: `${STATE_LABEL}=${state}` },
    );
    return secrets.map((s) => {
      const labels = ((s['metadata'] as JsonObject | undefined)?.['labels'] ?? {}) as Record<
        string,
        string
      >;
      return {
        app: labels['gitfleet.dev/app'] ?? labels[REMOVED_APP_LABEL] ?? '?',
        data: (s['data'] ?? {}) as Record<string, string>,
      };
    });
  }

  /** Every persisted app state; an unreadable one is reported through `onCorrupt` and skipped. */
  async loadAll(onCorrupt: (app: string, err: unknown) => void): Promise<AppState[]> {
    const out: AppState[] = [];
    for (const { app, data } of await this.listState('app')) {
      try {
        const assignment = decode(data['assignment'] ?? '') as Assignment;
        const inventory = decode(data['inventory'] ?? '') as Inventory | null;
        if (assignment.app !== app) throw new Error('app state does not match its Secret');
        if (inventory !== null && !Array.isArray(inventory.entries))
          throw new Error('inventory is malformed');
        out.push({ app, assignment, inventory: inventory ?? undefined });
      } catch (err) {
        onCorrupt(app, err);
      }
    }
    return out;
  }
}
