import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  DEFAULT_KEY_PREFIX,
  EVENT_BUS_REDIS,
  InjectEventBusOptions,
} from '../event-bus.constants.js';
import { deadLetterBounds } from '../event-bus-config.js';
import type { EventBusModuleOptions } from '../interfaces/event-bus-options.interface.js';
import { timeOf } from '../retention/stream-ids.js';
import {
  deadLetterKey,
  ENVELOPE_FIELD,
  TARGET_GROUP_FIELD,
} from '../transport/streams/redis-streams.constants.js';
import {
  decodeDeadLetter,
  DEAD_LETTER_GROUP_FIELD,
  fieldOf,
  rawEnvelopeOf,
  type DeadLetter,
} from './dead-letter.codec.js';
import {
  appendDeadLetters,
  DEAD_LETTER_WARNING_RATIO,
  deadLetterDiscardedKey,
  deadLetterGroupsKey,
  deadLetterIndexKey,
  idOfIndexMember,
  indexMember,
  type DeadLetterBounds,
} from './dead-letter.store.js';
import { EventTrust } from '../trust/event-trust.js';

export type { DeadLetter } from './dead-letter.codec.js';

/** Thrown when a dead letter id is not in the stream. */
export class DeadLetterNotFoundError extends Error {
  constructor(readonly deadLetterId: string) {
    super(`There is no dead letter ${deadLetterId}`);
    this.name = DeadLetterNotFoundError.name;
  }
}

/**
 * Thrown when Redis refuses a replay: under the event-bus ACL (deploy/redis)
 * only the service publishing a type may append to its stream, so a letter
 * is replayed through that service's dead-letter routes.
 */
export class DeadLetterReplayRefusedError extends Error {
  constructor(
    readonly deadLetterId: string,
    readonly stream: string,
    cause: Error,
  ) {
    super(
      `Redis refused to put dead letter ${deadLetterId} back on ${stream} (${cause.message}): replay it through the service that publishes its type`,
      { cause },
    );
    this.name = DeadLetterReplayRefusedError.name;
  }
}

/** True when Redis refused a command, or a transaction holding one, by its ACL. */
const isAclRefusal = (error: unknown): error is Error =>
  error instanceof Error &&
  (/NOPERM/.test(error.message) ||
    ((error as { previousErrors?: Error[] }).previousErrors ?? []).some(
      (previous) => /NOPERM/.test(previous.message),
    ));

/** Default and largest number of letters one replay-all request replays. */
export const DEFAULT_REPLAY_PAGE = 100;
export const MAX_REPLAY_PAGE = 1_000;

/** One page of a replay-all. */
export interface ReplayPage {
  /** Letters replayed by this request. */
  replayed: number;
  /** Letters of the same replay-all still waiting. */
  remaining: number;
  /**
   * Pass it back for the next page while letters remain: the last letter
   * id of the first request, so letters added meanwhile (for example a
   * replay that failed again) are never picked up.
   */
  cursor?: string;
}

/** Per group: letters kept, the oldest's age, and how many were discarded. */
export interface DeadLetterGroupSummary {
  count: number;
  oldestAgeSeconds: number | null;
  discarded: number;
}

export interface DeadLetterSummary {
  bounds: DeadLetterBounds;
  groups: Record<string, DeadLetterGroupSummary>;
  /** Said before anything is discarded (at 80% of a bound). */
  warnings: string[];
}

/**
 * The dead letters of the durable transport, in one stream with an index
 * per consumer group: listed, replayed one by one or all in pages (to the
 * failed consumer group only: the others handled the event already), and
 * deleted; each group keeps at most its bounds (count and age), the oldest
 * discarded past them and counted.
 */
@Injectable()
export class DeadLetters {
  private readonly logger = new Logger(DeadLetters.name);
  private readonly keyPrefix: string;
  private readonly key: string;
  readonly bounds: DeadLetterBounds;

  constructor(
    @InjectEventBusOptions() options: EventBusModuleOptions,
    @Inject(EVENT_BUS_REDIS) private readonly redis: Redis | null,
    private readonly trust: EventTrust,
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.key = deadLetterKey(this.keyPrefix);
    this.bounds = deadLetterBounds(options);
  }

