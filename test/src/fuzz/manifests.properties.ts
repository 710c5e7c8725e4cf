/**
 * Fuzz properties of the manifest reader and the render (hub/src/core/render): whatever an
 * application's files hold, and whatever overlays a (mutated) fleet declares, loadManifests and
 * renderApp return (never throw); every problem has a code (MANIFEST_INVALID, or LIMIT_EXCEEDED
 * with the limit's name), a message, and — when it names a file — a file of the input and a
 * line in it; a render either succeeds with valid objects and their digest, or fails with at
 * least one problem and nothing else; the same input renders the same way twice.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ErrorCode, canonicalJson, contentDigest } from '@gitfleet/proto';
import * as fleet from '../../../hub/src/core/fleet/index.ts';
import * as render from '../../../hub/src/core/render/index.ts';
import { VALID_FLEET } from '../../../hub/src/core/fleet/__fixtures__/fleet-repo.ts';
import * as repo from '../../../hub/src/core/render/__fixtures__/repo.ts';
import { ContractBroken, describeInput, ensure, property } from './harness.ts';
import type { AnyFuzzProperty } from './harness.ts';
import {
  anyText,
  applyMutations,
  bytesAsText,
  hostileJson,
  mutations,
  yamlSoup,
} from './yaml-arbitraries.ts';

export interface RenderInput {
  readonly files: ReadonlyMap<string, string>;
  readonly basePath: string;
  readonly overlays: readonly render.Overlay[];
}

const MANIFESTS = [...repo.files.keys()].filter((f) => /\.(ya?ml|json)$/.test(f));

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function threw(what: string, err: unknown): ContractBroken {
  return new ContractBroken(
    `${what} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
  );
}

function checkProblems(
  files: ReadonlyMap<string, string>,
  problems: readonly render.RenderProblem[],
): void {
  for (const p of problems) {
    const where = describeInput(p);
    ensure(
      p.code === ErrorCode.ManifestInvalid || p.code === ErrorCode.LimitExceeded,
      () => `problem with code ${String(p.code)}: ${where}`,
    );
    ensure(
      (p.code === ErrorCode.LimitExceeded) === (p.limit !== undefined),
      () => `limit: ${where}`,
    );
    ensure(p.message.trim() !== '', () => `empty message: ${where}`);
    ensure(!/call stack/i.test(p.message), () => `a stack overflow, caught and reported: ${where}`);
    if (p.file !== undefined) {
      const text = files.get(p.file);
      ensure(text !== undefined, () => `problem in a file that is not in the input: ${where}`);
      ensure(p.message.startsWith(p.file), () => `message does not start with its file: ${where}`);
      ensure(
        p.line === undefined ||
          (Number.isInteger(p.line) && p.line >= 1 && p.line <= lineCount(text)),
        () => `problem outside its file (${String(lineCount(text))} lines): ${where}`,
      );
    } else {
      ensure(p.line === undefined, () => `a line without a file: ${where}`);
    }
  }
}

/** The reader's and the render's contract on one input (see the module comment). */
export function checkRender(input: RenderInput): void {
  let loaded: render.LoadedManifests;
  let rendered: render.RenderResult;
  const renderInput: render.RenderAppInput = {
    files: input.files,
    basePath: input.basePath,
    overlays: input.overlays,
    ctx: repo.edgeEu,
  };
  try {
    loaded = render.loadManifests(input.files, { basePath: input.basePath });
  } catch (err) {
    throw threw('loadManifests', err);
  }
  try {
    rendered = render.renderApp(renderInput);
  } catch (err) {
    throw threw('renderApp', err);
  }
  checkProblems(input.files, loaded.problems);
  checkProblems(input.files, rendered.problems);
  ensure(
    loaded.objects.length === loaded.sources.length &&
      (loaded.problems.length === 0 || loaded.objects.length === 0),
    () => 'loadManifests returned objects together with problems',
  );
  if (rendered.ok) {
    ensure(rendered.problems.length === 0, () => 'an ok render with problems');
    for (const obj of rendered.objects) {
      const issues = render.validateObject(obj);
      ensure(issues.length === 0, () => `rendered an invalid object: ${describeInput(issues)}`);
      try {
        canonicalJson(obj);
      } catch (err) {
        throw threw('canonicalJson of a rendered object', err);
      }
    }
    ensure(rendered.digest === contentDigest(rendered.objects), () => 'digest does not match');
  } else {
    ensure(
      rendered.problems.length > 0 &&
        rendered.objects.length === 0 &&
        rendered.digest === undefined,
      () => 'a failed render without problems, or with objects',
    );
    try {
      render.renderError('fuzz', rendered.problems);
    } catch (err) {
      throw threw('renderError', err);
    }
  }
  const again = render.renderApp(renderInput);
  ensure(isDeepStrictEqual(again, rendered), () => 'the same input rendered twice differs');
}

const manifestFile = fc.constantFrom(...MANIFESTS);

/** The fixture repository with `file` replaced; rendered at the app that holds the file. */
function withFile(
  file: string,
  text: string,
  overlays: readonly render.Overlay[] = [],
): RenderInput {
  return {
    files: repo.withFiles({ [file]: text }),
    basePath: file.startsWith('apps/widgets/') ? 'apps/widgets' : 'apps/web',
    overlays,
  };
}

