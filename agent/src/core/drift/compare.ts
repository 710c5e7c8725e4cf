/**
 * The field walk of the drift decision: desired (the object the agent applied) against live (the
 * object the watch cache holds), or a server-side dry-run of our apply against live.
 */
import { Buffer } from 'node:buffer';
import { canonicalJson, escapePointerToken, jsonEqual, objectRef } from '@gitfleet/proto/domain';
import type {
  FieldChange,
  IgnoreRule,
  JsonObject,
  JsonValue,
  KubeObject,
} from '@gitfleet/proto/domain';
import { change, isEmptyValue, isList, isObject, isZeroScalar } from './json.ts';
import { isSetList, matchElements } from './lists.ts';
import { managedEntries, ownersAt, type ManagedEntry } from './managed-fields.ts';
import { scalarsEqual } from './normalise.ts';
import { ignoredPointers } from './policy.ts';

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

function ownershipOf(live: KubeObject, ourManager: string): Ownership | undefined {
  const entries = managedEntries(live);
  return entries.length === 0 ? undefined : { entries, ourManager };
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
    const p = `${path}/${escapePointerToken(k)}`;
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
    const p = `${path}/${escapePointerToken(k)}`;
    diffValue(undefined, l[k], p, lpath && [...lpath, k], k, key, ctx);
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
  if (!ctx.symmetric && isSetList(key)) {
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
    const p = `/stringData/${escapePointerToken(k)}`;
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
