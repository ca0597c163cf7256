import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  DEFAULT_KEY_PREFIX,
  EVENT_BUS_REDIS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import type { EventEnvelope } from '../envelope/event-envelope.js';
import { redactSensitive } from '../envelope/redact.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import {
  deadLetterKey,
  ENVELOPE_FIELD,
  TARGET_GROUP_FIELD,
} from '../transport/streams/redis-streams.constants.js';
import { EventTrust } from '../trust/event-trust.js';

export interface DeadLetter {
  /** Entry id in the dead-letter stream. */
  id: string;
  /** The event (sensitive fields redacted), or the raw text if unreadable. */
  event: EventEnvelope | string | null;
  /** The stream the event came from, and the handler's event type. */
  stream: string;
  handler: string;
  /** The consumer group (service) whose handler failed. */
  group: string;
  error: string;
  deliveries: number;
  failedAt: string;
}

/** Thrown when a dead letter id is not in the stream. */
export class DeadLetterNotFoundError extends Error {
  constructor(readonly deadLetterId: string) {
    super(`There is no dead letter ${deadLetterId}`);
    this.name = DeadLetterNotFoundError.name;
  }
}

/**
 * The dead letters of the durable transport: listed, replayed one by one or
 * all (to the failed consumer group only: the others handled the event
 * already), and deleted.
 */
@Injectable()
export class DeadLetters {
  private readonly logger = new Logger(DeadLetters.name);
  private readonly key: string;

  constructor(
    @InjectEventBusOptions() options: EventBusModuleOptions,
    @Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null,
    private readonly trust: EventTrust,
  ) {
    this.key = deadLetterKey(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  }

  /** Newest first. */
  async list(
    query: { group?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const limit = query.limit ?? 50;
    const entries = await this.client().xrevrange(
      this.key,
      '+',
      '-',
      'COUNT',
      query.group ? limit * 20 : limit,
    );
    return entries
      .map(([id, fields]) => toDeadLetter(id, fields, true))
      .filter((letter) => !query.group || letter.group === query.group)
      .slice(0, limit);
  }

  /** Puts the event back on its stream for the failed group; returns the new entry id. */
  async replay(id: string): Promise<string> {
    const [entry] = await this.client().xrange(this.key, id, id);
    if (!entry) throw new DeadLetterNotFoundError(id);
    const letter = toDeadLetter(entry[0], entry[1], false);
    // Signed again by this service and marked as a replay: aged from now.
    const raw = this.resealed(fieldOf(entry[1], ENVELOPE_FIELD) ?? 'null');
    const [[, replayedId]] = (await this.client()
      .multi()
      .xadd(
        letter.stream,
        '*',
        ENVELOPE_FIELD,
        raw,
        TARGET_GROUP_FIELD,
        letter.group,
      )
      .xdel(this.key, id)
      .exec()) as [[null, string], [null, number]];
    this.logger.log(
      `Replayed dead letter ${id} (${letter.handler}) to ${letter.group} as ${replayedId}`,
    );
    return replayedId;
  }

  /** Replays every dead letter (of one group, if given), oldest first. */
  async replayAll(group?: string): Promise<number> {
    let replayed = 0;
    let from = '-';
    for (;;) {
      const entries = await this.client().xrange(
        this.key,
        from,
        '+',
        'COUNT',
        100,
      );
      if (entries.length === 0) return replayed;
      for (const [id, fields] of entries) {
        if (!group || fieldOf(fields, 'group') === group) {
          await this.replay(id);
          replayed += 1;
        }
      }
      from = `(${entries[entries.length - 1][0]}`;
    }
  }

  async remove(id: string): Promise<void> {
    if ((await this.client().xdel(this.key, id)) === 0) {
      throw new DeadLetterNotFoundError(id);
    }
  }

  private resealed(raw: string): string {
    try {
      return JSON.stringify(
        this.trust.resealAsReplay(JSON.parse(raw) as unknown),
      );
    } catch {
      return raw;
    }
  }

  private client(): Redis {
    if (!this.redis)
      throw new Error('The bus runs in local-only mode: no dead letters');
    return this.redis;
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1];
  }
  return undefined;
}

function toDeadLetter(
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
    handler: fieldOf(fields, 'handler') ?? '',
    group: fieldOf(fields, 'group') ?? '',
    error: fieldOf(fields, 'error') ?? '',
    deliveries: Number(fieldOf(fields, 'deliveries') ?? 0),
    failedAt: fieldOf(fields, 'failedAt') ?? '',
  };
}