/**
 * Overlays from a mutated fleet: its Applications' overlays for one of its targets (or none when
 * the fleet is refused), rendered over the web app.
 */
function overlaysOfMutatedFleet(
  file: string,
  plan: Parameters<typeof applyMutations>[1],
): RenderInput {
  const files = new Map([
    ...Object.entries(VALID_FLEET),
    [file, applyMutations(VALID_FLEET[file] ?? '', plan)],
  ]);
  const parsed = fleet.parseFleet(files);
  const spec = parsed.problems.some((p) => p.severity === 'error') ? undefined : parsed.spec;
  const overlays = (spec?.applications ?? []).flatMap((app) =>
    fleet
      .placementOf(spec ?? parsed.spec, app.name)
      .flatMap((t) => fleet.overlaysFor(spec ?? parsed.spec, app.name, t)),
  );
  return { files: repo.files, basePath: 'apps/web', overlays: overlays.slice(0, 8) };
}

/** Pointers into the web app's Deployment (most exist), its parts and beyond. */
const POINTERS = [
  '',
  '/spec',
  '/spec/template',
  '/spec/template/spec',
  '/spec/template/spec/containers',
  '/spec/template/spec/containers/0',
  '/spec/template/spec/containers/-',
  '/spec/template/spec/containers/0/image',
  '/spec/replicas',
  '/metadata',
  '/metadata/labels',
  '/metadata/labels/x',
  '/metadata/name',
  '/metadata/namespace',
  '/kind',
  '/apiVersion',
  '/x',
  '/x/-',
  '/x/0',
  '/spec/x',
  '/a~1b',
  '/~',
  '/-',
  'no-slash',
];
const pointer = fc.oneof(fc.constantFrom(...POINTERS), fc.string({ maxLength: 12 }));

/** Up to 40 operations of any kind, on pointers into the Deployment. */
const randomPatch: fc.Arbitrary<render.JsonPatchOp[]> = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constantFrom('add' as const, 'replace' as const, 'test' as const),
      path: pointer,
      value: hostileJson,
    }),
    fc.record({ op: fc.constant('remove' as const), path: pointer }),
    fc.record({
      op: fc.constantFrom('move' as const, 'copy' as const),
      from: pointer,
      path: pointer,
    }),
  ),
  { maxLength: 40 },
);

/**
 * Patches that grow the object: repeated copies of (a part of) the object into itself — at the
 * end of a list (doubling it each time) or ever deeper — between random operations.
 */
const growingPatch: fc.Arbitrary<render.JsonPatchOp[]> = fc
  .tuple(
    fc.constantFrom('', '/spec', '/metadata', '/spec/template'),
    fc.integer({ min: 1, max: 40 }),
    fc.boolean(),
    randomPatch,
  )
  .map(([from, copies, deeper, noise]) => {
    const ops: render.JsonPatchOp[] = [{ op: 'add', path: '/x', value: [] }];
    let at = '/x';
    for (let i = 0; i < copies; i++) {
      if (deeper) {
        ops.push({ op: 'copy', from, path: `${at}/-` });
        at = `${at}/0/x`;
        ops.push({ op: 'add', path: at, value: [] });
      } else {
        ops.push({ op: 'copy', from, path: '/x/-' });
      }
    }
    return [...ops, ...noise.slice(0, 5)];
  });

const jsonPatch = fc.oneof(randomPatch, growingPatch);

export const MANIFEST_PROPERTIES: readonly AnyFuzzProperty[] = [
  property<RenderInput>({
    name: 'manifests: arbitrary bytes in a manifest',
    arbitrary: fc.tuple(manifestFile, bytesAsText).map(([file, text]) => withFile(file, text)),
    check: checkRender,
    unitRuns: 50,
    benchWeight: 1,
  }),
  property<RenderInput>({
    name: 'manifests: arbitrary text and YAML punctuation in a manifest',
    arbitrary: fc
      .tuple(manifestFile, fc.oneof(anyText, yamlSoup))
      .map(([file, text]) => withFile(file, text)),
    check: checkRender,
    unitRuns: 60,
    benchWeight: 2,
  }),
  property<RenderInput>({
    name: 'manifests: mutations of valid manifests, rendered with the prod overlay',
    arbitrary: fc
      .tuple(manifestFile, mutations, fc.boolean())
      .map(([file, plan, overlay]) =>
        withFile(
          file,
          applyMutations(repo.files.get(file) ?? '', plan),
          overlay ? [repo.prodOverlay] : [],
        ),
      ),
    check: checkRender,
    unitRuns: 100,
    benchWeight: 4,
  }),
  property<RenderInput>({
    name: 'manifests: JSON patches of up to 40 operations over the web app',
    arbitrary: jsonPatch.map((ops) => ({
      files: repo.files,
      basePath: 'apps/web',
      overlays: [{ patches: [{ target: { kind: 'Deployment' }, jsonPatch: ops }] }],
    })),
    check: checkRender,
    unitRuns: 100,
    benchWeight: 2,
  }),
  property<RenderInput>({
    name: 'manifests: overlays of a mutated fleet over the web app',
    arbitrary: fc
      .tuple(
        fc.constantFrom('apps/podinfo/application.yaml', 'apps/shop/application.yaml'),
        mutations,
      )
      .map(([file, plan]) => overlaysOfMutatedFleet(file, plan)),
    check: checkRender,
    unitRuns: 60,
    benchWeight: 2,
  }),
];
