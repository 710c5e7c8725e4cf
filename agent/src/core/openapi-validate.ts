/**
 * Local validation of rendered objects against the cluster's OpenAPI v3 schemas, so the apply
 * gate needs a server-side dry-run only for kinds without a published schema. Pure and fast:
 * each schema node is compiled once per document (refs resolved, allOf merged) and memoised.
 *
 * Checks: JSON types (integer vs number, int-or-string, Quantity's string-or-number), unknown
 * fields where the schema is closed, required fields and enums. `null` is accepted anywhere (the
 * API server treats it as absent). `x-kubernetes-preserve-unknown-fields` and
 * `x-kubernetes-embedded-resource` stop the descent. apiVersion and kind at the root are not
 * checked (the schema was found by them).
 *
 * Messages quote the offending value (`got string "three"`), except in a core v1 Secret, where
 * every value may be secret: there they name its type only (`got string`). Problems reach the
 * report, the hub's API and logs, where a Secret's value must never go.
 */
import { formatPointer, parseApiVersion, parsePointer } from '@gitfleet/proto/domain';
import type { GroupVersion, JsonObject, JsonValue, KubeObject } from '@gitfleet/proto/domain';
import type { OpenApiDocument, OpenApiSchema } from './openapi-schema.ts';

/** Group, version and kind of the objects a schema describes. */
type Gvk = GroupVersion & { readonly kind: string };

export interface ValidationProblem {
  /** RFC 6901 pointer to the offending (or missing) field. */
  readonly path: string;
  readonly message: string;
}

export interface ValidationResult {
  /** False when the document has no schema for the object's kind: ask the server (dry-run). */
  readonly decided: boolean;
  readonly problems: readonly ValidationProblem[];
}

/** Problems reported per object at most; more add nothing but noise. */
export const MAX_PROBLEMS = 50;

const OBJECT_META_REF = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

const T_STRING = 1;
const T_INTEGER = 2;
const T_NUMBER = 4;
const T_BOOLEAN = 8;
const T_OBJECT = 16;
const T_ARRAY = 32;

const TYPE_BITS: Readonly<Record<string, number>> = {
  string: T_STRING,
  integer: T_INTEGER,
  number: T_NUMBER | T_INTEGER,
  boolean: T_BOOLEAN,
  object: T_OBJECT,
  array: T_ARRAY,
};

/** A schema with refs resolved and allOf merged. */
interface Node {
  /** Accepted JSON types as T_* bits; 0 accepts any. */
  readonly types: number;
  readonly properties: ReadonlyMap<string, OpenApiSchema> | undefined;
  readonly additional: OpenApiSchema | boolean | undefined;
  readonly items: OpenApiSchema | undefined;
  readonly required: readonly string[];
  readonly enumValues: ReadonlySet<unknown> | undefined;
  /** Preserve-unknown-fields or embedded resource: check the type, then stop. */
  readonly opaque: boolean;
  /** oneOf/anyOf branches with structure (type-only branches are folded into `types`). */
  readonly alternatives: readonly OpenApiSchema[] | undefined;
}

interface DocCache {
  readonly nodes: WeakMap<OpenApiSchema, Node>;
  readonly refs: Map<string, OpenApiSchema | undefined>;
  gvkIndex: Map<string, OpenApiSchema> | undefined;
}

const caches = new WeakMap<OpenApiDocument, DocCache>();

/** The schema of a kind, by its `x-kubernetes-group-version-kind`; undefined when absent. */
export function findSchema(doc: OpenApiDocument, gvk: Gvk): OpenApiSchema | undefined {
  const cache = cacheOf(doc);
  if (cache.gvkIndex === undefined) {
    const index = new Map<string, OpenApiSchema>();
    for (const schema of Object.values(doc.components?.schemas ?? {})) {
      for (const g of schema['x-kubernetes-group-version-kind'] ?? []) {
        const key = gvkKey(g);
        if (!index.has(key)) index.set(key, schema);
      }
    }
    cache.gvkIndex = index;
  }
  return cache.gvkIndex.get(gvkKey(gvk));
}

/**
 * Validates `obj` against the schema of its kind in `doc`. `decided` is false when `doc` is
 * undefined or has no schema for the kind.
 */
export function validateObject(
  obj: KubeObject,
  doc: OpenApiDocument | undefined,
): ValidationResult {
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  if (doc === undefined || typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return { decided: false, problems: [] };
  }
  const schema = findSchema(doc, { ...parseApiVersion(apiVersion), kind });
  if (schema === undefined) return { decided: false, problems: [] };
  return { decided: true, problems: validateAgainstSchema(obj, schema, doc) };
}

/**
 * Validates a value against a schema of `doc` (refs resolve in `doc`). Returns at most
 * MAX_PROBLEMS problems, in document order.
 */
