import type { Redis } from 'ioredis';
import {
  INBOX_DONE,
  INBOX_IN_PROGRESS,
  inboxKey,
} from './redis-streams.constants.js';

/** What `RedisInbox.claim` found for an event id. */
export type InboxClaim =
  /** Nobody has it: this consumer handles it now. */
  | 'claimed'
  /** The group handled it already: acknowledge and drop. */
  | 'done'
  /** Another instance of the group is handling it right now: look later. */
  | 'busy';

export interface RedisInboxOptions {
  keyPrefix: string;
  group: string;
  /** How long a claim holds before a crashed holder's event is free again. */
  claimMs: number;
  /** How long a handled event id is remembered. */
  doneTtlSeconds: number;
}

/**
 * The durable transport's inbox in Redis: the event ids a consumer group has
 * handled (kept `doneTtlSeconds`), and the ones an instance is handling now.
 * It stops an event published twice (two stream entries with one id) from
 * running twice. Handlers whose effect is in the database also record the
 * id in the effect's transaction (`EventInbox`), which covers a crash
 * between the commit and `complete`.
 */
export class RedisInbox {
  constructor(
    private readonly redis: Pick<Redis, 'set' | 'get' | 'del' | 'multi'>,
    private readonly options: RedisInboxOptions,
  ) {}

  async claim(eventId: string): Promise<InboxClaim> {
    const key = this.key(eventId);
    const claimed = await this.redis.set(
      key,
      INBOX_IN_PROGRESS,
      'PX',
      this.options.claimMs,
      'NX',
    );
    if (claimed === 'OK') return 'claimed';
    return (await this.redis.get(key)) === INBOX_DONE ? 'done' : 'busy';
  }

  /** Marks the event handled and acknowledges its entry, atomically. */
  async complete(
    eventId: string,
    stream: string,
    entryId: string,
  ): Promise<void> {
    await this.redis
      .multi()
      .set(this.key(eventId), INBOX_DONE, 'EX', this.options.doneTtlSeconds)
      .xack(stream, this.options.group, entryId)
      .exec();
  }

  /** The attempt failed: the event is free for its retry. */
  async release(eventId: string): Promise<void> {
    await this.redis.del(this.key(eventId));
  }

  private key(eventId: string): string {
    return inboxKey(this.options.keyPrefix, this.options.group, eventId);
  }
}