  /** Newest first. */
  async list(
    query: { group?: string; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const limit = query.limit ?? 50;
    if (!query.group) {
      const entries = await this.client().xrevrange(
        this.key,
        '+',
        '-',
        'COUNT',
        limit,
      );
      return entries.map(([id, fields]) => decodeDeadLetter(id, fields, true));
    }
    const members = await this.client().zrevrange(
      deadLetterIndexKey(this.keyPrefix, query.group),
      0,
      limit - 1,
    );
    return (await this.read(members.map(idOfIndexMember))).map(([id, fields]) =>
      decodeDeadLetter(id, fields, true),
    );
  }

  /** Puts the event back on its stream for the failed group; returns the new entry id. */
  async replay(id: string): Promise<string> {
    const [entry] = await this.client().xrange(this.key, id, id);
    if (!entry) throw new DeadLetterNotFoundError(id);
    return this.replayEntry(entry[0], entry[1]);
  }

  /**
   * Replays, oldest first, at most `limit` letters (of one group, if
   * given) among those that existed when the first page was asked for.
   */
  async replayPage(
    query: { group?: string; limit?: number; cursor?: string } = {},
  ): Promise<ReplayPage> {
    const limit = Math.min(query.limit ?? DEFAULT_REPLAY_PAGE, MAX_REPLAY_PAGE);
    const until = query.cursor ?? (await this.lastId());
    if (!until) return { replayed: 0, remaining: 0 };
    const entries = await this.oldestUntil(until, limit, query.group);
    for (const [id, fields] of entries) {
      await this.replayEntry(id, fields);
    }
    const remaining = await this.countUntil(until, query.group);
    return {
      replayed: entries.length,
      remaining,
      ...(remaining > 0 && { cursor: until }),
    };
  }

  /** Replays every dead letter there is now (of one group, if given), page by page. */
  async replayAll(group?: string): Promise<number> {
    let replayed = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.replayPage({ group, cursor });
      replayed += page.replayed;
      if (!page.cursor || page.replayed === 0) return replayed;
      cursor = page.cursor;
    }
  }

  async remove(id: string): Promise<void> {
    const [entry] = await this.client().xrange(this.key, id, id);
    if (!entry) throw new DeadLetterNotFoundError(id);
    const group = fieldOf(entry[1], DEAD_LETTER_GROUP_FIELD) ?? '';
    await this.client()
      .multi()
      .xdel(this.key, id)
      .zrem(deadLetterIndexKey(this.keyPrefix, group), indexMember(id))
      .exec();
  }

  /** Per group counts, ages and discards, with warnings near the bounds. */
  async summary(now = Date.now()): Promise<DeadLetterSummary> {
    const redis = this.client();
    const groups = await redis.smembers(deadLetterGroupsKey(this.keyPrefix));
    const discarded = await redis.hgetall(
      deadLetterDiscardedKey(this.keyPrefix),
    );
    const summary: DeadLetterSummary = {
      bounds: this.bounds,
      groups: {},
      warnings: [],
    };
    for (const group of groups.sort()) {
      const index = deadLetterIndexKey(this.keyPrefix, group);
      const count = await redis.zcard(index);
      const [oldest] = await redis.zrange(index, 0, 0);
      const oldestAgeSeconds =
        oldest === undefined
          ? null
          : Math.max(
              0,
              Math.round((now - timeOf(idOfIndexMember(oldest))) / 1_000),
            );
      summary.groups[group] = {
        count,
        oldestAgeSeconds,
        discarded: Number(discarded[group] ?? 0),
      };
      const { maxPerGroup, maxAgeSeconds } = this.bounds;
      if (count >= maxPerGroup * DEAD_LETTER_WARNING_RATIO) {
        summary.warnings.push(
          `${group} keeps ${count} dead letters of at most ${maxPerGroup}: past that the oldest are discarded; replay or delete them`,
        );
      }
      if (
        oldestAgeSeconds !== null &&
        oldestAgeSeconds >= maxAgeSeconds * DEAD_LETTER_WARNING_RATIO
      ) {
        summary.warnings.push(
          `${group}'s oldest dead letter is ${oldestAgeSeconds} s old: letters are discarded after ${maxAgeSeconds} s; replay or delete them`,
        );
      }
    }
    for (const [group, count] of Object.entries(discarded)) {
      summary.groups[group] ??= {
        count: 0,
        oldestAgeSeconds: null,
        discarded: Number(count),
      };
    }
    return summary;
  }

