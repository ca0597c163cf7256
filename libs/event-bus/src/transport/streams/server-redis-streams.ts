import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { exponentialBackoff, type BackoffOptions } from '@app/common';
import type { ServiceRole } from '@app/contracts';
import { Redis, type RedisOptions } from 'ioredis';
import { isObservable, lastValueFrom } from 'rxjs';
import { runWithCorrelation } from '../../correlation/correlation.context.js';
import { parseEnvelope } from '../../envelope/envelope-parser.js';
import type { EventEnvelope } from '../../envelope/event-envelope.js';
import { isUnrecoverableEventError } from '../../errors/unrecoverable-event.error.js';
import { DEFAULT_KEY_PREFIX } from '../../event-bus.constants.js';
import { EventBusStats } from '../../stats/event-bus.stats.js';
import type { ConsumerTrust } from '../../trust/event-trust.js';
import { describeError } from '../describe-error.js';
import { busReconnectDelay } from '../redis-retry.js';
import { fieldOf } from '../../dead-letters/dead-letter.codec.js';
import {
  appendDeadLetters,
  DEFAULT_DEAD_LETTER_BOUNDS,
} from '../../dead-letters/dead-letter.store.js';
import {
  type ConsumerScripts,
  withConsumerScripts,
} from './consumer-scripts.js';
import {
  ConsumerShutdownError,
  HandlerTimeoutError,
} from './handler-timeout.error.js';
import {
  consumerGroupsKey,
  consumerRolesKey,
  DURABLE_TRANSPORT,
  ENVELOPE_FIELD,
  groupPositionsKey,
  INBOX_IN_PROGRESS,
  releasedRolesKey,
  retriesKey,
  streamKey,
  TARGET_GROUP_FIELD,
} from './redis-streams.constants.js';
import { RedisInbox, type InboxClaim } from './redis-inbox.js';
import { RedisStreamsContext } from './redis-streams.context.js';
import { DEFAULT_RETRY_SCHEDULE, RetrySchedule } from './retry-schedule.js';

export interface RedisStreamsServerOptions {
  redis: RedisOptions;
  /** Consumer group: one per service; its instances share the work. */
  group: string;
  /** This instance's consumer name; default host, pid and a random suffix. */
  consumer?: string;
  /** Prefix of the stream keys; default `eventbus:`. */
  keyPrefix?: string;
  /** Entries handled at once by this instance (back-pressure); default 128. */
  maxInFlight?: number;
  /** How long one read waits for new entries; default 1000 ms. */
  blockMs?: number;
  /**
   * Deliveries in quick succession (the first and the fast retries) before
   * the delayed redeliveries; with `retryHorizonSeconds: 0`, the deliveries
   * before the dead letters. Default 5.
   */
  maxDeliveries?: number;
  /** Delays of the fast retries; default 200 ms doubling to 5 s, jittered. */
  retryBackoff?: BackoffOptions;
  /**
   * How long the delayed redeliveries go on after the fast ones before the
   * dead letters; default 3600 s.
   */
  retryHorizonSeconds?: number;
  /** Delays of the delayed redeliveries; default 10 s doubling to 10 min. */
  delayedRetryBackoff?: BackoffOptions;
  /**
   * An entry held this long by a consumer that stopped renewing its lease
   * is taken over (that consumer crashed); leases are renewed at a third of
   * it while handlers run. Default 30 s.
   */
  claimIdleMs?: number;
  /** A handler still running after this has failed its attempt; default 30 s. */
  handlerTimeoutMs?: number;
  /**
   * A timed-out handler still running after this makes the instance report
   * itself unhealthy (`stalledHandlers`); default four handler timeouts.
   */
  handlerStallMs?: number;
  /**
   * How long the inbox remembers a handled event id; default a day, and
   * never less than the longest an event can wait for its retries.
   */
  inboxTtlSeconds?: number;
  /** Dead letters kept per group, and for how long; default 10000, 14 days. */
  deadLetterMaxPerGroup?: number;
  deadLetterMaxAgeSeconds?: number;
  /** Consumers of gone instances idle this long, holding nothing, are removed; default 1 h. */
  consumerExpiryMs?: number;
  /** How long `close()` lets the handlers in flight finish; default 5 s. */
  shutdownGraceMs?: number;
  /** How often due retries and idle entries are looked for; default 1 s. */
  retryPollMs?: number;
  stats?: EventBusStats;
  /** Signature and permission checks (`EventTrust`); none when absent. */
  trust?: ConsumerTrust;
  /**
   * The role the group plays (`EVENT_PERMISSIONS`), registered for
   * retention; none for a service without one.
   */
  role?: ServiceRole;
}

