/**
 * One fleet document → one Target, Application, Environment or Project, with every problem of the
 * document reported, plus what the fleet-wide checks need (references by name, where selectors
 * and pins are written).
 */
import { DNS_LABEL_RULE, dnsLabelProblem, readOverlays } from './read-overlays.ts';
import type { FleetRef, LabelUse } from './read-overlays.ts';
import { readDestination } from './read-destination.ts';
import { readHelm } from './read-helm.ts';
import { readHydrateTo } from './read-hydrate.ts';
import { readKustomize, reportVariableProblems } from './read-kustomize.ts';
import { readPolicies } from './read-policies.ts';
import { readProjectSpec } from './read-project.ts';
import type { ReadProject } from './read-project.ts';
import { readRollout, readSyncWindows } from './read-rollout.ts';
import type { Located, ReadRollout } from './read-rollout.ts';
import { isClean, labelKeyProblem, readLabelSelector, readLabels } from './read-selectors.ts';
import {
  readBoolean,
  readCheckedString,
  readEntries,
  readFields,
  readString,
  readStringMap,
  report,
} from './read.ts';
import type { Ctx, Fields, Slot } from './read.ts';
import { gitRefProblem, normaliseSourcePath, repoURLProblem } from './syntax.ts';
import { DEFAULT_TARGET_REVISION, FleetKind } from './types.ts';
import type {
  ApplicationSource,
  ApplicationSpec,
  EnvironmentSpec,
  LabelSelector,
  Pins,
  ProjectSpec,
  TargetSpec,
} from './types.ts';
import type { Pos, YMap } from './yaml-nodes.ts';

interface Header {
  readonly kind: FleetKind;
  /** Undefined when metadata.name is missing or invalid (the object then takes no part in checks). */
  readonly name: string | undefined;
  readonly file: string;
  /** metadata.name's value, or the document start. */
  readonly at: Pos;
}

export type ReadObject =
  | (Header & { readonly kind: 'Target'; readonly spec: TargetSpec })
  | (Header & {
      readonly kind: 'Application';
      readonly spec: ApplicationSpec;
      readonly refs: readonly FleetRef[];
      readonly labelUses: readonly LabelUse[];
      /** Set when the placement selector is valid. */
      readonly placementAt: Located | undefined;
      /** Set when `spec.rollout` is written. */
      readonly rolloutAt: ReadRollout | undefined;
      /** Set when `spec.project` is written and valid. */
      readonly projectAt: Located | undefined;
      /** Set when `spec.source.repoURL` is written and valid. */
      readonly repoURLAt: Located | undefined;
    })
  | (Header & {
      readonly kind: 'Environment';
      readonly spec: EnvironmentSpec;
      readonly refs: readonly FleetRef[];
      /** Set when the selector is valid. */
      readonly selectorAt: Located | undefined;
      /** Where each `targetPins.<target>` key is written. */
      readonly targetPinsAt: ReadonlyMap<string, Located>;
    })
  | (Header & {
      readonly kind: 'Project';
      readonly spec: ProjectSpec;
      /** Where each name of `spec.targets.names` is written. */
      readonly targetNamesAt: ReadProject['targetNamesAt'];
      /** False when anything in `spec` is wrong: its scope is not judged against applications. */
      readonly valid: boolean;
    });

const METADATA_FIELDS = ['name', 'labels', 'annotations'];
const EVERYTHING: LabelSelector = {};

/**
 * Reads a document already known to be `apiVersion: gitfleet.dev/v1alpha1`. Returns undefined
 * for an unknown kind (reported).
 */
