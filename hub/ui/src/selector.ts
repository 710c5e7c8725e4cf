/**
 * Label selectors of the fleet grid's filter, as Kubernetes writes equality-based ones:
 * requirements separated by commas, each `k=v` (or `k==v`), `k!=v`, `k` (the label is set) or
 * `!k` (it is not). Every requirement must hold. Pure.
 */

export type Requirement =
  | { readonly key: string; readonly op: 'eq' | 'ne'; readonly value: string }
  | { readonly key: string; readonly op: 'exists' | 'absent' };

export type ParsedSelector =
  | { readonly ok: true; readonly requirements: readonly Requirement[] }
  | { readonly ok: false; readonly message: string };

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

function bad(part: string, why: string): ParsedSelector {
  return { ok: false, message: `label selector "${part}": ${why}` };
}

/** The requirements of `text` ('' or blanks: none, everything matches), or what is wrong. */
export function parseSelector(text: string): ParsedSelector {
  const requirements: Requirement[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const ne = part.indexOf('!=');
    const eq = part.indexOf('=');
    if (ne >= 0 || eq >= 0) {
      const op = ne >= 0 && ne < eq ? 'ne' : 'eq';
      const at = op === 'ne' ? ne : eq;
      const key = part.slice(0, at).trim();
      const value = part.slice(at + (op === 'ne' || part.startsWith('==', at) ? 2 : 1)).trim();
      if (!KEY.test(key)) return bad(part, 'write a label key before the operator (k=v, k!=v)');
      if (!VALUE.test(value))
        return bad(part, 'a value is letters, digits, "-", "_" or "." (no spaces, no "=")');
      requirements.push({ key, op, value });
      continue;
    }
    const absent = part.startsWith('!');
    const key = (absent ? part.slice(1) : part).trim();
    if (!KEY.test(key)) return bad(part, 'not a label key (write k=v, k!=v, k or !k)');
    requirements.push({ key, op: absent ? 'absent' : 'exists' });
  }
  return { ok: true, requirements };
}

/** Whether `labels` satisfy every requirement. */
export function matchesSelector(
  requirements: readonly Requirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const r of requirements) {
    const has = Object.hasOwn(labels, r.key);
    const v = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'eq':
        if (v !== r.value) return false;
        break;
      case 'ne':
        // as Kubernetes: a target without the label satisfies k!=v
        if (v === r.value) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case 'absent':
        if (has) return false;
        break;
    }
  }
  return true;
}
