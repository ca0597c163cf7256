import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventPayload, EventType } from '@app/contracts';
import type { Redis } from 'ioredis';
import { runWithCorrelation } from '../correlation/correlation.context.js';
import { parseEnvelope, safeJson } from '../envelope/envelope-parser.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import {
  DEFAULT_KEY_PREFIX,
  EVENT_BUS_REDIS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import {
  ENVELOPE_FIELD,
  streamKey,
} from '../transport/streams/redis-streams.constants.js';
import { EventTrust } from '../trust/event-trust.js';

export interface ReplayRange {
  /** From this time (inclusive) or this stream entry id (exclusive). */
  from: Date | string;
  /** Up to this time (inclusive); default now. */
  to?: Date;
}

export interface ReplayResult {
  replayed: number;
  /** Entries that were not valid events (skipped). */
  skipped: number;
  /** Entry id of the last event read: resume from here. */
  lastEntryId?: string;
}

const BATCH = 200;

/**
 * Re-reads a type's retained events from its stream into a handler, in
 * order, e.g. to rebuild a read model. It reads with XRANGE, outside any
 * consumer group, so the service's live consumption is not disturbed.
 */
@Injectable()
export class EventReplayer {
  private readonly logger = new Logger(EventReplayer.name);
  private readonly keyPrefix: string;

  constructor(
    @InjectEventBusOptions() options: EventBusModuleOptions,
    @Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null,
    private readonly trust: EventTrust,
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  }

  async replay<TType extends EventType>(
    type: TType,
    range: ReplayRange,
    handler: (event: EventEnvelope<EventPayload<TType>>) => unknown,
  ): Promise<ReplayResult> {
    if (!this.redis) throw new Error('The bus runs in local-only mode');
    const key = streamKey(this.keyPrefix, type);
    let start =
      range.from instanceof Date
        ? `${range.from.getTime()}-0`
        : `(${range.from}`;
    const end = `${(range.to ?? new Date()).getTime()}-${Number.MAX_SAFE_INTEGER}`;
    const result: ReplayResult = { replayed: 0, skipped: 0 };
    for (;;) {
      const entries = await this.redis.xrange(key, start, end, 'COUNT', BATCH);
      for (const [id, fields] of entries) {
        result.lastEntryId = id;
        const index = fields.indexOf(ENVELOPE_FIELD);
        // Retained events are old by design: every check but their age.
        const parsed = parseEnvelope(type, safeJson(fields[index + 1]), (e) =>
          this.trust.open(e, { checkAge: false }),
        );
        if (index < 0 || !parsed.ok) {
          result.skipped += 1;
          continue;
        }
        const event = parsed.envelope as EventEnvelope<EventPayload<TType>>;
        await runWithCorrelation(
          { correlationId: event.correlationid, causationId: event.id },
          () => Promise.resolve(handler(event)),
        );
        result.replayed += 1;
      }
      if (entries.length < BATCH) break;
      start = `(${entries[entries.length - 1][0]}`;
    }
    this.logger.log(
      `Replayed ${result.replayed} ${type} events (${result.skipped} skipped)`,
    );
    return result;
  }
}
