import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { exponentialBackoff, type BackoffOptions } from '@app/common';
import { Redis, type RedisOptions } from 'ioredis';
import { isObservable, lastValueFrom } from 'rxjs';
import { runWithCorrelation } from '../../correlation/correlation.context.js';
import { parseEnvelope } from '../../envelope/envelope-parser.js';
import type { EventEnvelope } from '../../envelope/event-envelope.js';
import { DEFAULT_KEY_PREFIX } from '../../event-bus.constants.js';
import { EventBusStats } from '../../stats/event-bus.stats.js';
import type { ConsumerTrust } from '../../trust/event-trust.js';
import { describeError } from '../describe-error.js';
import { busReconnectDelay } from '../redis-retry.js';
import {
  deadLetterKey,
  DURABLE_TRANSPORT,
  ENVELOPE_FIELD,
  streamKey,
  TARGET_GROUP_FIELD,
} from './redis-streams.constants.js';
import { RedisInbox } from './redis-inbox.js';
import { RedisStreamsContext } from './redis-streams.context.js';

export interface RedisStreamsServerOptions {
  redis: RedisOptions;
  /** Consumer group: one per service; its instances share the work. */
  group: string;
  /** This instance's consumer name; default host, pid and a random suffix. */
  consumer?: string;
  /** Prefix of the stream keys; default `eventbus:`. */
  keyPrefix?: string;
  /** Entries handled at once by this instance (back-pressure); default 16. */
  maxInFlight?: number;
  /** How long one read waits for new entries; default 1000 ms. */
  blockMs?: number;
  /** Deliveries before an entry goes to the dead letters; default 5. */
  maxDeliveries?: number;
  /** Delay before retrying a failed entry; default 200 ms doubling to 10 s. */
  retryBackoff?: BackoffOptions;
  /**
   * An entry pending this long with another consumer is taken over: that
   * consumer crashed. Keep it above the longest retry delay; default 30 s.
   */
  claimIdleMs?: number;
  /** How long the inbox remembers a handled event id; default 24 h. */
  inboxTtlSeconds?: number;
  stats?: EventBusStats;
  /** Signature and permission checks (`EventTrust`); none when absent. */
  trust?: ConsumerTrust;
}

type StreamEntry = [id: string, fields: string[]];
type ReadReply = Array<[key: string, entries: StreamEntry[]]> | null;

const DEFAULTS = {
  keyPrefix: DEFAULT_KEY_PREFIX,
  maxInFlight: 16,
  blockMs: 1_000,
  maxDeliveries: 5,
  retryBackoff: { initialMs: 200, maxMs: 10_000, jitter: 0.2 },
  claimIdleMs: 30_000,
  inboxTtlSeconds: 86_400,
};

/**
 * The durable transport's server: reads the Redis Streams of the event types
 * its handlers declare with one consumer group per service, runs the
 * handler, and acknowledges the entry only when the handler succeeded. A
 * failed entry is retried with exponential backoff and jitter; after
 * `maxDeliveries` it moves to the dead-letter stream with the error. Entries
 * left pending by a crashed instance are reclaimed after `claimIdleMs`.
 * Handlers are plain `@EventPattern` methods receiving the envelope.
 */
