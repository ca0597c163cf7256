import type { ChainableCommander, Redis } from 'ioredis';
import type { InboxScripts } from './consumer-scripts.js';
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
 * and one command (`claimInbox`: `SET NX GET` each), and the
 * acknowledgements of everything that finished meanwhile in another
 * (`completeInbox`: the records, then one `XACK` per stream for many ids).
 */
export class RedisInbox {
  private queue: Acknowledgement[] = [];
  private flushing = false;

  constructor(
    private readonly redis: Pick<Redis, 'multi' | 'del'> & InboxScripts,
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
    const batch = this.redis.multi() as ChainableCommander &
      InboxScripts<ChainableCommander, ChainableCommander>;
    const keys = eventIds.map((eventId) => this.key(eventId));
    batch.claimInbox(
      keys.length,
      ...keys,
      INBOX_IN_PROGRESS,
      this.options.claimMs,
      INBOX_DONE,
    );
    also?.(batch);
    const replies = (await batch.exec()) ?? [];
    const [claimError, answers] = replies[0] ?? [new Error('no reply')];
    if (claimError) throw claimError;
    const claims = (answers as number[]).map((answer): InboxClaim =>
      answer === 0 ? 'claimed' : answer === 1 ? 'done' : 'busy',
    );
    if (!also) return [claims, undefined];
    const [error, reply] = replies[1] ?? [new Error('no reply')];
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
    const records: string[] = [];
    const idsByStream = new Map<string, string[]>();
    for (const { stream, entryId, eventId } of batch) {
      if (eventId !== undefined) records.push(this.key(eventId));
      const ids = idsByStream.get(stream);
      if (ids) ids.push(entryId);
      else idsByStream.set(stream, [entryId]);
    }
    const acks: Array<string | number> = [];
    for (const ids of idsByStream.values()) acks.push(ids.length, ...ids);
    try {
      // A lost group (NOGROUP) fails its XACK only: the records are kept,
      // and the entries read again from the recreated group are dropped.
      await this.redis.completeInbox(
        records.length + idsByStream.size,
        ...records,
        ...idsByStream.keys(),
        records.length,
        INBOX_DONE,
        this.options.doneTtlSeconds,
        this.options.group,
        ...acks,
      );
      for (const ack of batch) ack.resolve();
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
