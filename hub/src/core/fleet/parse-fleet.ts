/**
 * The fleet repository's files → the FleetSpec and every problem in it, in one pass. Pure: the
 * Git adapter reads the tree and passes the texts in.
 *
 * Which documents count: every `*.yaml`, `*.yml` and `*.json` file is read, every document in
 * it, and a document is a fleet object exactly when its `apiVersion` is gitfleet.dev/v1alpha1.
 * The fleet and application manifests may share a repository: other documents are not ours and
 * are skipped, and so are files that do not mention "gitfleet.dev/" at all (they cannot hold a
 * fleet object, and skipping them means a Helm template that is not valid YAML, or a huge
 * generated file, costs nothing and blocks nothing).
 *
 * Checks, all reported with file, line, column and dotted field, never stopping at the first:
 * UTF-8; YAML syntax and the YAML limits (core/yaml-limits.ts: documents per file, nesting, alias
 * expansions; problems with code LIMIT_EXCEEDED); fleet objects written in a shape the hub would
 * otherwise pass over (a list of objects, an apiVersion that is not a string); the schema of each
 * kind (unknown fields, types, required fields, names, label syntax, selector operators,
 * revisions, URLs, paths, JSON pointers, patches, overlay variables); size limits; and across
 * files: duplicate names per kind, references to undeclared objects, a target in two environments,
 * target pins outside their environment (errors), and selectors or pins that match nothing,
 * rollout waves that get no target and placed targets that no wave selects (warnings); projects
 * in check-projects.ts.
 */
import { checkProjects } from './check-projects.ts';
import { formatLabelSelector, matchesLabelSelector } from './label-selector.ts';
import type { ReadObject } from './read-objects.ts';
import { readFleetObject } from './read-objects.ts';
import type { Ctx } from './read.ts';
import { describeNode, report } from './read.ts';
import { overlayApplies } from './resolve.ts';
import {
  FLEET_API_GROUP,
  FLEET_API_VERSION,
  FleetKind,
  MAX_DOCUMENT_BYTES,
  MAX_FLEET_OBJECTS,
} from './types.ts';
import type { EnvironmentSpec, FleetProblem, FleetSpec, ParsedFleet, TargetSpec } from './types.ts';
import { NOT_UTF8_MESSAGE, replacementCharOffset, resolveYamlLimits } from '../yaml-limits.ts';
import type { YamlLimits } from '../yaml-limits.ts';
import type { Pos, YDocument, YNode, YScalar } from './yaml-nodes.ts';
import { readYamlDocuments } from './yaml-nodes.ts';

const FLEET_FILE = /\.(ya?ml|json)$/i;
/** How many names a message lists before "and N more". */
const MAX_NAMES_IN_MESSAGE = 5;

export interface ParseFleetOptions {
  /** YAML limits of each fleet file (defaults: DEFAULT_YAML_LIMITS). */
  readonly yamlLimits?: Partial<YamlLimits>;
}

/**
 * Parses and validates the fleet repository. `files` maps repository-relative paths to their
 * text; files that are not YAML or JSON are ignored. The spec holds every object that could be
 * read (so later checks do not cascade); it is fit for use only when no problem is an error,
 * which is what {@link acceptFleet} decides. Never throws for any file content.
 *
 * @example parseFleet(new Map([['targets/prod.yaml', text]])).problems // [] when valid
 */
