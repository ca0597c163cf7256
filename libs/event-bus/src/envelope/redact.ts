import { EVENT_CATALOGUE, isEventType } from '@app/contracts';
import type { EventEnvelope } from './event-envelope.js';

export const REDACTED = '[redacted]';

/**
 * A copy of the event with the payload fields its catalogue entry marks
 * sensitive replaced by `[redacted]`, for the history and for logs.
 */
export function redactSensitive(event: EventEnvelope): EventEnvelope {
  if (!isEventType(event.type)) return event;
  const sensitive: readonly string[] = EVENT_CATALOGUE[event.type].sensitive;
  if (sensitive.length === 0) return event;
  const data = { ...(event.data as Record<string, unknown>) };
  for (const field of sensitive) {
    if (field in data) data[field] = REDACTED;
  }
  return { ...event, data };
}
