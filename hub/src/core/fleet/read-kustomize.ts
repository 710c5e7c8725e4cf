/**
 * `spec.source.kustomize` of an Application and `kustomize` of its overlays (Argo CD's shape):
 * namePrefix, nameSuffix, images, commonLabels, commonAnnotations, patches and components, each
 * checked where it is written. String values may use the overlay variables; a value with a
 * variable is checked once substituted (at render time), the rest here.
 */
import { isLabelKey, isLabelValue } from './label-selector.ts';
import { readFields, readList, readString, readStringMap, report } from './read.ts';
import type { Ctx, Slot } from './read.ts';
import type {
  KustomizeImage,
  KustomizeOptions,
  KustomizePatch,
  KustomizePatchTarget,
} from './types.ts';
import { variablesIn } from './variables.ts';

export const KUSTOMIZE_FIELDS = [
  'namePrefix',
  'nameSuffix',
  'images',
  'commonLabels',
  'commonAnnotations',
  'patches',
  'components',
] as const;

const PATCH_TARGET_FIELDS = [
  'group',
  'version',
  'kind',
  'name',
  'namespace',
  'labelSelector',
  'annotationSelector',
] as const;

/** Most entries of one list (images, patches, components) of one kustomize block. */
export const MAX_KUSTOMIZE_LIST = 200;

const NAME_AFFIX = /^[a-z0-9.-]*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const IMAGE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._/:-]*$/;

/** True when the string uses an overlay variable (then it is checked once substituted). */
export function hasVariables(text: string): boolean {
  return variablesIn(text).length > 0;
}

/**
 * Why `ref` (a kustomization's resources/bases/components entry, or a component of the fleet's
 * kustomize options) is not a local path, or undefined when it is one: URLs, `git@host:` and
 * kustomize's remote forms (`github.com/org/repo//path?ref=v1`) are remote.
 */
export function remoteRefProblem(ref: string): string | undefined {
  const remote =
    /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(ref) ||
    /^[\w.-]+@[\w.-]+:/.test(ref) ||
    /^(?:github\.com|gitlab\.com|bitbucket\.org)\//.test(ref) ||
    /[?&](?:ref|version|timeout|submodules)=/.test(ref) ||
    /\.git(?:\/\/|$|\?)/.test(ref);
  return remote ? 'is remote: remote bases are not fetched by the render step' : undefined;
}

/** Why `ref` is not a relative path inside the repository, as written (no base to join with). */
export function localPathProblem(ref: string): string | undefined {
  if (ref === '') return 'must not be empty';
  const remote = remoteRefProblem(ref);
  if (remote !== undefined) return remote;
  if (ref.startsWith('/')) return 'is absolute: give a path relative to the kustomization';
  return undefined;
}

/**
 * `name=newName:newTag`, `name=newName@digest`, `name:newTag`, `name@digest` or
 * `name=newName` (kustomize edit set image) → the override, or the reason it is not one.
 */
export function parseImageOverride(text: string): KustomizeImage | { readonly problem: string } {
  const eq = text.indexOf('=');
  const name = eq === -1 ? undefined : text.slice(0, eq);
  const ref = splitImageRef(eq === -1 ? text : text.slice(eq + 1));
  const image: KustomizeImage = {
    name: name ?? ref.image,
    ...(name !== undefined && ref.image !== '' ? { newName: ref.image } : {}),
    ...(ref.tag === undefined ? {} : { newTag: ref.tag }),
    ...(ref.digest === undefined ? {} : { digest: ref.digest }),
  };
  if (image.name === '') return { problem: 'has no image name before "=", ":" or "@"' };
  if (image.newName === undefined && image.newTag === undefined && image.digest === undefined) {
    return {
      problem: 'changes nothing: write name=newName:newTag, name:newTag or name@sha256:<digest>',
    };
  }
  return image;
}

