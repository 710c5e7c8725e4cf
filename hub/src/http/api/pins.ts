/**
 * The bodies of the pin routes: every pin in force with who set it (from the fleet repository's
 * history), a promotion made, and a promotion refused with its reasons. The queries too: they
 * are these routes' own.
 */
import Type from 'typebox';
import {
  DNS_LABEL_PATTERN,
  ErrorCodeSchema,
  bool,
  closed,
  int,
  str,
  stringList,
  type Wire,
} from './schema.ts';

export const PinSetBy = closed(
  {
    commit: str('The commit on the fleet branch that gave the pin its current value.'),
    author: str(),
    email: str(),
    atMs: int('Author time, Unix milliseconds.'),
    message: str('The commit message.'),
  },
  { $id: 'PinSetBy' },
);

export const Pin = closed(
  {
    environment: str(),
    app: str(),
    target: Type.Optional(str('Set for a pin of one target (`spec.targetPins`).')),
    value: str('The revision as written (commit SHA, tag or branch).'),
    file: str('The fleet file that declares it.'),
    line: int('1-based line of the pin in the file.'),
    setBy: Type.Optional(PinSetBy),
    truncated: Type.Optional(
      bool(
        'The history walk read its bound of commits without finding where the pin got its value (setBy is absent).',
      ),
    ),
  },
  { $id: 'Pin' },
);
export type Pin = Wire<typeof Pin>;

export const PinList = closed(
  {
    items: Type.Array(Pin),
    commit: Type.Optional(str('The fleet commit in force the pins are read from.')),
  },
  { $id: 'PinList', description: 'Ordered by environment, application, then target.' },
);
export type PinList = Wire<typeof PinList>;

export const Promotion = closed(
  {
    commit: str('The commit pushed to the fleet branch (its head when nothing changed).'),
    revision: str('The revision pinned: what every target of `from` runs.'),
    environment: str('The environment pinned (`to`).'),
    app: str(),
    targets: stringList('The targets of `from` that run it Synced and Healthy.'),
    changed: bool('False when `to` was pinned to that revision already (no commit).'),
  },
  { $id: 'Promotion' },
);
export type Promotion = Wire<typeof Promotion>;

export const PromotionRefused = closed(
  {
    error: closed({
      code: ErrorCodeSchema,
      message: str(),
      details: closed({
        reasons: stringList('One line per target of `from` that does not run the app healthily.'),
        app: str(),
        from: str(),
        to: str(),
      }),
    }),
  },
  { $id: 'PromotionRefused' },
);
export type PromotionRefused = Wire<typeof PromotionRefused>;

const name = (description: string) => Type.String({ description, pattern: DNS_LABEL_PATTERN });

export const PromoteQuery = closed({
  app: name('The application to promote (a DNS label).'),
  from: name('The environment that runs it healthily.'),
  to: name('The environment to pin to the revision `from` runs.'),
  reason: Type.Optional(
    Type.String({
      description: 'Why, for the commit message (its first line joins the subject).',
      maxLength: 2000,
    }),
  ),
});
