/**
 * Local drift decision between the object the agent applied (desired, from Git) and the object
 * the watch cache holds (live). Pure: no I/O, time is a parameter.
 *
 * Semantics follow server-side apply (and Flux's/Argo CD's structured-merge diff): we own only the
 * fields we apply, so every field present in desired must have the same value in live
 * (desired ⊆ live). Fields only live has are server defaults or other managers' fields and are
 * never drift. When the local comparison cannot tell a real change from a server-side
 * canonicalisation it does not know, the result says `undecidable` and the caller decides with a
 * server-side dry-run (`compareDryRunLive`): the live object is compared with what the apiserver
 * makes of the desired one.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  DriftAction,
  DriftMode,
  ErrorCode,
  GitfleetError,
  canonicalJson,
  matchesSelector,
  objectRef,
} from '@gitfleet/proto';
import type {
  DriftPolicy,
  DriftRecord,
  FieldChange,
  IgnoreRule,
  JsonObject,
  JsonValue,
  KubeObject,
  ObjectRef,
  ObjectSelector,
} from '@gitfleet/proto';
import { ANNOTATION_DRIFT } from './labels.ts';

/** What `managerOfPath` answers when no field manager owns a path. */
export const UNKNOWN_MANAGER = 'unknown';

/** Replaces Secret values in drift records; followed by a short digest of the value. */
export const SECRET_MASK = '***';

/** Hex characters of the sha256 digest kept after the mask (enough to tell values apart). */
const MASK_DIGEST_HEX = 8;

/**
 * Fields that never describe desired state: written by the server or by controllers, or (the
 * last-applied annotation) a copy of the whole object. Skipped on both sides.
 */
const SERVER_POINTERS: readonly string[] = [
  '/status',
  '/metadata/managedFields',
  '/metadata/resourceVersion',
  '/metadata/uid',
  '/metadata/generation',
  '/metadata/creationTimestamp',
  '/metadata/selfLink',
  '/metadata/deletionTimestamp',
  '/metadata/deletionGracePeriodSeconds',
  '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration',
  '/metadata/annotations/deployment.kubernetes.io~1revision',
];

/** Maps whose values are Kubernetes quantities (resources, quotas, limit ranges, capacity). */
const QUANTITY_MAPS: ReadonlySet<string> = new Set([
  'limits',
  'requests',
  'hard',
  'used',
  'capacity',
  'allocatable',
  'overhead',
  'default',
  'defaultRequest',
  'max',
  'min',
  'maxLimitRequestRatio',
]);

/** Fields that are quantities themselves. */
const QUANTITY_FIELDS: ReadonlySet<string> = new Set(['sizeLimit']);

/** Int-or-string fields of the built-in kinds: `8080` and `"8080"` are the same value there. */
const INT_OR_STRING_FIELDS: ReadonlySet<string> = new Set([
  'targetPort',
  'port',
  'maxSurge',
  'maxUnavailable',
  'minAvailable',
]);

/** Lists of scalars that server-side apply merges as sets (x-kubernetes-list-type: set). */
const SET_LISTS: ReadonlySet<string> = new Set(['finalizers']);

/** Merge keys of built-in lists whose elements' `name` is not a unique key. */
const KNOWN_LIST_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['volumeMounts', ['mountPath']],
  ['volumeDevices', ['devicePath']],
  ['hostAliases', ['ip']],
  ['topologySpreadConstraints', ['topologyKey', 'whenUnsatisfiable']],
  ['ownerReferences', ['uid']],
  ['conditions', ['type']],
]);

/** Generic merge-key candidates, tried in order: the first one every element has wins. */
const GENERIC_LIST_KEYS: readonly (readonly string[])[] = [
  ['name'],
  ['containerPort', 'protocol'],
  ['port', 'protocol'],
];

// ---------------------------------------------------------------------------------------------
// Public API

export interface CompareOptions {
  /** Ignore rules of the assignment; those whose selector matches the object apply. */
  readonly ignore: readonly IgnoreRule[];
  /** Our field manager (`gitfleet-agent`), used to recognise server-side canonicalisation. */
  readonly fieldManager: string;
}