export function readFleetObject(ctx: Ctx, root: YMap): ReadObject | undefined {
  const rootSlot: Slot = { node: root, field: '', at: root.pos };
  const kindEntry = root.entries.find((e) => e.key === 'kind');
  const kindSlot: Slot | undefined =
    kindEntry === undefined
      ? undefined
      : { node: kindEntry.value, field: 'kind', at: kindEntry.keyPos };
  if (kindSlot === undefined) {
    report(ctx, root.pos, 'kind', `is required (one of ${Object.values(FleetKind).join(', ')})`);
    return undefined;
  }
  const kind = readString(ctx, kindSlot);
  if (kind === undefined) return undefined;
  switch (kind) {
    case FleetKind.Target:
      return readTarget(ctx, rootSlot);
    case FleetKind.Application:
      return readApplication(ctx, rootSlot);
    case FleetKind.Environment:
      return readEnvironment(ctx, rootSlot);
    case FleetKind.Project:
      return readProject(ctx, rootSlot);
    default:
      report(
        ctx,
        kindSlot.node.pos,
        'kind',
        `unknown kind ${JSON.stringify(kind)} (one of ${Object.values(FleetKind).join(', ')})`,
      );
      return undefined;
  }
}

function readHeader(
  ctx: Ctx,
  root: Slot,
  kind: FleetKind,
  topFields: readonly string[],
): { header: Header; fields: Fields; metadata: Fields | undefined } | undefined {
  const fields = readFields(ctx, root, topFields);
  if (fields === undefined) return undefined;
  const metaSlot = fields.require('metadata');
  const metadata = metaSlot === undefined ? undefined : readFields(ctx, metaSlot, METADATA_FIELDS);
  const nameSlot = metadata?.require('name');
  const name =
    nameSlot === undefined ? undefined : readCheckedString(ctx, nameSlot, dnsLabelProblem);
  const annotations = metadata?.get('annotations');
  if (annotations !== undefined) {
    // Annotation keys follow the label key syntax; values are free text.
    readStringMap(ctx, annotations, labelKeyProblem, () => undefined);
  }
  return {
    header: { kind, name, file: ctx.file, at: nameSlot?.node.pos ?? root.at },
    fields,
    metadata,
  };
}

function readTarget(ctx: Ctx, root: Slot): ReadObject | undefined {
  const read = readHeader(ctx, root, FleetKind.Target, ['apiVersion', 'kind', 'metadata']);
  if (read === undefined) return undefined;
  const labelsSlot = read.metadata?.get('labels');
  const labels = (labelsSlot === undefined ? undefined : readLabels(ctx, labelsSlot)) ?? {};
  const { header } = read;
  return header.name === undefined
    ? undefined
    : { ...header, kind: 'Target', spec: { name: header.name, labels } };
}

function readApplication(ctx: Ctx, root: Slot): ReadObject | undefined {
  const read = readHeader(ctx, root, FleetKind.Application, [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
  ]);
  if (read === undefined) return undefined;
  const labelsSlot = read.metadata?.get('labels');
  if (labelsSlot !== undefined) readLabels(ctx, labelsSlot);
  const specSlot = read.fields.require('spec');
  const spec =
    specSlot === undefined
      ? undefined
      : readFields(ctx, specSlot, [
          'project',
          'source',
          'placement',
          'policies',
          'overlays',
          'rollout',
          'destination',
          'syncPolicy',
          'hydrateTo',
        ]);

  const projectSlot = spec?.get('project');
  const project =
    projectSlot === undefined ? undefined : readCheckedString(ctx, projectSlot, dnsLabelProblem);

  const sourceSlot = spec?.require('source');
  const source = sourceSlot === undefined ? undefined : readSource(ctx, sourceSlot);
  const repoURLSlot =
    sourceSlot?.node.kind === 'map'
      ? sourceSlot.node.entries.find((e) => e.key === 'repoURL')
      : undefined;

  const placementSlot = spec?.require('placement');
  const placement =
    placementSlot === undefined ? undefined : readFields(ctx, placementSlot, ['selector']);
  const selectorSlot = placement?.require('selector');
  const selector = selectorSlot === undefined ? undefined : readLabelSelector(ctx, selectorSlot);

  const policies = {
    ...readPolicies(ctx, spec?.get('policies')),
    ...readDestination(ctx, spec?.get('destination'), spec?.get('syncPolicy')),
  };
  const overlaysSlot = spec?.get('overlays');
  const overlays = overlaysSlot === undefined ? undefined : readOverlays(ctx, overlaysSlot);
  const rolloutSlot = spec?.get('rollout');
  const rolloutAt = rolloutSlot === undefined ? undefined : readRollout(ctx, rolloutSlot);
  const rollout = rolloutAt?.strategy;
  const hydrateSlot = spec?.get('hydrateTo');
  const hydrateTo =
    hydrateSlot === undefined ? undefined : readHydrateTo(ctx, hydrateSlot, source?.targetRevision);

  const { header } = read;
  if (header.name === undefined) return undefined;
  return {
    ...header,
    kind: 'Application',
    spec: {
      name: header.name,
      ...(project === undefined ? {} : { project }),
      source: source ?? { path: '', targetRevision: DEFAULT_TARGET_REVISION },
      placement: { selector: selector ?? EVERYTHING },
      policies,
      ...(overlays === undefined ? {} : { overlays: overlays.overlays }),
      ...(rollout === undefined ? {} : { rollout }),
      ...(hydrateTo === undefined ? {} : { hydrateTo }),
    },
    refs: overlays?.refs ?? [],
    labelUses: overlays?.labelUses ?? [],
    placementAt:
      selector === undefined || selectorSlot === undefined
        ? undefined
        : { pos: selectorSlot.at, field: selectorSlot.field },
    rolloutAt,
    projectAt:
      project === undefined || projectSlot === undefined
        ? undefined
        : { pos: projectSlot.node.pos, field: projectSlot.field },
    repoURLAt:
      source?.repoURL === undefined || repoURLSlot === undefined
        ? undefined
        : { pos: repoURLSlot.value.pos, field: `${sourceSlot?.field ?? 'spec.source'}.repoURL` },
  };
}

