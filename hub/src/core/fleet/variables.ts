/**
 * Overlay variables: values an overlay takes from the target it is rendered for. The grammar is
 * defined here once, for validation (parse-fleet) and for substitution (render).
 *
 *   ${target.name}            the target's name
 *   ${target.labels.<key>}    a label of the target (from Git, never from the agent)
 *   ${environment.name}       the environment the target is in
 *   $${…}                     a literal "${…}" (escape, as in Flux post-build substitution)
 *
 * Only string values are substituted (never mapping keys), and only inside overlays: the
 * application's own manifests are used as they are.
 */
import type { JsonValue } from '@gitfleet/proto/domain';
import { isLabelKey } from './label-selector.ts';
import type { EnvironmentSpec, TargetSpec } from './types.ts';

/** `$${…}` (group 1 = '$'), `${name}` or an unterminated `${…` (no group 3). */
const VARIABLE = /\$(\$)?\{([^}]*)(\})?/g;
const LABEL_PREFIX = 'target.labels.';

/** Variables available to the overlays of `target` (`environment.name` only when it has one). */
export function overlayVariables(
  target: TargetSpec,
  environment: EnvironmentSpec | undefined,
): Readonly<Record<string, string>> {
  const entries: [string, string][] = [['target.name', target.name]];
  if (environment !== undefined) entries.push(['environment.name', environment.name]);
  for (const [key, value] of Object.entries(target.labels)) {
    entries.push([`${LABEL_PREFIX}${key}`, value]);
  }
  return Object.fromEntries(entries);
}

/** Why `name` is not a variable of the grammar, or undefined. */
function variableNameProblem(name: string): string | undefined {
  if (name === 'target.name' || name === 'environment.name') return undefined;
  if (name.startsWith(LABEL_PREFIX)) {
    const key = name.slice(LABEL_PREFIX.length);
    return isLabelKey(key) ? undefined : `"${key}" is not a label key`;
  }
  return 'use ${target.name}, ${target.labels.<key>} or ${environment.name}';
}

/** One use of a variable in a string. */
export interface VariableUse {
  readonly name: string;
  /** Set when the use is not valid: the reason. */
  readonly problem?: string;
}

/** The variables a string uses, in order, each with its problem if it is not valid. */
export function variablesIn(text: string): VariableUse[] {
  const uses: VariableUse[] = [];
  for (const match of text.matchAll(VARIABLE)) {
    if (match[1] !== undefined) continue;
    const name = (match[2] ?? '').trim();
    if (match[3] === undefined) {
      uses.push({ name, problem: "has a '${' without its closing '}'" });
      continue;
    }
    const problem = variableNameProblem(name);
    uses.push(problem === undefined ? { name } : { name, problem: `\${${name}}: ${problem}` });
  }
  return uses;
}

/** The label key a variable name reads (`target.labels.region` → `region`), if any. */
export function labelOfVariable(name: string): string | undefined {
  return name.startsWith(LABEL_PREFIX) ? name.slice(LABEL_PREFIX.length) : undefined;
}

/**
 * `value` with every variable in its strings replaced from `variables` and every `$${` turned
 * into `${`. Variables that have no value stay as written and are listed in `missing` (sorted,
 * unique) so the caller can refuse the render. Mapping keys are not substituted.
 *
 * @example substituteVariables('ns-${target.labels.region}', { 'target.labels.region': 'eu' }).value === 'ns-eu'
 */
export function substituteVariables(
  value: JsonValue,
  variables: Readonly<Record<string, string>>,
): { value: JsonValue; missing: string[] } {
  const missing = new Set<string>();
  const walk = (v: JsonValue): JsonValue => {
    if (typeof v === 'string') {
      return v.replaceAll(VARIABLE, (whole, escape: string | undefined, raw: string) => {
        if (escape !== undefined) return whole.slice(1);
        const name = raw.trim();
        if (Object.hasOwn(variables, name)) return variables[name] ?? whole;
        missing.add(name);
        return whole;
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item)]));
    }
    return v;
  };
  const out = walk(value);
  return { value: out, missing: [...missing].sort() };
}
