/**
 * Renders one application for one target: manifests (manifests.ts, or the objects a source-render
 * step such as kustomize produced) → overlays and substitution (overlays.ts) → final validation
 * → canonical order and content digest. Pure and deterministic:
 * the same files, overlays and context give the same objects and the same digest on every hub
 * replica. All or nothing: with any problem the result has no objects and no digest, so a broken
 * commit can never reach an agent as a partial (and pruning) assignment.
 */
import { Buffer } from 'node:buffer';
import {
  canonicalJson,
  compareIdentity,
  contentDigestOfCanonical,
  describeObject,
  identityKey,
  identityOf,
} from '@gitfleet/proto/domain';
import type { KubeObject, ObjectIdentity } from '@gitfleet/proto/domain';
import { loadManifests, resolveLimits } from './manifests.ts';
import type { ManifestLimits, ManifestSource } from './manifests.ts';
import { validateObject } from './objects.ts';
import { applyOverlays } from './overlays.ts';
import type { Overlay, RenderContext } from './overlays.ts';
import { problem } from './problems.ts';
import type { RenderProblem } from './problems.ts';

export interface RenderAppInput {
  /** Repository path → file text (at least every file under `basePath`). */
  readonly files: ReadonlyMap<string, string>;
  /**
   * The app's objects as a source-render step produced them (kustomize): used instead of the
   * manifests of `files`, which are then not read.
   */
  readonly baseObjects?: readonly KubeObject[];
  /** The app's source directory (or single file) in the repository. */
  readonly basePath: string;
  /** Applied in order. */
  readonly overlays?: readonly Overlay[];
  readonly ctx: RenderContext;
  readonly limits?: Partial<ManifestLimits>;
}

export type RenderResult =
  | {
      readonly ok: true;
      /** Canonical order: by group, kind, namespace, name. */
      readonly objects: readonly KubeObject[];
      /** `contentDigest(objects)`. */
      readonly digest: string;
      readonly problems: readonly [];
    }
  | {
      readonly ok: false;
      readonly objects: readonly [];
      readonly digest: undefined;
      /** At least one. */
      readonly problems: readonly RenderProblem[];
    };

function failed(problems: readonly RenderProblem[]): RenderResult {
  return { ok: false, objects: [], digest: undefined, problems };
}

/**
 * Renders an app for a target (see the module comment). The rendered objects are also limited:
 * at most `maxObjects`, and their canonical JSON at most `maxTotalBytes` (aliases and patches can
 * make output larger than input).
 */
export function renderApp(input: RenderAppInput): RenderResult {
  const limits = resolveLimits(input.limits);
  const loaded =
    input.baseObjects === undefined
      ? loadManifests(input.files, { basePath: input.basePath, limits })
      : { objects: input.baseObjects, sources: [], problems: [] };
  if (loaded.problems.length > 0) return failed(loaded.problems);

  const overlaid = applyOverlays(loaded.objects, input.overlays ?? [], input.ctx);
  if (overlaid.problems.length > 0) return failed(overlaid.problems);

  const canonical: string[] = [];
  const problems = finalProblems(overlaid.objects, loaded.sources, limits, canonical);
  if (problems.length > 0) return failed(problems);

  const objects = overlaid.objects
    .map((object) => ({ object, id: identityOf(object) }))
    .sort((a, b) => compareIdentity(a.id, b.id))
    .map((entry) => entry.object);
  // the digest is over every object's canonical JSON, in any order: the size check wrote them
  return { ok: true, objects, digest: contentDigestOfCanonical(canonical), problems: [] };
}

/**
 * Checks the overlaid objects again: patches and substitution may have broken a name or a
 * namespace, and setting a namespace may have made two objects the same. The canonical JSON of
 * each object (measured for the size limit) is pushed to `canonical`.
 */
function finalProblems(
  objects: readonly KubeObject[],
  sources: readonly ManifestSource[],
  limits: ManifestLimits,
  canonical: string[],
): RenderProblem[] {
  const problems: RenderProblem[] = [];
  const seen = new Map<string, { readonly id: ObjectIdentity; readonly source?: ManifestSource }>();
  let bytes = 0;
  for (const [i, obj] of objects.entries()) {
    const source = sources[i];
    const id = identityOf(obj);
    const subject = {
      ...(source === undefined ? {} : { file: source.file, line: source.line }),
      ...(id.kind !== '' && id.name !== '' ? { object: describeObject(id) } : {}),
    };
    const issues = validateObject(obj);
    for (const issue of issues) {
      problems.push(problem(subject, `after overlays: ${issue.message}`));
    }
    if (issues.length > 0) continue;
    const key = identityKey(id);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, { id, ...(source === undefined ? {} : { source }) });
    } else {
      problems.push(
        problem(
          subject,
          `after overlays: the same object as ${
            first.source === undefined
              ? 'another one'
              : `the one at ${first.source.file}:${String(first.source.line)}`
          } (overlays gave both the same namespace and name); rename one of them`,
        ),
      );
    }
    const text = canonicalJson(obj);
    canonical.push(text);
    bytes += Buffer.byteLength(text, 'utf8');
  }
  if (bytes > limits.maxTotalBytes) {
    problems.push(
      problem(
        {},
        `the rendered objects total ${String(bytes)} bytes, more than the limit of ${String(limits.maxTotalBytes)} (maxTotalBytes); split the app`,
        'maxTotalBytes',
      ),
    );
  }
  return problems;
}
