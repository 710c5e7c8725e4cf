import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { FieldChange, IgnoreRule, JsonValue, KubeObject } from '@gitfleet/proto/domain';
import {
  AGENT,
  beforeFirstApplyEntry,
  kubectlClientSideApplyEntry,
  kubectlEditImageEntry,
  kubectlLabelEntry,
  kubectlScaleEntry,
  kubectlServerSideApplyEntry,
  secretDesired,
  secretLive,
  serviceDesired,
  serviceLive,
  webDesired,
  webLive,
} from '../__fixtures__/drift-objects.ts';
import {
  CONTAINERS,
  OUR_WEB,
  at,
  edit,
  opts,
  paths,
  webRef,
  withEntries,
} from '../__fixtures__/drift-edit.ts';
import { compareDesiredLive, compareDryRunLive } from './compare.ts';
import { ignoredPointers } from './policy.ts';

describe('compareDesiredLive: in sync despite server representation', () => {
  it('the live object right after our apply has no drift', () => {
    expect(compareDesiredLive(webDesired, webLive, opts)).toEqual({
      drifted: false,
      changes: [],
      undecidable: false,
      undecidablePaths: [],
    });
  });

  it.each<[string, KubeObject, KubeObject]>([
    [
      'null in desired means absent',
      edit(webDesired, ['/metadata/creationTimestamp', null], ['/spec/paused', null]),
      webLive,
    ],
    [
      'empty map and list in desired equal a missing live field',
      edit(
        webDesired,
        ['/spec/template/spec/nodeSelector', {}],
        ['/spec/template/spec/imagePullSecrets', []],
        ['/status', {}],
      ),
      webLive,
    ],
    [
      'zero values in desired equal a field the server dropped',
      edit(webDesired, [`${CONTAINERS}/1/workingDir`, ''], [`${CONTAINERS}/1/stdin`, false]),
      webLive,
    ],
    [
      'server-written metadata and annotations in desired are not compared',
      edit(
        webDesired,
        ['/metadata/resourceVersion', '1'],
        ['/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration', '{}'],
      ),
      webLive,
    ],
    [
      'another manager adding a label is not drift',
      webDesired,
      withEntries(edit(webLive, ['/metadata/labels/team', 'payments']), kubectlLabelEntry),
    ],
    [
      'live list elements other managers added are not drift (sidecar injected)',
      webDesired,
      edit(webLive, [`${CONTAINERS}/2`, { name: 'istio-proxy', image: 'istio/proxyv2:1.24.0' }]),
    ],
    [
      'containers matched by name, not position',
      webDesired,
      edit(webLive, [CONTAINERS, [at(webLive, `${CONTAINERS}/1`), at(webLive, `${CONTAINERS}/0`)]]),
    ],
  ])('%s', (_name, desired, live) => {
    const result = compareDesiredLive(desired, live, opts);
    expect(result.changes).toEqual([]);
    expect(result.undecidable).toBe(false);
  });
});

