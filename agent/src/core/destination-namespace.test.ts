import { describe, expect, it } from 'vitest';
import { ErrorCode, identityOf } from '@gitfleet/proto/domain';
import type { KubeObject, ObjectScope } from '@gitfleet/proto/domain';
import {
  LABEL_CREATED_FOR,
  createdNamespaceEntry,
  destinationRefusal,
  namespaceFor,
  namespaceToCreate,
  namespacedIn,
  placeInDestination,
  planNamespace,
} from './destination-namespace.ts';
import type { NamespacePolicies } from './destination-namespace.ts';
import { LABEL_APP, LABEL_MANAGED_BY } from './labels.ts';
import type { KindScope } from './scope-check.ts';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
});

const DEPLOYMENT = obj('apps/v1', 'Deployment', 'guestbook-ui');
const SERVICE = obj('v1', 'Service', 'guestbook-ui');
const PINNED = obj('v1', 'ConfigMap', 'settings', 'elsewhere');
const CLUSTER_ROLE = obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader');
const WIDGET = obj('example.com/v1', 'Widget', 'w');
const GADGET = obj('example.com/v1', 'Gadget', 'g');
const UNKNOWN = obj('other.io/v1', 'Thing', 't');
const crd = (kind: string, scope: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.example.com` },
  spec: { group: 'example.com', names: { kind }, scope },
});

/** What discovery serves: Deployment, Service, ConfigMap namespaced; ClusterRole, CRD not. */
const SERVED: Readonly<Record<string, boolean>> = {
  'apps/Deployment': true,
  '/Service': true,
  '/ConfigMap': true,
  '/Namespace': false,
  'rbac.authorization.k8s.io/ClusterRole': false,
  'apiextensions.k8s.io/CustomResourceDefinition': false,
};
const served: KindScope = (gk) => SERVED[`${gk.group}/${gk.kind}`];

const namespaceOf = (o: KubeObject): string => identityOf(o).namespace;

describe('placeInDestination', () => {
  const WIDGET_CRD = crd('Widget', 'Namespaced');
  const set = [
    DEPLOYMENT,
    SERVICE,
    PINNED,
    CLUSTER_ROLE,
    WIDGET_CRD,
    crd('Gadget', 'Cluster'),
    WIDGET,
    GADGET,
    UNKNOWN,
  ];

  it.each<[string, KubeObject, string]>([
    ['a namespaced kind without namespace goes into it', DEPLOYMENT, 'guestbook'],
    ['a core namespaced kind too', SERVICE, 'guestbook'],
    ['an object with a namespace keeps it', PINNED, 'elsewhere'],
    ['a cluster-scoped kind stays cluster-scoped', CLUSTER_ROLE, ''],
    ['a CRD itself is cluster-scoped', WIDGET_CRD, ''],
    ['a custom kind the set defines Namespaced goes into it', WIDGET, 'guestbook'],
    ['a custom kind the set defines Cluster stays', GADGET, ''],
    ['a kind nobody knows is left alone', UNKNOWN, ''],
  ])('%s', (_, o, expected) => {
    const placed = placeInDestination(set, 'guestbook', namespacedIn(set, served));
    const i = set.indexOf(o);
    expect(namespaceOf(placed[i] as KubeObject)).toBe(expected);
  });

  it('untouched objects are the same references; the input is not mutated', () => {
    const placed = placeInDestination(set, 'guestbook', namespacedIn(set, served));
    expect(placed[2]).toBe(PINNED);
    expect(placed[3]).toBe(CLUSTER_ROLE);
    expect(namespaceOf(DEPLOYMENT)).toBe('');
  });

  it('without a destination namespace the set is unchanged', () => {
    expect(placeInDestination(set, undefined, served)).toEqual(set);
  });

  it('a served kind wins over a CRD of the set', () => {
    const set2 = [crd('Widget', 'Cluster'), WIDGET];
    const kinds = namespacedIn(set2, (gk) => (gk.kind === 'Widget' ? true : undefined));
    expect(namespaceOf(placeInDestination(set2, 'ns', kinds)[1] as KubeObject)).toBe('ns');
  });
});

const CREATE: NamespacePolicies = { destinationNamespace: 'guestbook', createNamespace: true };
const NO_CREATE: NamespacePolicies = { destinationNamespace: 'guestbook' };
const PLACED = [
  obj('apps/v1', 'Deployment', 'guestbook-ui', 'guestbook'),
  obj('v1', 'Service', 'guestbook-ui', 'guestbook'),
];
const DECLARED_NS = obj('v1', 'Namespace', 'guestbook');
const liveNs = (labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'guestbook', uid: 'u-1', labels },
});

describe('namespaceFor / namespaceToCreate', () => {
  it('labels the Namespace managed-by gitfleet and created-for the app, never with the app label', () => {
    const ns = namespaceFor('guestbook', 'guestbook');
    expect(ns).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'guestbook',
        labels: { [LABEL_MANAGED_BY]: 'gitfleet', [LABEL_CREATED_FOR]: 'guestbook' },
      },
    });
    expect(JSON.stringify(ns)).not.toContain(LABEL_APP);
  });

  it.each<[string, NamespacePolicies, KubeObject[], boolean]>([
    ['createNamespace with a destination', CREATE, PLACED, true],
    ['no createNamespace', NO_CREATE, PLACED, false],
    ['no destination', {}, PLACED, false],
    ['the set declares the Namespace itself', CREATE, [...PLACED, DECLARED_NS], false],
  ])('%s → %s', (_, policies, set, expected) => {
    expect(namespaceToCreate('guestbook', policies, set) !== undefined).toBe(expected);
  });
});

describe('planNamespace', () => {
  it.each<[string, NamespacePolicies, KubeObject[], KubeObject | undefined, string]>([
    ['no destination', {}, PLACED, undefined, 'none'],
    ['missing, createNamespace', CREATE, PLACED, undefined, 'create'],
    ['missing, the set declares it', CREATE, [...PLACED, DECLARED_NS], undefined, 'none'],
    ['missing, no createNamespace, objects meant for it', NO_CREATE, PLACED, undefined, 'missing'],
    [
      'missing, no createNamespace, nothing meant for it',
      NO_CREATE,
      [obj('v1', 'ConfigMap', 'c', 'other')],
      undefined,
      'none',
    ],
    [
      'exists, created for this app',
      CREATE,
      PLACED,
      liveNs({ [LABEL_CREATED_FOR]: 'guestbook' }),
      'present',
    ],
    [
      'exists, created for another app',
      CREATE,
      PLACED,
      liveNs({ [LABEL_CREATED_FOR]: 'other' }),
      'none',
    ],
    ['exists, made by someone else', CREATE, PLACED, liveNs({}), 'none'],
    ['exists, no createNamespace', NO_CREATE, PLACED, liveNs({}), 'none'],
  ])('%s → %s', (_, policies, set, live, kind) => {
    expect(planNamespace({ app: 'guestbook', policies, set, live }).kind).toBe(kind);
  });

  it('create: the labelled Namespace', () => {
    const plan = planNamespace({
      app: 'guestbook',
      policies: CREATE,
      set: PLACED,
      live: undefined,
    });
    expect(plan).toEqual({ kind: 'create', object: namespaceFor('guestbook', 'guestbook') });
  });

  it('missing: says the namespace does not exist and how to fix it', () => {
    const plan = planNamespace({
      app: 'guestbook',
      policies: NO_CREATE,
      set: PLACED,
      live: undefined,
    });
    expect(plan.kind).toBe('missing');
    if (plan.kind !== 'missing') return;
    expect(plan.namespace).toBe('guestbook');
    expect(plan.error.code).toBe(ErrorCode.NotFound);
    expect(plan.error.message).toMatch(/namespace "guestbook" .* does not exist/);
    expect(plan.error.message).toContain('createNamespace: true');
  });

  it('present and created: reported, never in the inventory', () => {
    const plan = planNamespace({
      app: 'guestbook',
      policies: CREATE,
      set: PLACED,
      live: liveNs({ [LABEL_CREATED_FOR]: 'guestbook' }),
    });
    expect(plan).toMatchObject({
      kind: 'present',
      entry: { action: 'unchanged', dropFromInventory: true, uid: 'u-1' },
    });
    expect(createdNamespaceEntry('guestbook', liveNs({}))).toMatchObject({
      ref: { group: '', version: 'v1', kind: 'Namespace', namespace: '', name: 'guestbook' },
      action: 'created',
      dropFromInventory: true,
      uid: 'u-1',
    });
  });
});

describe('destinationRefusal', () => {
  const scope: ObjectScope = {
    name: 'team',
    namespaces: ['team-*'],
    kinds: { allowClusterScoped: [], deny: [] },
  };

  it.each<[string, ObjectScope | undefined, NamespacePolicies, boolean]>([
    ['inside the project', scope, { destinationNamespace: 'team-a' }, false],
    ['outside the project', scope, { destinationNamespace: 'guestbook' }, true],
    ['no destination', scope, {}, false],
    ['no project scope', undefined, { destinationNamespace: 'guestbook' }, false],
  ])('%s → refused %s', (_, s, policies, refused) => {
    expect(destinationRefusal(s, policies) !== undefined).toBe(refused);
  });

  it('names the namespace, the project and its namespaces, as the Namespace', () => {
    const r = destinationRefusal(scope, { destinationNamespace: 'guestbook' });
    expect(r?.object).toEqual({ group: '', kind: 'Namespace', namespace: '', name: 'guestbook' });
    expect(r?.violations[0]?.rule).toBe('namespaces');
    expect(r?.violations[0]?.message).toBe(
      'destination namespace "guestbook" (spec.destination.namespace) is not allowed by project "team" (namespaces: "team-*")',
    );
  });
});