export interface DriftResult {
  /** True when at least one change is proven. */
  readonly drifted: boolean;
  /**
   * Proven differences. Paths are RFC 6901 pointers into the DESIRED object (list elements by
   * their index in desired); `live` is absent when the field is missing in live.
   */
  readonly changes: readonly FieldChange[];
  /**
   * True when some difference could not be classified locally (a canonicalisation or defaulting
   * rule this module does not know, or a different apiVersion): decide with a server-side dry-run.
   */
  readonly undecidable: boolean;
  /** The desired-object pointers of the differences that could not be classified. */
  readonly undecidablePaths: readonly string[];
}

/**
 * Decides locally whether `live` drifted from `desired` (the object we last applied).
 *
 * Rules: every field present in desired must be in live with an equal value; extra live fields
 * are not drift. `null` in desired means absent; `{}`/`[]`, `""`, `false` and `0` in desired equal
 * a missing live field (the server drops empty and zero values of non-pointer fields). Lists of
 * objects match by merge key (`name` when every element has a unique one, else `containerPort` or
 * `port` plus protocol, else by position) and compare element-wise as subsets; lists of scalars
 * compare as whole values, except set-typed lists (`finalizers`), which must contain ours.
 * Quantities compare by value (`1` = `1000m`, `1Gi` = `1073741824`), int-or-string fields by
 * number (`8080` = `"8080"`), Secret `data` and ConfigMap `binaryData` by decoded bytes, and
 * Secret `stringData.k` against base64-decoded live `data.k`.
 *
 * A difference in a field that live's managedFields still give to us alone (and to no other
 * manager) cannot come from another writer: server-side apply moves ownership to whoever changes
 * a field, and drops removed fields from every manager. It is therefore the server's own
 * canonicalisation (or a mutating webhook) of our apply, and reported as undecidable rather
 * than as drift. Call this only with the desired object that was last applied; a new Git
 * revision is applied, not compared.
 *
 * @throws GitfleetError MANIFEST_INVALID when desired lacks apiVersion, kind or metadata.name
 */
export function compareDesiredLive(
  desired: KubeObject,
  live: KubeObject,
  opts: CompareOptions,
): DriftResult {
  if (desired['apiVersion'] !== live['apiVersion']) {
    // Different versions have different representations; only the server can convert.
    return { drifted: false, changes: [], undecidable: true, undecidablePaths: ['/apiVersion'] };
  }
  const ctx = newContext(desired, live, opts.ignore, {
    symmetric: false,
    ownership: ownershipOf(live, opts.fieldManager),
  });
  diffValue(desired, live, '', [], '', '', ctx);
  return result(ctx);
}

/**
 * Decides drift from a server-side dry-run of our apply (`dryRun`) and the live object: both are
 * complete server representations, so they are compared both ways and nothing is undecidable.
 * Server-written fields, status and ignore rules are skipped as in `compareDesiredLive`. Paths of
 * fields only live has use live's list indices.
 */
export function compareDryRunLive(
  dryRun: KubeObject,
  live: KubeObject,
  opts: Pick<CompareOptions, 'ignore'>,
): DriftResult {
  const ctx = newContext(dryRun, live, opts.ignore, { symmetric: true, ownership: undefined });
  diffValue(dryRun, live, '', [], '', '', ctx);
  if (dryRun['apiVersion'] !== live['apiVersion']) {
    ctx.changes.push(change('/apiVersion', dryRun['apiVersion'], live['apiVersion']));
  }
  return result(ctx);
}

/** The JSON pointers of every ignore rule that applies to `ref`. */
export function ignoredPointers(ref: ObjectRef, rules: readonly IgnoreRule[]): string[] {
  const pointers: string[] = [];
  for (const rule of rules) {
    if (matchesSelector(ref, rule.selector)) pointers.push(...rule.jsonPointers);
  }
  return pointers;
}

/**
 * Replaces the values of Secret changes under `/data` and `/stringData` (and the last-applied
 * annotation, which holds a copy of the data) by `*** sha256:<8 hex>` of the plaintext, so a
 * reader sees that and where values differ, never what they are. Equal plaintexts give equal
 * masks whether they came from `data` (base64) or `stringData`. Other kinds pass unchanged.
 *
 * @param salt - mixed into the digest; pass a stable per-installation secret so that short values
 *   (PINs, "true") cannot be recovered by hashing guesses. Default: none.
 */
