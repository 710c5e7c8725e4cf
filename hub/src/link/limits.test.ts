/**
 * The AgentLink limits agree with what the hub produces: the largest assignment the store accepts
 * and the largest report such an app can cause fit into one message, and no target is ever
 * assigned more apps than a Hello may list.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_HELD_APPS,
  MAX_MESSAGE_BYTES,
  agentLinkGrpc,
  contentDigest,
  encodeAgentMessage,
  encodeHubMessage,
  statusHash,
  type KubeObject,
  type StatusReport,
} from '@gitfleet/proto';
import { DEFAULT_POLICIES, MAX_FLEET_OBJECTS } from '../core/fleet/index.ts';
import { DEFAULT_MANIFEST_LIMITS } from '../core/render/index.ts';
import { DEFAULT_MAX_OBJECTS_BYTES } from '../store/redis-store.ts';

const connect = agentLinkGrpc().service.Connect;
const REVISION = 'f'.repeat(40);

/** `count` ConfigMaps whose JSON array totals just under `bytes`. */
function objectsOf(count: number, bytes: number): KubeObject[] {
  const shell = (i: number, v: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${String(i)}`, namespace: 'big' },
    data: { v },
  });
  const empty = Buffer.byteLength(
    JSON.stringify(Array.from({ length: count }, (_, i) => shell(i, ''))),
  );
  const per = Math.floor((bytes - empty) / count);
  return Array.from({ length: count }, (_, i) => shell(i, 'x'.repeat(per)));
}

describe('AgentLink message size limit', () => {
  const objects = objectsOf(DEFAULT_MANIFEST_LIMITS.maxObjects, DEFAULT_MAX_OBJECTS_BYTES - 1);

  it('fits the largest assignment the store accepts, with room to spare', () => {
    expect(Buffer.byteLength(JSON.stringify(objects))).toBeLessThanOrEqual(
      DEFAULT_MAX_OBJECTS_BYTES,
    );
    const wire = connect.responseSerialize(
      encodeHubMessage({
        messageId: 'c1.big.v1',
        seq: 2,
        sentAtUnixMs: 1,
        trace: {},
        payload: {
          kind: 'assignment',
          target: 'c1',
          app: 'big',
          version: 1,
          revision: REVISION,
          contentDigest: contentDigest(objects),
          objects,
          policies: DEFAULT_POLICIES,
        },
      }),
    );
    expect(wire.length).toBeLessThan(MAX_MESSAGE_BYTES / 3);
  });

  it('fits a report of that app with every object drifted (desired and live values)', () => {
    const ref = (i: number) => ({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: 'big',
      name: `cm-${String(i)}`,
    });
    const base: Omit<StatusReport, 'statusHash'> = {
      kind: 'statusReport',
      target: 'c1',
      app: 'big',
      assignmentVersion: 1,
      revision: REVISION,
      contentDigest: contentDigest(objects),
      syncState: 'OutOfSync',
      health: { status: 'Healthy', message: '' },
      objects: objects.map((_o, i) => ({
        ref: ref(i),
        action: 'configured',
        health: { status: 'Healthy', message: '' },
        message: 'configured by server-side apply',
      })),
      drift: objects.map((o, i) => ({
        ref: ref(i),
        changes: [{ path: '/data/v', desired: o['data'] ?? null, live: o['data'] ?? null }],
        fieldManager: 'kubectl-edit',
        firstSeenUnixMs: 1,
        lastSeenUnixMs: 2,
        action: 'reported',
        correctionCount: 0,
      })),
      unmanaged: [],
      observedAtUnixMs: 3,
    };
    const report: StatusReport = { ...base, statusHash: statusHash(base) };
    const wire = connect.requestSerialize(
      encodeAgentMessage({
        messageId: 'c1.big.v1.status.0123456789abcdef',
        seq: 2,
        sentAtUnixMs: 1,
        trace: {},
        payload: report,
      }),
    );
    expect(wire.length).toBeGreaterThan(2 * DEFAULT_MAX_OBJECTS_BYTES - 1024 * 1024);
    expect(wire.length).toBeLessThan(MAX_MESSAGE_BYTES);
  });

  it('MAX_HELD_APPS covers every app a fleet can assign to one target', () => {
    expect(MAX_FLEET_OBJECTS).toBeLessThanOrEqual(MAX_HELD_APPS);
  });
});
