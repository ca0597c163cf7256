import type { ConfigService } from '@nestjs/config';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS, eventBusRedisUrl } from '@app/common';
import { DEFAULT_MAX_EVENT_AGE_SECONDS } from './trust/trust.constants.js';
import { roleOfServiceName, type ServiceRole } from '@app/contracts';
import {
  DEFAULT_HISTORY_TTL_SECONDS,
  DEFAULT_STREAM_RETENTION_SECONDS,
} from './event-bus.constants.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';
import {
  DEFAULT_DEAD_LETTER_BOUNDS,
  type DeadLetterBounds,
} from './dead-letters/dead-letter.store.js';
import { DEFAULT_STREAM_MAX_RETENTION_SECONDS } from './retention/retention.constants.js';

/**
 * `EventBusModule` options of a service from its validated environment:
 * `SERVICE_NAME` (default `service`), the event-bus Redis URL,
 * `EVENT_HISTORY_TTL_SECONDS`, `EVENT_STREAM_RETENTION_SECONDS`,
 * `EVENT_STREAM_MAX_RETENTION_SECONDS` and the durable consumers' tuning
 * (`EVENT_BUS_MAX_DELIVERIES`, `EVENT_BUS_CLAIM_IDLE_MS`,
 * `EVENT_BUS_DEAD_LETTER_MAX_PER_GROUP`, `EVENT_BUS_DEAD_LETTER_MAX_AGE_SECONDS`,
 * `EVENT_BUS_RETRY_HORIZON_SECONDS`, `EVENT_BUS_HANDLER_TIMEOUT_MS`,
 * `EVENT_BUS_HANDLER_STALL_MS`) and the outbox relays' lease
 * (`EVENT_BUS_OUTBOX_LEASE_SECONDS`), and the trust settings (`EVENT_BUS_ROLE`,
 * default the role of the app's name `service`; `EVENT_BUS_KEYS_DIR`;
 * `EVENT_BUS_MAX_EVENT_AGE_SECONDS`).
 */
export function eventBusOptionsFromConfig(
  service: string,
  config: ConfigService,
): EventBusModuleOptions {
  return {
    service: config.get<string>('SERVICE_NAME') ?? service,
    redisUrl: eventBusRedisUrl(config),
    historyTtlSeconds: config.get<number>('EVENT_HISTORY_TTL_SECONDS'),
    streamRetentionSeconds: config.get<number>(
      'EVENT_STREAM_RETENTION_SECONDS',
    ),
    streamMaxRetentionSeconds: config.get<number>(
      'EVENT_STREAM_MAX_RETENTION_SECONDS',
    ),
    outboxLeaseSeconds: config.get<number>('EVENT_BUS_OUTBOX_LEASE_SECONDS'),
    trust: {
      // The app's own name gives the role, so a renamed SERVICE_NAME keeps it.
      role:
        config.get<ServiceRole>('EVENT_BUS_ROLE') ?? roleOfServiceName(service),
      keysDir: config.get<string>('EVENT_BUS_KEYS_DIR'),
      maxEventAgeSeconds: config.get<number>('EVENT_BUS_MAX_EVENT_AGE_SECONDS'),
    },
    durable: {
      maxDeliveries: config.get<number>('EVENT_BUS_MAX_DELIVERIES'),
      claimIdleMs: config.get<number>('EVENT_BUS_CLAIM_IDLE_MS'),
      deadLetterMaxPerGroup: config.get<number>(
        'EVENT_BUS_DEAD_LETTER_MAX_PER_GROUP',
      ),
      deadLetterMaxAgeSeconds: config.get<number>(
        'EVENT_BUS_DEAD_LETTER_MAX_AGE_SECONDS',
      ),
      retryHorizonSeconds: config.get<number>(
        'EVENT_BUS_RETRY_HORIZON_SECONDS',
      ),
      handlerTimeoutMs: config.get<number>('EVENT_BUS_HANDLER_TIMEOUT_MS'),
      handlerStallMs: config.get<number>('EVENT_BUS_HANDLER_STALL_MS'),
      shutdownGraceMs: durableShutdownGraceMs(
        config.get<number>('SHUTDOWN_GRACE_SECONDS') ??
          DEFAULT_SHUTDOWN_GRACE_SECONDS,
      ),
    },
  };
}

/**
 * The durable handlers' share of the service's shutdown grace: the rest of
 * the shutdown (jobs, connections) needs the last two seconds.
 */
export function durableShutdownGraceMs(graceSeconds: number): number {
  return Math.max(1_000, graceSeconds * 1_000 - 2_000);
}

/**
 * The oldest event a consumer accepts (`trust.maxEventAgeSeconds`, default
 * 8 days): the inboxes remember handled ids at least this long, so a genuine
 * event appended again is refused either as a duplicate or as too old.
 */
export function maxEventAgeSeconds(
  options: Pick<EventBusModuleOptions, 'trust'>,
): number {
  return options.trust?.maxEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
}

/**
 * How long events stay in their streams: `streamRetentionSeconds` (default
 * a day), never less than the history's TTL, so every event the history
 * lists can still be replayed.
 */
export function streamRetentionSeconds(
  options: Pick<
    EventBusModuleOptions,
    'streamRetentionSeconds' | 'historyTtlSeconds'
  >,
): number {
  return Math.max(
    options.streamRetentionSeconds ?? DEFAULT_STREAM_RETENTION_SECONDS,
    options.historyTtlSeconds ?? DEFAULT_HISTORY_TTL_SECONDS,
  );
}

/**
 * The hard ceiling of a stream's retention: entries a group has not handled
 * by then move to its dead letters. `streamMaxRetentionSeconds` (default a
 * week), never less than the ordinary retention.
 */
export function streamMaxRetentionSeconds(
  options: Pick<
    EventBusModuleOptions,
    'streamRetentionSeconds' | 'historyTtlSeconds' | 'streamMaxRetentionSeconds'
  >,
): number {
  return Math.max(
    options.streamMaxRetentionSeconds ?? DEFAULT_STREAM_MAX_RETENTION_SECONDS,
    streamRetentionSeconds(options),
  );
}

/** How many dead letters each group keeps, and how long. */
export function deadLetterBounds(
  options: Pick<EventBusModuleOptions, 'durable'>,
): DeadLetterBounds {
  return {
    maxPerGroup:
      options.durable?.deadLetterMaxPerGroup ??
      DEFAULT_DEAD_LETTER_BOUNDS.maxPerGroup,
    maxAgeSeconds:
      options.durable?.deadLetterMaxAgeSeconds ??
      DEFAULT_DEAD_LETTER_BOUNDS.maxAgeSeconds,
  };
}