export function parseFleet(
  files: ReadonlyMap<string, string>,
  options: ParseFleetOptions = {},
): ParsedFleet {
  const yamlLimits = resolveYamlLimits(options.yamlLimits);
  const problems: FleetProblem[] = [];
  const objects: ReadObject[] = [];
  let fleetObjects = 0;
  for (const file of [...files.keys()].filter((f) => FLEET_FILE.test(f)).sort()) {
    const text = files.get(file) ?? '';
    if (!text.includes(`${FLEET_API_GROUP}/`)) continue;
    const ctx: Ctx = { file, problems };
    const notUtf8 = replacementCharOffset(text);
    if (notUtf8 !== undefined) {
      report(ctx, positionOf(text, notUtf8), '', NOT_UTF8_MESSAGE);
      continue;
    }
    for (const doc of readYamlDocuments(text, yamlLimits)) {
      const apiVersion = apiVersionOf(doc);
      // Someone else's document (a manifest next to the fleet files): not ours to judge.
      if (apiVersion !== undefined && !apiVersion.value.startsWith(`${FLEET_API_GROUP}/`)) continue;
      if (doc.errors.length > 0) {
        for (const e of doc.errors) report(ctx, e.pos, '', `YAML: ${e.message}`, 'error', e.limit);
        continue;
      }
      if (doc.root?.kind !== 'map' || apiVersion === undefined) {
        if (doc.root !== undefined) reportMisshapen(ctx, doc.root);
        continue;
      }
      if (apiVersion.value !== FLEET_API_VERSION) {
        report(
          ctx,
          apiVersion.pos,
          'apiVersion',
          `unsupported version ${JSON.stringify(apiVersion.value)}; this hub reads ${FLEET_API_VERSION}`,
        );
        continue;
      }
      if (doc.bytes > MAX_DOCUMENT_BYTES) {
        report(
          ctx,
          doc.pos,
          '',
          `document is ${String(doc.bytes)} bytes; a fleet document may have at most ${String(MAX_DOCUMENT_BYTES)} (1 MiB, limit MAX_DOCUMENT_BYTES); make it smaller`,
          'error',
          'MAX_DOCUMENT_BYTES',
        );
        continue;
      }
      fleetObjects += 1;
      if (fleetObjects > MAX_FLEET_OBJECTS) {
        if (fleetObjects === MAX_FLEET_OBJECTS + 1) {
          report(
            ctx,
            doc.pos,
            '',
            `more than ${String(MAX_FLEET_OBJECTS)} fleet objects (limit MAX_FLEET_OBJECTS); this one and all after it (in path order) are not read`,
            'error',
            'MAX_FLEET_OBJECTS',
          );
        }
        continue;
      }
      for (const w of doc.warnings) report(ctx, w.pos, '', `YAML: ${w.message}`, 'warning');
      const object = readFleetObject(ctx, doc.root);
      if (object !== undefined) objects.push(object);
    }
  }
  const spec = checkFleet(objects, problems);
  return { spec, problems: sortProblems(problems) };
}

/** 1-based line and column of a UTF-16 offset in `text`. */
function positionOf(text: string, offset: number): Pos {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const FLEET_KINDS: ReadonlySet<string> = new Set(Object.values(FleetKind));

/**
 * A document that is not a fleet object as written but plainly meant to be one (in a file that
 * mentions gitfleet.dev/): fleet objects in a list, or a fleet kind without a string apiVersion.
 * Passing over it in silence would drop the object from the fleet (a Target removed, its
 * applications deleted), so it is an error.
 */
function reportMisshapen(ctx: Ctx, root: YNode): void {
  if (root.kind === 'seq') {
    const fleetItem = root.items.find((item) => {
      const version = item.kind === 'map' ? stringField(item, 'apiVersion') : undefined;
      return version?.value.startsWith(`${FLEET_API_GROUP}/`) === true;
    });
    if (fleetItem !== undefined) {
      report(
        ctx,
        fleetItem.pos,
        '',
        `the document is a list holding fleet objects; write each object as its own document, separated by "---"`,
      );
    }
    return;
  }
  if (root.kind !== 'map') return;
  const kind = stringField(root, 'kind');
  if (kind === undefined || !FLEET_KINDS.has(kind.value)) return;
  const apiVersion = root.entries.find((e) => e.key === 'apiVersion');
  report(
    ctx,
    apiVersion?.value.pos ?? root.pos,
    'apiVersion',
    apiVersion === undefined
      ? `is required: a ${kind.value} has apiVersion: ${FLEET_API_VERSION}`
      : `must be the string ${FLEET_API_VERSION} for a ${kind.value}, got ${describeNode(apiVersion.value)}`,
  );
}

function stringField(
  map: YNode & { kind: 'map' },
  key: string,
): (YScalar & { value: string }) | undefined {
  const node = map.entries.find((e) => e.key === key)?.value;
  return node?.kind === 'scalar' && typeof node.value === 'string'
    ? (node as YScalar & { value: string })
    : undefined;
}

function apiVersionOf(doc: YDocument): { value: string; pos: YScalar['pos'] } | undefined {
  if (doc.root?.kind !== 'map') return undefined;
  const entry = doc.root.entries.find((e) => e.key === 'apiVersion');
  const node = entry?.value;
  return node?.kind === 'scalar' && typeof node.value === 'string'
    ? { value: node.value, pos: node.pos }
    : undefined;
}

function sortProblems(problems: FleetProblem[]): FleetProblem[] {
  // Stable: problems at the same place keep the order they were found in.
  return problems.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      (a.column ?? 0) - (b.column ?? 0),
  );
}

function where(o: { file: string; at: { line: number } }): string {
  return `${o.file}:${String(o.at.line)}`;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_IN_MESSAGE).join(', ');
  const more = names.length - MAX_NAMES_IN_MESSAGE;
  return more > 0 ? `${shown} and ${String(more)} more` : shown;
}

