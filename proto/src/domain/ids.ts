/**
 * Deterministic identities of the protocol: message ids, canonical JSON, content digests and
 * status hashes. Pure functions: the same input always gives the same output, on hub and agent.
 *
 * Ids join DNS-label parts with '.', never ':' (BullMQ rejects ':' in job ids, and ids end up in
 * job ids, Redis keys and logs).
 */
import { createHash } from 'node:crypto';
import { ErrorCode, GitfleetError } from './errors.ts';
import { escapePointerToken, parseApiVersion } from './kube.ts';
import type { JsonValue, KubeObject, ObjectRef, StatusReport } from './messages.ts';

/** Target and app names: DNS labels (RFC 1123), so ids built from them stay unambiguous. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Message ids: printable, no ':' and no whitespace. */
const MESSAGE_ID = /^[^\s:]{1,512}$/;
const REVISION = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True for a valid target or app name (a DNS label: lowercase alphanumerics and '-', ≤ 63). */
export function isDnsLabel(name: string): boolean {
  return DNS_LABEL.test(name);
}

/** True for a valid message id (1–512 characters, no ':' and no whitespace). */
export function isMessageId(id: string): boolean {
  return MESSAGE_ID.test(id);
}

/** True for a Git commit SHA (40 hex for SHA-1 repositories, 64 for SHA-256), lowercase. */
export function isRevision(revision: string): boolean {
  return REVISION.test(revision);
}

