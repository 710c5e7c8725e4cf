/**
 * Readers of the two selector shapes of the fleet: label selectors (over targets) and object
 * selectors (over rendered Kubernetes objects, as in the agent contract).
 */
import type { ObjectSelector } from '@gitfleet/proto/domain';
import { isLabelKey, isLabelValue } from './label-selector.ts';
import {
  readCheckedString,
  readFields,
  readList,
  readOneOf,
  readString,
  readStringMap,
  report,
} from './read.ts';
import type { Ctx, Slot } from './read.ts';
import { SelectorOperator } from './types.ts';
import type { LabelSelector, LabelSelectorRequirement, Labels } from './types.ts';

const OPERATORS = Object.values(SelectorOperator);

const LABEL_KEY_RULE =
  "is not a label key ([prefix/]name: name up to 63 characters of alphanumerics, '-', '_', '.', starting and ending alphanumeric; prefix a DNS subdomain)";
const LABEL_VALUE_RULE =
  "is not a label value (up to 63 characters of alphanumerics, '-', '_', '.', starting and ending alphanumeric, or empty)";

export function labelKeyProblem(key: string): string | undefined {
  return isLabelKey(key) ? undefined : LABEL_KEY_RULE;
}

export function labelValueProblem(value: string): string | undefined {
  return isLabelValue(value) ? undefined : LABEL_VALUE_RULE;
}

/** Runs `read` and tells whether it reported no problem. */
export function isClean<T>(ctx: Ctx, read: () => T): { value: T; clean: boolean } {
  const before = ctx.problems.length;
  const value = read();
  return { value, clean: ctx.problems.length === before };
}

/** A label mapping (keys and values checked as Kubernetes does). */
export function readLabels(ctx: Ctx, slot: Slot): Labels | undefined {
  const entries = readStringMap(ctx, slot, labelKeyProblem, labelValueProblem);
  return entries === undefined
    ? undefined
    : Object.fromEntries(entries.map(({ key, value }) => [key, value]));
}

/**
 * A label selector `{ matchLabels?, matchExpressions? }`. Undefined when anything in it is
 * wrong: a half-read selector would select the wrong targets.
 */
export function readLabelSelector(ctx: Ctx, slot: Slot): LabelSelector | undefined {
  const { value, clean } = isClean(ctx, (): LabelSelector | undefined => {
    const fields = readFields(ctx, slot, ['matchLabels', 'matchExpressions']);
    if (fields === undefined) return undefined;
    const labelsSlot = fields.get('matchLabels');
    const matchLabels = labelsSlot === undefined ? undefined : readLabels(ctx, labelsSlot);
    const exprSlot = fields.get('matchExpressions');
    const items = exprSlot === undefined ? undefined : readList(ctx, exprSlot);
    const matchExpressions = items?.map((item) => readRequirement(ctx, item));
    return {
      ...(matchLabels === undefined ? {} : { matchLabels }),
      ...(matchExpressions === undefined
        ? {}
        : {
            matchExpressions: matchExpressions.filter(
              (r): r is LabelSelectorRequirement => r !== undefined,
            ),
          }),
    };
  });
  return clean ? value : undefined;
}

function readRequirement(ctx: Ctx, slot: Slot): LabelSelectorRequirement | undefined {
  const fields = readFields(ctx, slot, ['key', 'operator', 'values']);
  if (fields === undefined) return undefined;
  const keySlot = fields.require('key');
  const key = keySlot === undefined ? undefined : readCheckedString(ctx, keySlot, labelKeyProblem);
  const opSlot = fields.require('operator');
  const operator = opSlot === undefined ? undefined : readOneOf(ctx, opSlot, OPERATORS);
  const valuesSlot = fields.get('values');
  const values = (valuesSlot === undefined ? undefined : readList(ctx, valuesSlot))?.map((s) =>
    readCheckedString(ctx, s, labelValueProblem),
  );
  if (key === undefined || operator === undefined) return undefined;
  const needsValues = operator === 'In' || operator === 'NotIn';
  const count = values?.length ?? 0;
  if (needsValues && count === 0) {
    report(
      ctx,
      (valuesSlot ?? slot).at,
      `${slot.field}.values`,
      `operator ${operator} needs at least one value`,
    );
    return undefined;
  }
  if (!needsValues && count > 0 && valuesSlot !== undefined) {
    report(
      ctx,
      valuesSlot.at,
      valuesSlot.field,
      `operator ${operator} takes no values (remove "values")`,
    );
    return undefined;
  }
  if (values === undefined || !needsValues) return { key, operator };
  const strings = values.filter((v): v is string => v !== undefined);
  return strings.length === values.length ? { key, operator, values: strings } : undefined;
}

/**
 * An object selector `{ group?, kind?, namespace?, name? }` over rendered objects. Absent fields
 * match anything; a `name` ending in '*' matches by prefix (as the agent does).
 */
export function readObjectSelector(ctx: Ctx, slot: Slot): ObjectSelector | undefined {
  const { value, clean } = isClean(ctx, () => {
    const fields = readFields(ctx, slot, ['group', 'kind', 'namespace', 'name']);
    if (fields === undefined) return undefined;
    const str = (key: keyof ObjectSelector): string | undefined => {
      const s = fields.get(key);
      return s === undefined ? undefined : readString(ctx, s);
    };
    const [group, kind, namespace, name] = [
      str('group'),
      str('kind'),
      str('namespace'),
      str('name'),
    ];
    return {
      ...(group === undefined ? {} : { group }),
      ...(kind === undefined ? {} : { kind }),
      ...(namespace === undefined ? {} : { namespace }),
      ...(name === undefined ? {} : { name }),
    };
  });
  return clean ? value : undefined;
}