export function maskSecretChanges(
  ref: ObjectRef,
  changes: readonly FieldChange[],
  salt = '',
): FieldChange[] {
  if (!(ref.group === '' && ref.kind === 'Secret')) return [...changes];
  return changes.map((c) => {
    if (!isSecretValuePath(c.path)) return c;
    const base64 = c.path === '/data' || c.path.startsWith('/data/');
    return change(c.path, maskValue(c.desired, base64, salt), maskValue(c.live, base64, salt));
  });
}

/**
 * The field manager that owns `path` in live (from metadata.managedFields), preferring a manager
 * other than `ourManager` (the most recent one when several do); `ourManager` when only we own
 * it; `UNKNOWN_MANAGER` when nobody does (a removed field belongs to no one). `path` is a pointer
 * into LIVE (list indices are live's; see `livePathOf` to translate a desired-object pointer).
 */
export function managerOfPath(live: KubeObject, path: string, ourManager: string): string {
  const segments = parsePointer(path);
  if (segments === undefined) return UNKNOWN_MANAGER;
  const owners = ownersAt(managedEntries(live), live, segments);
  return owners.find((m) => m !== ourManager) ?? owners[0] ?? UNKNOWN_MANAGER;
}

/**
 * Translates a pointer into `desired` (as `compareDesiredLive` reports them) into a pointer into
 * `live`, matching list elements by the same merge keys. Undefined when the element is not in
 * live.
 */
export function livePathOf(
  desired: KubeObject,
  live: KubeObject,
  path: string,
): string | undefined {
  const segments = parsePointer(path);
  if (segments === undefined) return undefined;
  const out = liveSegments(desired, live, segments);
  return out === undefined ? undefined : formatPointer(out);
}

export interface DriftRecordInput {
  readonly ref: ObjectRef;
  /** Changes as `compareDesiredLive` reports them; at least one. */
  readonly changes: readonly FieldChange[];
  /** The live object, for field-manager attribution; undefined if unknown. */
  readonly live: KubeObject | undefined;
  /** Our field manager; never reported as the one who made the drift. */
  readonly ourManager: string;
  /** The record of the previous observation of this object, if any. */
  readonly previous?: DriftRecord;
  readonly nowMs: number;
  readonly action: DriftAction;
  /** The desired object, to map desired-object paths to live list indices for attribution. */
  readonly desired?: KubeObject;
  /** Salt for Secret masks (see `maskSecretChanges`). */
  readonly maskSalt?: string;
}

/**
 * Builds the DriftRecord for one observation. The drift continues the previous record (keeps
 * `firstSeenUnixMs` and counts on from its `correctionCount`) when every field path of the
 * previous record is still drifting; otherwise it is a new drift. `correctionCount` grows by one
 * when `action` is `corrected`. Secret values are always masked. `fieldManager` is the manager
 * other than ours that owns most of the changed fields, or "" when none is known.
 *
 * @throws GitfleetError INTERNAL when `changes` is empty (a record needs at least one change)
 */
export function buildDriftRecord(input: DriftRecordInput): DriftRecord {
  const { ref, live, ourManager, previous, nowMs, action } = input;
  if (input.changes.length === 0) {
    throw new GitfleetError(
      ErrorCode.Internal,
      `${describeRef(ref)}: a drift record needs at least one change`,
    );
  }
  const changes = maskSecretChanges(ref, input.changes, input.maskSalt);
  const paths = new Set(changes.map((c) => c.path));
  const continues =
    previous !== undefined &&
    sameRef(previous.ref, ref) &&
    previous.changes.every((c) => paths.has(c.path));
  const corrected = action === DriftAction.Corrected ? 1 : 0;
  return {
    ref,
    changes,
    fieldManager: live === undefined ? '' : attribute(input, live, ourManager),
    firstSeenUnixMs: continues ? Math.min(previous.firstSeenUnixMs, nowMs) : nowMs,
    lastSeenUnixMs: nowMs,
    action,
    correctionCount: (continues ? previous.correctionCount : 0) + corrected,
  };
}

