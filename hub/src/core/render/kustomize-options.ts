/**
 * The kustomize options of one (application, target): `source.kustomize`, then the `kustomize`
 * of each overlay that applies, in order — namePrefix and nameSuffix replace, images replace by
 * name, commonLabels and commonAnnotations merge by key, patches and components add up — then
 * `${target.*}` substitution and the checks that waited for it. Targets with the same effective
 * options share one kustomize run: {@link kustomizeOptionsDigest} is their cache key.
 *
 * {@link editKustomization} writes the options into the application's kustomization the way
 * `kustomize edit` would (what Argo CD does): the written options override the kustomization's
 * own (an image by name, the prefix and suffix) rather than stacking a second layer on top.
 * Pure: text in, text out.
 */
import { canonicalJson, sha256Digest } from '@gitfleet/proto/domain';
import type { JsonValue } from '@gitfleet/proto/domain';
import { parseDocument, isMap, isSeq, type Document } from 'yaml';
import { imageProblem } from '../fleet/read-kustomize.ts';
import { isLabelValue } from '../fleet/label-selector.ts';
import type { KustomizeImage, KustomizeOptions } from '../fleet/types.ts';
import { cloneJson, isRecord } from './json.ts';
import { problem } from './problems.ts';
import type { RenderProblem } from './problems.ts';
import { substituteValues } from './substitute.ts';
import type { SubstitutionContext, SubstitutionIssue } from './substitute.ts';

/** Something that may carry kustomize options (an ApplicationSource, an Overlay). */
export interface HasKustomize {
  readonly kustomize?: KustomizeOptions;
}

/** Merges `over` onto `base` (see the module comment). */
export function mergeKustomizeOptions(
  base: KustomizeOptions,
  over: KustomizeOptions,
): KustomizeOptions {
  const images = new Map<string, KustomizeImage>();
  for (const image of [...(base.images ?? []), ...(over.images ?? [])]) {
    images.delete(image.name); // a later override goes last, as written
    images.set(image.name, image);
  }
  const labels = { ...base.commonLabels, ...over.commonLabels };
  const annotations = { ...base.commonAnnotations, ...over.commonAnnotations };
  const patches = [...(base.patches ?? []), ...(over.patches ?? [])];
  const components = [...new Set([...(base.components ?? []), ...(over.components ?? [])])];
  const namePrefix = over.namePrefix ?? base.namePrefix;
  const nameSuffix = over.nameSuffix ?? base.nameSuffix;
  return {
    ...(namePrefix === undefined ? {} : { namePrefix }),
    ...(nameSuffix === undefined ? {} : { nameSuffix }),
    ...(images.size === 0 ? {} : { images: [...images.values()] }),
    ...(Object.keys(labels).length === 0 ? {} : { commonLabels: labels }),
    ...(Object.keys(annotations).length === 0 ? {} : { commonAnnotations: annotations }),
    ...(patches.length === 0 ? {} : { patches }),
    ...(components.length === 0 ? {} : { components }),
  };
}

export interface EffectiveOptions {
  /** The options to render with (empty when there are problems). */
  readonly options: KustomizeOptions;
  /** True when the application or an applying overlay writes kustomize options at all. */
  readonly written: boolean;
  readonly problems: readonly RenderProblem[];
}

/**
 * The options of `source` and the `overlays` that apply to the target, merged and substituted
 * for `ctx`; problems name the overlay or `spec.source.kustomize`.
 */
