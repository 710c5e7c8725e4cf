/**
 * ESLint rule `gitfleet/core-imports`: the purity fence of decision code, as an allowlist.
 *
 * A file under a `src/core/` tree (hub, agent) or `src/domain/` tree (proto) decides; adapters
 * outside it do the I/O. Such a file may import only:
 *
 * - relative paths that stay inside its own `core/` (or `domain/`) tree;
 * - `@gitfleet/proto/domain`, `yaml` and `semver` (version ranges: no I/O);
 * - the Node built-ins in {@link PURE_BUILTINS}, which do no I/O;
 * - in tests (`*.test.ts` and files under `__fixtures__/`) also `vitest`, `fast-check` and
 *   relative paths into a `__fixtures__/` directory.
 *
 * Type-only imports follow the same list: a type from an I/O package ties the decision to it.
 * Everything else (`@gitfleet/proto`, `ioredis`, `node:fs`, `../../link/x.ts`) is reported with
 * what is allowed instead.
 */
import path from 'node:path';
import type { Rule } from 'eslint';

/** Packages every core file may import. */
export const PURE_PACKAGES: readonly string[] = ['@gitfleet/proto/domain', 'yaml', 'semver'];

/** Node built-ins without I/O (always with the `node:` prefix). */
export const PURE_BUILTINS: readonly string[] = [
  'node:assert',
  'node:assert/strict',
  'node:buffer',
  'node:crypto',
  'node:util',
];

/** Packages that tests and fixtures of core code may import as well. */
export const TEST_PACKAGES: readonly string[] = ['vitest', 'fast-check'];

const ALLOWED_TEXT =
  `files inside its own core/ (or domain/) tree, ${[...PURE_PACKAGES, ...PURE_BUILTINS].join(', ')}` +
  ` (tests also ${TEST_PACKAGES.join(', ')} and __fixtures__)`;

/** The directory of the pure tree a file belongs to (`…/src/core`, `…/src/domain`), if any. */
export function pureRootOf(filename: string): string | undefined {
  const posix = filename.split(path.sep).join('/');
  const match = /^(.*\/src\/(?:core|domain))\//.exec(posix);
  return match?.[1];
}

/** True for tests and their fixtures, which get {@link TEST_PACKAGES} and `__fixtures__`. */
export function isTestFile(filename: string): boolean {
  const posix = filename.split(path.sep).join('/');
  return posix.endsWith('.test.ts') || posix.includes('/__fixtures__/');
}

/**
 * Why `specifier`, imported by `filename` of the pure tree at `root`, is not allowed; undefined
 * when it is.
 */
export function importProblem(
  specifier: string,
  filename: string,
  root: string,
): string | undefined {
  const test = isTestFile(filename);
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    const posixFile = filename.split(path.sep).join('/');
    const target = path.posix.resolve(path.posix.dirname(posixFile), specifier);
    if (target.startsWith(`${root}/`)) return undefined;
    if (test && target.split('/').includes('__fixtures__')) return undefined;
    return `'${specifier}' leaves ${path.posix.basename(root)}/`;
  }
  if (PURE_PACKAGES.includes(specifier) || PURE_BUILTINS.includes(specifier)) return undefined;
  if (test && TEST_PACKAGES.includes(specifier)) return undefined;
  return `'${specifier}' is not allowed`;
}

/** A string literal node (`import`, `export … from`, `import()`, `import('…')` types). */
interface SourceNode {
  readonly type: string;
  readonly value?: unknown;
}

function sourceText(node: SourceNode | null | undefined): string | undefined {
  return node?.type === 'Literal' && typeof node.value === 'string' ? node.value : undefined;
}

export const coreImports: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: {
      description:
        'decision code (core/, domain/) imports only its own tree, the pure proto domain, yaml and I/O-free Node built-ins',
    },
    schema: [],
    messages: {
      forbidden:
        '{{problem}}: decision code is pure and may import only {{allowed}}; move I/O into an adapter outside core/',
      computed:
        'a computed import() in decision code cannot be checked; import a literal path from {{allowed}}',
    },
  },
  create(context) {
    const filename = context.physicalFilename;
    const root = pureRootOf(filename);
    if (root === undefined) return {};
    const check = (node: Rule.Node, source: SourceNode | null | undefined): void => {
      const specifier = sourceText(source);
      if (specifier === undefined) {
        if (source != null) {
          context.report({ node, messageId: 'computed', data: { allowed: ALLOWED_TEXT } });
        }
        return;
      }
      const problem = importProblem(specifier, filename, root);
      if (problem !== undefined) {
        context.report({ node, messageId: 'forbidden', data: { problem, allowed: ALLOWED_TEXT } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      /** `import('pkg').Type` in a type position (typescript-eslint's TSImportType). */
      TSImportType(node: Rule.Node & { readonly source?: SourceNode }) {
        check(node, node.source);
      },
    };
  },
};

/** The plugin that eslint.config.mjs registers as `gitfleet`. */
export const gitfleetPlugin = { rules: { 'core-imports': coreImports } };
