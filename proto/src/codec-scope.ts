/**
 * The Assignment's project scope on the wire (./codec-hub.ts): encoded from and decoded into the
 * normal form of `objectScopeOf` (./domain/project-scope.ts). Every pattern is checked as the
 * fleet's Project kind checks it, and every list and pattern bounded (MAX_SCOPE_RULES,
 * MAX_SCOPE_PATTERN_LENGTH): a violation is a PROTOCOL_VIOLATION naming the field.
 */
import {
  MAX_SCOPE_PATTERN_LENGTH,
  MAX_SCOPE_RULES,
  isGroupGlob,
  isKindGlob,
  isNamespaceGlob,
  objectScopeOf,
} from './domain/project-scope.ts';
import type { GroupKind, ObjectScope } from './domain/project-scope.ts';
import { dnsLabel, violation, type Ctx } from './codec-validate.ts';
import type { GroupKind as WireGroupKind } from './generated/gitfleet/v1/GroupKind.ts';
import type {
  ProjectScope as WireProjectScope,
  ProjectScope__Output as WireProjectScopeOut,
} from './generated/gitfleet/v1/ProjectScope.ts';

/** The wire form of a scope. */
export function encodeScope(scope: ObjectScope): WireProjectScope {
  const s = objectScopeOf(scope);
  const gks = (list: readonly GroupKind[]): WireGroupKind[] =>
    list.map((gk) => ({ group: gk.group, kind: gk.kind }));
  return {
    name: s.name,
    namespaces: [...s.namespaces],
    allowedKinds: s.kinds.allow === undefined ? null : { kinds: gks(s.kinds.allow) },
    allowedClusterScopedKinds: gks(s.kinds.allowClusterScoped ?? []),
    deniedKinds: gks(s.kinds.deny),
  };
}

/** A list of at most MAX_SCOPE_RULES entries. */
function bounded<T>(ctx: Ctx, field: string, list: readonly T[]): readonly T[] {
  if (list.length > MAX_SCOPE_RULES) {
    throw violation(
      ctx,
      field,
      `has ${String(list.length)} entries, more than ${String(MAX_SCOPE_RULES)} (MAX_SCOPE_RULES)`,
    );
  }
  return list;
}

/** A pattern of at most MAX_SCOPE_PATTERN_LENGTH characters that `valid` accepts. */
function pattern(
  ctx: Ctx,
  field: string,
  value: string,
  valid: (v: string) => boolean,
  expected: string,
): string {
  if (value.length > MAX_SCOPE_PATTERN_LENGTH) {
    throw violation(
      ctx,
      field,
      `is ${String(value.length)} characters long, more than ${String(MAX_SCOPE_PATTERN_LENGTH)} (MAX_SCOPE_PATTERN_LENGTH)`,
    );
  }
  if (!valid(value))
    throw violation(ctx, field, `is ${JSON.stringify(value)} (expected ${expected})`);
  return value;
}

function decodeGroupKinds(
  ctx: Ctx,
  field: string,
  list: readonly { readonly group: string; readonly kind: string }[],
): GroupKind[] {
  return bounded(ctx, field, list).map((gk, i) => ({
    group: pattern(
      ctx,
      `${field}[${String(i)}].group`,
      gk.group,
      isGroupGlob,
      `an API group glob: lowercase letters, digits, '.', '-' and '*'`,
    ),
    kind: pattern(
      ctx,
      `${field}[${String(i)}].kind`,
      gk.kind,
      isKindGlob,
      "a kind glob: letters, digits and '*'",
    ),
  }));
}

/**
 * The scope of a received assignment; undefined when the wire carries none.
 *
 * @throws GitfleetError PROTOCOL_VIOLATION naming the field
 */
export function decodeScope(
  ctx: Ctx,
  f: string,
  wire: WireProjectScopeOut | null,
): { scope?: ObjectScope } {
  if (wire === null) return {};
  const namespaces = bounded(ctx, `${f}.namespaces`, wire.namespaces).map((ns, i) =>
    pattern(
      ctx,
      `${f}.namespaces[${String(i)}]`,
      ns,
      isNamespaceGlob,
      "a namespace glob: lowercase letters, digits, '-' and '*'",
    ),
  );
  const allowed = wire.allowedKinds;
  return {
    scope: {
      name: dnsLabel(ctx, `${f}.name`, wire.name),
      namespaces,
      kinds: {
        ...(allowed === null
          ? {}
          : { allow: decodeGroupKinds(ctx, `${f}.allowedKinds.kinds`, allowed.kinds) }),
        allowClusterScoped: decodeGroupKinds(
          ctx,
          `${f}.allowedClusterScopedKinds`,
          wire.allowedClusterScopedKinds,
        ),
        deny: decodeGroupKinds(ctx, `${f}.deniedKinds`, wire.deniedKinds),
      },
    },
  };
}
