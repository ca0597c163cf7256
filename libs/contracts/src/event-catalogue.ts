import {
  BookingCreated,
  BookingStatusChanged,
} from './events/booking.events.js';
import { InvoiceGenerated } from './events/invoice.events.js';
import { OrganizationUpdated } from './events/organization.events.js';
import { ShiftChanged } from './events/shift.events.js';
import {
  AuthLogin,
  UserDeleted,
  UserRegistered,
  UserUpdated,
  UserVerified,
} from './events/user.events.js';

/** Describes one event type: its payload class and payload schema version. */
export interface EventDefinition<TPayload extends object = object> {
  readonly payload: new () => TPayload;
  readonly version: number;
  /**
   * Payload fields that only the intended consumer may see: kept out of the
   * event history and of logs.
   */
  readonly sensitive: readonly string[];
}

const define = <TPayload extends object>(
  payload: new () => TPayload,
  options: {
    version?: number;
    sensitive?: readonly (keyof TPayload & string)[];
  } = {},
): EventDefinition<TPayload> => ({
  payload,
  version: options.version ?? 1,
  sensitive: options.sensitive ?? [],
});

/**
 * Every event type of the system, in one place. The key is the CloudEvents
 * `type` and the Nest `@EventPattern`; the entry gives the payload class that
 * validates `data` and the `dataversion` stamped on the envelope.
 */
export const EVENT_CATALOGUE = {
  'user.registered': define(UserRegistered, {
    sensitive: ['verificationToken'],
  }),
  'user.verified': define(UserVerified),
  'user.updated': define(UserUpdated),
  'user.deleted': define(UserDeleted),
  'auth.login': define(AuthLogin),
  'booking.created': define(BookingCreated),
  'booking.approved': define(BookingStatusChanged),
  'booking.rejected': define(BookingStatusChanged),
  'booking.assigned': define(BookingStatusChanged),
  'booking.confirmed': define(BookingStatusChanged),
  'booking.started': define(BookingStatusChanged),
  'booking.completed': define(BookingStatusChanged),
  'booking.cancelled': define(BookingStatusChanged),
  'shift.created': define(ShiftChanged),
  'shift.updated': define(ShiftChanged),
  'shift.completed': define(ShiftChanged),
  'shift.cancelled': define(ShiftChanged),
  'invoice.generated': define(InvoiceGenerated),
  'organization.updated': define(OrganizationUpdated),
} as const satisfies Record<string, EventDefinition>;

export type EventCatalogue = typeof EVENT_CATALOGUE;
export type EventType = keyof EventCatalogue;

/** The payload type of one event type, e.g. `EventPayload<'user.registered'>`. */
export type EventPayload<TType extends EventType> =
  EventCatalogue[TType] extends EventDefinition<infer TPayload>
    ? TPayload
    : never;

export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(EVENT_CATALOGUE, value);
}