function readProject(ctx: Ctx, root: Slot): ReadObject | undefined {
  const read = readHeader(ctx, root, FleetKind.Project, ['apiVersion', 'kind', 'metadata', 'spec']);
  if (read === undefined) return undefined;
  const labelsSlot = read.metadata?.get('labels');
  if (labelsSlot !== undefined) readLabels(ctx, labelsSlot);
  const specSlot = read.fields.require('spec');
  const { value: project, clean } = isClean(ctx, () => readProjectSpec(ctx, specSlot));
  const { header } = read;
  if (header.name === undefined) return undefined;
  return {
    ...header,
    kind: 'Project',
    spec: {
      name: header.name,
      ...project.scope,
      declaredAt: { file: header.file, line: header.at.line, rules: project.rules },
    },
    targetNamesAt: project.targetNamesAt,
    valid: clean && specSlot !== undefined,
  };
}

function readSource(ctx: Ctx, slot: Slot): ApplicationSource | undefined {
  const fields = readFields(ctx, slot, ['repoURL', 'path', 'targetRevision', 'kustomize', 'helm']);
  if (fields === undefined) return undefined;
  const urlSlot = fields.get('repoURL');
  const repoURL =
    urlSlot === undefined ? undefined : readCheckedString(ctx, urlSlot, repoURLProblem);
  const pathSlot = fields.require('path');
  const rawPath = pathSlot === undefined ? undefined : readString(ctx, pathSlot);
  let path: string | undefined;
  if (pathSlot !== undefined && rawPath !== undefined) {
    const normalised = normaliseSourcePath(rawPath);
    if ('problem' in normalised) {
      report(
        ctx,
        pathSlot.node.pos,
        pathSlot.field,
        `${JSON.stringify(rawPath)} ${normalised.problem}`,
      );
    } else {
      path = normalised.path;
    }
  }
  const revSlot = fields.get('targetRevision');
  const targetRevision =
    revSlot === undefined
      ? DEFAULT_TARGET_REVISION
      : readCheckedString(ctx, revSlot, gitRefProblem);
  const kustomizeSlot = fields.get('kustomize');
  const kustomize = kustomizeSlot === undefined ? undefined : readKustomize(ctx, kustomizeSlot);
  if (kustomizeSlot !== undefined) reportVariableProblems(ctx, kustomizeSlot);
  const helmSlot = fields.get('helm');
  const helm = helmSlot === undefined ? undefined : readHelm(ctx, helmSlot);
  if (helmSlot !== undefined) reportVariableProblems(ctx, helmSlot);
  if (helmSlot !== undefined && kustomizeSlot !== undefined) {
    report(ctx, helmSlot.at, helmSlot.field, 'set either kustomize or helm, not both');
  }
  if (path === undefined || targetRevision === undefined) return undefined;
  return {
    ...(repoURL === undefined ? {} : { repoURL }),
    path,
    targetRevision,
    ...(kustomize === undefined ? {} : { kustomize }),
    ...(helm === undefined ? {} : { helm }),
  };
}

