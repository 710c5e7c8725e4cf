/**
 * `GET /api/v1/diff`: what a revision of an application would change on a target, per object
 * added, removed or changed, each with a unified diff of its YAML (../diff.ts, ../preview.ts).
 */
import Type from 'typebox';
import { ObjectRef, closed, int, str, type Wire } from './schema.ts';

/** How an object differs between the current desired state and the revision's. */
export const ObjectChange = { Added: 'added', Removed: 'removed', Changed: 'changed' } as const;
export type ObjectChange = (typeof ObjectChange)[keyof typeof ObjectChange];

export const ObjectDiff = closed(
  {
    ref: ObjectRef,
    change: Type.Enum(ObjectChange),
    diff: str(
      'Unified diff of the object as YAML: `---`/`+++` headers, `@@ -l,s +l,s @@` hunks, 3 lines of context.',
    ),
  },
  { $id: 'ObjectDiff' },
);
export type ObjectDiff = Wire<typeof ObjectDiff>;

export const DiffSummary = closed(
  { added: int(), removed: int(), changed: int(), unchanged: int() },
  { $id: 'DiffSummary' },
);
export type DiffSummary = Wire<typeof DiffSummary>;

/** The body of `GET /api/v1/diff`. */
export const DiffPreview = closed(
  {
    app: str(),
    target: str(),
    environment: Type.Optional(str("The target's environment (absent: none).")),
    revision: str('As requested.'),
    commit: str('The commit SHA the revision names.'),
    current: Type.Optional(
      closed(
        { revision: str('Commit SHA of the current desired state.'), version: int() },
        { description: 'The current desired state (absent: nothing desired on the target yet).' },
      ),
    ),
    objects: Type.Array(ObjectDiff, {
      description: 'Objects added, removed or changed, in canonical order.',
    }),
    summary: DiffSummary,
  },
  { $id: 'DiffPreview' },
);
export type DiffPreview = Wire<typeof DiffPreview>;
