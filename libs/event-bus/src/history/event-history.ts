import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  DEFAULT_HISTORY_TTL_SECONDS,
  DEFAULT_KEY_PREFIX,
  EVENT_BUS_REDIS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { redactSensitive } from '../envelope/redact.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import {
  ENVELOPE_FIELD,
  streamKey,
} from '../transport/streams/redis-streams.constants.js';
import { HistoryIndex, type HistoryIndexEntry } from './history-index.js';

export interface HistoryQuery {
  eventType?: string;
  correlationId?: string;
  /** Default 50. */
  limit?: number;
}

/** Events kept in memory per instance for `source=local`. */
const LOCAL_HISTORY_SIZE = 1_000;

/**
 * Published events, newest first, sensitive payload fields redacted, for
 * `EVENT_HISTORY_TTL_SECONDS`: in Redis (shared by every instance) and in a
 * small in-memory ring per instance. In Redis the events are read from their
 * streams; the history keeps only an index of them (see `HistoryIndex`),
 * which the publisher writes with each append.
 */
@Injectable()
export class EventHistory {
  private readonly local: EventEnvelope[] = [];
  private readonly keyPrefix: string;
  /** The index in Redis; the publisher writes it. */
  readonly index: HistoryIndex;

  constructor(
    @InjectEventBusOptions() options: EventBusModuleOptions,
    @Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null,
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.index = new HistoryIndex(
      `${this.keyPrefix}history:`,
      options.historyTtlSeconds ?? DEFAULT_HISTORY_TTL_SECONDS,
    );
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
   * Events of the index that match, read from their streams, redacted. An
   * event trimmed from its stream meanwhile is left out.
   */
  async queryRedis(query: HistoryQuery): Promise<EventEnvelope[]> {
    if (!this.redis) return [];
    const limit = query.limit ?? 50;
    const narrowed = Boolean(query.correlationId && query.eventType);
    // The narrower index first; the other filter is applied to what it gives.
    const scored = await this.redis.zrevrangebyscore(
      this.index.key(query),
      '+inf',
      this.index.expiredBefore(),
      'WITHSCORES',
      'LIMIT',
      0,
      narrowed ? limit * 10 : limit,
    );
    const entries: HistoryIndexEntry[] = [];
    for (let i = 0; i + 1 < scored.length && entries.length < limit; i += 2) {
      const entry = this.index.parse(scored[i], Number(scored[i + 1]));
      if (entry && (!query.eventType || entry.type === query.eventType)) {
        entries.push(entry);
      }
    }
    if (entries.length === 0) return [];
    const reads = this.redis.pipeline();
    for (const { type, entryId } of entries) {
      reads.xrange(streamKey(this.keyPrefix, type), entryId, entryId);
    }
    const results = (await reads.exec()) ?? [];
    return results
      .map(([error, rows], position) =>
        error ? undefined : eventOf(rows, entries[position]),
      )
      .filter((event): event is EventEnvelope => event !== undefined)
      .filter((event) => matches(event, query))
      .map(redactSensitive);
  }
}

/** The envelope of a stream entry, if it is the indexed event. */
function eventOf(
  rows: unknown,
  entry: HistoryIndexEntry,
): EventEnvelope | undefined {
  const fields = (rows as Array<[string, string[]]> | null)?.[0]?.[1];
  if (!fields) return undefined;
  const index = fields.indexOf(ENVELOPE_FIELD);
  if (index < 0 || index % 2 !== 0) return undefined;
  try {
    const event = JSON.parse(fields[index + 1]) as EventEnvelope;
    return event?.id === entry.id ? event : undefined;
  } catch {
    return undefined;
  }
}

function matches(event: EventEnvelope, query: HistoryQuery): boolean {
  return (
    (!query.eventType || event.type === query.eventType) &&
    (!query.correlationId || event.correlationid === query.correlationId)
  );
}