export function validateAgainstSchema(
  obj: JsonValue,
  schema: OpenApiSchema,
  doc: OpenApiDocument,
): ValidationProblem[] {
  const v = new Validator(cacheOf(doc), doc, !isCoreSecret(obj));
  v.check(obj, v.compile(schema), true);
  return v.problems;
}

class Validator {
  readonly problems: ValidationProblem[] = [];
  private readonly path: string[] = [];
  private readonly cache: DocCache;
  private readonly doc: OpenApiDocument;
  /** Whether messages may quote values (never in a Secret). */
  private readonly quote: boolean;

  constructor(cache: DocCache, doc: OpenApiDocument, quote: boolean) {
    this.cache = cache;
    this.doc = doc;
    this.quote = quote;
  }

  private describe(value: JsonValue): string {
    return this.quote ? describe(value) : describeType(value);
  }

  check(value: JsonValue, node: Node, root = false): void {
    if (value === null || this.problems.length >= MAX_PROBLEMS) return;
    const bits = typeBits(value);
    if (node.types !== 0 && (node.types & bits) === 0) {
      this.problem(`must be ${typeNames(node.types)}, got ${this.describe(value)}`);
      return;
    }
    if (node.enumValues !== undefined && !node.enumValues.has(value)) {
      const allowed = [...node.enumValues].map((e) => JSON.stringify(e)).join(', ');
      this.problem(`must be one of ${allowed}, got ${this.describe(value)}`);
      return;
    }
    if (node.alternatives !== undefined && !this.matchesAny(value, node.alternatives)) {
      this.problem(`must match one of ${String(node.alternatives.length)} allowed forms`);
      return;
    }
    if (node.opaque) return;
    if (Array.isArray(value)) {
      if (node.items === undefined) return;
      const items = this.compile(node.items);
      const list = value as readonly JsonValue[];
      for (let i = 0; i < list.length; i++) {
        this.path.push(String(i));
        this.check(list[i] ?? null, items);
        this.path.pop();
      }
      return;
    }
    if (typeof value === 'object') this.checkObject(value as JsonObject, node, root);
  }

  private checkObject(value: JsonObject, node: Node, root: boolean): void {
    for (const name of node.required) {
      const field = value[name];
      if (field === undefined || field === null) {
        this.path.push(name);
        this.problem(`required field "${name}" is missing`);
        this.path.pop();
      }
    }
    // Closed: additionalProperties false, or properties listed and no additionalProperties.
    const closed =
      node.additional === false || (node.additional === undefined && node.properties !== undefined);
    for (const key of Object.keys(value)) {
      if (root && (key === 'apiVersion' || key === 'kind')) continue;
      const child = value[key] ?? null;
      const prop = node.properties?.get(key);
      this.path.push(key);
      if (prop !== undefined) {
        this.check(
          child,
          root && key === 'metadata' ? this.metadataNode(prop) : this.compile(prop),
        );
      } else if (typeof node.additional === 'object') {
        this.check(child, this.compile(node.additional));
      } else if (closed) {
        this.problem(`unknown field "${key}"`);
      }
      this.path.pop();
    }
  }

  /** Root metadata is ObjectMeta even where a CRD schema only says `type: object`. */
  private metadataNode(prop: OpenApiSchema): Node {
    const node = this.compile(prop);
    if (node.properties !== undefined) return node;
    const meta = this.resolveRef(OBJECT_META_REF);
    return meta === undefined ? node : this.compile(meta);
  }

  private matchesAny(value: JsonValue, alternatives: readonly OpenApiSchema[]): boolean {
    for (const alt of alternatives) {
      const probe = new Validator(this.cache, this.doc, this.quote);
      probe.check(value, probe.compile(alt));
      if (probe.problems.length === 0) return true;
    }
    return false;
  }

  private problem(message: string): void {
    if (this.problems.length >= MAX_PROBLEMS) return;
    this.problems.push({ path: formatPointer(this.path), message });
  }

  compile(schema: OpenApiSchema): Node {
    const cached = this.cache.nodes.get(schema);
    if (cached !== undefined) return cached;
    const node = this.build(schema);
    this.cache.nodes.set(schema, node);
    return node;
  }

