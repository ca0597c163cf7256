import { isAdmin, type AuthenticatedUser } from '@app/common';
import type { EventEnvelope } from '@app/event-bus';

/** Payload fields that name the user an event is about. */
const OWNER_FIELDS = ['userId', 'customerId', 'workerId'] as const;

/**
 * Who may watch an event live: an admin sees every event; anyone else the
 * events about them (their user, their bookings as customer or worker, their
 * shifts) and the invoices sent to their e-mail address.
 */
export function maySee(user: AuthenticatedUser, event: EventEnvelope): boolean {
  if (isAdmin(user)) return true;
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (OWNER_FIELDS.some((field) => data[field] === user.id)) return true;
  return (
    typeof data.clientEmail === 'string' &&
    data.clientEmail.toLowerCase() === user.email.toLowerCase()
  );
}