  /**
   * Applies the bounds to every group (age matters also when no letter is
   * written), after indexing letters written without an index (by a bus
   * before the bounds). Returns the handler types of the discarded letters.
   */
  async enforceBounds(now = Date.now()): Promise<string[]> {
    const redis = this.client();
    await this.indexUnindexed();
    const discarded: string[] = [];
    for (const group of await redis.smembers(
      deadLetterGroupsKey(this.keyPrefix),
    )) {
      const result = await appendDeadLetters(
        redis,
        {
          keyPrefix: this.keyPrefix,
          group,
          stream: this.key,
          bounds: this.bounds,
          now,
        },
        [],
        { kind: 'none' },
      );
      discarded.push(...result.discarded);
    }
    if (discarded.length > 0) {
      this.logger.warn(
        `Discarded ${discarded.length} dead letters past their bounds (${this.bounds.maxPerGroup} per group, ${this.bounds.maxAgeSeconds} s)`,
      );
    }
    return discarded;
  }

  private async indexUnindexed(): Promise<void> {
    const redis = this.client();
    const groups = await redis.smembers(deadLetterGroupsKey(this.keyPrefix));
    let indexed = 0;
    for (const group of groups) {
      indexed += await redis.zcard(deadLetterIndexKey(this.keyPrefix, group));
    }
    if ((await redis.xlen(this.key)) <= indexed) return;
    let from = '-';
    for (;;) {
      const entries = await redis.xrange(this.key, from, '+', 'COUNT', 500);
      if (entries.length === 0) return;
      const multi = redis.multi();
      for (const [id, fields] of entries) {
        const group = fieldOf(fields, DEAD_LETTER_GROUP_FIELD) ?? '';
        multi
          .zadd(
            deadLetterIndexKey(this.keyPrefix, group),
            'NX',
            0,
            indexMember(id),
          )
          .sadd(deadLetterGroupsKey(this.keyPrefix), group);
      }
      await multi.exec();
      from = `(${entries[entries.length - 1][0]}`;
    }
  }

  private async replayEntry(id: string, fields: string[]): Promise<string> {
    const letter = decodeDeadLetter(id, fields, false);
    // Appended first, removed only once Redis took it: a failure keeps the
    // letter, and a crash in between at worst appends it twice, which the
    // group's inbox drops (the event id is the same).
    const replayedId = (await this.client()
      .xadd(
        letter.stream,
        '*',
        ENVELOPE_FIELD,
        // Signed again by this service and marked as a replay: aged from now.
        this.resealed(rawEnvelopeOf(fields)),
        TARGET_GROUP_FIELD,
        letter.group,
      )
      .catch((error: unknown) => {
        throw isAclRefusal(error)
          ? new DeadLetterReplayRefusedError(id, letter.stream, error)
          : error;
      })) as string;
    await this.client()
      .multi()
      .xdel(this.key, id)
      .zrem(deadLetterIndexKey(this.keyPrefix, letter.group), indexMember(id))
      .exec();
    this.logger.log(
      `Replayed dead letter ${id} (${letter.handler}) to ${letter.group} as ${replayedId}`,
    );
    return replayedId;
  }

  private async lastId(): Promise<string | undefined> {
    const [last] = await this.client().xrevrange(
      this.key,
      '+',
      '-',
      'COUNT',
      1,
    );
    return last?.[0];
  }

  /** The oldest letters up to `until` (of one group, if given). */
  private async oldestUntil(
    until: string,
    limit: number,
    group?: string,
  ): Promise<Array<[string, string[]]>> {
    if (!group) {
      return this.client().xrange(this.key, '-', until, 'COUNT', limit);
    }
    const members = await this.client().zrangebylex(
      deadLetterIndexKey(this.keyPrefix, group),
      '-',
      `[${indexMember(until)}`,
      'LIMIT',
      0,
      limit,
    );
    return this.read(members.map(idOfIndexMember));
  }

  /** Letters up to `until` (of one group, if given). */
  private async countUntil(until: string, group?: string): Promise<number> {
    const redis = this.client();
    const groups = group
      ? [group]
      : await redis.smembers(deadLetterGroupsKey(this.keyPrefix));
    let count = 0;
    for (const name of groups) {
      count += await redis.zlexcount(
        deadLetterIndexKey(this.keyPrefix, name),
        '-',
        `[${indexMember(until)}`,
      );
    }
    return count;
  }

  /** Entries by id, in the given order, skipping those gone meanwhile. */
  private async read(ids: string[]): Promise<Array<[string, string[]]>> {
    if (ids.length === 0) return [];
    const pipeline = this.client().pipeline();
    for (const id of ids) pipeline.xrange(this.key, id, id);
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(
      ([, entries]) => (entries as Array<[string, string[]]>) ?? [],
    );
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