function readEnvironment(ctx: Ctx, root: Slot): ReadObject | undefined {
  const read = readHeader(ctx, root, FleetKind.Environment, [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
  ]);
  if (read === undefined) return undefined;
  const labelsSlot = read.metadata?.get('labels');
  if (labelsSlot !== undefined) readLabels(ctx, labelsSlot);
  const specSlot = read.fields.require('spec');
  const spec =
    specSlot === undefined
      ? undefined
      : readFields(ctx, specSlot, ['selector', 'pins', 'targetPins', 'frozen', 'syncWindows']);
  const refs: FleetRef[] = [];

  const selectorSlot = spec?.require('selector');
  const selector = selectorSlot === undefined ? undefined : readLabelSelector(ctx, selectorSlot);

  const pinsSlot = spec?.get('pins');
  const pins = pinsSlot === undefined ? {} : readPins(ctx, pinsSlot, refs);

  const targetPinsAt = new Map<string, Located>();
  const targetPinsSlot = spec?.get('targetPins');
  let targetPins: Record<string, Pins> | undefined;
  if (targetPinsSlot !== undefined) {
    const entries = readEntries(ctx, targetPinsSlot) ?? [];
    const pairs: [string, Pins][] = [];
    for (const { key, slot } of entries) {
      if (!isDnsLabelKey(ctx, key, slot)) continue;
      refs.push({ kind: FleetKind.Target, name: key, pos: slot.at, field: slot.field });
      targetPinsAt.set(key, { pos: slot.at, field: slot.field });
      pairs.push([key, readPins(ctx, slot, refs, key)]);
    }
    targetPins = Object.fromEntries(pairs);
  }
  const frozenSlot = spec?.get('frozen');
  const frozen = frozenSlot === undefined ? undefined : readBoolean(ctx, frozenSlot);
  const windowsSlot = spec?.get('syncWindows');
  const syncWindows = windowsSlot === undefined ? undefined : readSyncWindows(ctx, windowsSlot);

  const { header } = read;
  if (header.name === undefined) return undefined;
  return {
    ...header,
    kind: 'Environment',
    spec: {
      name: header.name,
      // An unreadable selector selects nothing here; the object is in error anyway.
      selector: selector ?? {
        matchExpressions: [{ key: 'gitfleet.dev/invalid', operator: 'Exists' }],
      },
      pins,
      ...(targetPins === undefined ? {} : { targetPins }),
      ...(frozen === undefined ? {} : { frozen }),
      ...(syncWindows === undefined ? {} : { syncWindows }),
    },
    refs,
    selectorAt:
      selector === undefined || selectorSlot === undefined
        ? undefined
        : { pos: selectorSlot.at, field: selectorSlot.field },
    targetPinsAt,
  };
}

function isDnsLabelKey(ctx: Ctx, key: string, slot: Slot): boolean {
  if (dnsLabelProblem(key) === undefined) return true;
  report(ctx, slot.at, slot.field, `key ${JSON.stringify(key)} ${DNS_LABEL_RULE}`);
  return false;
}

/** Application name → revision; every application named becomes a reference to check. */
function readPins(ctx: Ctx, slot: Slot, refs: FleetRef[], target?: string): Pins {
  const entries = readEntries(ctx, slot) ?? [];
  const pairs: [string, string][] = [];
  for (const { key, slot: valueSlot } of entries) {
    if (!isDnsLabelKey(ctx, key, valueSlot)) continue;
    refs.push({
      kind: FleetKind.Application,
      name: key,
      pos: valueSlot.at,
      field: valueSlot.field,
      ...(target === undefined ? {} : { target }),
    });
    const revision = readCheckedString(ctx, valueSlot, gitRefProblem);
    if (revision !== undefined) pairs.push([key, revision]);
  }
  return Object.fromEntries(pairs);
}
