/**
 * Small syntax checks of fleet values: Git revisions, repository URLs, source paths and JSON
 * pointers. Each returns a reason string when the value is bad and undefined when it is fine, so
 * the caller can put the reason in a FleetProblem.
 */

const MAX_REF_LENGTH = 255;
// git check-ref-format: no control characters, space, ~ ^ : ? * [ \ anywhere.
// eslint-disable-next-line no-control-regex
const REF_FORBIDDEN = /[\x00-\x20\x7f~^:?*[\\]/;
const URL_FORM = /^(https?|ssh|git|file):\/\/([^/?#\s]*)(\S*)$/;
const SCP_FORM = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+$/;

/**
 * Why `ref` is not a usable revision (commit SHA, tag or branch, as `git check-ref-format
 * --allow-onelevel` sees it), or undefined when it is.
 *
 * @example gitRefProblem('release/1.2') === undefined
 */
export function gitRefProblem(ref: string): string | undefined {
  if (ref === '') return 'must not be empty';
  if (ref.length > MAX_REF_LENGTH) return `is longer than ${String(MAX_REF_LENGTH)} characters`;
  if (REF_FORBIDDEN.test(ref)) {
    return 'contains whitespace, a control character or one of ~ ^ : ? * [ \\';
  }
  if (ref.includes('..') || ref.includes('@{') || ref.includes('//')) {
    return "contains '..', '@{' or '//'";
  }
  if (ref === '@' || ref.startsWith('-') || ref.startsWith('/') || ref.endsWith('/')) {
    return "is '@', or starts with '-' or '/', or ends with '/'";
  }
  if (ref.endsWith('.') || ref.endsWith('.lock') || ref.split('/').some((p) => p.startsWith('.'))) {
    return "ends with '.' or '.lock', or has a part starting with '.'";
  }
  return undefined;
}

/**
 * Why `url` is not a Git repository URL we accept, or undefined. Accepted: http(s)://, ssh://,
 * git://, file:// and scp-like `user@host:path`. Credentials in the URL are refused: they would
 * end up in Git, in status and in logs (use the hub's Git credentials instead).
 */
export function repoURLProblem(url: string): string | undefined {
  const match = URL_FORM.exec(url);
  if (match === null) {
    return SCP_FORM.test(url)
      ? undefined
      : 'is not a Git URL (https://…, ssh://…, git://…, file://… or user@host:path)';
  }
  const authority = match[2] ?? '';
  const at = authority.lastIndexOf('@');
  if (at !== -1 && authority.slice(0, at).includes(':')) {
    return 'contains a password or token; configure Git credentials on the hub instead';
  }
  if (match[1] !== 'file' && authority.slice(at + 1) === '') return 'has no host';
  return undefined;
}

/**
 * The normalised form of a source path ('' = repository root; no leading './' or '/', no
 * trailing '/', no empty or '.' parts), or a reason string when it leaves the repository.
 *
 * @example normaliseSourcePath('./apps/podinfo/') === { path: 'apps/podinfo' }
 */
export function normaliseSourcePath(path: string): { path: string } | { problem: string } {
  if (path.includes('\\')) return { problem: "must use '/' as separator" };
  if (path.startsWith('/')) return { problem: 'must be relative to the repository root' };
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { problem: "must not contain '..'" };
  return { path: parts.join('/') };
}

/**
 * Why `pointer` is not an RFC 6901 JSON pointer, or undefined. The whole-document pointer ''
 * is refused unless `allowRoot`.
 */
export function jsonPointerProblem(pointer: string, allowRoot = false): string | undefined {
  if (pointer === '') return allowRoot ? undefined : "must not be '' (the whole object)";
  if (!pointer.startsWith('/')) return "must start with '/'";
  if (/~(?![01])/.test(pointer)) return "has a '~' not followed by 0 or 1";
  return undefined;
}