function splitImageRef(ref: string): { image: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  if (at !== -1) return { image: ref.slice(0, at), digest: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  // a colon before the last '/' is a registry port, not a tag
  if (colon !== -1 && colon > ref.lastIndexOf('/')) {
    return { image: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  }
  return { image: ref };
}

/** Why an image override's parts are bad (variables aside), or undefined. */
export function imageProblem(image: KustomizeImage): string | undefined {
  const checks: [string | undefined, RegExp, string][] = [
    [image.name, IMAGE_NAME, 'name is not an image name'],
    [image.newName, IMAGE_NAME, 'newName is not an image name'],
    [image.newTag, TAG, 'newTag is not a tag (letters, digits, "_", "." and "-", at most 128)'],
    [image.digest, DIGEST, 'digest is not a digest (sha256:<hex>)'],
  ];
  for (const [value, pattern, message] of checks) {
    if (value !== undefined && !hasVariables(value) && !pattern.test(value)) {
      return `${message}: ${JSON.stringify(value)}`;
    }
  }
  return undefined;
}

/** Reads a kustomize block; undefined (reported) when it is not a mapping. */
export function readKustomize(ctx: Ctx, slot: Slot): KustomizeOptions | undefined {
  const fields = readFields(ctx, slot, KUSTOMIZE_FIELDS);
  if (fields === undefined) return undefined;
  let out: KustomizeOptions = {};
  for (const key of ['namePrefix', 'nameSuffix'] as const) {
    const s = fields.get(key);
    const value = s === undefined ? undefined : readString(ctx, s);
    if (s === undefined || value === undefined) continue;
    if (!hasVariables(value) && !NAME_AFFIX.test(value)) {
      report(
        ctx,
        s.node.pos,
        s.field,
        `${JSON.stringify(value)} would not give valid names (lowercase letters, digits, '-' and '.')`,
      );
      continue;
    }
    out = { ...out, [key]: value };
  }
  const imagesSlot = fields.get('images');
  const images = imagesSlot === undefined ? undefined : bounded(ctx, imagesSlot);
  if (images !== undefined) {
    out = { ...out, images: images.map((s) => readImage(ctx, s)).filter(isDefined) };
  }
  for (const key of ['commonLabels', 'commonAnnotations'] as const) {
    const s = fields.get(key);
    if (s === undefined) continue;
    const valueCheck =
      key === 'commonLabels'
        ? (v: string) => (hasVariables(v) || isLabelValue(v) ? undefined : 'is not a label value')
        : () => undefined;
    const entries = readStringMap(
      ctx,
      s,
      (k) => (isLabelKey(k) ? undefined : 'is not a label key'),
      valueCheck,
    );
    if (entries !== undefined) {
      out = { ...out, [key]: Object.fromEntries(entries.map((e) => [e.key, e.value])) };
    }
  }
  const patchesSlot = fields.get('patches');
  const patches = patchesSlot === undefined ? undefined : bounded(ctx, patchesSlot);
  if (patches !== undefined) {
    out = { ...out, patches: patches.map((s) => readKustomizePatch(ctx, s)).filter(isDefined) };
  }
  const componentsSlot = fields.get('components');
  const components = componentsSlot === undefined ? undefined : bounded(ctx, componentsSlot);
  if (components !== undefined) {
    const paths: string[] = [];
    for (const s of components) {
      const value = readString(ctx, s);
      if (value === undefined) continue;
      const problem = localPathProblem(value);
      if (problem === undefined) paths.push(value);
      else report(ctx, s.node.pos, s.field, `${JSON.stringify(value)} ${problem}`);
    }
    out = { ...out, components: paths };
  }
  return out;
}

function bounded(ctx: Ctx, slot: Slot): Slot[] | undefined {
  const items = readList(ctx, slot);
  if (items !== undefined && items.length > MAX_KUSTOMIZE_LIST) {
    report(
      ctx,
      slot.node.pos,
      slot.field,
      `has ${String(items.length)} entries, more than ${String(MAX_KUSTOMIZE_LIST)}`,
      'error',
      'MAX_KUSTOMIZE_LIST',
    );
    return undefined;
  }
  return items;
}

function readImage(ctx: Ctx, slot: Slot): KustomizeImage | undefined {
  let image: KustomizeImage | undefined;
  if (slot.node.kind === 'scalar') {
    const text = readString(ctx, slot);
    if (text === undefined) return undefined;
    const parsed = parseImageOverride(text);
    if ('problem' in parsed) {
      report(ctx, slot.node.pos, slot.field, `${JSON.stringify(text)} ${parsed.problem}`);
      return undefined;
    }
    image = parsed;
  } else {
    const fields = readFields(ctx, slot, ['name', 'newName', 'newTag', 'digest']);
    if (fields === undefined) return undefined;
    const nameSlot = fields.require('name');
    const name = nameSlot === undefined ? undefined : readString(ctx, nameSlot);
    if (name === undefined) return undefined;
    let built: KustomizeImage = { name };
    for (const key of ['newName', 'newTag', 'digest'] as const) {
      const s = fields.get(key);
      const value = s === undefined ? undefined : readString(ctx, s);
      if (value !== undefined) built = { ...built, [key]: value };
    }
    if (built.newName === undefined && built.newTag === undefined && built.digest === undefined) {
      report(ctx, slot.at, slot.field, 'changes nothing: set newName, newTag or digest');
      return undefined;
    }
    image = built;
  }
  const problem = imageProblem(image);
  if (problem !== undefined) {
    report(ctx, slot.node.pos, slot.field, problem);
    return undefined;
  }
  return image;
}

function readKustomizePatch(ctx: Ctx, slot: Slot): KustomizePatch | undefined {
  const fields = readFields(ctx, slot, ['target', 'patch']);
  if (fields === undefined) return undefined;
  const patchSlot = fields.require('patch');
  const patch = patchSlot === undefined ? undefined : readString(ctx, patchSlot);
  if (patchSlot !== undefined && patch !== undefined && patch.trim() === '') {
    report(ctx, patchSlot.node.pos, patchSlot.field, 'is empty: write the patch as YAML text');
    return undefined;
  }
  const targetSlot = fields.get('target');
  let target: KustomizePatchTarget | undefined;
  if (targetSlot !== undefined) {
    const t = readFields(ctx, targetSlot, PATCH_TARGET_FIELDS);
    if (t === undefined) return undefined;
    target = {};
    for (const key of PATCH_TARGET_FIELDS) {
      const s = t.get(key);
      const value = s === undefined ? undefined : readString(ctx, s);
      if (value !== undefined) target = { ...target, [key]: value };
    }
  }
  if (patch === undefined) return undefined;
  return { ...(target === undefined ? {} : { target }), patch };
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/**
 * Reports every malformed `${…}` in the strings under `slot` (for `spec.source.kustomize`; the
 * overlays check theirs with the label cross-check of read-overlays.ts).
 */
export function reportVariableProblems(ctx: Ctx, slot: Slot): void {
  const node = slot.node;
  if (node.kind === 'scalar') {
    if (typeof node.value !== 'string') return;
    for (const use of variablesIn(node.value)) {
      if (use.problem !== undefined) report(ctx, node.pos, slot.field, use.problem);
    }
  } else if (node.kind === 'seq') {
    node.items.forEach((item, i) =>
      reportVariableProblems(ctx, {
        node: item,
        field: `${slot.field}[${String(i)}]`,
        at: item.pos,
      }),
    );
  } else {
    for (const entry of node.entries) {
      reportVariableProblems(ctx, {
        node: entry.value,
        field: `${slot.field}.${entry.key}`,
        at: entry.keyPos,
      });
    }
  }
}
