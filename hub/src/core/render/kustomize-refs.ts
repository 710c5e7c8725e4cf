/**
 * What a kustomization file refers to, and what the render step refuses before kustomize runs.
 * Pure: the file's text in, its local references and its problems out (each at file:line).
 *
 * Refused, with a located problem:
 * - a resources/bases/components entry that is a URL or a Git reference: remote bases are not
 *   fetched by the render step (the render sees only the application's repository, at its commit);
 * - a path that leaves the repository (`../` past its root) or is absolute;
 * - `helmCharts`, `helmGlobals`, `helmChartInflationGenerator`: not supported in kustomizations
 *   (use `source.helm`);
 * - `validators`, and `generators`/`transformers` entries that are not built-in plugin configs
 *   (`apiVersion: builtin`): exec and KRM-function plugins are never run; the configs in files
 *   are checked once read ({@link pluginConfigProblems}).
 *
 * Everything else a kustomization may name in the repository (patch files, generator files,
 * CRDs, configurations, replacements, openapi) is a local reference the step copies.
 */
import {
  LineCounter,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  parseDocument,
  type Node,
} from 'yaml';
import { localPathProblem, remoteRefProblem } from '../fleet/read-kustomize.ts';
import { problem } from './problems.ts';
import type { RenderProblem } from './problems.ts';

/** The names kustomize looks for in a directory, in its order. */
export const KUSTOMIZATION_FILE_NAMES: readonly string[] = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

export const RefRole = {
  /** resources: a kustomization directory or a manifest file. */
  Resource: 'resource',
  /** bases and components: a kustomization directory. */
  Kustomization: 'kustomization',
  /** A file kustomize reads (a patch, generator input, CRD, …). */
  File: 'file',
  /** A generators/transformers entry naming a file of plugin configs (or a kustomization). */
  Plugin: 'plugin',
} as const;
export type RefRole = (typeof RefRole)[keyof typeof RefRole];

/** One local path a kustomization refers to, as a repository path. */
export interface KustomizationRef {
  readonly role: RefRole;
  /** Repository-relative, normalised ('' = root). */
  readonly path: string;
  readonly line: number;
}

export interface KustomizationRefs {
  readonly refs: readonly KustomizationRef[];
  readonly problems: readonly RenderProblem[];
}

const REFUSED_HELM = ['helmCharts', 'helmGlobals', 'helmChartInflationGenerator'];
const FILE_LISTS = ['crds', 'configurations', 'patchesStrategicMerge'];
const PATH_ITEM_LISTS = ['patches', 'patchesJson6902', 'replacements'];
const GENERATORS = ['configMapGenerator', 'secretGenerator'];

/**
 * `ref` joined onto directory `dir` (both repository-relative) and normalised, or undefined
 * when the result leaves the repository.
 */
export function joinInRepo(dir: string, ref: string): string | undefined {
  const parts = dir === '' ? [] : dir.split('/');
  for (const segment of ref.replaceAll('\\', '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(segment);
    }
  }
  return parts.join('/');
}

