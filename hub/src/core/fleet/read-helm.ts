/**
 * `spec.source.helm` of an Application and `helm` of its overlays (Argo CD's shape):
 * releaseName, namespace, valueFiles, values, parameters and skipCrds, each checked where it is
 * written. String values may use the overlay variables (substituted at render time).
 */
import { readBoolean, readFields, readJson, readList, readString, report } from './read.ts';
import type { Ctx, Slot } from './read.ts';
import type { HelmOptions, HelmParameter, HelmValues } from './types.ts';
import { variablesIn } from './variables.ts';

export const HELM_FIELDS = [
  'releaseName',
  'namespace',
  'valueFiles',
  'values',
  'parameters',
  'skipCrds',
] as const;

/** Most entries of one list (valueFiles, parameters) of one helm block. */
export const MAX_HELM_LIST = 200;

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Why a value file path is not a relative path that stays inside the repository when joined
 * to the chart directory `chartDir`, or undefined.
 */
export function valueFileProblem(chartDir: string, file: string): string | undefined {
  if (file === '') return 'must not be empty';
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(file))
    return 'is a URL: value files are read from the repository only';
  if (file.startsWith('/')) return 'is absolute: give a path relative to the chart directory';
  return resolveValueFile(chartDir, file) === undefined ? 'is outside the repository' : undefined;
}

/** The repository path of a value file written relative to `chartDir`, or undefined outside. */
export function resolveValueFile(chartDir: string, file: string): string | undefined {
  const parts: string[] = chartDir === '' ? [] : chartDir.split('/');
  for (const seg of file.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(seg);
    }
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

function hasVariables(text: string): boolean {
  return variablesIn(text).length > 0;
}

/** Reads a helm block; undefined (reported) when it is not a mapping. */
export function readHelm(ctx: Ctx, slot: Slot, overlay = false): HelmOptions | undefined {
  const fields = readFields(ctx, slot, overlay ? ['values', 'parameters'] : HELM_FIELDS);
  if (fields === undefined) return undefined;
  let out: HelmOptions = {};
  const checks = { releaseName: RELEASE_NAME, namespace: DNS_LABEL } as const;
  for (const key of ['releaseName', 'namespace'] as const) {
    const s = fields.get(key);
    const value = s === undefined ? undefined : readString(ctx, s);
    if (s === undefined || value === undefined) continue;
    if (!hasVariables(value) && !checks[key].test(value)) {
      report(
        ctx,
        s.node.pos,
        s.field,
        `${JSON.stringify(value)} is not a valid ${key === 'releaseName' ? 'release name (lowercase letters, digits and "-", at most 53)' : 'namespace (a DNS label)'}`,
      );
      continue;
    }
    out = { ...out, [key]: value };
  }
  const filesSlot = fields.get('valueFiles');
  const files = filesSlot === undefined ? undefined : bounded(ctx, filesSlot);
  if (files !== undefined) {
    const paths: string[] = [];
    for (const s of files) {
      const value = readString(ctx, s);
      if (value === undefined) continue;
      // checked against the chart directory at render time; absolute paths and URLs here
      const problem =
        value.startsWith('/') || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value)
          ? valueFileProblem('', value)
          : value === ''
            ? 'must not be empty'
            : undefined;
      if (problem === undefined) paths.push(value);
      else report(ctx, s.node.pos, s.field, `${JSON.stringify(value)} ${problem}`);
    }
    out = { ...out, valueFiles: paths };
  }
  const valuesSlot = fields.get('values');
  if (valuesSlot !== undefined) {
    const values = readJson(ctx, valuesSlot);
    if (values !== undefined) {
      if (values === null || typeof values !== 'object' || Array.isArray(values)) {
        report(ctx, valuesSlot.node.pos, valuesSlot.field, 'must be a mapping of values');
      } else {
        out = { ...out, values: values as HelmValues };
      }
    }
  }
  const paramsSlot = fields.get('parameters');
  const params = paramsSlot === undefined ? undefined : bounded(ctx, paramsSlot);
  if (params !== undefined) {
    const parameters = params.map((s) => readParameter(ctx, s)).filter(isDefined);
    out = { ...out, parameters };
  }
  const crdsSlot = fields.get('skipCrds');
  const skipCrds = crdsSlot === undefined ? undefined : readBoolean(ctx, crdsSlot);
  if (skipCrds !== undefined) out = { ...out, skipCrds };
  return out;
}

function readParameter(ctx: Ctx, slot: Slot): HelmParameter | undefined {
  const fields = readFields(ctx, slot, ['name', 'value', 'forceString']);
  if (fields === undefined) return undefined;
  const nameSlot = fields.require('name');
  const name = nameSlot === undefined ? undefined : readString(ctx, nameSlot);
  const valueSlot = fields.require('value');
  const value = valueSlot === undefined ? undefined : readString(ctx, valueSlot);
  const forceSlot = fields.get('forceString');
  const forceString = forceSlot === undefined ? undefined : readBoolean(ctx, forceSlot);
  if (name === undefined || value === undefined || nameSlot === undefined) return undefined;
  if (!/^[\w.\-[\]\\/]+$/.test(name)) {
    report(ctx, nameSlot.node.pos, nameSlot.field, `${JSON.stringify(name)} is not a value path`);
    return undefined;
  }
  return { name, value, ...(forceString === true ? { forceString } : {}) };
}

function bounded(ctx: Ctx, slot: Slot): Slot[] | undefined {
  const items = readList(ctx, slot);
  if (items !== undefined && items.length > MAX_HELM_LIST) {
    report(
      ctx,
      slot.node.pos,
      slot.field,
      `has ${String(items.length)} entries, more than ${String(MAX_HELM_LIST)}`,
      'error',
      'MAX_HELM_LIST',
    );
    return undefined;
  }
  return items;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