describe('compareDesiredLive: changes made by kubectl', () => {
  it.each<[string, KubeObject, FieldChange[]]>([
    [
      'kubectl scale',
      withEntries(
        edit(
          webLive,
          ['/spec/replicas', 5],
          ['/metadata/managedFields/0/fieldsV1/f:spec/f:replicas', undefined],
        ),
        kubectlScaleEntry,
      ),
      [{ path: '/spec/replicas', desired: 3, live: 5 }],
    ],
    [
      'kubectl edit of the image',
      withEntries(
        edit(
          webLive,
          [`${CONTAINERS}/0/image`, 'ghcr.io/acme/web:1.4.3-hotfix'],
          [`${OUR_WEB}/f:image`, undefined],
        ),
        kubectlEditImageEntry,
      ),
      [
        {
          path: `${CONTAINERS}/0/image`,
          desired: 'ghcr.io/acme/web:1.4.2',
          live: 'ghcr.io/acme/web:1.4.3-hotfix',
        },
      ],
    ],
    [
      'kubectl label --overwrite of our label (pointer escaping)',
      withEntries(
        edit(
          webLive,
          ['/metadata/labels/app.kubernetes.io~1managed-by', 'helm'],
          [
            '/metadata/managedFields/0/fieldsV1/f:metadata/f:labels/f:app.kubernetes.io~1managed-by',
            undefined,
          ],
        ),
        kubectlLabelEntry,
      ),
      [
        {
          path: '/metadata/labels/app.kubernetes.io~1managed-by',
          desired: 'gitfleet',
          live: 'helm',
        },
      ],
    ],
    [
      'kubectl annotate removing our annotation',
      edit(
        webLive,
        ['/metadata/annotations/prometheus.io~1scrape', undefined],
        // it was our only annotation, so the whole f:annotations node goes
        ['/metadata/managedFields/0/fieldsV1/f:metadata/f:annotations', undefined],
      ),
      [{ path: '/metadata/annotations/prometheus.io~1scrape', desired: 'true' }],
    ],
    [
      'kubectl edit deleting the sidecar container',
      edit(
        webLive,
        [`${CONTAINERS}/1`, undefined],
        [`${OUR_WEB.replace('web"}', 'log-shipper"}')}`, undefined],
      ),
      [
        {
          path: `${CONTAINERS}/1`,
          desired: at(webDesired, `${CONTAINERS}/1`),
        },
      ],
    ],
    [
      'kubectl apply (client-side) of an old env value',
      withEntries(
        edit(
          webLive,
          [`${CONTAINERS}/0/env/0/value`, 'debug'],
          [`${OUR_WEB}/f:env/k:{"name":"LOG_LEVEL"}/f:value`, undefined],
        ),
        kubectlClientSideApplyEntry,
      ),
      [{ path: `${CONTAINERS}/0/env/0/value`, desired: 'info', live: 'debug' }],
    ],
    [
      'kubectl apply --server-side --force-conflicts of another memory limit (quantity by value)',
      withEntries(
        edit(
          webLive,
          [`${CONTAINERS}/0/resources/limits/memory`, '1Gi'],
          [`${OUR_WEB}/f:resources/f:limits/f:memory`, undefined],
        ),
        kubectlServerSideApplyEntry,
      ),
      [{ path: `${CONTAINERS}/0/resources/limits/memory`, desired: '0.5Gi', live: '1Gi' }],
    ],
    [
      'an extra argument in an atomic list replaces the whole value',
      edit(webLive, [`${CONTAINERS}/0/args/1`, '--debug'], [`${OUR_WEB}/f:args`, undefined]),
      [
        {
          path: `${CONTAINERS}/0/args`,
          desired: ['--listen=:8080'],
          live: ['--listen=:8080', '--debug'],
        },
      ],
    ],
  ])('%s', (_name, live, expected) => {
    const result = compareDesiredLive(webDesired, live, opts);
    expect(result.changes).toEqual(expected);
    expect(result.drifted).toBe(true);
    expect(result.undecidable).toBe(false);
  });
});

describe('compareDesiredLive: ignore rules', () => {
  const scaled = withEntries(
    edit(
      webLive,
      ['/spec/replicas', 7],
      ['/metadata/managedFields/0/fieldsV1/f:spec/f:replicas', undefined],
    ),
    { ...(kubectlScaleEntry as object), manager: 'kube-controller-manager' },
  );

  it.each<[string, IgnoreRule[], boolean]>([
    ['no rule: HPA scaling is drift', [], true],
    [
      'rule for the kind',
      [{ selector: { kind: 'Deployment' }, jsonPointers: ['/spec/replicas'] }],
      false,
    ],
    [
      'rule with a name prefix wildcard',
      [{ selector: { group: 'apps', name: 'we*' }, jsonPointers: ['/spec/replicas'] }],
      false,
    ],
    [
      'rule for another namespace does not apply',
      [{ selector: { namespace: 'other' }, jsonPointers: ['/spec/replicas'] }],
      true,
    ],
    [
      'rule for the core group does not apply to apps',
      [{ selector: { group: '' }, jsonPointers: ['/spec/replicas'] }],
      true,
    ],
    ['rule on a parent pointer', [{ selector: {}, jsonPointers: ['/spec'] }], false],
  ])('%s', (_name, ignore, drifted) => {
    expect(compareDesiredLive(webDesired, scaled, { ignore, fieldManager: AGENT }).drifted).toBe(
      drifted,
    );
  });

  it('escaped pointers and list indices (desired-object indices) are honoured', () => {
    const live = edit(
      webLive,
      ['/metadata/labels/app.kubernetes.io~1managed-by', 'helm'],
      [
        '/metadata/managedFields/0/fieldsV1/f:metadata/f:labels/f:app.kubernetes.io~1managed-by',
        undefined,
      ],
      [`${CONTAINERS}/1/image`, 'fluent/fluent-bit:3.2.0'],
      [`${OUR_WEB.replace('web"}', 'log-shipper"}')}/f:image`, undefined],
    );
    const ignore: IgnoreRule[] = [
      {
        selector: { kind: 'Deployment' },
        jsonPointers: ['/metadata/labels/app.kubernetes.io~1managed-by', `${CONTAINERS}/1/image`],
      },
    ];
    expect(compareDesiredLive(webDesired, live, { ignore, fieldManager: AGENT }).drifted).toBe(
      false,
    );
    expect(ignoredPointers(webRef, ignore)).toHaveLength(2);
  });
});