/** True for a `sha256:<64 lowercase hex>` digest (content digests and status hashes). */
export function isSha256Digest(digest: string): boolean {
  return SHA256_DIGEST.test(digest);
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and digests

/**
 * Serialises a JSON value canonically: object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as JSON.stringify writes them (which makes this RFC 8785 (JCS) for the
 * values Kubernetes objects hold). Object properties whose value is `undefined` are left out, as
 * JSON.stringify does; anything else that is not JSON (NaN, Infinity, bigint, functions, class
 * instances, `undefined` in arrays) throws, naming the JSON pointer of the bad value.
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) === '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  // the pointer of a bad value is only worked out when there is one: the walk that tracks it
  // costs as much again as the serialisation
  const out = canonicalFast(value);
  return out ?? canonical(value, '');
}

/** Canonical JSON, or undefined when `value` holds something that is not JSON. */
function canonicalFast(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'object': {
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          const item = canonicalFast(value[i]);
          if (item === undefined) return undefined;
          text += i === 0 ? item : `,${item}`;
        }
        return `${text}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return undefined;
      const record = value as Readonly<Record<string, unknown>>;
      let text = '{';
      let first = true;
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        const inner = canonicalFast(member);
        if (inner === undefined) return undefined;
        text += `${first ? '' : ','}${JSON.stringify(key)}:${inner}`;
        first = false;
      }
      return `${text}}`;
    }
    default:
      return undefined;
  }
}

/** The slow walk: the same serialisation, throwing with the JSON pointer of a bad value. */
function canonical(value: unknown, pointer: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw notJson(pointer, String(value));
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item: unknown, i) => canonical(item, `${pointer}/${String(i)}`)).join(',')}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw notJson(pointer, 'a class instance');
      const record = value as Readonly<Record<string, unknown>>;
      const members: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        members.push(
          `${JSON.stringify(key)}:${canonical(member, `${pointer}/${escapePointerToken(key)}`)}`,
        );
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw notJson(pointer, typeof value);
  }
}

function notJson(pointer: string, what: string): GitfleetError {
  return new GitfleetError(
    ErrorCode.Internal,
    `canonicalJson: value at "${pointer}" is ${what}, which is not JSON`,
    { details: { pointer } },
  );
}

/** `sha256:<hex>` of a UTF-8 string. */
export function sha256Digest(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/**
 * Content digest of a rendered object set: sha256 over the canonical JSON of every object, sorted,
 * joined with '\n'. Independent of object order and key order, so the same Git content rendered
 * twice (or by two hub replicas) gives the same digest. Canonical JSON never contains a raw
 * newline, so the join is unambiguous.
 */
export function contentDigest(objects: readonly JsonValue[]): string {
  return contentDigestOfCanonical(objects.map((o) => canonicalJson(o)));
}

/** {@link contentDigest} of objects whose canonical JSON the caller holds already. */
export function contentDigestOfCanonical(canonical: readonly string[]): string {
  return sha256Digest([...canonical].sort().join('\n'));
}

/** The part of a StatusReport its hash covers: everything but the hash and the observation time. */
export type StatusReportContent = Omit<StatusReport, 'statusHash' | 'observedAtUnixMs'>;

/**
 * Status hash of a report: sha256 over the canonical JSON of the report without `statusHash` and
 * `observedAtUnixMs`, so re-observing an unchanged state gives the same hash and the hub only
 * asks for reports whose content it does not have.
 */
export function statusHash(
  report: StatusReportContent & {
    readonly statusHash?: string;
    readonly observedAtUnixMs?: number;
  },
): string {
  const { statusHash: _hash, observedAtUnixMs: _observed, ...content } = report;
  return sha256Digest(canonicalJson(content));
}

// ---------------------------------------------------------------------------------------------
// Object identity

/**
 * The ObjectRef of a Kubernetes object (`apiVersion` split into group and version; "" namespace for
 * cluster-scoped objects).
 *
 * @throws GitfleetError MANIFEST_INVALID when apiVersion, kind or metadata.name is missing
 */
export function objectRef(object: KubeObject): ObjectRef {
  const apiVersion = object['apiVersion'];
  const kind = object['kind'];
  const metadata = object['metadata'];
  const meta =
    typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
      ? (metadata as KubeObject)
      : {};
  const name = meta['name'];
  const namespace = meta['namespace'];
  if (
    typeof apiVersion !== 'string' ||
    apiVersion === '' ||
    typeof kind !== 'string' ||
    kind === '' ||
    typeof name !== 'string' ||
    name === ''
  ) {
    throw new GitfleetError(
      ErrorCode.ManifestInvalid,
      `object ${canonicalJson(object).slice(0, 120)}: apiVersion, kind and metadata.name must be non-empty strings`,
    );
  }
  return {
    ...parseApiVersion(apiVersion),
    kind,
    namespace: typeof namespace === 'string' ? namespace : '',
    name,
  };
}

// ---------------------------------------------------------------------------------------------
// Message ids

function part(name: string, value: string): string {
  if (!/^[^\s:.][^\s:]*$/.test(value)) {
    throw new GitfleetError(
      ErrorCode.Internal,
      `message id part ${name} "${value}" is empty or contains ':', whitespace or a leading '.'`,
      { details: { [name]: value } },
    );
  }
  return value;
}

function count(name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new GitfleetError(
      ErrorCode.Internal,
      `message id part ${name} ${String(value)} is not a non-negative integer`,
    );
  }
  return String(value);
}

/** Id of an Assignment: `<target>.<app>.v<version>`. */
export function assignmentId(target: string, app: string, version: number): string {
  return `${part('target', target)}.${part('app', app)}.v${count('version', version)}`;
}

/** Id of an AppRemoval: `<target>.<app>.v<version>.removal`. */
export function appRemovalId(target: string, app: string, version: number): string {
  return `${assignmentId(target, app, version)}.removal`;
}

/** Id of a SyncRequest: `<target>.<app>.v<version>.sync.<requestId>`. */
export function syncRequestId(
  target: string,
  app: string,
  assignmentVersion: number,
  requestId: string,
): string {
  return `${assignmentId(target, app, assignmentVersion)}.sync.${part('requestId', requestId)}`;
}

/**
 * Id of a StatusReport: `<target>.<app>.v<assignmentVersion>.status.<first 16 hex of the hash>`.
 * The same observed content gets the same id, so a resent report deduplicates naturally.
 */
export function statusReportId(
  report: Pick<StatusReport, 'target' | 'app' | 'assignmentVersion' | 'statusHash'>,
): string {
  const hex = report.statusHash.startsWith('sha256:') ? report.statusHash.slice(7, 23) : '';
  return `${assignmentId(report.target, report.app, report.assignmentVersion)}.status.${part('statusHash', hex)}`;
}

/** Id of a Hello: `<target>.<agentInstanceId>.hello.<attempt>` (attempt counts connects). */
export function helloId(target: string, agentInstanceId: string, attempt: number): string {
  return `${part('target', target)}.${part('agentInstanceId', agentInstanceId)}.hello.${count('attempt', attempt)}`;
}

/** Id of a session: `<target>.session.<nonce>`; the hub picks a random nonce per stream. */
export function sessionId(target: string, nonce: string): string {
  return `${part('target', target)}.session.${part('nonce', nonce)}`;
}

/** Id of a Welcome: `<sessionId>.welcome`. */
export function welcomeId(session: string): string {
  return `${part('sessionId', session)}.welcome`;
}

/** Id of an Ack: `<ackedMessageId>.ack`. */
export function ackId(ackedMessageId: string): string {
  return `${part('ackedMessageId', ackedMessageId)}.ack`;
}

/** Id of a Heartbeat: `<sessionId>.<sender>.heartbeat.<n>`. */
export function heartbeatId(session: string, sender: 'hub' | 'agent', n: number): string {
  return `${part('sessionId', session)}.${sender}.heartbeat.${count('n', n)}`;
}
