import { describe, expect, it } from 'vitest';
import type { JsonValue, KubeObject } from '@gitfleet/proto/domain';
import type { OpenApiDocument, OpenApiSchema } from './openapi-schema.ts';
import appsV1 from './__fixtures__/openapi-apps-v1.json' with { type: 'json' };
import { webDesired, webLive } from './__fixtures__/drift-objects.ts';
import {
  MAX_PROBLEMS,
  findSchema,
  validateAgainstSchema,
  validateObject,
} from './openapi-validate.ts';
import type { ValidationProblem } from './openapi-validate.ts';

const doc: OpenApiDocument = appsV1;
const CONTAINERS = '/spec/template/spec/containers';

/** A deep copy of `obj` with the value at `pointer` set (undefined deletes). */
function edit(obj: KubeObject, pointer: string, value: JsonValue | undefined): KubeObject {
  const copy = structuredClone(obj) as unknown as Record<string, unknown>;
  const segments = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = segments.pop() ?? '';
  let node: unknown = copy;
  for (const s of segments) node = (node as Record<string, unknown>)[s];
  if (value === undefined) delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = value;
  return copy as unknown as KubeObject;
}

const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: 'shop', labels: { 'gitfleet.dev/app': 'shop' } },
  data: { 'app.yaml': 'listen: :8080\n', LOG_LEVEL: 'info' },
  binaryData: { 'logo.png': 'iVBORw0KGgo=' },
};

describe('findSchema', () => {
  it.each<[string, string, string, string | undefined]>([
    [
      'apps',
      'v1',
      'Deployment',
      'Deployment enables declarative updates for Pods and ReplicaSets.',
    ],
    ['', 'v1', 'ConfigMap', 'ConfigMap holds configuration data for pods to consume.'],
    ['apps', 'v1', 'StatefulSet', undefined],
    ['apps', 'v1beta2', 'Deployment', undefined],
    ['', 'v1', 'Deployment', undefined],
  ])('%s/%s %s', (group, version, kind, description) => {
    const schema = findSchema(doc, { group, version, kind });
    expect((schema as { description?: string } | undefined)?.description).toBe(description);
  });
});

describe('validateObject: valid objects', () => {
  it.each<[string, KubeObject]>([
    ['a rendered Deployment', webDesired],
    ['a live Deployment (status, managedFields, nulls, defaults)', webLive],
    ['a ConfigMap', configMap],
    ['quantities as numbers', edit(webDesired, `${CONTAINERS}/1/resources/limits`, { cpu: 2 })],
    ['int-or-string as an integer', edit(webDesired, '/spec/strategy/rollingUpdate/maxSurge', 1)],
    ['null stands for absent', edit(webDesired, '/spec/strategy', null)],
    ['no type check on apiVersion/kind at the root', edit(configMap, '/kind', 'ConfigMap')],
  ])('%s', (_name, obj) => {
    expect(validateObject(obj, doc)).toEqual({ decided: true, problems: [] });
  });
});