describe('compareDesiredLive: undecidable differences', () => {
  it('a value only we own that differs is the server canonicalising our apply', () => {
    // A mutating webhook pinned the image to a digest during our own apply: we still own it.
    const live = edit(webLive, [`${CONTAINERS}/0/image`, 'ghcr.io/acme/web:1.4.2@sha256:9f86d081']);
    expect(compareDesiredLive(webDesired, live, opts)).toEqual({
      drifted: false,
      changes: [],
      undecidable: true,
      undecidablePaths: [`${CONTAINERS}/0/image`],
    });
  });

  it('a different JSON type without managedFields to ask', () => {
    const desired: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'shop' },
      spec: { size: '3', color: 'blue' },
    };
    const live = edit(desired, ['/spec/size', 3], ['/spec/color', 'red']);
    const result = compareDesiredLive(desired, live, opts);
    expect(result.undecidablePaths).toEqual(['/spec/size']);
    expect(paths(result.changes)).toEqual(['/spec/color']);
  });

  it('a different apiVersion cannot be compared locally', () => {
    const live = edit(webLive, ['/apiVersion', 'apps/v1beta2']);
    expect(compareDesiredLive(webDesired, live, opts)).toMatchObject({
      drifted: false,
      undecidable: true,
    });
  });

  it('a value differing where another manager also owns it is drift', () => {
    const live = withEntries(
      edit(webLive, ['/spec/replicas', 4]),
      kubectlScaleEntry, // both own /spec/replicas (as after a non-forced co-apply)
    );
    expect(paths(compareDesiredLive(webDesired, live, opts).changes)).toEqual(['/spec/replicas']);
  });
});

describe('compareDesiredLive: normalisation', () => {
  it.each<[string, JsonValue, JsonValue, boolean]>([
    ['cpu 1 = "1"', 1, '1', true],
    ['cpu "1" = "1000m"', '1', '1000m', true],
    ['cpu 0.5 = "500m"', 0.5, '500m', true],
    ['memory "1Gi" = "1073741824"', '1Gi', '1073741824', true],
    ['memory 1073741824 = "1Gi"', 1073741824, '1Gi', true],
    ['memory "1.5Gi" = "1536Mi"', '1.5Gi', '1536Mi', true],
    ['"1e3" = "1k"', '1e3', '1k', true],
    ['"100m" = "0.1"', '100m', '0.1', true],
    ['"1Gi" ≠ "1G"', '1Gi', '1G', false],
    ['"1" ≠ "1001m"', '1', '1001m', false],
    ['"2" ≠ "1"', '2', '1', false],
  ])('quantity %s', (_name, desiredCpu, liveCpu, equal) => {
    const desired = edit(webDesired, [`${CONTAINERS}/1/resources/requests/cpu`, desiredCpu]);
    const live = edit(
      webLive,
      [`${CONTAINERS}/1/resources/requests/cpu`, liveCpu],
      [`${OUR_WEB.replace('web"}', 'log-shipper"}')}/f:resources/f:requests/f:cpu`, undefined],
    );
    expect(compareDesiredLive(desired, live, opts).drifted).toBe(!equal);
  });

  it.each<[string, JsonValue, JsonValue, 'equal' | 'drift' | 'undecidable']>([
    ['targetPort number = numeric string', 8080, '8080', 'equal'],
    ['targetPort numeric string = number', '8080', 8080, 'equal'],
    ['targetPort number ≠ number', 8081, 8080, 'drift'],
    // No managedFields here: a different JSON type may be the server's conversion.
    ['targetPort name vs number', 'http', 8080, 'undecidable'],
  ])('int-or-string %s', (_name, desiredPort, livePort, expected) => {
    const desired = edit(serviceDesired, ['/spec/ports/0/targetPort', desiredPort]);
    const live = edit(serviceLive, ['/spec/ports/1/targetPort', livePort]);
    const result = compareDesiredLive(desired, live, opts);
    const outcome = result.drifted ? 'drift' : result.undecidable ? 'undecidable' : 'equal';
    expect(outcome).toBe(expected);
  });

  it('unnamed ports match by port and protocol (TCP by default)', () => {
    expect(compareDesiredLive(serviceDesired, serviceLive, opts).drifted).toBe(false);
    const moved = edit(serviceLive, ['/spec/ports/1/port', 8080]);
    expect(compareDesiredLive(serviceDesired, moved, opts).changes).toEqual([
      { path: '/spec/ports/0', desired: { port: 80, targetPort: '8080' } },
    ]);
  });

  it('volume mounts match by mountPath (one volume mounted twice)', () => {
    const mounts: JsonValue = [
      { name: 'config', mountPath: '/etc/web', readOnly: true },
      { name: 'config', mountPath: '/etc/web-extra', subPath: 'extra' },
    ];
    const desired = edit(webDesired, [`${CONTAINERS}/0/volumeMounts`, mounts]);
    const live = edit(webLive, [
      `${CONTAINERS}/0/volumeMounts`,
      [(mounts as JsonValue[])[1] ?? null, (mounts as JsonValue[])[0] ?? null],
    ]);
    expect(compareDesiredLive(desired, live, opts).drifted).toBe(false);
  });

  it('finalizers are a set: ours must be present, others may be added', () => {
    const desired = edit(webDesired, ['/metadata/finalizers', ['example.com/drain-before-delete']]);
    const live = withEntries(
      edit(webLive, [
        '/metadata/finalizers',
        ['kubernetes.io/protect', 'example.com/drain-before-delete'],
      ]),
      beforeFirstApplyEntry,
    );
    expect(compareDesiredLive(desired, live, opts).drifted).toBe(false);
    const removed = edit(live, ['/metadata/finalizers', ['kubernetes.io/protect']]);
    expect(paths(compareDesiredLive(desired, removed, opts).changes)).toEqual([
      '/metadata/finalizers',
    ]);
  });
});

