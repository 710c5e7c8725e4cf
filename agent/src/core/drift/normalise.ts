/**
 * Scalar equality beyond `===`: the server's canonical forms of values we applied. Kubernetes
 * quantities compare by value (`1` = `1000m`, `1Gi` = `1073741824`), int-or-string fields by
 * number, Secret `data` and ConfigMap `binaryData` by decoded bytes.
 */
import { Buffer } from 'node:buffer';
import type { JsonValue } from '@gitfleet/proto/domain';

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

/** The kind of the compared object, where it changes how values compare. */
export interface ScalarKind {
  /** A core `v1` Secret: `/data` values are base64. */
  readonly isSecret: boolean;
  /** A core `v1` ConfigMap: `/binaryData` values are base64. */
  readonly isConfigMap: boolean;
}

/**
 * True when scalars `d` and `l` at desired pointer `path` are the same value in different forms.
 * `key` is the field name of the value, `parentKey` that of its parent.
 */
export function scalarsEqual(
  d: JsonValue,
  l: JsonValue,
  path: string,
  key: string,
  parentKey: string,
  kind: ScalarKind,
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
    if ((kind.isSecret && parent === '/data') || (kind.isConfigMap && parent === '/binaryData')) {
      return Buffer.from(d, 'base64').equals(Buffer.from(l, 'base64'));
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Quantities: <signedNumber><suffix>, suffix binarySI | decimalExponent | decimalSI

export interface Quantity {
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

/** True when two quantities have the same value, whatever their notation. */
export function quantitiesEqual(a: Quantity, b: Quantity): boolean {
  const e10 = Math.min(a.exp10, b.exp10);
  const e2 = Math.min(a.exp2, b.exp2);
  const scale = (q: Quantity): bigint =>
    q.digits * 10n ** BigInt(q.exp10 - e10) * 2n ** BigInt(q.exp2 - e2);
  return scale(a) === scale(b);
}
