/**
 * `Project.spec`: the scope of the applications that name the project (the decision is
 * `scopeViolations` of `@gitfleet/proto/domain`; this only reads and validates):
 *
 *   spec:
 *     sourceRepos: [https://git.example.com/payments/*]      # globs over repository URLs
 *     namespaces: [payments, payments-*]                     # globs over namespaces
 *     kinds:                                                 # optional
 *       allow: [{ group: apps, kind: "*" }, { group: "", kind: ConfigMap }]   # absent: every namespaced kind
 *       allowClusterScoped: [{ group: "", kind: Namespace }]                   # absent: none
 *       deny: [{ group: "", kind: ResourceQuota }]
 *     targets: { names: [edge-lab], selector: { matchLabels: { tenant: payments } } }
 *
 * `sourceRepos`, `namespaces` and `targets` are required: a project allows nothing it does not
 * say. Each list holds at most MAX_PROJECT_RULES entries of at most MAX_PROJECT_PATTERN_LENGTH
 * characters (LIMIT_EXCEEDED problems naming the limit).
 */
import type {
  GroupKind,
  LabelSelector,
  ProjectKinds,
  ProjectScope,
  ProjectTargets,
} from '@gitfleet/proto/domain';
import { ScopeRule, isGroupGlob, isKindGlob, isNamespaceGlob } from '@gitfleet/proto/domain';
import { dnsLabelProblem } from './read-overlays.ts';
import type { Located } from './read-rollout.ts';
import { readLabelSelector } from './read-selectors.ts';
import { readCheckedString, readFields, readList, readString, report } from './read.ts';
import type { Ctx, Slot } from './read.ts';
import { MAX_PROJECT_PATTERN_LENGTH, MAX_PROJECT_RULES } from './types.ts';

/** A project's scope and where its rules are written. */
export interface ReadProject {
  readonly scope: Omit<ProjectScope, 'name'>;
  /** Line of each rule written. */
  readonly rules: Partial<Record<ScopeRule, number>>;
  /** Where each name of `targets.names` is written, for the fleet-wide checks. */
  readonly targetNamesAt: ReadonlyMap<string, Located>;
}

const SPEC_FIELDS = ['sourceRepos', 'namespaces', 'kinds', 'targets'];
// eslint-disable-next-line no-control-regex
const WHITESPACE_OR_CONTROL = /[\s\x00-\x1f\x7f]/;

/** Reads `spec` of a Project; undefined (missing, reported by the caller): an empty scope. */
export function readProjectSpec(ctx: Ctx, slot: Slot | undefined): ReadProject {
  const rules: Partial<Record<ScopeRule, number>> = {};
  const targetNamesAt = new Map<string, Located>();
  const fields = slot === undefined ? undefined : readFields(ctx, slot, SPEC_FIELDS);

  const reposSlot = fields?.require('sourceRepos');
  if (reposSlot !== undefined) rules[ScopeRule.SourceRepos] = reposSlot.at.line;
  const sourceRepos = readPatterns(ctx, reposSlot, sourceRepoProblem);

  const nsSlot = fields?.require('namespaces');
  if (nsSlot !== undefined) rules[ScopeRule.Namespaces] = nsSlot.at.line;
  const namespaces = readPatterns(ctx, nsSlot, (p) =>
    isNamespaceGlob(p)
      ? undefined
      : "is not a namespace glob (lowercase letters, digits, '-' and '*')",
  );

  const kindsSlot = fields?.get('kinds');
  const kinds = kindsSlot === undefined ? { deny: [] } : readKinds(ctx, kindsSlot, rules);

  const targetsSlot = fields?.require('targets');
  if (targetsSlot !== undefined) rules[ScopeRule.Targets] = targetsSlot.at.line;
  const targets = targetsSlot === undefined ? {} : readTargets(ctx, targetsSlot, targetNamesAt);

  return { scope: { sourceRepos, namespaces, kinds, targets }, rules, targetNamesAt };
}

/** Why a sourceRepos glob cannot be one, or undefined. */
function sourceRepoProblem(pattern: string): string | undefined {
  if (pattern === '') return 'must not be empty';
  if (WHITESPACE_OR_CONTROL.test(pattern)) return 'contains whitespace or a control character';
  if (pattern !== '**' && !pattern.includes(':')) {
    return "matches no repository URL (every URL has a ':', and a '*' stops at '/'): write https://host/group/* for the repositories of a group, or ** for every repository";
  }
  return undefined;
}

/** The items of a list slot that pass `check`, within the list and length limits. */
function readPatterns(
  ctx: Ctx,
  slot: Slot | undefined,
  check: (value: string) => string | undefined,
): string[] {
  if (slot === undefined) return [];
  const items = readRuleList(ctx, slot) ?? [];
  const out: string[] = [];
  for (const item of items) {
    const value = readPattern(ctx, item, check);
    if (value !== undefined) out.push(value);
  }
  return out;
}

