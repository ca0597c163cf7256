import { Inject, Injectable, Optional } from '@nestjs/common';
import { EVENT_CATALOGUE } from '@app/contracts';
import type { Redis } from 'ioredis';
import {
  DEFAULT_HISTORY_TTL_SECONDS,
  DEFAULT_KEY_PREFIX,
  EVENT_BUS_REDIS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { fieldOf } from '../dead-letters/dead-letter.codec.js';
import {
  parseEnvelope,
  safeJson,
  type EnvelopeVerifier,
} from '../envelope/envelope-parser.js';
import { redactSensitive } from '../envelope/redact.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { compareIds, idAt } from '../retention/stream-ids.js';
import {
  ENVELOPE_FIELD,
  TARGET_GROUP_FIELD,
  streamKey,
} from '../transport/streams/redis-streams.constants.js';
import { EventTrust } from '../trust/event-trust.js';
import { HistoryIndex, type HistoryIndexEntry } from './history-index.js';

export interface HistoryQuery {
  eventType?: string;
  correlationId?: string;
  /** Default 50. */
  limit?: number;
}

/** Entries read at a time from each stream a query across types merges. */
const MERGE_PAGE_SIZE = 100;

/** Events kept in memory per instance for `source=local`. */
const LOCAL_HISTORY_SIZE = 1_000;

/**
 * Published events, newest first, sensitive payload fields redacted, for
 * `EVENT_HISTORY_TTL_SECONDS`: in Redis (shared by every instance) and in a
 * small in-memory ring per instance. In Redis the events are read from their
 * streams; the history keeps only an index of each flow's events (see
 * `HistoryIndex`), which the publisher writes with each append.
 */
@Injectable()
export class EventHistory {
  private readonly local: EventEnvelope[] = [];
  private readonly keyPrefix: string;
  /** The index in Redis; the publisher writes it. */
  readonly index: HistoryIndex;
  /**
   * A consumer's check but for the age (kept events are old by design),
   * not counted as refused deliveries: listing one delivers nothing.
   */
  private readonly verifyKept?: EnvelopeVerifier;

  constructor(
    @InjectEventBusOptions() options: EventBusModuleOptions,
    @Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null,
    @Optional() trust?: EventTrust,
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.index = new HistoryIndex(
      `${this.keyPrefix}history:`,
      options.historyTtlSeconds ?? DEFAULT_HISTORY_TTL_SECONDS,
    );
    this.verifyKept = trust
      ? (envelope, signed) =>
          trust.open(envelope, { checkAge: false, text: signed, count: false })
      : undefined;
  }

  recordLocal(event: EventEnvelope): void {
    this.local.push(redactSensitive(event));
    if (this.local.length > LOCAL_HISTORY_SIZE) this.local.shift();
  }

  queryLocal(query: HistoryQuery): EventEnvelope[] {
    return this.local
      .filter((event) => matches(event, query))
      .reverse()
      .slice(0, query.limit ?? 50);
  }

  /**
   * The newest events that match, read from their streams, each checked as
   * a consumer would (envelope, signature, source; not its age) and
   * redacted. A flow's events come through its correlation index; the rest
   * straight from the streams, whose entry ids are append times: one type's
   * stream, or every catalogue type's merged. Replays (entries for one
   * group) and events trimmed from their stream meanwhile are left out.
   */
  async queryRedis(query: HistoryQuery): Promise<EventEnvelope[]> {
    if (!this.redis) return [];
    const limit = query.limit ?? 50;
    const events: EventEnvelope[] = [];
    const take = (candidate: StoredEvent) => {
      const event = this.authentic(candidate);
      if (event && matches(event, query)) events.push(redactSensitive(event));
      return events.length < limit;
    };
    if (query.correlationId) {
      const indexed = await this.indexedEntries(
        this.redis,
        query.correlationId,
        query.eventType,
        limit,
      );
      for (const candidate of indexed) if (!take(candidate)) break;
    } else {
      const types = query.eventType
        ? [query.eventType]
        : Object.keys(EVENT_CATALOGUE);
      await this.mergeStreams(
        this.redis,
        types,
        Math.min(limit, MERGE_PAGE_SIZE),
        take,
      );
    }
    return events;
  }

  /**
   * The indexed entries of a flow (of `eventType` only, when given), newest
   * first, read from their streams: the type is filtered on the index, before
   * any stream is read or entry checked.
   */
  private async indexedEntries(
    redis: Redis,
    correlationId: string,
    eventType: string | undefined,
    limit: number,
  ): Promise<StoredEvent[]> {
    const scored = await redis.zrevrangebyscore(
      this.index.key(correlationId),
      '+inf',
      this.index.expiredBefore(),
      'WITHSCORES',
      'LIMIT',
      0,
      // The type is filtered after the index: read further for it.
      eventType ? limit * 10 : limit,
    );
    const entries: HistoryIndexEntry[] = [];
    for (let i = 0; i + 1 < scored.length && entries.length < limit; i += 2) {
      const entry = this.index.parse(scored[i], Number(scored[i + 1]));
      if (entry && (!eventType || entry.type === eventType)) {
        entries.push(entry);
      }
    }
    if (entries.length === 0) return [];
    const reads = redis.pipeline();
    for (const { type, entryId } of entries) {
      reads.xrange(streamKey(this.keyPrefix, type), entryId, entryId);
    }
    const results = (await reads.exec()) ?? [];
    return results.flatMap(([error, rows], position): StoredEvent[] => {
      const fields = (rows as StreamEntry[] | null)?.[0]?.[1];
      if (error || !fields) return [];
      const stored = storedEvent(entries[position].type, fields);
      return stored ? [stored] : [];
    });
  }

  /**
   * Hands `take` the entries of the streams of `types` within the TTL,
   * newest first across them (replays skipped), until it answers false or
   * none is left. Each stream is read a page of `pageSize` at a time, only
   * as far as the merge gets.
   */
  private async mergeStreams(
    redis: Redis,
    types: string[],
    pageSize: number,
    take: (candidate: StoredEvent) => boolean,
  ): Promise<void> {
    const oldest = idAt(this.index.expiredBefore());
    const cursors = types.map((type) => ({
      type,
      key: streamKey(this.keyPrefix, type),
      page: [] as StreamEntry[],
      before: '+',
      more: true,
    }));
    const refill = async (cursor: (typeof cursors)[number]) => {
      // A key that is not a stream (written by hand) holds no events.
      cursor.page = await redis
        .xrevrange(cursor.key, cursor.before, oldest, 'COUNT', pageSize)
        .catch((error: Error) => {
          if (!error.message.startsWith('WRONGTYPE')) throw error;
          return [];
        });
      cursor.more = cursor.page.length === pageSize;
      if (cursor.more) cursor.before = `(${cursor.page.at(-1)![0]}`;
    };
    await Promise.all(cursors.map(refill));
    for (;;) {
      let newest: (typeof cursors)[number] | undefined;
      for (const cursor of cursors) {
        if (cursor.page.length === 0 && cursor.more) await refill(cursor);
        if (
          cursor.page.length > 0 &&
          (!newest || compareIds(cursor.page[0][0], newest.page[0][0]) > 0)
        ) {
          newest = cursor;
        }
      }
      if (!newest) return;
      const [, fields] = newest.page.shift()!;
      const stored = storedEvent(newest.type, fields);
      if (stored && !take(stored)) return;
    }
  }

  /** The envelope of a stored event, if it passes a consumer's checks. */
  private authentic({ type, text }: StoredEvent): EventEnvelope | undefined {
    const parsed = parseEnvelope(type, safeJson(text), this.verifyKept, text);
    return parsed.ok ? parsed.envelope : undefined;
  }
}

type StreamEntry = [id: string, fields: string[]];

/** An event as its stream keeps it: its type and envelope text. */
interface StoredEvent {
  type: string;
  text: string;
}

/** The event of a stream entry's fields; none for a replay (one group's). */
function storedEvent(type: string, fields: string[]): StoredEvent | undefined {
  if (fieldOf(fields, TARGET_GROUP_FIELD) !== undefined) return undefined;
  const text = fieldOf(fields, ENVELOPE_FIELD);
  return text === undefined ? undefined : { type, text };
}

function matches(event: EventEnvelope, query: HistoryQuery): boolean {
  return (
    (!query.eventType || event.type === query.eventType) &&
    (!query.correlationId || event.correlationid === query.correlationId)
  );
}