/**
 * The drift mode of one object: the `gitfleet.dev/drift` annotation of `obj` wins (when it is a
 * valid mode), then the most specific matching override of the policy (most selector fields
 * set; the first listed among equals, as the DriftPolicy contract says), then the policy mode.
 */
export function resolveDriftMode(
  ref: ObjectRef,
  obj: KubeObject | undefined,
  policy: DriftPolicy,
): DriftMode {
  const annotated = obj === undefined ? undefined : annotationOf(obj, ANNOTATION_DRIFT);
  if (annotated !== undefined && isDriftMode(annotated)) return annotated;
  let best: DriftMode | undefined;
  let bestScore = -1;
  for (const override of policy.overrides) {
    if (!matchesSelector(ref, override.selector)) continue;
    const score = specificity(override.selector);
    if (score > bestScore) {
      best = override.mode;
      bestScore = score;
    }
  }
  return best ?? policy.mode;
}

// ---------------------------------------------------------------------------------------------
// The walk

interface Context {
  readonly skip: ReadonlySet<string>;
  readonly symmetric: boolean;
  readonly ownership: Ownership | undefined;
  readonly live: KubeObject;
  readonly isSecret: boolean;
  readonly isConfigMap: boolean;
  /** Keys of desired Secret stringData: those data keys are decided by stringData. */
  readonly stringDataKeys: ReadonlySet<string>;
  readonly changes: FieldChange[];
  readonly undecidable: string[];
}

interface Ownership {
  readonly entries: readonly ManagedEntry[];
  readonly ourManager: string;
}

function newContext(
  desired: KubeObject,
  live: KubeObject,
  ignore: readonly IgnoreRule[],
  mode: { symmetric: boolean; ownership: Ownership | undefined },
): Context {
  const ref = objectRef(desired);
  const skip = new Set(SERVER_POINTERS);
  for (const p of ignoredPointers(ref, ignore)) skip.add(p);
  const isSecret = desired['apiVersion'] === 'v1' && desired['kind'] === 'Secret';
  const stringData = isSecret ? desired['stringData'] : undefined;
  return {
    skip,
    symmetric: mode.symmetric,
    ownership: mode.ownership,
    live,
    isSecret,
    isConfigMap: desired['apiVersion'] === 'v1' && desired['kind'] === 'ConfigMap',
    stringDataKeys: new Set(isObject(stringData) ? Object.keys(stringData) : []),
    changes: [],
    undecidable: [],
  };
}

function result(ctx: Context): DriftResult {
  return {
    drifted: ctx.changes.length > 0,
    changes: ctx.changes,
    undecidable: ctx.undecidable.length > 0,
    undecidablePaths: ctx.undecidable,
  };
}

/**
 * Compares desired value `d` at desired pointer `path` with live value `l`, whose location in
 * live is `lpath` (undefined when its list element is missing in live). `key` is the field name
 * of the value, `parentKey` that of its parent.
 */
function diffValue(
  d: JsonValue | undefined,
  l: JsonValue | undefined,
  path: string,
  lpath: readonly string[] | undefined,
  key: string,
  parentKey: string,
  ctx: Context,
): void {
  if (ctx.skip.has(path)) return;
  const lv = l === null ? undefined : l;
  if (d === null || d === undefined) {
    if (ctx.symmetric && lv !== undefined && !isEmptyValue(lv))
      report(path, lpath, undefined, lv, ctx);
    return;
  }
  if (isObject(d)) {
    if (lv !== undefined && !isObject(lv)) return report(path, lpath, d, lv, ctx);
    return diffObject(d, lv, path, lpath, key, ctx);
  }
  if (isList(d)) {
    if (lv !== undefined && !isList(lv)) return report(path, lpath, d, lv, ctx);
    return diffList(d, lv, path, lpath, key, ctx);
  }
  if (lv === undefined) {
    if (!ctx.symmetric && isZeroScalar(d)) return;
    return report(path, lpath, d, undefined, ctx);
  }
  if (d === lv || scalarsEqual(d, lv, path, key, parentKey, ctx)) return;
  report(path, lpath, d, lv, ctx, typeof d !== typeof lv);
}