export class ServerRedisStreams
  extends Server
  implements CustomTransportStrategy
{
  override transportId = DURABLE_TRANSPORT;
  private readonly busLogger = new Logger(ServerRedisStreams.name);
  private readonly settings: Required<
    Omit<RedisStreamsServerOptions, 'stats' | 'trust'>
  > &
    Pick<RedisStreamsServerOptions, 'stats' | 'trust'>;
  private reader?: Redis;
  private writer?: Redis;
  private inbox?: RedisInbox;
  private running = false;
  private readLoop?: Promise<void>;
  private claimTimer?: NodeJS.Timeout;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private lastReadError?: string;

  constructor(options: RedisStreamsServerOptions) {
    super();
    this.settings = {
      ...DEFAULTS,
      consumer: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
      ...options,
    };
  }

  /** This instance's consumer name within its group. */
  get consumer(): string {
    return this.settings.consumer;
  }

  /** The event types of this server's handlers. */
  get patterns(): string[] {
    return [...this.messageHandlers.keys()];
  }

  get streams(): string[] {
    return this.patterns.map((type) =>
      streamKey(this.settings.keyPrefix, type),
    );
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      this.settings.trust?.assertMayConsume(this.patterns);
    } catch (error) {
      return callback(error);
    }
    const redis = {
      ...this.settings.redis,
      retryStrategy: busReconnectDelay,
      maxRetriesPerRequest: null,
    };
    this.writer = new Redis(redis);
    this.reader = new Redis(redis);
    this.inbox = new RedisInbox(this.writer, {
      keyPrefix: this.settings.keyPrefix,
      group: this.settings.group,
      // As long as a crashed consumer's entry waits before being taken over.
      claimMs: this.settings.claimIdleMs,
      doneTtlSeconds: this.settings.inboxTtlSeconds,
    });
    for (const client of [this.writer, this.reader]) {
      client.on('error', (error: Error) => this.reportReadError(error));
    }
    this.running = true;
    this.readLoop = this.read();
    this.claimTimer = setInterval(
      () => void this.reclaim(),
      Math.max(1_000, this.settings.claimIdleMs / 2),
    );
    callback();
  }

  /** Stops reading, waits for the handlers in flight, then disconnects. */
  async close(): Promise<void> {
    this.running = false;
    clearInterval(this.claimTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    // A blocked XREADGROUP would hold the loop for blockMs: cut it short.
    this.reader?.disconnect();
    await this.readLoop?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await this.writer?.quit().catch(() => this.writer?.disconnect());
  }

  on(): never {
    throw new Error(`${ServerRedisStreams.name} does not emit events`);
  }

  unwrap<T>(): T {
    return [this.reader, this.writer] as T;
  }

  private async read(): Promise<void> {
    await this.ensureGroups();
    while (this.running) {
      const free = this.settings.maxInFlight - this.inFlight.size;
      if (free <= 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      const streams = this.streams;
      if (streams.length === 0) return;
      try {
        const reply = (await this.reader!.xreadgroup(
          'GROUP',
          this.settings.group,
          this.settings.consumer,
          'COUNT',
          free,
          'BLOCK',
          this.settings.blockMs,
          'STREAMS',
          ...streams,
          ...streams.map(() => '>'),
        )) as ReadReply;
        this.lastReadError = undefined;
        for (const [stream, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            this.track(this.deliver(stream, id, fields, 1));
          }
        }
      } catch (error) {
        if (!this.running) return;
        if ((error as Error).message.includes('NOGROUP')) {
          await this.ensureGroups();
        } else {
          this.reportReadError(error as Error);
          await delay(1_000);
        }
      }
    }
  }

  /**
   * One group per service on every stream it reads, created at the start of
   * the stream: a service also gets what was published before it first ran.
   */
  private async ensureGroups(): Promise<void> {
    for (const stream of this.streams) {
      try {
        await this.writer!.xgroup(
          'CREATE',
          stream,
          this.settings.group,
          '0',
          'MKSTREAM',
        );
        this.busLogger.log(
          `Consumer group ${this.settings.group} created on ${stream}`,
        );
      } catch (error) {
        if (!(error as Error).message.includes('BUSYGROUP')) {
          this.reportReadError(error as Error);
        }
      }
    }
  }

  private async deliver(
    stream: string,
    id: string,
    fields: string[],
    deliveries: number,
  ): Promise<void> {
    const type = stream.slice(streamKey(this.settings.keyPrefix, '').length);
    const onlyFor = readField(fields, TARGET_GROUP_FIELD);
    if (onlyFor !== undefined && onlyFor !== this.settings.group) {
      // A replay meant for another service's group.
      await this.writer!.xack(stream, this.settings.group, id);
      return;
    }
    const raw = parseJson(readField(fields, ENVELOPE_FIELD));
    const parsed = parseEnvelope(type, raw, this.settings.trust?.verify);
    if (!parsed.ok) {
      this.settings.stats?.count('rejected', type);
      await this.deadLetter(stream, id, raw, parsed.reason, deliveries);
      return;
    }
    const { envelope } = parsed;
    this.settings.stats?.count('received', type);
    const claim = await this.inbox!.claim(envelope.id);
    if (claim === 'done') {
      await this.writer!.xack(stream, this.settings.group, id);
      this.settings.stats?.count('duplicate', type);
      return;
    }
    if (claim === 'busy') {
      const wait = exponentialBackoff(deliveries, this.settings.retryBackoff);
      this.scheduleRetry(stream, id, wait);
      return;
    }
    try {
      await this.invoke(
        type,
        envelope,
        new RedisStreamsContext([stream, id, deliveries]),
      );
      await this.inbox!.complete(envelope.id, stream, id);
      this.settings.stats?.delivered(envelope);
    } catch (error) {
      await this.inbox!.release(envelope.id);
      this.settings.stats?.count('failed', type);
      const reason = describeError(error);
      if (deliveries >= this.settings.maxDeliveries) {
        await this.deadLetter(stream, id, raw, reason, deliveries);
        return;
      }
      const wait = exponentialBackoff(deliveries, this.settings.retryBackoff);
      this.settings.stats?.count('retried', type);
      this.busLogger.warn(
        `${type} ${envelope.id} failed (delivery ${deliveries}/${this.settings.maxDeliveries}): ${reason}; retrying in ${wait} ms`,
      );
      this.scheduleRetry(stream, id, wait);
    }
  }

  private async invoke(
    type: string,
    envelope: EventEnvelope,
    context: RedisStreamsContext,
  ): Promise<void> {
    const handler = this.getHandlerByPattern(type);
    if (!handler) throw new Error(`No handler for ${type}`);
    await runWithCorrelation(
      { correlationId: envelope.correlationid, causationId: envelope.id },
      async () => {
        const result: unknown = await handler(envelope, context);
        // Nest turns a handler's exception into an erroring observable.
        if (isObservable(result)) {
          await lastValueFrom(result, { defaultValue: undefined });
        }
      },
    );
  }

  /** Claims the entry again after the delay, which counts a new delivery. */
  private scheduleRetry(stream: string, id: string, waitMs: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.running) return;
      this.track(this.retry(stream, id));
    }, waitMs);
    this.retryTimers.add(timer);
  }

  private async retry(stream: string, id: string): Promise<void> {
    const claimed = (await this.writer!.xclaim(
      stream,
      this.settings.group,
      this.settings.consumer,
      0,
      id,
    )) as StreamEntry[];
    const [entry] = claimed;
    // Trimmed away, or acknowledged meanwhile: nothing left to do.
    if (!entry?.[1]) return;
    await this.deliver(
      stream,
      id,
      entry[1],
      await this.deliveryCount(stream, id),
    );
  }

  /** Takes over entries another consumer left pending too long (it crashed). */
  private async reclaim(): Promise<void> {
    if (!this.running) return;
    for (const stream of this.streams) {
      try {
        const [, claimed, deleted] = (await this.writer!.xautoclaim(
          stream,
          this.settings.group,
          this.settings.consumer,
          this.settings.claimIdleMs,
          '0-0',
          'COUNT',
          this.settings.maxInFlight,
        )) as [string, StreamEntry[], string[]?];
        for (const id of deleted ?? []) {
          await this.writer!.xack(stream, this.settings.group, id);
        }
        for (const [id, fields] of claimed) {
          if (!fields) continue;
          this.busLogger.log(`Reclaimed ${id} on ${stream}`);
          const deliveries = await this.deliveryCount(stream, id);
          this.track(this.deliver(stream, id, fields, deliveries));
        }
      } catch (error) {
        this.reportReadError(error as Error);
      }
    }
  }

  private async deliveryCount(stream: string, id: string): Promise<number> {
    const pending = (await this.writer!.xpending(
      stream,
      this.settings.group,
      id,
      id,
      1,
    )) as Array<[string, string, number, number]>;
    return pending[0]?.[3] ?? 1;
  }

  private async deadLetter(
    stream: string,
    id: string,
    raw: unknown,
    error: string,
    deliveries: number,
  ): Promise<void> {
    const type = stream.slice(streamKey(this.settings.keyPrefix, '').length);
    await this.writer!.multi()
      .xadd(
        deadLetterKey(this.settings.keyPrefix),
        '*',
        ENVELOPE_FIELD,
        typeof raw === 'string' ? raw : JSON.stringify(raw ?? null),
        'stream',
        stream,
        'entryId',
        id,
        'group',
        this.settings.group,
        'handler',
        type,
        'error',
        error,
        'deliveries',
        String(deliveries),
        'failedAt',
        new Date().toISOString(),
      )
      .xack(stream, this.settings.group, id)
      .exec();
    this.settings.stats?.count('deadLettered', type);
    this.busLogger.error(
      `${type} entry ${id} moved to the dead letters after ${deliveries} deliveries: ${error}`,
    );
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((error: Error) => this.reportReadError(error))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private reportReadError(error: Error): void {
    if (error.message === this.lastReadError) return;
    this.lastReadError = error.message;
    this.busLogger.warn(`Durable transport: ${error.message}`);
  }
}

function readField(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1];
  }
  return undefined;
}

function parseJson(json: string | undefined): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
