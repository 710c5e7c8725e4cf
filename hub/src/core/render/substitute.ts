/**
 * Value substitution: placeholders in the string values of rendered objects are replaced with
 * facts about the target they are rendered for.
 *
 * | Placeholder | Value |
 * | --- | --- |
 * | `${target.name}` | the target's name |
 * | `${target.labels.<key>}` | the target's label `<key>`; a problem if the target has none |
 * | `${environment}` (or `${environment.name}`) | the environment's name; a problem if the app is rendered without one |
 * | `$${target.name}` (any of the above with `$$`) | the literal text `${target.name}` |
 *
 * Only the `target.` and `environment` namespaces are gitfleet's: `${HOME}`, `$${HOME}` and every
 * other `${...}` (shell scripts in ConfigMaps, Helm-style templates) are left exactly as written.
 * A placeholder in gitfleet's namespace that is not in the table (`${target.region}`) is a
 * problem, never left in silently. Only string values are substituted, never keys.
 */
import { formatPointer } from '@gitfleet/proto/domain';
import type { Json } from './json.ts';
import { getOwn, isRecord, setOwn } from './json.ts';

/** What placeholders are resolved against. */
export interface SubstitutionContext {
  /** Name of the target the objects are rendered for. */
  readonly target: string;
  /** The target's labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Name of the environment, if the app is rendered in one. */
  readonly environment?: string;
}

/** One placeholder that could not be resolved. */
export interface SubstitutionIssue {
  /** RFC 6901 pointer of the string in the object. */
  readonly pointer: string;
  /** The placeholder as written (`${target.labels.region}`). */
  readonly placeholder: string;
  /** Why, and what to do. */
  readonly message: string;
}

const PLACEHOLDER = /(\$?)\$\{([^{}]*)\}/g;
const LABELS_PREFIX = 'target.labels.';

function isOurs(expr: string): boolean {
  return expr.startsWith('target.') || expr === 'target' || expr.startsWith('environment');
}

type Resolution = { readonly value: string } | { readonly message: string };

function resolve(expr: string, ctx: SubstitutionContext): Resolution {
  if (expr === 'target.name') return { value: ctx.target };
  if (expr === 'environment' || expr === 'environment.name') {
    return ctx.environment === undefined
      ? {
          message: `the app is not rendered in an environment; remove the placeholder or deploy the app through an environment`,
        }
      : { value: ctx.environment };
  }
  if (expr.startsWith(LABELS_PREFIX)) {
    const key = expr.slice(LABELS_PREFIX.length);
    const value = Object.hasOwn(ctx.labels, key) ? ctx.labels[key] : undefined;
    return value === undefined
      ? {
          message: `target "${ctx.target}" has no label "${key}"; add the label to the target or change the placeholder`,
        }
      : { value };
  }
  return {
    message:
      'unknown placeholder; use ${target.name}, ${target.labels.<key>} or ${environment} (write $${...} for a literal)',
  };
}

/**
 * Substitutes the placeholders of one string; unresolved ones stay as written and are added to
 * `issues` with `pointer()` (called only then).
 */
export function substituteString(
  text: string,
  ctx: SubstitutionContext,
  issues: SubstitutionIssue[],
  pointer: () => string = () => '',
): string {
  if (!text.includes('${')) return text;
  return text.replace(PLACEHOLDER, (match: string, escape: string, expr: string) => {
    if (!isOurs(expr)) return match;
    if (escape === '$') return match.slice(1);
    const resolution = resolve(expr, ctx);
    if ('value' in resolution) return resolution.value;
    issues.push({ pointer: pointer(), placeholder: match, message: resolution.message });
    return match;
  });
}

/**
 * Substitutes every string value below `value` in place (the caller passes its working copy);
 * returns the new value (differs only when `value` itself is a string) and collects the
 * placeholders that could not be resolved.
 */
export function substituteValues(
  value: Json,
  ctx: SubstitutionContext,
  issues: SubstitutionIssue[],
): Json {
  return walk(value, ctx, issues, []);
}

function walk(
  value: Json,
  ctx: SubstitutionContext,
  issues: SubstitutionIssue[],
  path: (string | number)[],
): Json {
  if (typeof value === 'string') {
    return substituteString(value, ctx, issues, () => formatPointer(path));
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      path.push(i);
      value[i] = walk(item, ctx, issues, path);
      path.pop();
    }
  } else if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      const member = getOwn(value, key);
      if (member === undefined) continue;
      path.push(key);
      setOwn(value, key, walk(member, ctx, issues, path));
      path.pop();
    }
  }
  return value;
}