  private build(schema: OpenApiSchema): Node {
    const parts: OpenApiSchema[] = [];
    this.flatten(schema, parts, 0);
    let type: string | undefined;
    let intOrString = false;
    let properties: Map<string, OpenApiSchema> | undefined;
    let additional: OpenApiSchema | boolean | undefined;
    let items: OpenApiSchema | undefined;
    const required: string[] = [];
    let enumValues: Set<unknown> | undefined;
    let opaque = false;
    const branches: OpenApiSchema[] = [];
    for (const p of parts) {
      type ??= p.type;
      if (p.format === 'int-or-string' || p['x-kubernetes-int-or-string'] === true)
        intOrString = true;
      if (p.properties !== undefined) {
        properties ??= new Map();
        for (const [k, s] of Object.entries(p.properties))
          if (!properties.has(k)) properties.set(k, s);
      }
      additional ??= p.additionalProperties;
      items ??= p.items;
      if (p.required !== undefined) required.push(...p.required);
      if (p.enum !== undefined && enumValues === undefined) enumValues = new Set(p.enum);
      if (p['x-kubernetes-preserve-unknown-fields'] === true) opaque = true;
      if (p['x-kubernetes-embedded-resource'] === true) opaque = true;
      branches.push(...(p.oneOf ?? []), ...(p.anyOf ?? []));
    }
    let types = intOrString
      ? T_STRING | T_INTEGER
      : type === undefined
        ? 0
        : (TYPE_BITS[type] ?? 0);
    let alternatives: OpenApiSchema[] | undefined;
    if (!intOrString && branches.length > 0) {
      const compiled = branches.map((b) => this.compile(b));
      if (compiled.every(isTypeOnly)) {
        // Quantity (string | number), IntOrString (integer | string): a union of types.
        const union = compiled.reduce((acc, n) => acc | n.types, 0);
        if (compiled.every((n) => n.types !== 0)) types = types === 0 ? union : types & union;
      } else {
        alternatives = branches;
      }
    }
    return {
      types,
      properties,
      additional,
      items,
      required,
      enumValues,
      opaque,
      alternatives,
    };
  }

  /** Collects a schema and everything it is made of through $ref and allOf. */
  private flatten(schema: OpenApiSchema, out: OpenApiSchema[], depth: number): void {
    if (depth > 32 || out.includes(schema)) return;
    out.push(schema);
    if (schema.$ref !== undefined) {
      const target = this.resolveRef(schema.$ref);
      if (target !== undefined) this.flatten(target, out, depth + 1);
    }
    for (const s of schema.allOf ?? []) this.flatten(s, out, depth + 1);
  }

  private resolveRef(ref: string): OpenApiSchema | undefined {
    if (this.cache.refs.has(ref)) return this.cache.refs.get(ref);
    // Only `#/components/schemas/<name>` (a JSON pointer in the document) is resolved.
    const tokens = ref.startsWith('#') ? parsePointer(ref.slice(1)) : undefined;
    const name =
      tokens?.length === 3 && tokens[0] === 'components' && tokens[1] === 'schemas'
        ? tokens[2]
        : undefined;
    const schemas = this.doc.components?.schemas;
    const target =
      name !== undefined && schemas !== undefined && Object.hasOwn(schemas, name)
        ? schemas[name]
        : undefined;
    this.cache.refs.set(ref, target);
    return target;
  }
}

function cacheOf(doc: OpenApiDocument): DocCache {
  let cache = caches.get(doc);
  if (cache === undefined) {
    cache = { nodes: new WeakMap(), refs: new Map(), gvkIndex: undefined };
    caches.set(doc, cache);
  }
  return cache;
}

function gvkKey(g: Gvk): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

function isTypeOnly(n: Node): boolean {
  return (
    n.properties === undefined &&
    n.additional === undefined &&
    n.items === undefined &&
    n.required.length === 0 &&
    n.enumValues === undefined &&
    n.alternatives === undefined &&
    !n.opaque
  );
}

function typeBits(v: JsonValue): number {
  switch (typeof v) {
    case 'string':
      return T_STRING;
    case 'number':
      return Number.isInteger(v) ? T_INTEGER | T_NUMBER : T_NUMBER;
    case 'boolean':
      return T_BOOLEAN;
    default:
      return Array.isArray(v) ? T_ARRAY : T_OBJECT;
  }
}

function typeNames(types: number): string {
  const names: string[] = [];
  if (types & T_STRING) names.push('string');
  if (types & T_NUMBER) names.push('number');
  else if (types & T_INTEGER) names.push('integer');
  if (types & T_BOOLEAN) names.push('boolean');
  if (types & T_OBJECT) names.push('object');
  if (types & T_ARRAY) names.push('array');
  return names.join(' or ');
}

/** A core v1 Secret (`data`, `stringData`: values to keep out of messages). */
function isCoreSecret(obj: JsonValue): boolean {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return false;
  const o = obj as JsonObject;
  return o['apiVersion'] === 'v1' && o['kind'] === 'Secret';
}

/** The JSON type of a value, without the value. */
function describeType(v: JsonValue): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (Array.isArray(v)) return 'array';
  return v === null ? 'null' : typeof v;
}

function describe(v: JsonValue): string {
  if (typeof v === 'string')
    return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `${Number.isInteger(v) ? 'integer' : 'number'} ${String(v)}`;
  if (typeof v === 'boolean') return `boolean ${String(v)}`;
  return Array.isArray(v) ? 'array' : 'object';
}