type Settings = Required<
  Omit<
    RedisStreamsServerOptions,
    'stats' | 'trust' | 'role' | 'handlerStallMs' | 'inboxTtlSeconds'
  >
> &
  Pick<RedisStreamsServerOptions, 'stats' | 'trust' | 'role'> & {
    handlerStallMs: number;
    inboxTtlSeconds: number;
  };

type StreamEntry = [id: string, fields: string[]];
type ReadReply = Array<[key: string, entries: StreamEntry[]]> | null;
type PendingEntry = [
  id: string,
  consumer: string,
  idleMs: number,
  deliveries: number,
];

/**
 * An entry read (new, a due retry or taken over); once accepted, one this
 * instance holds until it is acknowledged or set aside.
 */
class HeldEntry {
  /** `<stream>|<id>`, its key in `held` and its retries member. */
  readonly key: string;
  /** Set once the inbox claim is this instance's, so the lease renews it. */
  eventId?: string;
  /** Set once its handler ran past the timeout. */
  timedOut?: {
    error: HandlerTimeoutError;
    stallTimer: NodeJS.Timeout;
    stalled: boolean;
  };
  /** Whether its handler is running (for the batch's timeout). */
  running = false;
  /** Created when the handler asks for its signal (most never do). */
  private controller?: AbortController;
  private abortedWith?: { reason: unknown };

  constructor(
    readonly stream: string,
    readonly id: string,
    readonly fields: string[],
    readonly deliveries: number,
  ) {
    this.key = member(stream, id);
  }

  /** The handler's signal, aborted already if the attempt was. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  /** Aborts the handler's signal (the first reason stays). */
  abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
  }
}

/** The entries of one read whose handlers started together. */
interface Batch {
  entries: HeldEntry[];
  /** Handlers still running: the timeout is cleared when none is. */
  running: number;
  /** Handlers not yet finished with their entry (acknowledged, retried). */
  unsettled: number;
  timer?: NodeJS.Timeout;
  settled: () => void;
}

/**
 * Handlers an instance runs at once. With a no-op handler, saturated
 * (`durable.saturation` bench rows, 30,000 events, 2-core machine): 64 ->
 * 21.5k events/s, 128 -> 24k, 256 -> 25k; with 64 the consumer waited on
 * its round trips a third of the time. Past 128 the gain is within the
 * noise, while handlers on one database connection (PGlite) would queue
 * longer behind one another within their timeout.
 */
const DEFAULT_MAX_IN_FLIGHT = 128;

const DEFAULTS = {
  keyPrefix: DEFAULT_KEY_PREFIX,
  maxInFlight: DEFAULT_MAX_IN_FLIGHT,
  blockMs: 1_000,
  maxDeliveries: DEFAULT_RETRY_SCHEDULE.fastDeliveries,
  retryBackoff: DEFAULT_RETRY_SCHEDULE.fastBackoff,
  retryHorizonSeconds: DEFAULT_RETRY_SCHEDULE.horizonMs / 1_000,
  delayedRetryBackoff: DEFAULT_RETRY_SCHEDULE.delayedBackoff,
  claimIdleMs: 30_000,
  inboxTtlSeconds: 86_400,
  deadLetterMaxPerGroup: DEFAULT_DEAD_LETTER_BOUNDS.maxPerGroup,
  deadLetterMaxAgeSeconds: DEFAULT_DEAD_LETTER_BOUNDS.maxAgeSeconds,
  handlerTimeoutMs: 30_000,
  consumerExpiryMs: 3_600_000,
  shutdownGraceMs: 5_000,
  retryPollMs: 1_000,
};
const DEFAULT_INBOX_TTL_SECONDS = 86_400;

/**
 * The durable transport's server: reads the Redis Streams of the event types
 * its handlers declare with one consumer group per service, runs the
 * handler, and acknowledges the entry only when the handler succeeded.
 *
 * - Retries: a failed entry is retried quickly a few times, then with
 *   delays spread over a horizon (`RetrySchedule`), then dead-lettered; an
 *   `UnrecoverableEventError` dead-letters at once. Due times live in Redis
 *   (`retriesKey`), so they survive restarts and any instance of the group
 *   takes the entry when it is due.
 * - Leases: while a handler runs, its entry's idle time and its inbox claim
 *   are renewed; entries of a consumer that stopped renewing (it crashed)
 *   are taken over after `claimIdleMs`, never this instance's own in-flight
 *   ones, never a retry before it is due, never past `maxInFlight`.
 * - Timeouts: past `handlerTimeoutMs` the handler's `AbortSignal` fires and
 *   the attempt fails; its retry waits until the handler has returned, so it
 *   never runs twice at once; past `handlerStallMs` the instance reports
 *   itself unhealthy.
 * - Housekeeping: a consumer group lost from Redis is recreated where its
 *   oldest unacknowledged entry was (`groupPositionsKey`); consumers of gone
 *   instances holding nothing are removed; every group consuming a type is
 *   registered in `consumerGroupsKey`, with its role in `consumerRolesKey`,
 *   for retention.
 * - Fast path: reads of up to the free slots, the inbox claims of a read in
 *   one round trip, acknowledgements batched. No order between events is
 *   promised.
 */
