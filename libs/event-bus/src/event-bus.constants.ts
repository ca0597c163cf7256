import { Inject } from '@nestjs/common';
import { EVENT_BUS_OPTIONS } from './event-bus.module-definition.js';

/** Redis connection of the bus's own reads and writes (history, health). */
export const EVENT_BUS_REDIS = Symbol('event-bus:redis');

export const CORRELATION_HEADER = 'x-correlation-id';
export const DEFAULT_HISTORY_TTL_SECONDS = 3_600;
export const DEFAULT_KEY_PREFIX = 'eventbus:';
export const DEFAULT_MAX_BUFFERED_EVENTS = 10_000;
export const DEFAULT_STREAM_RETENTION_SECONDS = 86_400;
/** A Redis command that has not answered by then counts as failed. */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

export const InjectEventBusOptions = () => Inject(EVENT_BUS_OPTIONS);
