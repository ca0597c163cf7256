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

/**
 * The history's index in Redis, owner of its format: one sorted set per
 * correlation id, scored by publication time, whose members name an event
 * and its stream entry. The events themselves stay in their streams, the
 * one copy, which also answer the queries by type and time (their entry
 * ids are times); only a flow's events, spread over many streams, need an
 * index. The publisher writes it in the same script as the append, the
 * history reads it.
 *
 * A member is `<entry id> <JSON [id, type, correlation id, source]>`: the
 * entry id (which has no space) makes it unique. Each write renews the
 * key's TTL, so an idle flow's index goes whole; the members of a flow
 * still in use that are past the TTL are removed on one publish in
 * `TRIM_EVERY` (`trimBefore`), not on each.
 */
export class HistoryIndex {
  private publishes = 0;

  constructor(
    private readonly prefix: string,
    readonly ttlSeconds: number,
  ) {}

  /** The index of one correlation id. */
  key(correlationId: string): string {
    return `${this.prefix}correlation:${correlationId}`;
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

  /** Entries older than this (ms) have left the history. */
  expiredBefore(now = Date.now()): number {
    return now - this.ttlSeconds * 1_000;
  }

  /**
   * For the publisher, once per event: the time below which the event's
   * index drops older members, on one publish in `TRIM_EVERY`; otherwise
   * `''` (no trim).
   */
  trimBefore(now = Date.now()): number | '' {
    this.publishes = (this.publishes + 1) % TRIM_EVERY;
    return this.publishes === 0 ? this.expiredBefore(now) : '';
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

/** One publish in this many trims its flow's index of expired members. */
export const TRIM_EVERY = 64;