/** Fleet-wide checks over the objects read; returns the spec (first declaration of each name). */
function checkFleet(objects: readonly ReadObject[], problems: FleetProblem[]): FleetSpec {
  const firstByKey = new Map<string, ReadObject>();
  const unique: ReadObject[] = [];
  for (const object of objects) {
    const key = `${object.kind}/${object.name ?? ''}`;
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, object);
      unique.push(object);
      continue;
    }
    report(
      { file: object.file, problems },
      object.at,
      'metadata.name',
      `${object.kind} "${object.name ?? ''}" is declared twice: ${where(first)} and ${where(object)}; names are unique per kind`,
    );
  }

  const targets = unique.flatMap((o) => (o.kind === 'Target' ? [o] : []));
  const applications = unique.flatMap((o) => (o.kind === 'Application' ? [o] : []));
  const environments = unique.flatMap((o) => (o.kind === 'Environment' ? [o] : []));
  const projects = unique.flatMap((o) => (o.kind === 'Project' ? [o] : []));
  const byName = <T extends { name: string }>(a: T, b: T): number =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  const spec: FleetSpec = {
    targets: targets.map((o) => o.spec).sort(byName),
    applications: applications.map((o) => o.spec).sort(byName),
    environments: environments.map((o) => o.spec).sort(byName),
    ...(projects.length === 0 ? {} : { projects: projects.map((o) => o.spec).sort(byName) }),
  };

  // References by name.
  const declared: Record<FleetKind, ReadonlySet<string>> = {
    Target: new Set(spec.targets.map((t) => t.name)),
    Application: new Set(spec.applications.map((a) => a.name)),
    Environment: new Set(spec.environments.map((e) => e.name)),
    Project: new Set((spec.projects ?? []).map((p) => p.name)),
  };
  for (const object of unique) {
    if (object.kind === 'Target' || object.kind === 'Project') continue;
    const ctx: Ctx = { file: object.file, problems };
    for (const ref of object.refs) {
      if (!declared[ref.kind].has(ref.name)) {
        report(ctx, ref.pos, ref.field, `${ref.kind} "${ref.name}" is not declared in the fleet`);
      }
    }
  }

  // Environments: a target is in at most one; selectors and pins that match nothing.
  const envOfTarget = new Map<string, EnvironmentSpec>();
  const overlaps = new Map<
    string,
    { a: (typeof environments)[number]; b: (typeof environments)[number]; targets: string[] }
  >();
  const validEnvs = environments.filter((e) => e.selectorAt !== undefined);
  for (const target of spec.targets) {
    const matching = validEnvs
      .filter((e) => matchesLabelSelector(target.labels, e.spec.selector))
      .sort((x, y) => byName(x.spec, y.spec));
    const [first, ...others] = matching;
    if (first !== undefined) envOfTarget.set(target.name, first.spec);
    for (const other of others) {
      const key = `${first?.spec.name ?? ''}/${other.spec.name}`;
      const overlap = overlaps.get(key) ?? { a: first ?? other, b: other, targets: [] };
      overlap.targets.push(target.name);
      overlaps.set(key, overlap);
    }
  }
  for (const { a, b, targets: names } of overlaps.values()) {
    // Reported at both environments, each message naming both: either file may be the mistake.
    const place = (e: typeof a): string =>
      `${e.file}:${String(e.selectorAt?.pos.line ?? e.at.line)}`;
    const message = `Environments "${a.spec.name}" (${place(a)}) and "${b.spec.name}" (${place(b)}) both select target(s) ${listNames(names)}; a target belongs to at most one environment`;
    for (const env of [a, b]) {
      report(
        { file: env.file, problems },
        env.selectorAt?.pos ?? env.at,
        env.selectorAt?.field ?? 'spec.selector',
        message,
      );
    }
  }

  const placed = new Map<string, ReadonlySet<string>>();
  for (const app of applications) {
    placed.set(
      app.spec.name,
      new Set(
        app.placementAt === undefined
          ? spec.targets.map((t) => t.name) // unknown: assume everywhere, so nothing cascades
          : spec.targets
              .filter((t) => matchesLabelSelector(t.labels, app.spec.placement.selector))
              .map((t) => t.name),
      ),
    );
  }

  for (const env of validEnvs) {
    const ctx: Ctx = { file: env.file, problems };
    const members = new Set(
      spec.targets
        .filter((t) => matchesLabelSelector(t.labels, env.spec.selector))
        .map((t) => t.name),
    );
    if (members.size === 0 && env.selectorAt !== undefined) {
      report(
        ctx,
        env.selectorAt.pos,
        env.selectorAt.field,
        `selects no target (${formatLabelSelector(env.spec.selector)})`,
        'warning',
      );
    }
    for (const [name, at] of env.targetPinsAt) {
      if (declared.Target.has(name) && !members.has(name)) {
        report(
          ctx,
          at.pos,
          at.field,
          `target "${name}" is not selected by this environment's selector, so its pins would never apply`,
        );
      }
    }
    for (const ref of env.refs) {
      if (ref.kind !== 'Application' || !declared.Application.has(ref.name)) continue;
      // A pin of an undeclared target is already an error; do not pile a warning on it.
      if (ref.target !== undefined && !declared.Target.has(ref.target)) continue;
      const on = placed.get(ref.name) ?? new Set<string>();
      const scope = ref.target === undefined ? [...members] : [ref.target];
      if (scope.length > 0 && !scope.some((t) => on.has(t))) {
        report(
          ctx,
          ref.pos,
          ref.field,
          ref.target === undefined
            ? `application "${ref.name}" is placed on no target of this environment; the pin has no effect`
            : `application "${ref.name}" is not placed on target "${ref.target}"; the pin has no effect`,
          'warning',
        );
      }
    }
  }

  const validEnvNames = new Set(validEnvs.map((e) => e.spec.name));
  for (const app of applications) {
    checkApplication(app, spec, placed, envOfTarget, validEnvNames, problems);
  }
  checkProjects(spec, projects, applications, placed, problems);
  return spec;
}