export function kustomizeOptionsFor(
  source: HasKustomize,
  overlays: readonly (HasKustomize & { readonly name?: string })[],
  ctx: SubstitutionContext,
): EffectiveOptions {
  const written = source.kustomize !== undefined || overlays.some((o) => o.kustomize !== undefined);
  let merged: KustomizeOptions = source.kustomize ?? {};
  for (const overlay of overlays) {
    if (overlay.kustomize !== undefined) merged = mergeKustomizeOptions(merged, overlay.kustomize);
  }
  const issues: SubstitutionIssue[] = [];
  const substituted = substituteValues(cloneJson(merged as unknown as JsonValue), ctx, issues);
  const problems: RenderProblem[] = issues.map((i) =>
    problem(
      { overlay: 'kustomize options' },
      `placeholder ${i.placeholder} at ${i.pointer}: ${i.message}`,
    ),
  );
  if (!isRecord(substituted) || problems.length > 0) return { options: {}, written, problems };
  const options = substituted as unknown as KustomizeOptions;
  problems.push(...substitutedProblems(options));
  return problems.length > 0 ? { options: {}, written, problems } : { options, written, problems };
}

/** Checks that wait for substitution (a value with a variable was not checked when read). */
function substitutedProblems(options: KustomizeOptions): RenderProblem[] {
  const out: RenderProblem[] = [];
  const where = { overlay: 'kustomize options' };
  for (const key of ['namePrefix', 'nameSuffix'] as const) {
    const value = options[key];
    if (value !== undefined && !/^[a-z0-9.-]*$/.test(value)) {
      out.push(problem(where, `${key} ${JSON.stringify(value)} would not give valid names`));
    }
  }
  for (const image of options.images ?? []) {
    const issue = imageProblem(image);
    if (issue !== undefined) out.push(problem(where, `image ${image.name}: ${issue}`));
  }
  for (const [key, value] of Object.entries(options.commonLabels ?? {})) {
    if (!isLabelValue(value)) {
      out.push(
        problem(where, `commonLabels.${key}: ${JSON.stringify(value)} is not a label value`),
      );
    }
  }
  return out;
}

/** The cache key of a set of options (sha256 of their canonical JSON). */
export function kustomizeOptionsDigest(options: KustomizeOptions): string {
  return sha256Digest(canonicalJson(options));
}

/** True when the options change nothing (the kustomization is rendered as written). */
export function isEmptyOptions(options: KustomizeOptions): boolean {
  return Object.keys(options).length === 0;
}

export type EditResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly problems: readonly RenderProblem[] };

/**
 * The kustomization `text` (at repository path `file`) with `options` written into it as
 * `kustomize edit` would: namePrefix/nameSuffix set, images replaced by name or added,
 * commonLabels/commonAnnotations merged, patches and components added.
 */
export function editKustomization(
  file: string,
  text: string,
  options: KustomizeOptions,
): EditResult {
  if (isEmptyOptions(options)) return { ok: true, text };
  const doc: Document.Parsed = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    return {
      ok: false,
      problems: [problem({ file, line: 1 }, 'is not a kustomization (a YAML mapping)')],
    };
  }
  const json = doc.toJS() as Record<string, unknown>;
  if (options.namePrefix !== undefined) doc.set('namePrefix', options.namePrefix);
  if (options.nameSuffix !== undefined) doc.set('nameSuffix', options.nameSuffix);
  if (options.images !== undefined) {
    const current = Array.isArray(json['images']) ? (json['images'] as unknown[]) : [];
    const images: unknown[] = current.filter(
      (i) => !(isObject(i) && options.images?.some((o) => o.name === i['name']) === true),
    );
    images.push(...options.images.map((i) => ({ ...i })));
    doc.set('images', doc.createNode(images));
  }
  for (const key of ['commonLabels', 'commonAnnotations'] as const) {
    const add = options[key];
    if (add === undefined) continue;
    const current = isObject(json[key]) ? json[key] : {};
    doc.set(key, doc.createNode({ ...current, ...add }));
  }
  for (const [key, add] of [
    ['patches', options.patches?.map((p) => ({ ...p }))],
    ['components', options.components],
  ] as const) {
    if (add === undefined) continue;
    const node = doc.get(key);
    const current = isSeq(node) ? (json[key] as unknown[]) : [];
    doc.set(key, doc.createNode([...current, ...add]));
  }
  return { ok: true, text: doc.toString() };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
