/**
 * Helpers of the drift tests: edits of fixture objects on deep copies, addressed by JSON pointer
 * (undefined deletes), and the comparison options of the agent.
 */
import { objectRef } from '@gitfleet/proto/domain';
import type { FieldChange, IgnoreRule, JsonValue, KubeObject } from '@gitfleet/proto/domain';
import { AGENT, webDesired } from './drift-objects.ts';

type Edit = readonly [pointer: string, value: JsonValue | undefined];

export function edit(obj: KubeObject, ...edits: readonly Edit[]): KubeObject {
  const copy = structuredClone(obj) as unknown as Record<string, unknown>;
  for (const [pointer, value] of edits) {
    const segments = pointer
      .slice(1)
      .split('/')
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = segments.pop() ?? '';
    let node: unknown = copy;
    for (const s of segments) node = (node as Record<string, unknown>)[s];
    const parent = node as Record<string, unknown>;
    if (Array.isArray(parent) && value === undefined) parent.splice(Number(last), 1);
    else if (value === undefined) delete parent[last];
    else parent[last] = structuredClone(value);
  }
  return copy as unknown as KubeObject;
}

/** The value at a JSON pointer (test fixtures only: throws when a step is missing). */
export function at(obj: JsonValue, pointer: string): JsonValue {
  let node: unknown = obj;
  for (const s of pointer.slice(1).split('/')) node = (node as Record<string, unknown>)[s];
  if (node === undefined) throw new Error(`fixture has no ${pointer}`);
  return node as JsonValue;
}

/** Appends managedFields entries (as kubectl would have written them). */
export function withEntries(obj: KubeObject, ...entries: JsonValue[]): KubeObject {
  const meta = obj['metadata'] as Record<string, JsonValue>;
  const current = meta['managedFields'] as readonly JsonValue[];
  return edit(obj, ['/metadata/managedFields', [...current, ...entries]]);
}

export const CONTAINERS = '/spec/template/spec/containers';
/** Pointer to our (agent's) fieldsV1 of the web container. */
export const OUR_WEB =
  '/metadata/managedFields/0/fieldsV1/f:spec/f:template/f:spec/f:containers/k:{"name":"web"}';

/** Comparison options of the agent without ignore rules. */
export const opts = { ignore: [] as IgnoreRule[], fieldManager: AGENT };
export const webRef = objectRef(webDesired);

export function paths(changes: readonly FieldChange[]): string[] {
  return changes.map((c) => c.path);
}