function checkApplication(
  app: Extract<ReadObject, { kind: 'Application' }>,
  spec: FleetSpec,
  placed: ReadonlyMap<string, ReadonlySet<string>>,
  envOfTarget: ReadonlyMap<string, EnvironmentSpec>,
  validEnvNames: ReadonlySet<string>,
  problems: FleetProblem[],
): void {
  const ctx: Ctx = { file: app.file, problems };
  const on = placed.get(app.spec.name) ?? new Set<string>();
  const placedTargets: TargetSpec[] = spec.targets.filter((t) => on.has(t.name));
  if (app.placementAt !== undefined && placedTargets.length === 0) {
    report(
      ctx,
      app.placementAt.pos,
      app.placementAt.field,
      `matches no target (${formatLabelSelector(app.spec.placement.selector)}); the application is deployed nowhere`,
      'warning',
    );
  }
  if (app.placementAt === undefined) return;
  checkRollout(app, placedTargets, ctx);
  const overlays = app.spec.overlays ?? [];
  for (const ref of app.refs) {
    const overlay = ref.overlay === undefined ? undefined : overlays[ref.overlay];
    // Placed nowhere is warned above; an environment with a bad selector is an error already.
    if (overlay === undefined || placedTargets.length === 0) continue;
    if (ref.kind === 'Environment' && !validEnvNames.has(ref.name)) continue;
    if (!placedTargets.some((t) => overlayApplies(overlay, t, envOfTarget.get(t.name)?.name))) {
      report(
        ctx,
        ref.pos,
        ref.field,
        `${ref.kind} "${ref.name}" has no target the application is placed on; the overlay never applies`,
        'warning',
      );
    }
  }
  for (const use of app.labelUses) {
    const overlay = overlays[use.overlay];
    if (overlay === undefined) continue;
    const lacking = placedTargets
      .filter((t) => overlayApplies(overlay, t, envOfTarget.get(t.name)?.name))
      .filter((t) => !Object.hasOwn(t.labels, use.key))
      .map((t) => t.name);
    if (lacking.length > 0) {
      report(
        ctx,
        use.pos,
        use.field,
        `target(s) ${listNames(lacking)} have no label "${use.key}"; the overlay cannot be rendered there`,
        'warning',
      );
    }
  }
}

/** Waves that get none of the application's targets, and targets that no wave selects. */
function checkRollout(
  app: Extract<ReadObject, { kind: 'Application' }>,
  placedTargets: readonly TargetSpec[],
  ctx: Ctx,
): void {
  const at = app.rolloutAt;
  const strategy = app.spec.rollout;
  if (at === undefined || strategy === undefined || placedTargets.length === 0) return;
  const taken = strategy.waves.map((): string[] => []);
  const unmatched: string[] = [];
  for (const target of placedTargets) {
    const index = strategy.waves.findIndex((w) => matchesLabelSelector(target.labels, w.selector));
    if (index === -1) unmatched.push(target.name);
    else taken[index]?.push(target.name);
  }
  strategy.waves.forEach((wave, i) => {
    const where = at.selectorsAt[i];
    if (where === undefined || (taken[i]?.length ?? 0) > 0) return;
    const selects = placedTargets.some((t) => matchesLabelSelector(t.labels, wave.selector));
    report(
      ctx,
      where.pos,
      where.field,
      selects
        ? `wave "${wave.name}" gets no target: every target it selects is in an earlier wave; it is passed over`
        : `wave "${wave.name}" selects none of the application's targets (${formatLabelSelector(wave.selector)}); it is passed over`,
      'warning',
    );
  });
  if (unmatched.length > 0) {
    report(
      ctx,
      at.wavesAt.pos,
      at.wavesAt.field,
      `target(s) ${listNames(unmatched)} match no wave; they roll out last, in the implicit wave "unmatched"`,
      'warning',
    );
  }
}
