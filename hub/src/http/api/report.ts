/**
 * The body of `GET /api/v1/report`: the last StatusReport of one (target, application) as the
 * agent sent it — sync and health, each object with what the apply did and its health, the drift
 * records (Secret values masked as in `GET /api/v1/drift`), the unmanaged objects, and the
 * app-level error — with the target's connection. States and health are PascalCase, actions
 * lowercase, as everywhere in the API.
 */
import Type from 'typebox';
import {
  ApplyAction,
  DriftAction,
  HealthStatus,
  SyncState,
  UnmanagedAction,
} from '@gitfleet/proto/domain';
import { FieldChange } from './fleet.ts';
import {
  ConnectionStateSchema,
  ErrorDetail,
  ObjectRef,
  closed,
  int,
  str,
  type Wire,
} from './schema.ts';

export const ObjectResult = closed(
  {
    ref: ObjectRef,
    action: Type.Enum(ApplyAction, { description: 'What the last apply did to the object.' }),
    health: Type.Enum(HealthStatus),
    healthMessage: str('Why the object has that health; "" when there is nothing to say.'),
    message: str('What the apply said of the object; "" when none.'),
    error: Type.Optional(ErrorDetail),
  },
  { $id: 'ObjectResult' },
);
export type ObjectResult = Wire<typeof ObjectResult>;

export const DriftRecord = closed(
  {
    ref: ObjectRef,
    changes: Type.Array(FieldChange, {
      description: 'The fields that drifted (Secret values as fingerprints).',
    }),
    fieldManager: str('Manager that made the change; "" when unknown.'),
    firstSeenUnixMs: int('Drifted since.'),
    lastSeenUnixMs: int(),
    action: Type.Enum(DriftAction),
    correctionCount: int(),
  },
  { $id: 'DriftRecord' },
);
export type DriftRecord = Wire<typeof DriftRecord>;

export const UnmanagedObject = closed(
  {
    ref: ObjectRef,
    createdBy: str('Manager that created it; "" when unknown.'),
    action: Type.Enum(UnmanagedAction),
    message: str('"" when none.'),
  },
  { $id: 'UnmanagedObject' },
);
export type UnmanagedObject = Wire<typeof UnmanagedObject>;

export const PairReport = closed(
  {
    target: str(),
    app: str(),
    connection: ConnectionStateSchema,
    observedAtMs: int('When the hub observed the report (Unix ms).'),
    assignmentVersion: int('The version of the desired state the agent reported on.'),
    revision: str('Commit SHA the agent runs.'),
    contentDigest: str('Digest of the desired objects the agent holds.'),
    sync: Type.Enum(SyncState),
    health: Type.Enum(HealthStatus, {
      description:
        'Of the application as reported; Unknown while the target is not Connected (its report is old news).',
    }),
    healthMessage: str('"" when there is nothing to say.'),
    objects: Type.Array(ObjectResult, {
      description: 'Every desired object, as of the report, sorted by kind, namespace, name.',
    }),
    drift: Type.Array(DriftRecord),
    unmanaged: Type.Array(UnmanagedObject),
    error: Type.Optional(ErrorDetail),
  },
  { $id: 'Report' },
);
export type PairReport = Wire<typeof PairReport>;
