import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

/**
 * Logs a connection's error once per outage instead of on every reconnect
 * attempt (Nest's transports log each one), and again only after it was
 * ready in between.
 */
export function reportErrorsOncePerOutage(client: Redis, logger: Logger): void {
  let reported = false;
  client.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    logger.warn(`Event-bus Redis error: ${error.message}; reconnecting`);
  });
  client.on('ready', () => (reported = false));
}