describe('compareDesiredLive: Secrets', () => {
  it('stringData in desired equals the base64 data in live', () => {
    expect(compareDesiredLive(secretDesired, secretLive, opts).drifted).toBe(false);
  });

  it('a changed value shows under stringData, decoded', () => {
    const live = edit(secretLive, ['/data/password', Buffer.from('hunter3').toString('base64')]);
    expect(compareDesiredLive(secretDesired, live, opts).changes).toEqual([
      { path: '/stringData/password', desired: 'hunter2', live: 'hunter3' },
    ]);
  });

  it('a removed key shows as missing', () => {
    const live = edit(secretLive, ['/data/username', undefined]);
    expect(compareDesiredLive(secretDesired, live, opts).changes).toEqual([
      { path: '/stringData/username', desired: 'web' },
    ]);
  });

  it('data compares decoded bytes (padding and line breaks do not matter)', () => {
    const desired = edit(secretDesired, ['/data/ca.crt', 'LS0tLS1CRUdJTiBD\nRVJUSUZJQ0FURS0tLS0t']);
    expect(compareDesiredLive(desired, secretLive, opts).drifted).toBe(false);
    const padded = edit(secretDesired, ['/data/token', 'aGk'], ['/stringData', undefined]);
    const live = edit(secretLive, ['/data/token', 'aGk=']);
    expect(compareDesiredLive(padded, live, opts).drifted).toBe(false);
  });
});

describe('compareDryRunLive', () => {
  const dryRun = edit(webLive, ['/metadata/resourceVersion', '918274']);

  it('a dry-run equal to live (but for server fields) is no drift', () => {
    expect(compareDryRunLive(dryRun, webLive, { ignore: [] })).toMatchObject({
      drifted: false,
      undecidable: false,
    });
  });

  it('compares both ways: changed, and only-in-live fields', () => {
    const live = edit(webLive, ['/spec/replicas', 5], ['/spec/template/spec/hostNetwork', true]);
    expect(compareDryRunLive(dryRun, live, { ignore: [] }).changes).toEqual([
      { path: '/spec/replicas', desired: 3, live: 5 },
      { path: '/spec/template/spec/hostNetwork', live: true },
    ]);
  });

  it('applies ignore rules', () => {
    const live = edit(webLive, ['/spec/replicas', 5]);
    const ignore: IgnoreRule[] = [
      { selector: { kind: 'Deployment' }, jsonPointers: ['/spec/replicas'] },
    ];
    expect(compareDryRunLive(dryRun, live, { ignore }).drifted).toBe(false);
  });
});
