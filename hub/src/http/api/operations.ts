/**
 * The bodies of the operational routes that answer JSON: the Git push webhook (its own
 * `{ error }` shape, which Git hosts show in their delivery logs).
 */
import Type from 'typebox';
import { closed, str, type Wire } from './schema.ts';

export const WebhookAccepted = closed(
  {
    accepted: Type.Literal(true),
    ref: Type.Optional(str('The pushed ref (absent: the event named none).')),
  },
  { $id: 'WebhookAccepted' },
);
export type WebhookAccepted = Wire<typeof WebhookAccepted>;

export const WebhookError = closed({ error: str() }, { $id: 'WebhookError' });
export type WebhookError = Wire<typeof WebhookError>;

/** A Git host's push event, checked by the webhook itself (signature first). */
export const WebhookEvent = Type.Object(
  {},
  { description: "The Git host's push event.", additionalProperties: true },
);