/** One pattern: a string within MAX_PROJECT_PATTERN_LENGTH that passes `check`. */
function readPattern(
  ctx: Ctx,
  slot: Slot,
  check: (value: string) => string | undefined,
): string | undefined {
  const value = readString(ctx, slot);
  if (value === undefined) return undefined;
  if (value.length > MAX_PROJECT_PATTERN_LENGTH) {
    report(
      ctx,
      slot.node.pos,
      slot.field,
      `is ${String(value.length)} characters long; a Project pattern may have at most ${String(MAX_PROJECT_PATTERN_LENGTH)} (limit MAX_PROJECT_PATTERN_LENGTH)`,
      'error',
      'MAX_PROJECT_PATTERN_LENGTH',
    );
    return undefined;
  }
  const problem = check(value);
  if (problem === undefined) return value;
  report(ctx, slot.node.pos, slot.field, `${JSON.stringify(value)} ${problem}`);
  return undefined;
}

/** A list of at most MAX_PROJECT_RULES items (the rest reported, not read). */
function readRuleList(ctx: Ctx, slot: Slot): Slot[] | undefined {
  const items = readList(ctx, slot);
  if (items === undefined || items.length <= MAX_PROJECT_RULES) return items;
  report(
    ctx,
    slot.at,
    slot.field,
    `has ${String(items.length)} entries; a Project list may have at most ${String(MAX_PROJECT_RULES)} (limit MAX_PROJECT_RULES): use globs`,
    'error',
    'MAX_PROJECT_RULES',
  );
  return items.slice(0, MAX_PROJECT_RULES);
}

function readKinds(ctx: Ctx, slot: Slot, rules: Partial<Record<ScopeRule, number>>): ProjectKinds {
  const fields = readFields(ctx, slot, ['allow', 'allowClusterScoped', 'deny']);
  const allowSlot = fields?.get('allow');
  const clusterSlot = fields?.get('allowClusterScoped');
  const denySlot = fields?.get('deny');
  // a list not written refuses by its absence: its problems point at `kinds`
  rules[ScopeRule.KindsAllow] = (allowSlot ?? slot).at.line;
  rules[ScopeRule.KindsAllowClusterScoped] = (clusterSlot ?? slot).at.line;
  rules[ScopeRule.KindsDeny] = (denySlot ?? slot).at.line;
  const allow = allowSlot === undefined ? undefined : readGroupKinds(ctx, allowSlot);
  const allowClusterScoped =
    clusterSlot === undefined ? undefined : readGroupKinds(ctx, clusterSlot);
  const deny = denySlot === undefined ? [] : readGroupKinds(ctx, denySlot);
  return {
    ...(allow === undefined ? {} : { allow }),
    ...(allowClusterScoped === undefined ? {} : { allowClusterScoped }),
    deny,
  };
}

function readGroupKinds(ctx: Ctx, slot: Slot): GroupKind[] {
  const out: GroupKind[] = [];
  for (const item of readRuleList(ctx, slot) ?? []) {
    const fields = readFields(ctx, item, ['group', 'kind']);
    const groupSlot = fields?.require('group');
    const kindSlot = fields?.require('kind');
    const group =
      groupSlot === undefined
        ? undefined
        : readPattern(ctx, groupSlot, (g) =>
            isGroupGlob(g)
              ? undefined
              : `is not an API group glob (lowercase letters, digits, '.', '-' and '*'; "" for the core group)`,
          );
    const kind =
      kindSlot === undefined
        ? undefined
        : readPattern(ctx, kindSlot, (k) =>
            isKindGlob(k)
              ? undefined
              : "is not a kind glob (letters, digits and '*', as in Deployment)",
          );
    if (group !== undefined && kind !== undefined) out.push({ group, kind });
  }
  return out;
}

function readTargets(ctx: Ctx, slot: Slot, namesAt: Map<string, Located>): ProjectTargets {
  const fields = readFields(ctx, slot, ['names', 'selector']);
  if (fields === undefined) return {};
  const namesSlot = fields.get('names');
  const selectorSlot = fields.get('selector');
  if (namesSlot === undefined && selectorSlot === undefined) {
    report(
      ctx,
      slot.at,
      slot.field,
      'needs names, selector or both (selector: {} allows every target)',
    );
    return {};
  }
  let names: string[] | undefined;
  if (namesSlot !== undefined) {
    names = [];
    for (const item of readRuleList(ctx, namesSlot) ?? []) {
      const name = readCheckedString(ctx, item, dnsLabelProblem);
      if (name === undefined) continue;
      names.push(name);
      namesAt.set(name, { pos: item.at, field: item.field });
    }
  }
  const selector: LabelSelector | undefined =
    selectorSlot === undefined ? undefined : readLabelSelector(ctx, selectorSlot);
  return {
    ...(names === undefined ? {} : { names }),
    ...(selector === undefined ? {} : { selector }),
  };
}
