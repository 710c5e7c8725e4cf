/**
 * The hub → agent half of the codec (./codec.ts): HubMessage and its payloads (Welcome with its
 * resync plan, Assignment with its policies and project scope (./codec-scope.ts), AppRemoval,
 * SyncRequest, Ack, Heartbeat), encoded for grpc-js and decoded with validation.
 */
import { canonicalJson, contentDigest } from './domain/ids.ts';
import { MAX_HELD_APPS } from './domain/limits.ts';
import type {
  AppRemoval,
  AppVersion,
  Assignment,
  AssignmentPolicies,
  HubMessage,
  HubSignature,
  HubPayload,
  ResyncPlan,
  SyncRequest,
  Welcome,
} from './domain/messages.ts';
import {
  conflictModes,
  deletionModes,
  driftModes,
  syncModes,
  unmanagedModes,
} from './codec-enums.ts';
import { decodeScope, encodeScope } from './codec-scope.ts';
import {
  decodeAck,
  decodeMessage,
  decodeSelector,
  encodeAck,
  encodeEnvelope,
  encodeSelector,
} from './codec-shared.ts';
import {
  atMost,
  dnsLabel,
  integer,
  jsonPointer,
  kubeObject,
  messageId,
  present,
  revision,
  sha256,
  unique,
  violation,
  type Ctx,
} from './codec-validate.ts';
import type { AppRemoval__Output as WireAppRemovalOut } from './generated/gitfleet/v1/AppRemoval.ts';
import type { AppVersion__Output as WireAppVersionOut } from './generated/gitfleet/v1/AppVersion.ts';
import type {
  Assignment as WireAssignment,
  Assignment__Output as WireAssignmentOut,
} from './generated/gitfleet/v1/Assignment.ts';
import type { AssignmentPolicies__Output as WireAssignmentPoliciesOut } from './generated/gitfleet/v1/AssignmentPolicies.ts';
import type {
  HubMessage as WireHubMessage,
  HubMessage__Output as WireHubMessageOut,
} from './generated/gitfleet/v1/HubMessage.ts';
import type { ResyncPlan__Output as WireResyncPlanOut } from './generated/gitfleet/v1/ResyncPlan.ts';
import type { SyncRequest__Output as WireSyncRequestOut } from './generated/gitfleet/v1/SyncRequest.ts';
import type { Welcome__Output as WireWelcomeOut } from './generated/gitfleet/v1/Welcome.ts';

/** Encodes a hub message for `stream.write`. */
export function encodeHubMessage(message: HubMessage): WireHubMessage {
  const envelope = encodeEnvelope(message);
  const p = message.payload;
  switch (p.kind) {
    case 'welcome':
      return {
        ...envelope,
        welcome: {
          sessionId: p.sessionId,
          protocolVersion: p.protocolVersion,
          heartbeatIntervalMs: p.heartbeatIntervalMs,
          resync: {
            assignments: p.resync.assignments.map((a) => ({ ...a })),
            removals: p.resync.removals.map((a) => ({ ...a })),
            reportRequests: [...p.resync.reportRequests],
            upToDate: [...p.resync.upToDate],
          },
        },
      };
    case 'assignment':
      return { ...envelope, assignment: encodeAssignment(p) };
    case 'appRemoval':
      return {
        ...envelope,
        appRemoval: {
          target: p.target,
          app: p.app,
          version: p.version,
          deletion: deletionModes.encode(p.deletion),
          ...encodeSignature(p.signature),
        },
      };
    case 'syncRequest':
      return {
        ...envelope,
        syncRequest: {
          target: p.target,
          app: p.app,
          assignmentVersion: p.assignmentVersion,
          requestId: p.requestId,
          ...encodeSignature(p.signature),
        },
      };
    case 'ack':
      return { ...envelope, ack: encodeAck(p) };
    case 'heartbeat':
      return { ...envelope, heartbeat: {} };
  }
}

/**
 * Decodes and validates a received hub message.
 *
 * @throws GitfleetError PROTOCOL_VIOLATION naming the message and field; LIMIT_EXCEEDED naming
 *   the limit
 */
export function decodeHubMessage(wire: WireHubMessageOut): HubMessage {
  return decodeMessage<WireHubMessageOut, HubPayload>('HubMessage', wire, {
    welcome: decodeWelcome,
    assignment: decodeAssignment,
    appRemoval: decodeAppRemoval,
    syncRequest: decodeSyncRequest,
    ack: decodeAck,
    heartbeat: () => ({ kind: 'heartbeat' }),
  });
}

function decodeWelcome(ctx: Ctx, wire: WireWelcomeOut): Welcome {
  return {
    kind: 'welcome',
    sessionId: messageId(ctx, 'welcome.sessionId', wire.sessionId),
    protocolVersion: integer(ctx, 'welcome.protocolVersion', wire.protocolVersion, 1),
    heartbeatIntervalMs: integer(ctx, 'welcome.heartbeatIntervalMs', wire.heartbeatIntervalMs, 1),
    resync: decodeResyncPlan(ctx, 'welcome.resync', present(ctx, 'welcome.resync', wire.resync)),
  };
}

