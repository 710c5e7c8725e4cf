import { describe, expect, it } from 'vitest';
import type { JsonObject, KubeObject } from '@gitfleet/proto/domain';
import { augmentCrdSchema, crdSchemaFor, isCrd, type KindVersion } from './schema-augment.ts';

const widgetSchema: JsonObject = {
  type: 'object',
  properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
};
const crd = (
  group: string,
  kind: string,
  versions: readonly JsonObject[],
  apiVersion = 'apiextensions.k8s.io/v1',
): KubeObject => ({
  apiVersion,
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.${group}` },
  spec: { group, names: { kind, plural: `${kind.toLowerCase()}s` }, versions },
});
const widgets = crd('example.com', 'Widget', [
  { name: 'v1', served: true, schema: { openAPIV3Schema: widgetSchema } },
  { name: 'v2', served: true },
]);
const gadgets = crd('example.com', 'Gadget', [{ name: 'v1', schema: { openAPIV3Schema: {} } }]);

describe('isCrd', () => {
  it.each<[string, KubeObject, boolean]>([
    ['apiextensions v1', widgets, true],
    ['apiextensions v1beta1', crd('a.b', 'X', [], 'apiextensions.k8s.io/v1beta1'), true],
    ['same kind, another group', crd('a.b', 'X', [], 'example.com/v1'), false],
    [
      'another kind',
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'Other', metadata: { name: 'x' } },
      false,
    ],
    ['no apiVersion', { kind: 'CustomResourceDefinition', metadata: { name: 'x' } }, false],
  ])('%s', (_name, obj, expected) => {
    expect(isCrd(obj)).toBe(expected);
  });
});

describe('crdSchemaFor', () => {
  const kind = (group: string, version: string, k: string): KindVersion => ({
    group,
    version,
    kind: k,
  });
  it.each<[string, readonly KubeObject[], KindVersion, JsonObject | undefined | null]>([
    [
      'the schema of the version',
      [gadgets, widgets],
      kind('example.com', 'v1', 'Widget'),
      widgetSchema,
    ],
    [
      'a version without schema: nothing to validate',
      [widgets],
      kind('example.com', 'v2', 'Widget'),
      undefined,
    ],
    ['a version the CRD lacks', [widgets], kind('example.com', 'v3', 'Widget'), null],
    ['no CRD for the kind', [widgets], kind('example.com', 'v1', 'Sprocket'), null],
    ['same kind, another group', [widgets], kind('other.io', 'v1', 'Widget'), null],
    ['no CRDs', [], kind('example.com', 'v1', 'Widget'), null],
    [
      'the first CRD defining the kind decides',
      [crd('example.com', 'Widget', [{ name: 'v9' }]), widgets],
      kind('example.com', 'v1', 'Widget'),
      null,
    ],
    [
      'a CRD without versions',
      [crd('example.com', 'Widget', [])],
      kind('example.com', 'v1', 'Widget'),
      null,
    ],
    ['an empty schema', [gadgets], kind('example.com', 'v1', 'Gadget'), {}],
  ])('%s', (_name, crds, k, expected) => {
    expect(crdSchemaFor(crds, k)).toEqual(expected);
  });
});

describe('augmentCrdSchema', () => {
  const added = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  };
  it.each<[string, JsonObject, JsonObject]>([
    [
      'adds the implicit root fields',
      widgetSchema,
      { ...widgetSchema, properties: { ...(widgetSchema['properties'] as JsonObject), ...added } },
    ],
    ['a schema without properties', { type: 'object' }, { type: 'object', properties: added }],
    [
      'the implicit fields win over declared ones',
      {
        type: 'object',
        properties: {
          metadata: { type: 'object', properties: { name: { type: 'string', enum: ['x'] } } },
        },
      },
      { type: 'object', properties: added },
    ],
    [
      'keeps other keywords',
      { type: 'object', required: ['spec'] },
      { type: 'object', required: ['spec'], properties: added },
    ],
  ])('%s', (_name, schema, expected) => {
    expect(augmentCrdSchema(schema)).toEqual(expected);
  });
});