export class ServerRedisStreams
  extends Server
  implements CustomTransportStrategy
{
  override transportId = DURABLE_TRANSPORT;
  private readonly busLogger = new Logger(ServerRedisStreams.name);
  private readonly settings: Settings;
  private readonly schedule: RetrySchedule;
  private reader?: Redis;
  private writer?: Redis & ConsumerScripts;
  private inbox?: RedisInbox;
  private running = false;
  private readLoop?: Promise<void>;
  private closing?: Promise<void>;
  private leaseTimer?: NodeJS.Timeout;
  /** Entries held, by `<stream>|<id>`. */
  private readonly held = new Map<string, HeldEntry>();
  private readonly tasks = new Set<Promise<void>>();
  private slotWaiters: Array<() => void> = [];
  private nextRetryCheck = 0;
  private nextSweep = 0;
  private stalled = 0;
  private recreating?: Promise<void>;
  private lastReadError?: string;
  /**
   * Nest's route of each event type: `getHandlerByPattern` works it out
   * with a `JSON.parse` that throws for every plain type, per message.
   */
  private readonly routes = new Map<string, string>();

  constructor(options: RedisStreamsServerOptions) {
    super();
    const merged = {
      ...DEFAULTS,
      consumer: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
      ...options,
    };
    this.schedule = new RetrySchedule({
      fastDeliveries: merged.maxDeliveries,
      fastBackoff: merged.retryBackoff,
      horizonMs: merged.retryHorizonSeconds * 1_000,
      delayedBackoff: merged.delayedRetryBackoff,
    });
    const longestWaitSeconds = Math.ceil(
      this.schedule.longestWaitMs(
        merged.handlerTimeoutMs + merged.claimIdleMs,
      ) / 1_000,
    );
    this.settings = {
      ...merged,
      handlerStallMs: merged.handlerStallMs ?? 4 * merged.handlerTimeoutMs,
      inboxTtlSeconds: Math.max(
        merged.inboxTtlSeconds ?? DEFAULT_INBOX_TTL_SECONDS,
        longestWaitSeconds,
      ),
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

  /**
   * Handlers still running long past their timeout (`handlerStallMs`): the
   * instance is unhealthy and should be restarted; their entries stay
   * leased until then, so no other instance runs them meanwhile.
   */
  get stalledHandlers(): number {
    return this.stalled;
  }

  /** How long the inbox remembers handled event ids, in seconds. */
  get inboxTtlSeconds(): number {
    return this.settings.inboxTtlSeconds;
  }

  /**
   * The longest an event waits between its first delivery and the dead
   * letters, in ms (every attempt taking the whole handler timeout).
   */
  get longestRetryWaitMs(): number {
    return this.schedule.longestWaitMs(this.settings.handlerTimeoutMs);
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
    this.writer = withConsumerScripts(new Redis(redis));
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
    this.leaseTimer = setInterval(
      () => void this.renewLeases(),
      Math.max(100, Math.floor(this.settings.claimIdleMs / 3)),
    );
    callback();
  }

  /**
   * Stops reading, lets the handlers in flight finish within `graceMs`
   * (default `shutdownGraceMs`), leaves what is unfinished unacknowledged
   * for redelivery, and disconnects, within the grace even if Redis is
   * unreachable.
   */
  close(graceMs = this.settings.shutdownGraceMs): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.running = false;
    this.notifySlotFreed();
    // A blocked XREADGROUP would hold the loop for blockMs: cut it short.
    this.reader?.disconnect();
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([this.readLoop, ...this.tasks]),
      new Promise<void>((done) => (graceTimer = setTimeout(done, graceMs))),
    ]);
    clearTimeout(graceTimer);
    clearInterval(this.leaseTimer);
    for (const entry of this.held.values()) {
      entry.abort(new ConsumerShutdownError());
    }
    await this.disconnectWriter();
  }

  /** QUIT when Redis answers (bounded), else drop the connection at once. */
  private async disconnectWriter(): Promise<void> {
    const writer = this.writer;
    if (!writer || writer.status === 'end') return;
    if (writer.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        writer.quit().catch(() => undefined),
        new Promise<void>((done) => (timer = setTimeout(done, 1_000))),
      ]);
      clearTimeout(timer);
    }
    if ((writer.status as string) !== 'end') writer.disconnect();
  }

  on(): never {
    throw new Error(`${ServerRedisStreams.name} does not emit events`);
  }

  unwrap<T>(): T {
    return [this.reader, this.writer] as T;
  }

  /**
   * The one loop that takes entries, so `maxInFlight` holds for new ones,
   * due retries and taken-over ones alike.
   */
  private async read(): Promise<void> {
    await this.ensureGroups().catch((error: Error) =>
      this.reportReadError(error),
    );
    const minBatch = Math.max(1, Math.floor(this.settings.maxInFlight / 4));
    while (this.running) {
      const streams = this.streams;
      if (streams.length === 0) return;
      // Wait for a few free slots rather than reading one entry at a time.
      if (this.freeSlots() < Math.min(minBatch, this.settings.maxInFlight)) {
        await this.slotFreed();
        continue;
      }
      try {
        const now = Date.now();
        if (now >= this.nextRetryCheck) {
          this.nextRetryCheck = now + this.settings.retryPollMs;
          await this.takeDueRetries();
        }
        if (now >= this.nextSweep) {
          this.nextSweep = now + Math.max(1_000, this.settings.claimIdleMs / 2);
          await this.sweep();
        }
        const free = this.freeSlots();
        if (free <= 0 || !this.running) continue;
        const block = Math.max(
          10,
          Math.min(this.settings.blockMs, this.nextRetryCheck - Date.now()),
        );
        const reply = (await this.reader!.xreadgroup(
          'GROUP',
          this.settings.group,
          this.settings.consumer,
          'COUNT',
          free,
          'BLOCK',
          block,
          'STREAMS',
          ...streams,
          ...streams.map(() => '>'),
        )) as ReadReply;
        this.lastReadError = undefined;
        const arrivals: HeldEntry[] = [];
        for (const [stream, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            arrivals.push(new HeldEntry(stream, id, fields, 1));
          }
        }
        this.accept(arrivals);
      } catch (error) {
        if (!this.running) return;
        await (this.onRedisError(error as Error) ?? delay(1_000));
      }
    }
  }

  private freeSlots(): number {
    return this.settings.maxInFlight - this.held.size;
  }

  private slotFreed(): Promise<void> {
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private notifySlotFreed(): void {
    if (this.slotWaiters.length === 0) return;
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Lets go of an entry this instance holds (not of a later one of the same id). */
  private release(entry: HeldEntry): void {
    if (this.held.get(entry.key) !== entry) return;
    this.held.delete(entry.key);
    this.notifySlotFreed();
  }

  /**
   * Takes entries into this instance's hands: those it holds already (read
   * again from a recreated group while still running) are left alone.
   */
  private accept(arrivals: HeldEntry[]): void {
    const fresh = arrivals.filter((entry) => {
      if (this.held.has(entry.key)) return false;
      this.held.set(entry.key, entry);
      return true;
    });
    if (fresh.length > 0) this.track(this.start(fresh));
  }

  /** Sorts a batch out and starts its handlers: one round trip for all claims. */
  private async start(arrivals: HeldEntry[]): Promise<void> {
    const valid: HeldEntry[] = [];
    const envelopes: EventEnvelope[] = [];
    const raws: unknown[] = [];
    for (const entry of arrivals) {
      const { stream, id, fields, deliveries } = entry;
      const type = this.typeOf(stream);
      const onlyFor = fieldOf(fields, TARGET_GROUP_FIELD);
      if (onlyFor !== undefined && onlyFor !== this.settings.group) {
        // A replay meant for another service's group.
        this.track(this.acknowledge(entry));
        continue;
      }
      const text = fieldOf(fields, ENVELOPE_FIELD);
      const raw = parseJson(text);
      const parsed = parseEnvelope(
        type,
        raw,
        this.settings.trust?.verify,
        text,
      );
      if (!parsed.ok) {
        const decision = parsed.retryable
          ? this.schedule.next(deliveries)
          : ({ action: 'dead-letter' } as const);
        if (decision.action === 'dead-letter') {
          this.settings.stats?.count('rejected', type);
          this.track(
            this.deadLetter(stream, id, raw, parsed.reason, deliveries).finally(
              () => this.release(entry),
            ),
          );
        } else {
          this.busLogger.warn(
            `${type} entry ${id} refused for now (delivery ${deliveries}): ${parsed.reason}; retrying in ${decision.delayMs} ms`,
          );
          this.track(
            this.postpone(stream, id, decision.delayMs).finally(() =>
              this.release(entry),
            ),
          );
        }
        continue;
      }
      this.settings.stats?.count('received', type);
      valid.push(entry);
      envelopes.push(parsed.envelope);
      raws.push(raw);
    }
    if (valid.length === 0) return;
    let claims: InboxClaim[];
    let dueTimes: Array<string | null>;
    try {
      // One transaction, one write: the claims and the due times.
      let reply: unknown;
      [claims, reply] = await this.inbox!.claimAllWith(
        envelopes.map((envelope) => envelope.id),
        (batch) =>
          batch.zmscore(this.retriesKey, ...valid.map((entry) => entry.key)),
      );
      dueTimes = reply as Array<string | null>;
    } catch (error) {
      // Left pending: taken over once idle, by this instance or another.
      for (const entry of valid) this.release(entry);
      throw error;
    }
    const now = Date.now();
    const toRun: number[] = [];
    valid.forEach((entry, i) => {
      const { stream, id, deliveries } = entry;
      const envelope = envelopes[i];
      const dueAt = dueTimes[i] === null ? undefined : Number(dueTimes[i]);
      if (dueAt !== undefined && dueAt > now) {
        // Read again from a recreated group while its retry waits: the
        // retry takes it when due.
        if (claims[i] === 'claimed') {
          this.track(this.inbox!.release(envelope.id));
        }
        this.release(entry);
        return;
      }
      if (dueAt !== undefined) {
        this.track(this.untrackRetry(stream, id));
      }
      if (claims[i] === 'done') {
        this.settings.stats?.count('duplicate', envelope.type);
        this.track(this.acknowledge(entry));
        return;
      }
      if (claims[i] === 'busy') {
        // Another entry with this event id is being handled right now.
        const wait = exponentialBackoff(deliveries, this.settings.retryBackoff);
        this.track(
          this.postpone(stream, id, wait).finally(() => this.release(entry)),
        );
        return;
      }
      toRun.push(i);
    });
    if (toRun.length > 0) this.run(toRun, valid, envelopes, raws);
  }

  /**
   * Starts the handlers of a batch together, under one timeout timer and
   * tracked as one task, rather than a timer, a race and a tracking chain
   * per event.
   */
  private run(
    indexes: number[],
    entries: HeldEntry[],
    envelopes: EventEnvelope[],
    raws: unknown[],
  ): void {
    const batch: Batch = {
      entries: indexes.map((i) => entries[i]),
      running: indexes.length,
      unsettled: indexes.length,
      settled: () => undefined,
    };
    this.track(new Promise<void>((resolve) => (batch.settled = resolve)));
    batch.timer = setTimeout(
      () => this.timeOut(batch),
      this.settings.handlerTimeoutMs,
    ).unref();
    for (const i of indexes) {
      void this.handle(entries[i], envelopes[i], raws[i], batch);
    }
  }

  private async untrackRetry(stream: string, id: string): Promise<void> {
    await this.writer!.zrem(this.retriesKey, member(stream, id));
  }

  private async acknowledge(entry: HeldEntry): Promise<void> {
    try {
      await this.inbox!.acknowledge(entry.stream, entry.id);
    } finally {
      this.release(entry);
    }
  }

  /**
   * Runs the handler, then acknowledges the entry or has it retried. A
   * handler that times out (`timeOut`) is still awaited (JavaScript cannot
   * stop it), with its lease renewed, so its retry never runs beside it.
   * Never rejects: a Redis error is handled as a tracked task's would be.
   */
  private async handle(
    entry: HeldEntry,
    envelope: EventEnvelope,
    raw: unknown,
    batch: Batch,
  ): Promise<void> {
    const { stream, id, deliveries } = entry;
    entry.eventId = envelope.id;
    entry.running = true;
    try {
      try {
        let failed = false;
        let error: unknown;
        try {
          await this.invoke(
            envelope.type,
            envelope,
            new RedisStreamsContext([stream, id, deliveries], entry),
          );
        } catch (cause) {
          failed = true;
          error = cause;
        }
        this.returned(entry, batch);
        if (entry.timedOut) {
          failed = true;
          error = entry.timedOut.error;
        }
        if (!failed) {
          await this.inbox!.complete(envelope.id, stream, id);
          this.settings.stats?.delivered(envelope);
          return;
        }
        await this.failed(stream, id, envelope, raw, error, deliveries);
      } finally {
        this.release(entry);
      }
    } catch (error) {
      if (this.running) await this.onRedisError(error as Error);
    } finally {
      if (--batch.unsettled === 0) batch.settled();
    }
  }

  /** The batch's handlers still running past the timeout fail their attempt. */
  private timeOut(batch: Batch): void {
    const { handlerTimeoutMs, handlerStallMs } = this.settings;
    for (const entry of batch.entries) {
      if (!entry.running) continue;
      const type = this.typeOf(entry.stream);
      const error = new HandlerTimeoutError(type, handlerTimeoutMs);
      const timedOut: NonNullable<HeldEntry['timedOut']> = {
        error,
        stalled: false,
        stallTimer: setTimeout(
          () => {
            timedOut.stalled = true;
            this.stalled += 1;
            this.busLogger.error(
              `${type} ${entry.eventId}: the handler is still running ${handlerStallMs} ms after it started; this instance reports itself unhealthy until it returns`,
            );
          },
          Math.max(0, handlerStallMs - handlerTimeoutMs),
        ).unref(),
      };
      entry.timedOut = timedOut;
      entry.abort(error);
      this.busLogger.warn(
        `${type} ${entry.eventId}: ${error.message}; its retry waits until it returns`,
      );
    }
  }

  /** An entry's handler returned (or threw). */
  private returned(entry: HeldEntry, batch: Batch): void {
    entry.running = false;
    if (--batch.running === 0) clearTimeout(batch.timer);
    const { timedOut } = entry;
    if (timedOut) {
      clearTimeout(timedOut.stallTimer);
      if (timedOut.stalled) this.stalled -= 1;
    }
  }

  private invoke(
    type: string,
    envelope: EventEnvelope,
    context: RedisStreamsContext,
  ): Promise<void> {
    const handler = this.handlerOf(type);
    if (!handler) throw new Error(`No handler for ${type}`);
    return runWithCorrelation(
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

  /** A failed attempt: retried when the schedule says so, else dead-lettered. */
  private async failed(
    stream: string,
    id: string,
    envelope: EventEnvelope,
    raw: unknown,
    error: unknown,
    deliveries: number,
  ): Promise<void> {
    const { type } = envelope;
    this.settings.stats?.count('failed', type);
    const reason = describeError(error);
    const decision = isUnrecoverableEventError(error)
      ? ({ action: 'dead-letter' } as const)
      : this.schedule.next(deliveries);
    if (decision.action === 'dead-letter') {
      await this.inbox!.release(envelope.id);
      await this.deadLetter(stream, id, raw, reason, deliveries);
      return;
    }
    this.settings.stats?.count('retried', type);
    this.busLogger.warn(
      `${type} ${envelope.id} failed (delivery ${deliveries}/${this.schedule.maxDeliveries}): ${reason}; retrying in ${decision.delayMs} ms`,
    );
    await this.postpone(stream, id, decision.delayMs, envelope.id);
  }

  /**
   * Sets the entry aside until `waitMs` from now: its due time goes to the
   * group's retries in Redis (with the inbox claim released, when it is
   * this instance's), and the entry stays pending, out of reclaiming's
   * reach, until an instance of the group takes it when due.
   */
  private async postpone(
    stream: string,
    id: string,
    waitMs: number,
    releaseEventId?: string,
  ): Promise<void> {
    const dueAt = Date.now() + waitMs;
    const batch = this.writer!.multi();
    if (releaseEventId !== undefined)
      batch.del(this.inbox!.key(releaseEventId));
    batch.zadd(this.retriesKey, dueAt, member(stream, id));
    await batch.exec();
    this.nextRetryCheck = Math.min(this.nextRetryCheck, dueAt);
  }

  /** Takes the group's due retries, up to the free slots. */
  private async takeDueRetries(): Promise<void> {
    const free = this.freeSlots();
    if (free <= 0) return;
    const streams = new Set(this.streams);
    const due = (
      await this.writer!.zrangebyscore(
        this.retriesKey,
        '-inf',
        Date.now(),
        'LIMIT',
        0,
        free,
      )
    )
      .map(parseMember)
      .filter(
        (entry): entry is { stream: string; id: string } =>
          entry !== undefined &&
          streams.has(entry.stream) &&
          !this.held.has(member(entry.stream, entry.id)),
      );
    if (due.length === 0) return;
    const taken = await Promise.all(
      due.map(({ stream, id }) =>
        this.writer!.takeDueRetry(
          this.retriesKey,
          stream,
          member(stream, id),
          this.settings.group,
          this.settings.consumer,
          id,
        ),
      ),
    );
    const arrivals: HeldEntry[] = [];
    due.forEach(({ stream, id }, i) => {
      const result = taken[i];
      if (result) {
        arrivals.push(new HeldEntry(stream, id, result[1], result[0]));
      }
    });
    this.accept(arrivals);
    // More may be due than there was room for.
    if (due.length === free) this.nextRetryCheck = 0;
  }

  /**
   * Periodic housekeeping per stream: takes over entries of crashed
   * consumers, remembers where to recreate the group, and removes the
   * consumers of instances that are gone.
   */
  private async sweep(): Promise<void> {
    for (const stream of this.streams) {
      await this.reclaim(stream);
      await this.rememberPosition(stream);
      const dropped = await this.writer!.dropIdleConsumers(
        stream,
        this.settings.group,
        this.settings.consumer,
        this.settings.consumerExpiryMs,
      );
      if (dropped.length > 0) {
        this.busLogger.log(
          `Removed idle consumers ${dropped.join(', ')} of ${this.settings.group} on ${stream}`,
        );
      }
    }
  }

  /** Takes over entries a consumer left idle too long (it crashed). */
  private async reclaim(stream: string): Promise<void> {
    const free = this.freeSlots();
    if (free <= 0) return;
    // Idle entries are mostly retries waiting for their due time (many,
    // during an outage): page past them to find those of crashed consumers.
    const candidates: PendingEntry[] = [];
    let start = '-';
    for (let page = 0; page < 20 && candidates.length < free; page++) {
      const idle = (await this.writer!.xpending(
        stream,
        this.settings.group,
        'IDLE',
        this.settings.claimIdleMs,
        start,
        '+',
        100,
      )) as PendingEntry[];
      if (idle.length === 0) break;
      start = `(${idle[idle.length - 1][0]}`;
      const notHeld = idle.filter(([id]) => !this.held.has(member(stream, id)));
      if (notHeld.length === 0) continue;
      const dueTimes = await this.writer!.zmscore(
        this.retriesKey,
        ...notHeld.map(([id]) => member(stream, id)),
      );
      notHeld.forEach((entry, i) => {
        if (dueTimes[i] === null) candidates.push(entry);
      });
      if (idle.length < 100) break;
    }
    candidates.splice(free);
    if (candidates.length === 0) return;
    const claimed = await this.writer!.claimIdle(
      stream,
      this.retriesKey,
      this.settings.group,
      this.settings.consumer,
      this.settings.claimIdleMs,
      ...candidates.map(([id]) => id),
    );
    const deliveries = new Map(candidates.map(([id, , , n]) => [id, n + 1]));
    const arrivals: HeldEntry[] = [];
    for (const [id, fields] of claimed) {
      if (!fields) continue;
      this.busLogger.log(`Reclaimed ${id} on ${stream}`);
      arrivals.push(new HeldEntry(stream, id, fields, deliveries.get(id) ?? 2));
    }
    this.accept(arrivals);
  }

  /**
   * Remembers the id just before the group's oldest entry not yet
   * acknowledged (or its last delivered one when none is pending): where
   * the group is recreated if Redis loses it. Everything from there on is
   * read again, the pending entries and waiting retries included; what was
   * acknowledged meanwhile is dropped by the inbox.
   */
  private async rememberPosition(stream: string): Promise<void> {
    const [groups, summary] = await Promise.all([
      this.writer!.xinfo('GROUPS', stream) as Promise<unknown[][]>,
      this.writer!.xpending(stream, this.settings.group) as Promise<
        [number, string | null, string | null, unknown]
      >,
    ]);
    const info = groups
      .map(toRecord)
      .find((entry) => entry.name === this.settings.group);
    if (!info) return;
    const position =
      summary[0] > 0 && summary[1]
        ? previousId(summary[1])
        : String(info['last-delivered-id']);
    await this.writer!.hset(this.positionsKey, stream, position);
  }

  /**
   * The group on every stream it reads, registered for retention. A new
   * group starts at the beginning of the stream (a service also gets what
   * was published before it first ran); a lost one where it stood.
   */
  private async ensureGroups(): Promise<void> {
    const writer = this.writer!;
    const streams = this.streams;
    if (streams.length === 0) return;
    const positions = await writer.hmget(this.positionsKey, ...streams);
    const batch = writer.multi();
    for (const type of this.patterns) {
      batch.sadd(
        consumerGroupsKey(this.settings.keyPrefix, type),
        this.settings.group,
      );
    }
    const { keyPrefix, group, role } = this.settings;
    if (role) {
      batch.hset(consumerRolesKey(keyPrefix), group, role);
      // A role an operator released is awaited again once it runs.
      batch.srem(releasedRolesKey(keyPrefix), role);
    }
    await batch.exec();
    for (const [i, stream] of streams.entries()) {
      const position = positions[i] ?? '0';
      try {
        await writer.xgroup(
          'CREATE',
          stream,
          this.settings.group,
          position,
          'MKSTREAM',
        );
        this.busLogger.log(
          `Consumer group ${this.settings.group} created on ${stream} at ${position}`,
        );
      } catch (error) {
        if (!(error as Error).message.includes('BUSYGROUP')) {
          this.reportReadError(error as Error);
        }
      }
    }
    await Promise.all(streams.map((stream) => this.rememberPosition(stream)));
  }

  /** For a lost group (NOGROUP), its recreation; otherwise logged. */
  private onRedisError(error: Error): Promise<void> | undefined {
    if (!error.message.includes('NOGROUP')) {
      this.reportReadError(error);
      return undefined;
    }
    if (!this.recreating) {
      this.busLogger.warn(
        `Consumer group ${this.settings.group} lost from Redis: recreating it where it stood`,
      );
      this.recreating = this.ensureGroups()
        .catch((cause: Error) => this.reportReadError(cause))
        .finally(() => (this.recreating = undefined));
    }
    return this.recreating;
  }

  /** Renews the leases of the entries this instance's handlers hold. */
  private async renewLeases(): Promise<void> {
    if (!this.writer || this.held.size === 0) return;
    const byStream = new Map<string, HeldEntry[]>();
    for (const entry of this.held.values()) {
      const entries = byStream.get(entry.stream) ?? [];
      entries.push(entry);
      byStream.set(entry.stream, entries);
    }
    await Promise.all(
      [...byStream].map(async ([stream, entries]) => {
        try {
          const lost = await this.writer!.renewLeases(
            1 + entries.length,
            stream,
            ...entries.map((entry) =>
              entry.eventId === undefined ? '' : this.inbox!.key(entry.eventId),
            ),
            this.settings.group,
            this.settings.consumer,
            this.settings.claimIdleMs,
            INBOX_IN_PROGRESS,
            ...entries.map((entry) => entry.id),
          );
          if (lost.length > 0) {
            this.busLogger.warn(
              `Entries ${lost.join(', ')} on ${stream} are no longer this consumer's (taken over, or the group was recreated)`,
            );
          }
        } catch (error) {
          if (this.running) void this.onRedisError(error as Error);
        }
      }),
    );
  }

  private async deadLetter(
    stream: string,
    id: string,
    raw: unknown,
    error: string,
    deliveries: number,
  ): Promise<void> {
    const type = stream.slice(streamKey(this.settings.keyPrefix, '').length);
    const { group, keyPrefix } = this.settings;
    const { discarded } = await appendDeadLetters(
      this.writer!,
      {
        keyPrefix,
        group,
        stream,
        bounds: {
          maxPerGroup: this.settings.deadLetterMaxPerGroup,
          maxAgeSeconds: this.settings.deadLetterMaxAgeSeconds,
        },
      },
      [
        {
          envelope: raw,
          stream,
          entryId: id,
          group,
          handler: type,
          error,
          deliveries,
        },
      ],
      { kind: 'acknowledge' },
    );
    for (const handler of discarded) {
      this.settings.stats?.count('deadLetterDiscarded', handler);
    }
    this.settings.stats?.count('deadLettered', type);
    this.busLogger.error(
      `${type} entry ${id} moved to the dead letters after ${deliveries} deliveries: ${error}`,
    );
  }

  private get retriesKey(): string {
    return retriesKey(this.settings.keyPrefix, this.settings.group);
  }

  private get positionsKey(): string {
    return groupPositionsKey(this.settings.keyPrefix, this.settings.group);
  }

  /** `getHandlerByPattern`, with the route of each type worked out once. */
  private handlerOf(type: string) {
    let route = this.routes.get(type);
    if (route === undefined) {
      route = this.getRouteFromPattern(type);
      this.routes.set(type, route);
    }
    return this.messageHandlers.get(route) ?? null;
  }

  private typeOf(stream: string): string {
    return stream.slice(streamKey(this.settings.keyPrefix, '').length);
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch(async (error: Error) => {
        if (this.running) await this.onRedisError(error);
      })
      .finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  private reportReadError(error: Error): void {
    if (error.message === this.lastReadError) return;
    this.lastReadError = error.message;
    this.busLogger.warn(`Durable transport: ${error.message}`);
  }
}

/** The retries' member of an entry: `<stream>|<entry id>`. */
function member(stream: string, id: string): string {
  return `${stream}|${id}`;
}

function parseMember(
  value: string,
): { stream: string; id: string } | undefined {
  const at = value.lastIndexOf('|');
  if (at <= 0) return undefined;
  return { stream: value.slice(0, at), id: value.slice(at + 1) };
}

/** The greatest stream id below `id`, for "everything from `id` on". */
function previousId(id: string): string {
  const [ms, seq] = id.split('-').map((part) => BigInt(part));
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms > 0n) return `${ms - 1n}-18446744073709551615`;
  return '0-0';
}

function parseJson(json: string | undefined): unknown {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json;
  }
}

/** XINFO answers flat [name, value, name, value, ...] lists. */
function toRecord(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    record[String(flat[i])] = flat[i + 1];
  }
  return record;
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