function diffObject(
  d: JsonObject,
  l: JsonObject | undefined,
  path: string,
  lpath: readonly string[] | undefined,
  key: string,
  ctx: Context,
): void {
  const atRoot = path === '';
  for (const k of Object.keys(d)) {
    if (atRoot && (k === 'apiVersion' || k === 'kind')) continue;
    const p = `${path}/${escapeSegment(k)}`;
    if (ctx.skip.has(p)) continue;
    if (atRoot && k === 'stringData' && ctx.isSecret && !ctx.symmetric) {
      diffStringData(d[k], l?.['data'], ctx);
      continue;
    }
    if (path === '/data' && ctx.stringDataKeys.has(k)) continue;
    diffValue(d[k], l?.[k], p, lpath === undefined ? undefined : [...lpath, k], k, key, ctx);
  }
  if (!ctx.symmetric || l === undefined) return;
  for (const k of Object.keys(l)) {
    if (d[k] !== undefined && d[k] !== null) continue;
    if (atRoot && (k === 'apiVersion' || k === 'kind')) continue;
    diffValue(undefined, l[k], `${path}/${escapeSegment(k)}`, lpath && [...lpath, k], k, key, ctx);
  }
}

function diffList(
  d: readonly JsonValue[],
  l: readonly JsonValue[] | undefined,
  path: string,
  lpath: readonly string[] | undefined,
  key: string,
  ctx: Context,
): void {
  const live = l ?? [];
  if (d.length === 0) {
    if (ctx.symmetric && live.length > 0) report(path, lpath, d, live, ctx);
    return;
  }
  if (d.every(isObject) && live.every(isObject)) {
    const matched = matchElements(d, live, key);
    for (let i = 0; i < d.length; i++) {
      const li = matched.liveIndex[i];
      const p = `${path}/${String(i)}`;
      if (li === undefined) {
        if (ctx.skip.has(p) || (!ctx.symmetric && isEmptyValue(d[i]))) continue;
        report(p, undefined, d[i], undefined, ctx);
      } else {
        diffValue(d[i], live[li], p, lpath && [...lpath, String(li)], '', key, ctx);
      }
    }
    if (ctx.symmetric) {
      for (let li = 0; li < live.length; li++) {
        if (!matched.usedLive.has(li))
          report(`${path}/${String(li)}`, undefined, undefined, live[li], ctx);
      }
    }
    return;
  }
  if (!ctx.symmetric && SET_LISTS.has(key)) {
    if (!d.every((x) => live.some((y) => jsonEqual(x, y)))) report(path, lpath, d, l, ctx);
    return;
  }
  if (!jsonEqual(d, live)) report(path, lpath, d, l, ctx);
}

/** Secret stringData.k must equal base64-decode(live data.k); stringData is write-only. */
function diffStringData(
  d: JsonValue | undefined,
  liveData: JsonValue | undefined,
  ctx: Context,
): void {
  if (!isObject(d)) return;
  for (const [k, v] of Object.entries(d)) {
    if (v === null) continue;
    const p = `/stringData/${escapeSegment(k)}`;
    if (ctx.skip.has(p)) continue;
    const encoded = isObject(liveData) ? liveData[k] : undefined;
    const decoded =
      typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
    const want = typeof v === 'string' ? v : canonicalJson(v);
    if (decoded !== want) report(p, undefined, v, decoded, ctx);
  }
}

/** Records a difference: as undecidable when only we own the field in live, else as a change. */
function report(
  path: string,
  lpath: readonly string[] | undefined,
  d: JsonValue | undefined,
  l: JsonValue | undefined,
  ctx: Context,
  typeMismatch = false,
): void {
  if (!ctx.symmetric) {
    const own = ctx.ownership;
    if (own === undefined) {
      // No managedFields to ask: a different JSON type is a conversion, not a person.
      if (typeMismatch) {
        ctx.undecidable.push(path);
        return;
      }
    } else if (lpath !== undefined) {
      const owners = ownersAt(own.entries, ctx.live, lpath);
      if (owners.length > 0 && owners.every((m) => m === own.ourManager)) {
        ctx.undecidable.push(path);
        return;
      }
    }
  }
  ctx.changes.push(change(path, d, l));
}

