import type { EventEnvelope } from '../envelope/event-envelope.js';
import { redactSensitive } from '../envelope/redact.js';
import { ENVELOPE_FIELD } from '../transport/streams/redis-streams.constants.js';

/** What a dead letter records, as written. */
export interface DeadLetterRecord {
  /** The entry's envelope: its text as read, or the parsed value. */
  envelope: unknown;
  /** The stream the event came from, and its entry id there. */
  stream: string;
  entryId: string;
  /** The consumer group (service) that did not handle it. */
  group: string;
  /** The handler's event type. */
  handler: string;
  /** Why it is here: the handler's error, or the bus's reason. */
  error: string;
  deliveries: number;
  /** Default: now. */
  failedAt?: string;
}

/** A dead letter as listed. */
export interface DeadLetter {
  /** Entry id in the dead-letter stream. */
  id: string;
  /** The event (sensitive fields redacted), or the raw text if unreadable. */
  event: EventEnvelope | string | null;
  /** The stream the event came from, and the handler's event type. */
  stream: string;
  /** The event's entry id in that stream. */
  entryId: string;
  handler: string;
  /** The consumer group (service) whose handler failed. */
  group: string;
  error: string;
  deliveries: number;
  failedAt: string;
}

/** Field holding the dead letter's consumer group. */
export const DEAD_LETTER_GROUP_FIELD = 'group';
/** Field holding the handler's event type. */
export const DEAD_LETTER_HANDLER_FIELD = 'handler';

/** The fields of a dead-letter stream entry. */
export function encodeDeadLetter(record: DeadLetterRecord): string[] {
  return [
    ENVELOPE_FIELD,
    typeof record.envelope === 'string'
      ? record.envelope
      : JSON.stringify(record.envelope ?? null),
    'stream',
    record.stream,
    'entryId',
    record.entryId,
    DEAD_LETTER_GROUP_FIELD,
    record.group,
    DEAD_LETTER_HANDLER_FIELD,
    record.handler,
    'error',
    record.error,
    'deliveries',
    String(record.deliveries),
    'failedAt',
    record.failedAt ?? new Date().toISOString(),
  ];
}

export function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1];
  }
  return undefined;
}

/** The envelope text of a dead letter, as it was on its stream. */
export const rawEnvelopeOf = (fields: string[]): string =>
  fieldOf(fields, ENVELOPE_FIELD) ?? 'null';

/** A dead-letter stream entry, read back; `redact` for what is shown. */
export function decodeDeadLetter(
  id: string,
  fields: string[],
  redact: boolean,
): DeadLetter {
  const raw = fieldOf(fields, ENVELOPE_FIELD);
  let event: EventEnvelope | string | null = raw ?? null;
  try {
    const parsed = JSON.parse(raw ?? 'null') as unknown;
    if (parsed && typeof parsed === 'object' && 'type' in parsed) {
      event = redact
        ? redactSensitive(parsed as EventEnvelope)
        : (parsed as EventEnvelope);
    }
  } catch {
    // Not JSON: the raw text is what there is to show.
  }
  return {
    id,
    event,
    stream: fieldOf(fields, 'stream') ?? '',
    entryId: fieldOf(fields, 'entryId') ?? '',
    handler: fieldOf(fields, DEAD_LETTER_HANDLER_FIELD) ?? '',
    group: fieldOf(fields, DEAD_LETTER_GROUP_FIELD) ?? '',
    error: fieldOf(fields, 'error') ?? '',
    deliveries: Number(fieldOf(fields, 'deliveries') ?? 0),
    failedAt: fieldOf(fields, 'failedAt') ?? '',
  };
}
