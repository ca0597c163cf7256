import type { ConfigService } from '@nestjs/config';
import { eventBusRedisUrl } from '@app/common';
import {
  DEFAULT_HISTORY_TTL_SECONDS,
  DEFAULT_STREAM_RETENTION_SECONDS,
} from './event-bus.constants.js';
import type { EventBusModuleOptions } from './interfaces/event-bus-options.interface.js';

/**
 * `EventBusModule` options of a service from its validated environment:
 * `SERVICE_NAME` (default `service`), the event-bus Redis URL,
 * `EVENT_HISTORY_TTL_SECONDS`, `EVENT_STREAM_RETENTION_SECONDS` and the
 * durable consumers' tuning
 * (`EVENT_BUS_MAX_DELIVERIES`, `EVENT_BUS_CLAIM_IDLE_MS`) and the outbox
 * relays' lease (`EVENT_BUS_OUTBOX_LEASE_SECONDS`).
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
    outboxLeaseSeconds: config.get<number>('EVENT_BUS_OUTBOX_LEASE_SECONDS'),
    durable: {
      maxDeliveries: config.get<number>('EVENT_BUS_MAX_DELIVERIES'),
      claimIdleMs: config.get<number>('EVENT_BUS_CLAIM_IDLE_MS'),
    },
  };
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
