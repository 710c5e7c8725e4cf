/**
 * The agent's trust gate against a real cluster, with a hub speaking the real protocol that signs
 * as the real hub does (docs/security.md, "Signed desired state"): an agent that pins the hub's
 * key refuses desired state that is unsigned, signed by another key or changed after signing,
 * and an older signed version delivered again (also after the app was removed, and after a
 * restart); it refuses to resume a persisted assignment edited in its state Secret. Every refusal
 * applies nothing and reaches the hub: a negative ack, or a report.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '@gitfleet/agent';
import {
  appRemovalId,
  assignmentId,
  contentDigest,
  signMessage,
  type Assignment,
  type KubeObject,
  type StatusReport,
} from '@gitfleet/proto';
import { startFleet, type TestFleet } from '../fleet/fleet.ts';
import type { KubeCluster } from '../fleet/kube.ts';
import { startMiniHub, type MiniHub } from '../fleet/mini-hub.ts';
import { newSigningKey, testSigningKey } from '../fleet/signing.ts';
import { waitFor } from '../fleet/wait.ts';
import { configMap, namespace, startAgent, TOKEN, unique } from './harness.ts';

let fleet: TestFleet;
let cluster: KubeCluster;
let hub: MiniHub;
let agent: RunningAgent;

beforeAll(async () => {
  fleet = await startFleet({ clusters: 1, redis: false, git: false });
  const c = fleet.kube?.clusters[0];
  if (c === undefined) throw new Error('no cluster');
  cluster = c;
  hub = await startMiniHub({ targets: { c1: TOKEN } });
  agent = await startAgent(cluster, hub.address);
});
afterAll(async () => {
  await agent?.close();
  await hub?.close();
  await fleet?.stop();
});

const synced = (r: StatusReport): boolean => r.syncState === 'Synced';

interface Cm {
  readonly data?: Record<string, string>;
  readonly metadata: { readonly resourceVersion: string };
}
async function configMapIn(ns: string, name = 'cfg'): Promise<Cm | undefined> {
  const r = await cluster.request<Cm>('GET', `/api/v1/namespaces/${ns}/configmaps/${name}`);
  return r.status === 200 ? r.body : undefined;
}

/** The error ("CODE: message") of the agent's ack of `messageId`, once it acked. */
async function ackError(messageId: string): Promise<string | undefined> {
  const ack = await waitFor(
    `the ack of ${messageId}`,
    () => hub.acks.find((a) => a.messageId === messageId),
    { timeoutMs: 20_000, intervalMs: 20 },
  );
  return ack.error;
}

/** An assignment of `app` at `version` the hub never made (nothing in its desired state). */
function forged(base: Assignment, version: number, data: Record<string, string>): Assignment {
  const ns = String((base.objects[1]?.['metadata'] as { namespace?: string }).namespace);
  const objects: KubeObject[] = [namespace(ns), configMap(ns, 'cfg', data)];
  return { ...base, version, objects, contentDigest: contentDigest(objects) };
}

