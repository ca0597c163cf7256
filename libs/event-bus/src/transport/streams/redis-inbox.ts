import type { ChainableCommander, Redis } from 'ioredis';
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

interface Acknowledgement {
  stream: string;
  entryId: string;
  /** Set for a handled event, whose id the inbox records with the ack. */
  eventId: string | undefined;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * The durable transport's inbox in Redis: the event ids a consumer group has
 * handled (kept `doneTtlSeconds`), and the ones an instance is handling now.
 * It stops an event published twice (two stream entries with one id) from
 * running twice. Handlers whose effect is in the database also record the
 * id in the effect's transaction (`EventInbox`), which covers a crash
 * between the commit and `complete`.
 *
 * Cheap on the hot path: the claims of a whole read go out in one round trip
 * (`SET NX GET` each), and the acknowledgements of everything that finished
 * meanwhile in another (one `MULTI` with the records and one `XACK` per
 * stream for many ids).
 */
export class RedisInbox {
  private queue: Acknowledgement[] = [];
  private flushing = false;

  constructor(
    private readonly redis: Pick<Redis, 'multi' | 'del'>,
    private readonly options: RedisInboxOptions,
  ) {}

  async claim(eventId: string): Promise<InboxClaim> {
    const [claim] = await this.claimAll([eventId]);
    return claim;
  }

  /** Claims many events in one round trip; the answers in the same order. */
  async claimAll(eventIds: string[]): Promise<InboxClaim[]> {
    if (eventIds.length === 0) return [];
    const [claims] = await this.claimAllWith(eventIds);
    return claims;
  }

  /**
   * `claimAll`, with one more command (`also`) queued after the claims in
   * the same transaction, so the caller's lookup costs no write of its own;
   * answers the claims and that command's reply.
   */
  async claimAllWith(
    eventIds: string[],
    also?: (batch: ChainableCommander) => void,
  ): Promise<[claims: InboxClaim[], reply: unknown]> {
    const batch = this.redis.multi();
    for (const eventId of eventIds) this.queueClaim(batch, eventId);
    also?.(batch);
    const replies = (await batch.exec()) ?? [];
    const claims = eventIds.map((_, i): InboxClaim => {
      const [error, previous] = replies[i] ?? [new Error('no reply')];
      if (error) throw error;
      if (previous === null) return 'claimed';
      return previous === INBOX_DONE ? 'done' : 'busy';
    });
    if (!also) return [claims, undefined];
    const [error, reply] = replies[eventIds.length] ?? [new Error('no reply')];
    if (error) throw error;
    return [claims, reply];
  }

  /** Marks the event handled and acknowledges its entry (batched). */
  complete(eventId: string, stream: string, entryId: string): Promise<void> {
    return this.enqueue(stream, entryId, eventId);
  }

  /** Acknowledges an entry with nothing to record (batched). */
  acknowledge(stream: string, entryId: string): Promise<void> {
    return this.enqueue(stream, entryId, undefined);
  }

  /** The attempt failed: the event is free for its retry. */
  async release(eventId: string): Promise<void> {
    await this.redis.del(this.key(eventId));
  }

  /** The inbox key of an event id, for renewing its claim. */
  key(eventId: string): string {
    return inboxKey(this.options.keyPrefix, this.options.group, eventId);
  }

  private queueClaim(batch: ChainableCommander, eventId: string): void {
    batch.set(
      this.key(eventId),
      INBOX_IN_PROGRESS,
      'PX',
      this.options.claimMs,
      'NX',
      'GET',
    );
  }

  private enqueue(
    stream: string,
    entryId: string,
    eventId: string | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ stream, entryId, eventId, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Whatever else finishes in this turn of the event loop joins in.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** One round trip for everything queued; the next batch waits for it. */
  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const transaction = this.redis.multi();
    const idsByStream = new Map<string, string[]>();
    for (const { stream, entryId, eventId } of batch) {
      if (eventId !== undefined) {
        transaction.set(
          this.key(eventId),
          INBOX_DONE,
          'EX',
          this.options.doneTtlSeconds,
        );
      }
      const ids = idsByStream.get(stream) ?? [];
      ids.push(entryId);
      idsByStream.set(stream, ids);
    }
    for (const [stream, ids] of idsByStream) {
      transaction.xack(stream, this.options.group, ...ids);
    }
    try {
      const replies = (await transaction.exec()) ?? [];
      const failed = replies.find(([error]) => error)?.[0];
      // A lost group (NOGROUP) fails its XACK only: the records are kept,
      // and the entries read again from the recreated group are dropped.
      for (const ack of batch) {
        if (failed) ack.reject(failed);
        else ack.resolve();
      }
    } catch (error) {
      for (const ack of batch) ack.reject(error as Error);
    } finally {
      if (this.queue.length > 0) {
        setImmediate(() => void this.flush());
      } else {
        this.flushing = false;
      }
    }
  }
}
