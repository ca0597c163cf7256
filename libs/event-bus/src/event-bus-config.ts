import type { ConfigService } from '@nestjs/config';
import { eventBusRedisUrl } from '@app/common';
import { roleOfServiceName, type ServiceRole } from '@app/contracts';
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
 * (`EVENT_BUS_MAX_DELIVERIES`, `EVENT_BUS_CLAIM_IDLE_MS`), and the trust
 * settings (`EVENT_BUS_ROLE`, default the role of the app's name `service`;
 * `EVENT_BUS_KEYS_DIR`; `EVENT_BUS_MAX_EVENT_AGE_SECONDS`).
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