describe('an agent that pins the hub key', () => {
  it('refuses unsigned, foreign-signed and altered desired state, applying nothing', async () => {
    const ns = unique('signed');
    const app = unique('app');
    const a = hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { v: '1' })]);
    await hub.waitForReport('c1', app, (r) => r.assignmentVersion === a.version && synced(r));
    const before = await configMapIn(ns);
    expect(before?.data).toEqual({ v: '1' });

    // the MiniHub signs with the test process's key, which the agent pins
    const hubKey = testSigningKey().key;
    const cases: [string, Assignment, string][] = [
      [
        'unsigned',
        { ...forged(a, a.version + 1, { v: 'unsigned' }), signature: undefined },
        'no hub signature',
      ],
      [
        'signed by a key the agent does not pin',
        signMessage(forged(a, a.version + 2, { v: 'other key' }), newSigningKey().key),
        'does not pin',
      ],
      [
        'altered after signing (objects and digest)',
        {
          ...forged(a, a.version, { v: 'altered' }),
          version: a.version + 3,
          signature: signMessage({ ...a, version: a.version + 3 }, hubKey).signature,
        },
        'does not match its content',
      ],
      [
        'altered after signing (policies)',
        {
          ...signMessage({ ...a, version: a.version + 4 }, hubKey),
          policies: { ...a.policies, unmanaged: { mode: 'prune', allow: [] } },
        },
        'does not match its content',
      ],
    ];
    for (const [name, m, why] of cases) {
      const id = assignmentId('c1', app, m.version);
      hub.deliverRaw('c1', id, m);
      const error = await ackError(id);
      expect(error, name).toMatch(/^SIGNATURE_INVALID: /);
      expect(error, name).toContain(why);
    }
    // nothing was applied: the object was not written at all
    const after = await configMapIn(ns);
    expect(after?.data).toEqual({ v: '1' });
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(agent.agent.reportOf(app)?.assignmentVersion).toBe(a.version);
  });

  it('refuses an older signed version (a replay), also after the app was removed and the agent restarted', async () => {
    const ns = unique('replay');
    const app = unique('app');
    const v1 = hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { v: '1' })]);
    await hub.waitForReport('c1', app, (r) => r.assignmentVersion === v1.version && synced(r));
    const v2 = hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { v: '2' })]);
    await hub.waitForReport('c1', app, (r) => r.assignmentVersion === v2.version && synced(r));

    // v1, signed by the hub, delivered again
    const replay = `${assignmentId('c1', app, v1.version)}.replayed`;
    hub.deliverRaw('c1', replay, v1);
    expect(await ackError(replay)).toMatch(/^REPLAYED: .* already passed v2/);
    expect((await configMapIn(ns))?.data).toEqual({ v: '2' });

    // the same version again is a resend: acked, not refused
    const resend = `${assignmentId('c1', app, v2.version)}.resent`;
    hub.deliverRaw('c1', resend, v2);
    expect(await ackError(resend)).toBeUndefined();

    // removed (orphaning its objects), then v2 replayed: the removal's version was passed
    hub.remove('c1', app, 'orphan');
    await waitFor(
      'the removal acked',
      () =>
        hub.acks.some((x) => x.messageId === appRemovalId('c1', app, 3) && x.error === undefined),
      { timeoutMs: 20_000 },
    );
    const afterRemoval = `${assignmentId('c1', app, v2.version)}.after-removal`;
    hub.deliverRaw('c1', afterRemoval, v2);
    expect(await ackError(afterRemoval)).toMatch(/^REPLAYED: .* already passed v3/);

    // a restarted agent still knows the version the app was removed at (its tombstone)
    await agent.close();
    agent = await startAgent(cluster, hub.address);
    await waitFor('agent reconnects', () => hub.isConnected('c1'), { timeoutMs: 30_000 });
    const afterRestart = `${assignmentId('c1', app, v2.version)}.after-restart`;
    hub.deliverRaw('c1', afterRestart, v2);
    expect(await ackError(afterRestart)).toMatch(/^REPLAYED: /);
    expect(agent.agent.appNames()).not.toContain(app);
    expect((await configMapIn(ns))?.data).toEqual({ v: '2' });

    // a newer version is taken as usual
    const v4 = hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { v: '4' })]);
    await hub.waitForReport('c1', app, (r) => r.assignmentVersion === v4.version && synced(r));
    expect((await configMapIn(ns))?.data).toEqual({ v: '4' });
  });

  it('refuses to resume a persisted assignment edited in its state Secret, reports it, and takes the hub’s again', async () => {
    const ns = unique('persist');
    const app = unique('app');
    const a = hub.assign('c1', app, [namespace(ns), configMap(ns, 'cfg', { v: 'hub' })]);
    await hub.waitForReport('c1', app, (r) => r.assignmentVersion === a.version && synced(r));
    const before = await configMapIn(ns);
    await agent.close();

    // someone with access to the agent's namespace edits what it will resume
    const secretPath = `/api/v1/namespaces/gitfleet-system/secrets/gitfleet-app-${app}`;
    const secret = (await cluster.request<{ data: Record<string, string> }>('GET', secretPath))
      .body;
    const persisted = JSON.parse(
      gunzipSync(Buffer.from(secret.data['assignment'] ?? '', 'base64')).toString('utf8'),
    ) as Assignment;
    const objects = [namespace(ns), configMap(ns, 'cfg', { v: 'edited in the Secret' })];
    const edited: Assignment = { ...persisted, objects, contentDigest: contentDigest(objects) };
    const patch = {
      data: { assignment: gzipSync(Buffer.from(JSON.stringify(edited))).toString('base64') },
    };
    const patched = await cluster.request(
      'PATCH',
      secretPath,
      patch,
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(200);

    const reportsBefore = hub.reports('c1', app).length;
    // (the hub, finding the app not held, sends its own at once: the agent may hold it again soon)
    agent = await startAgent(cluster, hub.address);
    // reported to the hub, at the version it claimed
    const refused = await waitFor(
      'the refusal reported',
      () =>
        hub
          .reports('c1', app)
          .slice(reportsBefore)
          .find((r) => r.error?.code === 'SIGNATURE_INVALID'),
      { timeoutMs: 30_000 },
    );
    expect(refused).toMatchObject({ assignmentVersion: a.version, syncState: 'Failed' });
    // the hub resends its own; the object was never written with the edited content
    await hub.waitForReport('c1', app, (r) => r.assignmentVersion === a.version && synced(r));
    const after = await configMapIn(ns);
    expect(after?.data).toEqual({ v: 'hub' });
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
  });
});
