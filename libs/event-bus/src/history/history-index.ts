import type { EventEnvelope } from '../envelope/event-envelope.js';

/** What the history keeps of one event: where to find it in its stream. */
export interface HistoryIndexEntry {
  /** Position of the event in `eventbus:stream:<type>`. */
  entryId: string;
  id: string;
  type: string;
  correlationId: string;
  source: string;
  /** Publication time (ms), the score in the index. */
  time: number;
}

/** Which index a history query reads. */
export interface HistoryIndexFilter {
  eventType?: string;
  correlationId?: string;
}

/**
 * The history's index in Redis, owner of its format: three sorted sets
 * (every event, per type, per correlation id) scored by publication time,
 * whose members name an event and its stream entry. The events themselves
 * stay in their streams, the one copy; the publisher writes the index in the
 * same script as the append, the history reads it.
 *
 * A member is `<entry id> <JSON [id, type, correlation id, source]>`: the
 * entry id (which has no space) makes it unique.
 */
export class HistoryIndex {
  constructor(
    private readonly prefix: string,
    readonly ttlSeconds: number,
  ) {}

  /** The keys an event is indexed under: every event, its type, its correlation id. */
  keysOf(event: EventEnvelope): [string, string, string] {
    return [
      this.key(),
      this.key({ eventType: event.type }),
      this.key({ correlationId: event.correlationid }),
    ];
  }

  /** The member's text after the entry id, which only Redis knows. */
  fieldsOf(event: EventEnvelope): string {
    return JSON.stringify([
      event.id,
      event.type,
      event.correlationid,
      event.source,
    ]);
  }

  /** The narrowest index for a query: correlation id, else type, else all. */
  key(filter: HistoryIndexFilter = {}): string {
    if (filter.correlationId) {
      return `${this.prefix}correlation:${filter.correlationId}`;
    }
    if (filter.eventType) return `${this.prefix}type:${filter.eventType}`;
    return `${this.prefix}all`;
  }

  /** Entries older than this (ms) have left the history. */
  expiredBefore(now = Date.now()): number {
    return now - this.ttlSeconds * 1_000;
  }

  /** Reads a member back; `undefined` for anything not written by `fieldsOf`. */
  parse(member: string, score: number): HistoryIndexEntry | undefined {
    const space = member.indexOf(' ');
    if (space <= 0) return undefined;
    try {
      const fields: unknown = JSON.parse(member.slice(space + 1));
      if (
        !Array.isArray(fields) ||
        fields.length !== 4 ||
        !fields.every((field) => typeof field === 'string')
      ) {
        return undefined;
      }
      const [id, type, correlationId, source] = fields;
      return {
        entryId: member.slice(0, space),
        id,
        type,
        correlationId,
        source,
        time: score,
      };
    } catch {
      return undefined;
    }
  }
}
