import { describe, expect, it } from 'vitest';
import {
  AGENT,
  beforeFirstApplyEntry,
  kubectlScaleEntry,
  webLive,
} from '../__fixtures__/drift-objects.ts';
import { CONTAINERS, edit, withEntries } from '../__fixtures__/drift-edit.ts';
import { UNKNOWN_MANAGER, managerOfPath } from './managed-fields.ts';

describe('managerOfPath', () => {
  const live = withEntries(
    edit(
      webLive,
      ['/spec/replicas', 5],
      ['/metadata/managedFields/0/fieldsV1/f:spec/f:replicas', undefined],
      ['/metadata/labels/team', 'payments'],
      ['/metadata/finalizers', ['example.com/drain-before-delete']],
    ),
    kubectlScaleEntry,
    beforeFirstApplyEntry,
  );

  it.each<[string, string]>([
    ['/spec/replicas', 'kubectl'],
    ['/metadata/annotations/deployment.kubernetes.io~1revision', 'kube-controller-manager'],
    ['/status/conditions/1/reason', 'kube-controller-manager'],
    [`${CONTAINERS}/0/image`, AGENT],
    [`${CONTAINERS}/0/ports/0/containerPort`, AGENT],
    [`${CONTAINERS}/0/env/1/valueFrom/secretKeyRef/key`, AGENT],
    [`${CONTAINERS}/0/args/0`, AGENT],
    ['/spec/selector/matchLabels/app.kubernetes.io~1name', AGENT],
    ['/spec/template/spec/volumes/0/configMap/name', AGENT],
    ['/metadata/labels/team', 'before-first-apply'],
    ['/metadata/finalizers/0', 'before-first-apply'],
    ['/spec/template/spec/dnsPolicy', UNKNOWN_MANAGER],
    ['/metadata/labels/absent', UNKNOWN_MANAGER],
    ['not-a-pointer', UNKNOWN_MANAGER],
  ])('%s is owned by %s', (path, manager) => {
    expect(managerOfPath(live, path, AGENT)).toBe(manager);
  });

  it('prefers another manager over ours when both own a path', () => {
    const shared = withEntries(webLive, kubectlScaleEntry);
    expect(managerOfPath(shared, '/spec/replicas', AGENT)).toBe('kubectl');
  });

  it('answers unknown without managedFields', () => {
    expect(
      managerOfPath(edit(webLive, ['/metadata/managedFields', undefined]), '/spec/replicas', AGENT),
    ).toBe(UNKNOWN_MANAGER);
  });
});