/** The directory part of a repository path ('' for a file at the root). */
export function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** The local references and the refused content of the kustomization at repository path `file`. */
export function kustomizationRefs(file: string, text: string): KustomizationRefs {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const lineOf = (node: unknown): number => {
    const range = (node as Partial<Node> | null | undefined)?.range;
    return range == null ? 1 : lines.linePos(range[0]).line;
  };
  const refs: KustomizationRef[] = [];
  const problems: RenderProblem[] = [];
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    problems.push(
      problem(
        { file, line: lines.linePos(firstError.pos[0]).line },
        `not valid YAML: ${firstError.message.split('\n')[0] ?? ''}; fix the syntax`,
      ),
    );
    return { refs, problems };
  }
  const root = doc.contents;
  if (!isMap(root)) {
    problems.push(problem({ file, line: 1 }, 'is not a kustomization (a YAML mapping)'));
    return { refs, problems };
  }
  const dir = dirOf(file);
  const add = (role: RefRole, value: unknown, node: unknown, field: string): void => {
    const line = lineOf(node);
    if (typeof value !== 'string') {
      problems.push(problem({ file, line }, `${field}: must be a path`));
      return;
    }
    const remote = role === RefRole.File ? undefined : remoteRefProblem(value);
    const bad = remote ?? localPathProblem(value);
    if (bad !== undefined) {
      problems.push(problem({ file, line }, `${field}: ${JSON.stringify(value)} ${bad}`));
      return;
    }
    const path = joinInRepo(dir, value);
    if (path === undefined) {
      problems.push(
        problem(
          { file, line },
          `${field}: ${JSON.stringify(value)} leaves the repository; keep every path inside it`,
        ),
      );
      return;
    }
    refs.push({ role, path, line });
  };

  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value;
    const line = lineOf(pair.key);
    if (REFUSED_HELM.includes(key)) {
      problems.push(
        problem(
          { file, line },
          `${key}: Helm charts in a kustomization are not supported; use source.helm`,
        ),
      );
      continue;
    }
    if (key === 'validators') {
      problems.push(problem({ file, line }, 'validators: plugins are not run by the render step'));
      continue;
    }
    const items = isSeq(value) ? value.items : [];
    const itemValue = (item: unknown): unknown => (isScalar(item) ? item.value : undefined);
    switch (true) {
      case key === 'resources':
        items.forEach((item, i) =>
          add(RefRole.Resource, itemValue(item), item, `${key}[${String(i)}]`),
        );
        break;
      case key === 'bases' || key === 'components':
        items.forEach((item, i) =>
          add(RefRole.Kustomization, itemValue(item), item, `${key}[${String(i)}]`),
        );
        break;
      case FILE_LISTS.includes(key):
        items.forEach((item, i) => {
          const v = itemValue(item);
          // patchesStrategicMerge entries may be inline patches
          if (typeof v === 'string' && !v.includes('\n') && !v.includes(': ')) {
            add(RefRole.File, v, item, `${key}[${String(i)}]`);
          }
        });
        break;
      case PATH_ITEM_LISTS.includes(key):
        items.forEach((item, i) => {
          const path = isMap(item) ? item.get('path', true) : undefined;
          if (path !== undefined) add(RefRole.File, path.value, path, `${key}[${String(i)}].path`);
        });
        break;
      case GENERATORS.includes(key):
        items.forEach((item, i) => generatorRefs(item, `${key}[${String(i)}]`, add));
        break;
      case key === 'openapi': {
        const path = isMap(value) ? value.get('path', true) : undefined;
        if (path !== undefined) add(RefRole.File, path.value, path, 'openapi.path');
        break;
      }
      case key === 'generators' || key === 'transformers':
        items.forEach((item, i) => {
          const field = `${key}[${String(i)}]`;
          const v = itemValue(item);
          if (typeof v === 'string' && !v.includes('\n')) {
            add(RefRole.Plugin, v, item, field);
          } else {
            const inline = isMap(item) ? [item.toJSON() as unknown] : inlineConfigs(v);
            for (const reason of inline.map(pluginConfigProblem)) {
              if (reason !== undefined) {
                problems.push(problem({ file, line: lineOf(item) }, `${field}: ${reason}`));
              }
            }
          }
        });
        break;
      default:
        break;
    }
  }
  return { refs, problems };
}

function generatorRefs(
  item: unknown,
  field: string,
  add: (role: RefRole, value: unknown, node: unknown, field: string) => void,
): void {
  if (!isMap(item)) return;
  for (const list of ['files', 'envs']) {
    const seq = item.get(list, true);
    if (!isSeq(seq)) continue;
    seq.items.forEach((entry, i) => {
      if (!isScalar(entry) || typeof entry.value !== 'string') return;
      // `key=path` names the key the file's content gets
      const eq = entry.value.indexOf('=');
      const path = eq === -1 ? entry.value : entry.value.slice(eq + 1);
      add(RefRole.File, path, entry, `${field}.${list}[${String(i)}]`);
    });
  }
  const env = item.get('env', true);
  if (isScalar(env)) add(RefRole.File, env.value, env, `${field}.env`);
}

function inlineConfigs(text: unknown): unknown[] {
  if (typeof text !== 'string') return [text];
  try {
    return [parseDocument(text).toJS() as unknown];
  } catch {
    return [undefined];
  }
}

const FUNCTION_ANNOTATIONS = ['config.kubernetes.io/function', 'config.k8s.io/function'];

/**
 * Why a generators/transformers plugin config is refused, or undefined for a built-in one
 * (`apiVersion: builtin`, no function annotation).
 */
export function pluginConfigProblem(config: unknown): string | undefined {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return 'is not a plugin config (a mapping with apiVersion and kind)';
  }
  const record = config as Record<string, unknown>;
  const metadata = record['metadata'];
  const annotations =
    typeof metadata === 'object' && metadata !== null
      ? (metadata as Record<string, unknown>)['annotations']
      : undefined;
  if (
    typeof annotations === 'object' &&
    annotations !== null &&
    FUNCTION_ANNOTATIONS.some((a) => Object.hasOwn(annotations, a))
  ) {
    return 'exec and KRM-function plugins are not run by the render step';
  }
  if (record['apiVersion'] !== 'builtin') {
    return `plugin ${String(record['apiVersion'])}/${String(record['kind'])} is not built in: only apiVersion builtin plugins are run`;
  }
  return undefined;
}

/** Problems of a file of plugin configs a generators/transformers entry names. */
export function pluginConfigProblems(file: string, text: string): RenderProblem[] {
  const lines = new LineCounter();
  const out: RenderProblem[] = [];
  const docs = parseAllDocuments(text, { lineCounter: lines });
  for (const doc of Array.isArray(docs) ? docs : []) {
    const line = doc.contents?.range == null ? 1 : lines.linePos(doc.contents.range[0]).line;
    if (doc.errors.length > 0) {
      out.push(problem({ file, line }, 'not valid YAML; fix the syntax'));
      continue;
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const reason = pluginConfigProblem(value);
    if (reason !== undefined) out.push(problem({ file, line }, reason));
  }
  return out;
}