function scalarsEqual(
  d: JsonValue,
  l: JsonValue,
  path: string,
  key: string,
  parentKey: string,
  ctx: Context,
): boolean {
  if (QUANTITY_MAPS.has(parentKey) || QUANTITY_FIELDS.has(key)) {
    const qd = parseQuantity(d);
    const ql = parseQuantity(l);
    if (qd !== undefined && ql !== undefined) return quantitiesEqual(qd, ql);
  }
  if (INT_OR_STRING_FIELDS.has(key)) {
    if (typeof d === 'number' && typeof l === 'string') return String(d) === l;
    if (typeof d === 'string' && typeof l === 'number') return d === String(l);
  }
  if (typeof d === 'string' && typeof l === 'string') {
    const parent = path.slice(0, path.lastIndexOf('/'));
    if ((ctx.isSecret && parent === '/data') || (ctx.isConfigMap && parent === '/binaryData')) {
      return Buffer.from(d, 'base64').equals(Buffer.from(l, 'base64'));
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Lists: merge keys

interface ElementMatch {
  /** For each desired element, the index of its live counterpart (undefined: missing). */
  readonly liveIndex: readonly (number | undefined)[];
  readonly usedLive: ReadonlySet<number>;
}

function matchElements(
  d: readonly JsonObject[],
  live: readonly JsonObject[],
  field: string,
): ElementMatch {
  const keyFields = listKeyFields(d, field);
  const liveIndex: (number | undefined)[] = [];
  const usedLive = new Set<number>();
  if (keyFields === undefined) {
    for (let i = 0; i < d.length; i++) {
      const li = i < live.length ? i : undefined;
      liveIndex.push(li);
      if (li !== undefined) usedLive.add(li);
    }
    return { liveIndex, usedLive };
  }
  const byKey = new Map<string, number>();
  live.forEach((el, li) => {
    const k = elementKey(el, keyFields);
    if (k !== undefined && !byKey.has(k)) byKey.set(k, li);
  });
  for (const el of d) {
    const k = elementKey(el, keyFields);
    const li = k === undefined ? undefined : byKey.get(k);
    liveIndex.push(li);
    if (li !== undefined) usedLive.add(li);
  }
  return { liveIndex, usedLive };
}

/** The merge key fields of a list of objects, or undefined to match by position. */
function listKeyFields(d: readonly JsonObject[], field: string): readonly string[] | undefined {
  const known = KNOWN_LIST_KEYS.get(field);
  const candidates = known === undefined ? GENERIC_LIST_KEYS : [known, ...GENERIC_LIST_KEYS];
  for (const fields of candidates) {
    const keys = new Set<string>();
    let usable = true;
    for (const el of d) {
      const k = elementKey(el, fields);
      if (k === undefined || keys.has(k)) {
        usable = false;
        break;
      }
      keys.add(k);
    }
    if (usable) return fields;
  }
  return undefined;
}

/** Key of one element: its key fields' values (protocol defaults to TCP); undefined if missing. */
function elementKey(el: JsonObject, fields: readonly string[]): string | undefined {
  const first = fields[0];
  if (first === undefined) return undefined;
  const head = el[first];
  if (head === undefined || head === null || typeof head === 'object') return undefined;
  const values: JsonValue[] = [head];
  for (const f of fields.slice(1)) {
    const v = el[f];
    values.push(v === undefined || v === null ? (f === 'protocol' ? 'TCP' : null) : v);
  }
  return JSON.stringify(values);
}

/** Live path segments for desired path segments (list indices mapped through merge keys). */
function liveSegments(
  desired: JsonValue | undefined,
  live: JsonValue | undefined,
  segments: readonly string[],
): string[] | undefined {
  const out: string[] = [];
  let d = desired;
  let l = live;
  let field = '';
  for (const seg of segments) {
    if (isList(d) && isList(l)) {
      const i = Number(seg);
      if (!Number.isInteger(i)) return undefined;
      let li: number | undefined = i;
      if (d.every(isObject) && l.every(isObject)) li = matchElements(d, l, field).liveIndex[i];
      if (li === undefined) return undefined;
      out.push(String(li));
      d = d[i];
      l = l[li];
    } else {
      out.push(seg);
      d = isObject(d) ? d[seg] : undefined;
      l = isObject(l) ? l[seg] : undefined;
      field = seg;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// managedFields (fieldsV1: `f:<field>`, `k:<json key>`, `v:<json value>`, `i:<index>`, `.`)

interface ManagedEntry {
  readonly manager: string;
  readonly fields: JsonObject;
}

/** managedFields entries of live with FieldsV1, the most recently written first. */
function managedEntries(live: KubeObject): ManagedEntry[] {
  const meta = live['metadata'];
  const list = isObject(meta) ? meta['managedFields'] : undefined;
  if (!isList(list)) return [];
  const entries: { manager: string; fields: JsonObject; time: number; order: number }[] = [];
  list.forEach((raw, order) => {
    if (!isObject(raw)) return;
    const manager = raw['manager'];
    const fields = raw['fieldsV1'];
    if (typeof manager !== 'string' || !isObject(fields)) return;
    const time = typeof raw['time'] === 'string' ? Date.parse(raw['time']) : Number.NaN;
    entries.push({ manager, fields, time: Number.isNaN(time) ? 0 : time, order });
  });
  entries.sort((a, b) => b.time - a.time || a.order - b.order);
  return entries.map(({ manager, fields }) => ({ manager, fields }));
}

function ownershipOf(live: KubeObject, ourManager: string): Ownership | undefined {
  const entries = managedEntries(live);
  return entries.length === 0 ? undefined : { entries, ourManager };
}

/** Managers (deduplicated, most recent first) whose field set covers the live path. */
function ownersAt(
  entries: readonly ManagedEntry[],
  live: KubeObject,
  segments: readonly string[],
): string[] {
  const owners: string[] = [];
  for (const e of entries) {
    if (!owners.includes(e.manager) && ownsPath(e.fields, live, segments)) owners.push(e.manager);
  }
  return owners;
}

/**
 * True when a field set covers the path: the path exists in the set, or the set owns an ancestor
 * as a leaf (`{}`: an atomic value such as a list of scalars).
 */
function ownsPath(fields: JsonObject, live: KubeObject, segments: readonly string[]): boolean {
  let node: JsonObject = fields;
  let value: JsonValue | undefined = live;
  for (const seg of segments) {
    if (Object.keys(node).length === 0) return true;
    let next: JsonValue | undefined;
    if (isList(value)) {
      const el: JsonValue | undefined = value[Number(seg)];
      next = el === undefined ? undefined : node[listMemberKey(node, el, seg)];
      value = el;
    } else {
      next = node[`f:${seg}`];
      value = isObject(value) ? value[seg] : undefined;
    }
    if (!isObject(next)) return false;
    node = next;
  }
  return true;
}

/** The field-set key (`k:`, `v:` or `i:`) under which a list element appears in `node`. */
function listMemberKey(node: JsonObject, el: JsonValue, index: string): string {
  for (const k of Object.keys(node)) {
    if (k.startsWith('k:')) {
      const key = parseJson(k.slice(2));
      if (
        isObject(key) &&
        isObject(el) &&
        Object.entries(key).every(([f, v]) => jsonEqual(el[f], v))
      ) {
        return k;
      }
    } else if (k.startsWith('v:')) {
      const v = parseJson(k.slice(2));
      if (v !== undefined && jsonEqual(v, el)) return k;
    }
  }
  return `i:${index}`;
}

function attribute(input: DriftRecordInput, live: KubeObject, ourManager: string): string {
  const entries = managedEntries(live);
  if (entries.length === 0) return '';
  const tally = new Map<string, number>();
  for (const c of input.changes) {
    // stringData is write-only: its values live (and are owned) under data.
    const path = c.path.startsWith('/stringData/') ? `/data/${c.path.slice(12)}` : c.path;
    const segments = parsePointer(path);
    if (segments === undefined) continue;
    const mapped =
      input.desired === undefined ? segments : liveSegments(input.desired, live, segments);
    if (mapped === undefined) continue;
    const other = ownersAt(entries, live, mapped).find((m) => m !== ourManager);
    if (other !== undefined) tally.set(other, (tally.get(other) ?? 0) + 1);
  }
  let best = '';
  let bestCount = 0;
  for (const [manager, count] of tally) {
    if (count > bestCount) {
      best = manager;
      bestCount = count;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Quantities: <signedNumber><suffix>, suffix binarySI | decimalExponent | decimalSI

interface Quantity {
  /** value = digits × 2^exp2 × 10^exp10 */
  readonly digits: bigint;
  readonly exp10: number;
  readonly exp2: number;
}

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|([numkMGTPE]?))$/;
const BINARY_EXP: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};
const DECIMAL_EXP: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
/** Exponents beyond this are not Kubernetes quantities (and would make huge bigints). */
const MAX_EXP10 = 64;

/** Parses a Kubernetes quantity (string or JSON number); undefined when it is not one. */
export function parseQuantity(value: JsonValue | undefined): Quantity | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY.exec(text);
  if (m === null) return undefined;
  const [, sign = '', int = '', frac = '', binary, exponent, decimal] = m;
  if (int === '' && frac === '') return undefined;
  let exp10 = -frac.length;
  let exp2 = 0;
  if (binary !== undefined) exp2 = BINARY_EXP[binary] ?? 0;
  else if (exponent !== undefined) exp10 += Number(exponent);
  else exp10 += DECIMAL_EXP[decimal ?? ''] ?? 0;
  if (Math.abs(exp10) > MAX_EXP10) return undefined;
  const digits = BigInt(`${int}${frac}` || '0');
  return { digits: sign === '-' ? -digits : digits, exp10, exp2 };
}

function quantitiesEqual(a: Quantity, b: Quantity): boolean {
  const e10 = Math.min(a.exp10, b.exp10);
  const e2 = Math.min(a.exp2, b.exp2);
  const scale = (q: Quantity): bigint =>
    q.digits * 10n ** BigInt(q.exp10 - e10) * 2n ** BigInt(q.exp2 - e2);
  return scale(a) === scale(b);
}

// ---------------------------------------------------------------------------------------------
// Secrets

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

function maskValue(
  value: JsonValue | undefined,
  base64: boolean,
  salt: string,
): JsonValue | undefined {
  if (value === undefined) return undefined;
  const bytes =
    typeof value === 'string'
      ? base64
        ? Buffer.from(value, 'base64')
        : Buffer.from(value, 'utf8')
      : Buffer.from(canonicalJson(value), 'utf8');
  const digest = createHash('sha256').update(salt, 'utf8').update(bytes).digest('hex');
  return `${SECRET_MASK} sha256:${digest.slice(0, MASK_DIGEST_HEX)}`;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isList(v: JsonValue | undefined): v is readonly JsonValue[] {
  return Array.isArray(v);
}

/** `{}`, `[]`, or an object/list of only such values and nulls. */
function isEmptyValue(v: JsonValue | undefined): boolean {
  if (v === null || v === undefined) return true;
  if (isList(v)) return v.length === 0;
  if (isObject(v)) return Object.values(v).every(isEmptyValue);
  return false;
}

function isZeroScalar(v: JsonValue): boolean {
  return v === '' || v === false || v === 0;
}

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (isList(a)) return isList(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

function change(
  path: string,
  desired: JsonValue | undefined,
  live: JsonValue | undefined,
): FieldChange {
  if (desired === undefined) return live === undefined ? { path } : { path, live };
  return live === undefined ? { path, desired } : { path, desired, live };
}

function escapeSegment(s: string): string {
  return s.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** RFC 6901 pointer → unescaped segments; undefined when it is not a pointer. */
function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function formatPointer(segments: readonly string[]): string {
  return segments.map((s) => `/${escapeSegment(s)}`).join('');
}

function annotationOf(obj: KubeObject, name: string): string | undefined {
  const meta = obj['metadata'];
  const annotations = isObject(meta) ? meta['annotations'] : undefined;
  const value = isObject(annotations) ? annotations[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function isDriftMode(v: string): v is DriftMode {
  return (Object.values(DriftMode) as string[]).includes(v);
}

function specificity(s: ObjectSelector): number {
  return [s.group, s.kind, s.namespace, s.name].filter((f) => f !== undefined).length;
}

function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return (
    a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name
  );
}

function describeRef(ref: ObjectRef): string {
  const gk = ref.group === '' ? ref.kind : `${ref.kind}.${ref.group}`;
  return ref.namespace === '' ? `${gk}/${ref.name}` : `${gk}/${ref.namespace}/${ref.name}`;
}