function decodeResyncPlan(ctx: Ctx, field: string, wire: WireResyncPlanOut): ResyncPlan {
  const appVersion = (list: string) => (a: WireAppVersionOut, i: number) => ({
    app: dnsLabel(ctx, `${field}.${list}[${String(i)}].app`, a.app),
    version: integer(ctx, `${field}.${list}[${String(i)}].version`, a.version, 1),
  });
  for (const [list, length] of [
    ['assignments', wire.assignments.length],
    ['removals', wire.removals.length],
    ['reportRequests', wire.reportRequests.length],
    ['upToDate', wire.upToDate.length],
  ] as const) {
    atMost(ctx, `${field}.${list}`, length, MAX_HELD_APPS, 'MAX_HELD_APPS');
  }
  const names = (list: string, values: readonly string[]): string[] =>
    values.map((v, i) => dnsLabel(ctx, `${field}.${list}[${String(i)}]`, v));
  const plan: ResyncPlan = {
    assignments: wire.assignments.map(appVersion('assignments')),
    removals: wire.removals.map(appVersion('removals')),
    reportRequests: names('reportRequests', wire.reportRequests),
    upToDate: names('upToDate', wire.upToDate),
  };
  unique(ctx, `${field}.reportRequests`, plan.reportRequests);
  // Each app is in at most one of assignments / removals / upToDate.
  unique(ctx, field, [
    ...plan.assignments.map((a: AppVersion) => a.app),
    ...plan.removals.map((a: AppVersion) => a.app),
    ...plan.upToDate,
  ]);
  return plan;
}

function encodeAssignment(a: Assignment): WireAssignment {
  const p = a.policies;
  return {
    target: a.target,
    app: a.app,
    version: a.version,
    revision: a.revision,
    contentDigest: a.contentDigest,
    objects: a.objects.map((o) => canonicalJson(o)),
    policies: {
      sync: syncModes.encode(p.sync),
      prune: { enabled: p.prune.enabled, allowEmpty: p.prune.allowEmpty },
      drift: {
        mode: driftModes.encode(p.drift.mode),
        overrides: p.drift.overrides.map((o) => ({
          selector: encodeSelector(o.selector),
          mode: driftModes.encode(o.mode),
        })),
      },
      ignore: p.ignore.map((r) => ({
        selector: encodeSelector(r.selector),
        jsonPointers: [...r.jsonPointers],
      })),
      unmanaged: {
        mode: unmanagedModes.encode(p.unmanaged.mode),
        allow: p.unmanaged.allow.map(encodeSelector),
      },
      conflict: conflictModes.encode(p.conflict),
      deletion: deletionModes.encode(p.deletion),
      destinationNamespace: p.destinationNamespace ?? '',
      createNamespace: p.createNamespace === true,
    },
    scope: a.scope === undefined ? null : encodeScope(a.scope),
    ...encodeSignature(a.signature),
  };
}

/** Longest key id and signature carried; a well-formed one is 16 hex and 64 bytes. */
const MAX_KEY_ID_CHARS = 64;
const MAX_SIGNATURE_BYTES = 256;

/** The wire fields of a signature (both empty when unsigned). */
function encodeSignature(sig: HubSignature | undefined): { signature: Buffer; keyId: string } {
  return sig === undefined
    ? { signature: Buffer.alloc(0), keyId: '' }
    : { signature: Buffer.from(sig.value, 'base64'), keyId: sig.keyId };
}

/**
 * The signature of a received message: absent when both wire fields are empty. Its content is
 * not judged here — the agent's verification refuses a malformed one with SIGNATURE_INVALID, so
 * that the refusal reaches the hub as a negative ack — only its size is bounded.
 */
function decodeSignature(
  ctx: Ctx,
  field: string,
  wire: { readonly signature: Buffer; readonly keyId: string },
): { signature?: HubSignature } {
  if (wire.signature.length === 0 && wire.keyId === '') return {};
  if (wire.keyId.length > MAX_KEY_ID_CHARS) {
    throw violation(ctx, `${field}.keyId`, `is longer than ${String(MAX_KEY_ID_CHARS)} characters`);
  }
  if (wire.signature.length > MAX_SIGNATURE_BYTES) {
    throw violation(
      ctx,
      `${field}.signature`,
      `is longer than ${String(MAX_SIGNATURE_BYTES)} bytes`,
    );
  }
  return { signature: { keyId: wire.keyId, value: wire.signature.toString('base64') } };
}

