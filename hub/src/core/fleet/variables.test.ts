import { describe, expect, it } from 'vitest';
import type { JsonValue } from '@gitfleet/proto/domain';
import { overlayVariables, substituteVariables, variablesIn } from './variables.ts';
import type { VariableUse } from './variables.ts';

describe('variablesIn', () => {
  it.each<[string, VariableUse[]]>([
    ['plain', []],
    ['ns-${target.name}', [{ name: 'target.name' }]],
    [
      '${ environment.name }-${target.labels.region}',
      [{ name: 'environment.name' }, { name: 'target.labels.region' }],
    ],
    [
      '${target.labels.topology.kubernetes.io/zone}',
      [{ name: 'target.labels.topology.kubernetes.io/zone' }],
    ],
    ['$${target.name} is escaped', []],
    [
      '${target.region}',
      [
        {
          name: 'target.region',
          problem:
            '${target.region}: use ${target.name}, ${target.labels.<key>} or ${environment.name}',
        },
      ],
    ],
    [
      '${target.labels.-bad}',
      [{ name: 'target.labels.-bad', problem: '${target.labels.-bad}: "-bad" is not a label key' }],
    ],
    ['${target.name', [{ name: 'target.name', problem: "has a '${' without its closing '}'" }]],
  ])('%j', (text, expected) => {
    expect(variablesIn(text)).toEqual(expected);
  });
});

describe('substituteVariables', () => {
  const vars = overlayVariables(
    { name: 'prod-eu-1', labels: { region: 'eu', 'topology.kubernetes.io/zone': 'eu-west-1a' } },
    { name: 'prod', selector: {}, pins: {} },
  );

  it('knows the target name, its labels and its environment', () => {
    expect(vars).toEqual({
      'target.name': 'prod-eu-1',
      'environment.name': 'prod',
      'target.labels.region': 'eu',
      'target.labels.topology.kubernetes.io/zone': 'eu-west-1a',
    });
  });

  it.each<[string, JsonValue, JsonValue, string[]]>([
    ['string', 'shop-${target.labels.region}', 'shop-eu', []],
    ['escape', 'literal $${target.name}', 'literal ${target.name}', []],
    [
      'nested values, keys untouched',
      {
        '${target.name}': [
          '${environment.name}',
          3,
          true,
          null,
          { zone: '${target.labels.topology.kubernetes.io/zone}' },
        ],
      },
      { '${target.name}': ['prod', 3, true, null, { zone: 'eu-west-1a' }] },
      [],
    ],
    [
      'missing label stays and is listed',
      'x-${target.labels.cell}-${target.labels.cell}',
      'x-${target.labels.cell}-${target.labels.cell}',
      ['target.labels.cell'],
    ],
  ])('%s', (_name, value, expected, missing) => {
    expect(substituteVariables(value, vars)).toEqual({ value: expected, missing });
  });

  it('a target without environment has no environment.name', () => {
    const noEnv = overlayVariables({ name: 'lab-1', labels: {} }, undefined);
    expect(substituteVariables('${environment.name}', noEnv)).toEqual({
      value: '${environment.name}',
      missing: ['environment.name'],
    });
  });
});