describe('validateObject: problems', () => {
  it.each<[string, KubeObject, ValidationProblem[]]>([
    [
      'a string where an integer belongs',
      edit(webDesired, '/spec/replicas', '3'),
      [{ path: '/spec/replicas', message: 'must be integer, got string "3"' }],
    ],
    [
      'a fraction where an integer belongs',
      edit(webDesired, '/spec/replicas', 1.5),
      [{ path: '/spec/replicas', message: 'must be integer, got number 1.5' }],
    ],
    [
      'an unknown field (typo)',
      edit(webDesired, `${CONTAINERS}/0/imagePullPolcy`, 'Always'),
      [{ path: `${CONTAINERS}/0/imagePullPolcy`, message: 'unknown field "imagePullPolcy"' }],
    ],
    [
      'an unknown top-level field',
      edit(configMap, '/spec', { data: {} }),
      [{ path: '/spec', message: 'unknown field "spec"' }],
    ],
    [
      'a missing required field',
      edit(webDesired, '/spec/selector', undefined),
      [{ path: '/spec/selector', message: 'required field "selector" is missing' }],
    ],
    [
      'a container without a name',
      edit(webDesired, `${CONTAINERS}/1/name`, undefined),
      [{ path: `${CONTAINERS}/1/name`, message: 'required field "name" is missing' }],
    ],
    [
      'a value outside the enum',
      edit(webDesired, `${CONTAINERS}/0/imagePullPolicy`, 'Sometimes'),
      [
        {
          path: `${CONTAINERS}/0/imagePullPolicy`,
          message: 'must be one of "Always", "IfNotPresent", "Never", got string "Sometimes"',
        },
      ],
    ],
    [
      'a boolean where int-or-string belongs',
      edit(webDesired, '/spec/strategy/rollingUpdate/maxSurge', true),
      [
        {
          path: '/spec/strategy/rollingUpdate/maxSurge',
          message: 'must be string or integer, got boolean true',
        },
      ],
    ],
    [
      'a fraction where int-or-string belongs',
      edit(webDesired, `${CONTAINERS}/0/readinessProbe/httpGet/port`, 80.5),
      [
        {
          path: `${CONTAINERS}/0/readinessProbe/httpGet/port`,
          message: 'must be string or integer, got number 80.5',
        },
      ],
    ],
    [
      'an object where a quantity belongs',
      edit(webDesired, `${CONTAINERS}/1/resources/requests/memory`, { value: 64 }),
      [
        {
          path: `${CONTAINERS}/1/resources/requests/memory`,
          message: 'must be string or number, got object',
        },
      ],
    ],
    [
      'a number as a label value (escaped key)',
      edit(webDesired, '/metadata/labels/app.kubernetes.io~1version', 2),
      [
        {
          path: '/metadata/labels/app.kubernetes.io~1version',
          message: 'must be string, got integer 2',
        },
      ],
    ],
    [
      'an object where a list belongs',
      edit(webDesired, `${CONTAINERS}/0/env`, { LOG_LEVEL: 'info' }),
      [{ path: `${CONTAINERS}/0/env`, message: 'must be array, got object' }],
    ],
    [
      'a number in ConfigMap data',
      edit(configMap, '/data/PORT', 8080),
      [{ path: '/data/PORT', message: 'must be string, got integer 8080' }],
    ],
    [
      'several problems, in document order',
      edit(
        edit(webDesired, `${CONTAINERS}/0/ports/0/containerPort`, '8080'),
        '/spec/strategy/type',
        'BlueGreen',
      ),
      [
        {
          path: '/spec/strategy/type',
          message: 'must be one of "Recreate", "RollingUpdate", got string "BlueGreen"',
        },
        {
          path: `${CONTAINERS}/0/ports/0/containerPort`,
          message: 'must be integer, got string "8080"',
        },
      ],
    ],
  ])('%s', (_name, obj, problems) => {
    expect(validateObject(obj, doc)).toEqual({ decided: true, problems });
  });

  it(`reports at most ${String(MAX_PROBLEMS)} problems`, () => {
    const extra = Object.fromEntries(
      Array.from({ length: 120 }, (_, i) => [`field${String(i)}`, i]),
    );
    const result = validateObject(edit(configMap, '/spec', extra), doc);
    expect(result.problems).toHaveLength(1);
    const wide = validateObject({ ...configMap, ...extra }, doc);
    expect(wide.problems).toHaveLength(MAX_PROBLEMS);
  });
});

describe('validateObject: undecided', () => {
  it.each<[string, KubeObject, OpenApiDocument | undefined]>([
    ['no document', configMap, undefined],
    ['a kind the document lacks', { ...configMap, kind: 'Secret' }, doc],
    ['no apiVersion', { kind: 'ConfigMap', metadata: { name: 'x' } }, doc],
  ])('%s', (_name, obj, d) => {
    expect(validateObject(obj, d)).toEqual({ decided: false, problems: [] });
  });
});