function decodeAssignment(ctx: Ctx, wire: WireAssignmentOut): Assignment {
  const f = 'assignment';
  const objects = wire.objects.map((o, i) => kubeObject(ctx, `${f}.objects[${String(i)}]`, o));
  const digest = sha256(ctx, `${f}.contentDigest`, wire.contentDigest);
  if (contentDigest(objects) !== digest) {
    throw violation(
      ctx,
      `${f}.contentDigest`,
      `is ${digest} but the objects digest to ${contentDigest(objects)}`,
    );
  }
  return {
    kind: 'assignment',
    target: dnsLabel(ctx, `${f}.target`, wire.target),
    app: dnsLabel(ctx, `${f}.app`, wire.app),
    version: integer(ctx, `${f}.version`, wire.version, 1),
    revision: revision(ctx, `${f}.revision`, wire.revision),
    contentDigest: digest,
    objects,
    policies: decodePolicies(ctx, `${f}.policies`, present(ctx, `${f}.policies`, wire.policies)),
    ...decodeScope(ctx, `${f}.scope`, wire.scope),
    ...decodeSignature(ctx, f, wire),
  };
}

function decodePolicies(ctx: Ctx, f: string, wire: WireAssignmentPoliciesOut): AssignmentPolicies {
  const prune = present(ctx, `${f}.prune`, wire.prune);
  const drift = present(ctx, `${f}.drift`, wire.drift);
  const unmanaged = present(ctx, `${f}.unmanaged`, wire.unmanaged);
  return {
    sync: syncModes.decode(ctx, `${f}.sync`, wire.sync),
    prune: { enabled: prune.enabled, allowEmpty: prune.allowEmpty },
    drift: {
      mode: driftModes.decode(ctx, `${f}.drift.mode`, drift.mode),
      overrides: drift.overrides.map((o, i) => {
        const at = `${f}.drift.overrides[${String(i)}]`;
        return {
          selector: decodeSelector(ctx, `${at}.selector`, o.selector),
          mode: driftModes.decode(ctx, `${at}.mode`, o.mode),
        };
      }),
    },
    ignore: wire.ignore.map((r, i) => {
      const at = `${f}.ignore[${String(i)}]`;
      if (r.jsonPointers.length === 0) throw violation(ctx, `${at}.jsonPointers`, 'is empty');
      return {
        selector: decodeSelector(ctx, `${at}.selector`, r.selector),
        jsonPointers: r.jsonPointers.map((p, j) =>
          jsonPointer(ctx, `${at}.jsonPointers[${String(j)}]`, p),
        ),
      };
    }),
    unmanaged: {
      mode: unmanagedModes.decode(ctx, `${f}.unmanaged.mode`, unmanaged.mode),
      allow: unmanaged.allow.map((s, i) =>
        decodeSelector(ctx, `${f}.unmanaged.allow[${String(i)}]`, s),
      ),
    },
    conflict: conflictModes.decode(ctx, `${f}.conflict`, wire.conflict),
    deletion: deletionModes.decode(ctx, `${f}.deletion`, wire.deletion),
    ...decodeNamespacePolicies(ctx, f, wire),
  };
}

/** The destination namespace ("" on the wire: none) and createNamespace, which needs one. */
function decodeNamespacePolicies(
  ctx: Ctx,
  f: string,
  wire: WireAssignmentPoliciesOut,
): Pick<AssignmentPolicies, 'destinationNamespace' | 'createNamespace'> {
  if (wire.destinationNamespace === '') {
    if (wire.createNamespace) {
      throw violation(ctx, `${f}.createNamespace`, 'is set without a destinationNamespace');
    }
    return {};
  }
  return {
    destinationNamespace: dnsLabel(ctx, `${f}.destinationNamespace`, wire.destinationNamespace),
    ...(wire.createNamespace ? { createNamespace: true } : {}),
  };
}

function decodeAppRemoval(ctx: Ctx, wire: WireAppRemovalOut): AppRemoval {
  return {
    kind: 'appRemoval',
    target: dnsLabel(ctx, 'appRemoval.target', wire.target),
    app: dnsLabel(ctx, 'appRemoval.app', wire.app),
    version: integer(ctx, 'appRemoval.version', wire.version, 1),
    deletion: deletionModes.decode(ctx, 'appRemoval.deletion', wire.deletion),
    ...decodeSignature(ctx, 'appRemoval', wire),
  };
}

function decodeSyncRequest(ctx: Ctx, wire: WireSyncRequestOut): SyncRequest {
  return {
    kind: 'syncRequest',
    target: dnsLabel(ctx, 'syncRequest.target', wire.target),
    app: dnsLabel(ctx, 'syncRequest.app', wire.app),
    assignmentVersion: integer(ctx, 'syncRequest.assignmentVersion', wire.assignmentVersion, 1),
    requestId: messageId(ctx, 'syncRequest.requestId', wire.requestId),
    ...decodeSignature(ctx, 'syncRequest', wire),
  };
}
