import { describe, expect, it } from 'vitest';
import { pinKey, pinValues, pinsInFile, type PinLocation } from './pin-locations.ts';

const ENVS = `# environments
apiVersion: gitfleet.dev/v1alpha1
kind: Environment
metadata: { name: staging }
spec:
  selector: { matchLabels: { env: staging } }
  pins:
    web: v1.2.0   # the release
    api: "1234567"
---
apiVersion: gitfleet.dev/v1alpha1
kind: Environment
metadata: { name: prod }
spec:
  selector: {}
  pins: { web: v1.1.0 }
  targetPins:
    prd-2:
      web: main
`;

describe('pinsInFile', () => {
  it.each<{ name: string; text: string; want: PinLocation[] }>([
    {
      name: 'environment pins and target pins with the line of each key',
      text: ENVS,
      want: [
        { environment: 'staging', app: 'web', value: 'v1.2.0', file: 'f.yaml', line: 8 },
        { environment: 'staging', app: 'api', value: '1234567', file: 'f.yaml', line: 9 },
        { environment: 'prod', app: 'web', value: 'v1.1.0', file: 'f.yaml', line: 16 },
        {
          environment: 'prod',
          app: 'web',
          target: 'prd-2',
          value: 'main',
          file: 'f.yaml',
          line: 19,
        },
      ],
    },
    {
      name: 'JSON is YAML too',
      text: '{"apiVersion":"gitfleet.dev/v1alpha1","kind":"Environment","metadata":{"name":"dev"},\n"spec":{"pins":{"web":"abc"}}}\n',
      want: [{ environment: 'dev', app: 'web', value: 'abc', file: 'f.yaml', line: 2 }],
    },
    {
      name: 'not an Environment of the fleet API',
      text: 'apiVersion: other/v1\nkind: Environment\nmetadata: { name: x }\nspec: { pins: { web: v1 } }\n',
      want: [],
    },
    {
      name: 'a file that does not parse has no pins',
      text: 'kind: Environment\nspec: { pins: [\n',
      want: [],
    },
    {
      name: 'a value that is not a string is not a pin',
      text: 'apiVersion: gitfleet.dev/v1alpha1\nkind: Environment\nmetadata: { name: x }\nspec: { pins: { web: 12, api: v2 } }\n',
      want: [{ environment: 'x', app: 'api', value: 'v2', file: 'f.yaml', line: 4 }],
    },
  ])('$name', ({ text, want }) => {
    expect(pinsInFile('f.yaml', text)).toEqual(want);
  });

  it('pinValues keys each pin by environment, app and target', () => {
    const v = pinValues('f.yaml', ENVS);
    expect(v.get(pinKey({ environment: 'prod', app: 'web' }))).toBe('v1.1.0');
    expect(v.get(pinKey({ environment: 'prod', app: 'web', target: 'prd-2' }))).toBe('main');
    expect(v.size).toBe(4);
  });
});