describe('validateAgainstSchema: CRD-style schemas', () => {
  const widget: OpenApiSchema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['size'],
        properties: {
          size: { type: 'integer' },
          mode: { type: 'string', enum: ['fast', 'slow'] },
          template: {
            type: 'object',
            'x-kubernetes-embedded-resource': true,
            'x-kubernetes-preserve-unknown-fields': true,
          },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          tags: {
            type: 'object',
            additionalProperties: true,
            properties: { owner: { type: 'string' } },
          },
          strict: { type: 'object', additionalProperties: false },
          tree: { $ref: '#/components/schemas/com.example.v1.Node' },
        },
      },
    },
    'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }],
  };
  const crdDoc: OpenApiDocument = {
    components: {
      schemas: {
        ...appsV1.components.schemas,
        'com.example.v1.Widget': widget,
        'com.example.v1.Node': {
          type: 'object',
          allOf: [
            { properties: { name: { type: 'string' } }, required: ['name'] },
            {
              properties: {
                children: {
                  type: 'array',
                  items: { $ref: '#/components/schemas/com.example.v1.Node' },
                },
              },
            },
          ],
        },
      },
    },
  };
  const base: KubeObject = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'shop', labels: { tier: 'gold' } },
    spec: {
      size: 3,
      mode: 'fast',
      template: { apiVersion: 'v1', kind: 'Pod', anything: { goes: [1, 'two'] } },
      extra: { free: { form: true } },
      tags: { owner: 'team-a', cost: 'c-17' },
      tree: { name: 'root', children: [{ name: 'a', children: [{ name: 'b' }] }] },
    },
  };

  it('accepts a valid object; embedded and preserve-unknown subtrees are not descended', () => {
    expect(validateObject(base, crdDoc)).toEqual({ decided: true, problems: [] });
  });

  it.each<[string, string, JsonValue | undefined, ValidationProblem[]]>([
    [
      'metadata typed only as object is still ObjectMeta',
      '/metadata/labels/tier',
      1,
      [{ path: '/metadata/labels/tier', message: 'must be string, got integer 1' }],
    ],
    [
      'required in a nested object',
      '/spec/size',
      undefined,
      [{ path: '/spec/size', message: 'required field "size" is missing' }],
    ],
    [
      'enum',
      '/spec/mode',
      'warp',
      [{ path: '/spec/mode', message: 'must be one of "fast", "slow", got string "warp"' }],
    ],
    [
      'additionalProperties: false',
      '/spec/strict',
      { x: 1 },
      [{ path: '/spec/strict/x', message: 'unknown field "x"' }],
    ],
    [
      'additionalProperties: true still checks known properties',
      '/spec/tags/owner',
      7,
      [{ path: '/spec/tags/owner', message: 'must be string, got integer 7' }],
    ],
    [
      'recursive $ref with allOf, three levels down',
      '/spec/tree/children/0/children/0',
      { label: 'b' },
      [
        {
          path: '/spec/tree/children/0/children/0/name',
          message: 'required field "name" is missing',
        },
        { path: '/spec/tree/children/0/children/0/label', message: 'unknown field "label"' },
      ],
    ],
  ])('%s', (_name, pointer, value, problems) => {
    expect(validateObject(edit(base, pointer, value), crdDoc).problems).toEqual(problems);
  });

  it('an unresolvable $ref accepts anything', () => {
    const schema: OpenApiSchema = { $ref: '#/components/schemas/does.not.Exist' };
    expect(validateAgainstSchema({ any: 'thing' }, schema, doc)).toEqual([]);
  });

  it('oneOf with structured branches needs one branch to match', () => {
    const schema: OpenApiSchema = {
      oneOf: [
        { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
        { type: 'object', properties: { b: { type: 'integer' } }, required: ['b'] },
      ],
    };
    expect(validateAgainstSchema({ b: 2 }, schema, doc)).toEqual([]);
    expect(validateAgainstSchema({ c: 2 }, schema, doc)).toEqual([
      { path: '', message: 'must match one of 2 allowed forms' },
    ]);
  });
});

describe('validateObject: speed', () => {
  it('validates 1,000 Deployments in well under 50 ms (warm cache)', () => {
    const objects = Array.from({ length: 1_000 }, (_, i) =>
      edit(
        edit(webLive, '/metadata/name', `web-${String(i)}`),
        `${CONTAINERS}/0/image`,
        `ghcr.io/acme/web:1.4.${String(i)}`,
      ),
    );
    validateObject(webDesired, doc); // compiles the schema nodes once
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3; round++) {
      const start = performance.now();
      for (const obj of objects) {
        if (validateObject(obj, doc).problems.length > 0) throw new Error('unexpected problem');
      }
      best = Math.min(best, performance.now() - start);
    }
    expect(best).toBeLessThan(50);
  });
});

describe("validateObject: a Secret's values are never quoted", () => {
  const secretDoc: OpenApiDocument = {
    components: {
      schemas: {
        'io.k8s.api.core.v1.Secret': {
          type: 'object',
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: { type: 'object' },
            data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
            stringData: { type: 'object', additionalProperties: { type: 'string' } },
            type: { type: 'string' },
            immutable: { type: 'boolean' },
          },
          'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Secret' }],
        },
      },
    },
  };
  const secret = (fields: Record<string, JsonValue>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'shop' },
    ...fields,
  });

  it.each<[string, Record<string, JsonValue>, ValidationProblem[]]>([
    [
      'stringData written as one string',
      { stringData: 'password=hunter2' },
      [{ path: '/stringData', message: 'must be object, got string' }],
    ],
    [
      'a number in data (a PIN)',
      { data: { pin: 1234 } },
      [{ path: '/data/pin', message: 'must be string, got integer' }],
    ],
    [
      'a boolean in stringData',
      { stringData: { enabled: true } },
      [{ path: '/stringData/enabled', message: 'must be string, got boolean' }],
    ],
    [
      'a string where a boolean belongs',
      { immutable: 'hunter2' },
      [{ path: '/immutable', message: 'must be boolean, got string' }],
    ],
    ['keys stay named', { dta: { a: 'x' } }, [{ path: '/dta', message: 'unknown field "dta"' }]],
  ])('%s', (_name, fields, problems) => {
    expect(validateObject(secret(fields), secretDoc)).toEqual({ decided: true, problems });
  });

  it('other kinds still quote the value', () => {
    const cm = { ...configMap, data: { PORT: 8080 } };
    expect(validateObject(cm, doc).problems).toEqual([
      { path: '/data/PORT', message: 'must be string, got integer 8080' },
    ]);
  });
});
