/**
 * Labels and label selectors with Kubernetes semantics (apimachinery `labels.Selector`): what a
 * selector matches, what a valid label key and value are, and the one way messages print a
 * selector. Shared by the hub (placement, environments, rollout waves, project targets) and the
 * agent (a project's targets, checked again from what it is sent).
 */

/** Label key → value (values are strings; YAML `1` or `true` must be quoted). */
export type Labels = Readonly<Record<string, string>>;

export const SelectorOperator = {
  In: 'In',
  NotIn: 'NotIn',
  Exists: 'Exists',
  DoesNotExist: 'DoesNotExist',
} as const;
export type SelectorOperator = (typeof SelectorOperator)[keyof typeof SelectorOperator];

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Non-empty for In/NotIn, absent (or empty) for Exists/DoesNotExist. */
  readonly values?: readonly string[];
}

/**
 * Kubernetes label selector: every matchLabels pair and every expression must hold (AND).
 * The empty selector `{}` matches every target.
 */
export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_LABEL_NAME = 63;
const MAX_PREFIX = 253;

/**
 * True for a Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at
 * most 63 characters (alphanumerics, '-', '_', '.', starting and ending alphanumeric).
 *
 * @example isLabelKey('topology.kubernetes.io/region') === true
 */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix.length > MAX_PREFIX || !DNS_SUBDOMAIN.test(prefix)) return false;
  }
  return name.length <= MAX_LABEL_NAME && LABEL_NAME.test(name);
}

/** True for a Kubernetes label value: empty, or like a label name (at most 63 characters). */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= MAX_LABEL_NAME && LABEL_NAME.test(value));
}

function labelOf(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

function matchesRequirement(labels: Labels, req: LabelSelectorRequirement): boolean {
  const value = labelOf(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/**
 * True when `labels` satisfy `selector`: every matchLabels pair is present with that value and
 * every expression holds. The empty selector matches everything. `NotIn` and `DoesNotExist`
 * match targets that lack the key (as in Kubernetes).
 *
 * @example matchesLabelSelector({ env: 'prod' }, { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }) === true
 */
export function matchesLabelSelector(labels: Labels, selector: LabelSelector): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labelOf(labels, key) !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(labels, req));
}

/** A one-line rendering of a selector for messages: `env=prod,region in (eu,us),!canary`. */
export function formatLabelSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    switch (req.operator) {
      case 'In':
        parts.push(`${req.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${req.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(req.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${req.key}`);
        break;
    }
  }
  return parts.length === 0 ? '(everything)' : parts.join(',');
}
