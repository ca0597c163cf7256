import type { ServiceRole } from '@app/contracts';
import type { BusTransaction } from '../database/bus-tables.js';

export const EVENT_BUS_MODES = ['hybrid', 'local-only', 'redis-only'] as const;
/**
 * `hybrid`: local subscribers and Redis; `local-only`: in-process only;
 * `redis-only`: Redis only, local subscribers are not called.
 */
export type EventBusMode = (typeof EVENT_BUS_MODES)[number];

export interface EventBusModuleOptions {
  /** The publishing service; becomes the CloudEvents `source`. */
  service: string;
  /** Event-bus Redis, `redis://` or `rediss://`. Unused in `local-only`. */
  redisUrl?: string;
  /** Default `hybrid`. */
  mode?: EventBusMode;
  /** How long published events stay queryable in the history; default 3600. */
  historyTtlSeconds?: number;
  /** Prefix of the bus's own Redis keys (history); default `eventbus:`. */
  keyPrefix?: string;
  /**
   * Events kept in memory while Redis is unreachable, published in order when
   * it returns; default 10000. Past that the oldest are dropped, and counted.
   */
  maxBufferedEvents?: number;
  /**
   * How long events stay in their streams (for consumers that were down, and
   * for replay); default one day, never less than `historyTtlSeconds`.
   */
  streamRetentionSeconds?: number;
  /**
   * Hard ceiling of the retention: what a consumer group has not handled by
   * then moves to its dead letters; default a week. Below it, a stream is
   * never trimmed past what a group still needs.
   */
  streamMaxRetentionSeconds?: number;
  /** How often the retention task trims the streams; default 60000 ms. */
  retentionIntervalMs?: number;
  /** How often the outbox relay looks for rows; default 200 ms. */
  outboxPollMs?: number;
  /**
   * How long an instance's outbox rows stay its own after its relay last
   * renewed its lease (renewed every fifth of it); then another instance
   * takes them over. Default 15 s.
   */
  outboxLeaseSeconds?: number;
  /** How long the inbox remembers a processed event id; default a week. */
  inboxRetentionSeconds?: number;
  /** Tuning of the durable transport's consumers. */
  durable?: DurableConsumerOptions;
  /** Signatures, permissions and encryption (README, Trust). */
  trust?: EventTrustOptions;
}

export interface EventTrustOptions {
  /**
   * What the service may publish and consume (`EVENT_PERMISSIONS`); default
   * the role its name starts with (`booking-service-2` is `booking`).
   */
  role?: ServiceRole;
  /** Folder of the signing and data keys; default `.data/keys` (cwd). */
  keysDir?: string;
  /** Events older than this are refused; default 8 days. */
  maxEventAgeSeconds?: number;
}

export interface DurableConsumerOptions {
  /**
   * Deliveries in quick succession (the first and the fast retries) before
   * the delayed redeliveries; with `retryHorizonSeconds: 0`, the deliveries
   * before the dead letters. Default 5.
   */
  maxDeliveries?: number;
  /**
   * How long failed events keep being redelivered, with growing delays,
   * after the fast retries and before the dead letters; default 3600 s.
   */
  retryHorizonSeconds?: number;
  /**
   * A handler still running after this fails its attempt (its context's
   * `AbortSignal` fires); default 30000 ms.
   */
  handlerTimeoutMs?: number;
  /**
   * A timed-out handler still running after this makes the instance
   * unhealthy; default four handler timeouts.
   */
  handlerStallMs?: number;
  /** How long shutdown lets the handlers in flight finish; default 5000 ms. */
  shutdownGraceMs?: number;
  /**
   * How long an event may stay unacknowledged with a consumer before another
   * instance takes it over (the first one crashed); default 30000 ms.
   */
  claimIdleMs?: number;
  /** Events handled at once per instance; default 128. */
  maxInFlight?: number;
  /** Dead letters kept per consumer group; default 10000. */
  deadLetterMaxPerGroup?: number;
  /** How long dead letters are kept; default 14 days. */
  deadLetterMaxAgeSeconds?: number;
}

export interface PublishOptions {
  /** Default: the current request's or event's correlation id, or a new one. */
  correlationId?: string;
  /** Default: the id of the event being handled, if any. */
  causationId?: string;
  /** Deliver to in-process subscribers only. */
  localOnly?: boolean;
  /** Deliver over Redis only. */
  redisOnly?: boolean;
  /**
   * The database transaction of the change that causes the event: the event
   * is written to the service's outbox in it, so it exists if and only if
   * the change commits, and the outbox relay delivers it after the commit
   * (also after a crash or a Redis outage).
   */
  transaction?: BusTransaction;
  /** The admin publishing through the HTTP route: the `publishedby` attribute. */
  publishedBy?: string;
}
