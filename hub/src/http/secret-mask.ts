/**
 * Secret values as the HTTP API shows them: never in clear, always as a fingerprint
 * `*** sha256:<12 hex>` of the plaintext, so that a reader sees whether and where a value changed,
 * never what it is. The same form as the agent's drift records (agent/src/core/drift/record.ts),
 * which come already masked (with the agent's own salt) and are left as they are.
 *
 * What is masked, in core `v1` Secrets only: every value under `data` (base64: the decoded bytes
 * are fingerprinted, so `data` and `stringData` of the same plaintext agree) and `stringData`,
 * and the `kubectl.kubernetes.io/last-applied-configuration` annotation (it holds a copy of the
 * data). Keys stay visible.
 *
 * The fingerprint is an HMAC-SHA256 under a key of the hub's process (random at start), so that a
 * reader of the API cannot test guesses of a short value (a PIN, `true`) offline. Fingerprints
 * are comparable within a response and across the responses of one hub process.
 *
 * Pure but for that key, which callers pass.
 */
import { Buffer } from 'node:buffer';
import { createHmac, randomBytes } from 'node:crypto';
import {
  canonicalJson,
  type FieldChange,
  type JsonValue,
  type KubeObject,
  isMaskedValue,
  maskedValue,
  type ObjectRef,
} from '@gitfleet/proto/domain';

/** Hex digits of the fingerprint kept. */
export const FINGERPRINT_HEX = 12;

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The key of this hub process's fingerprints. */
export const PROCESS_MASK_KEY: Buffer = randomBytes(32);

/** `*** sha256:<12 hex>` of `bytes` under `key`. */
export function fingerprint(bytes: Uint8Array, key: Uint8Array): string {
  const hex = createHmac('sha256', key).update(bytes).digest('hex');
  return maskedValue(hex, FINGERPRINT_HEX);
}

/** Whether a value is a mask (the hub's or an agent's). */
export function isMasked(value: unknown): boolean {
  return isMaskedValue(value);
}

/** The bytes a value stands for: base64-decoded under `data`, UTF-8 text, else canonical JSON. */
function bytesOf(value: JsonValue, base64: boolean): Buffer {
  if (typeof value !== 'string') return Buffer.from(canonicalJson(value), 'utf8');
  return base64 ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8');
}

function maskValue(value: JsonValue, base64: boolean, key: Uint8Array): string {
  return isMasked(value) ? (value as string) : fingerprint(bytesOf(value, base64), key);
}

function isRecord(v: unknown): v is Readonly<Record<string, JsonValue>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether an object (or a reference to one) is a core `v1` Secret. */
export function isSecretRef(ref: Pick<ObjectRef, 'group' | 'kind'>): boolean {
  return ref.group === '' && ref.kind === 'Secret';
}

function isSecretObject(object: KubeObject): boolean {
  return object['apiVersion'] === 'v1' && object['kind'] === 'Secret';
}

function maskMap(
  map: JsonValue | undefined,
  base64: boolean,
  key: Uint8Array,
): JsonValue | undefined {
  if (map === undefined) return undefined;
  if (!isRecord(map)) return maskValue(map, base64, key);
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, maskValue(v, base64, key)]));
}

/** `object` with its Secret values masked; any other kind unchanged (the same object). */
export function maskSecretObject(object: KubeObject, key: Uint8Array): KubeObject {
  if (!isSecretObject(object)) return object;
  const out: Record<string, JsonValue> = { ...object };
  const data = maskMap(object['data'], true, key);
  if (data !== undefined) out['data'] = data;
  const stringData = maskMap(object['stringData'], false, key);
  if (stringData !== undefined) out['stringData'] = stringData;
  const metadata = object['metadata'];
  const annotations = isRecord(metadata) ? metadata['annotations'] : undefined;
  if (isRecord(metadata) && isRecord(annotations) && Object.hasOwn(annotations, LAST_APPLIED)) {
    const applied = annotations[LAST_APPLIED];
    out['metadata'] = {
      ...metadata,
      annotations: {
        ...annotations,
        ...(applied === undefined ? {} : { [LAST_APPLIED]: maskValue(applied, false, key) }),
      },
    };
  }
  return out;
}

/** Whether a change at `path` of a Secret may carry a value (or a copy of one). */
function isSecretValuePath(path: string): boolean {
  return (
    path === '' ||
    path === '/data' ||
    path.startsWith('/data/') ||
    path === '/stringData' ||
    path.startsWith('/stringData/') ||
    path === '/metadata' ||
    path === '/metadata/annotations' ||
    path === '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration'
  );
}

/**
 * Drift changes of `ref` with every Secret value masked: agents mask them already, this keeps an
 * agent that did not (an older one) from putting a value in the API. Masks pass unchanged.
 */
export function maskSecretChanges(
  ref: Pick<ObjectRef, 'group' | 'kind'>,
  changes: readonly FieldChange[],
  key: Uint8Array,
): FieldChange[] {
  if (!isSecretRef(ref)) return [...changes];
  return changes.map((c) => {
    if (!isSecretValuePath(c.path)) return c;
    const base64 = c.path.startsWith('/data/');
    return {
      path: c.path,
      ...(c.desired === undefined ? {} : { desired: maskValue(c.desired, base64, key) }),
      ...(c.live === undefined ? {} : { live: maskValue(c.live, base64, key) }),
    };
  });
}
