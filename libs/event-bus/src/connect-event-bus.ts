import type { INestApplication } from '@nestjs/common';
import { EventBusTransports } from './transport/event-bus-transports.js';

export interface ConnectEventBusOptions {
  /**
   * Consume over the durable transport (Redis Streams, one consumer group
   * per service, at least once, retries, dead letters). Default true.
   */
  durable?: boolean;
  /**
   * Also listen on Nest's Redis transport (pub/sub, every instance, at most
   * once), for fan-out. Default false. With both on, a handler without a
   * transport is bound to both and runs twice per event: name one in
   * `@EventPattern(type, DURABLE_TRANSPORT)` or
   * `@EventPattern(type, Transport.REDIS)`.
   */
  broadcast?: boolean;
}

/**
 * Attaches the bus's servers to a hybrid app, so its plain `@EventPattern`
 * handlers receive events: by default the durable server only, so each event
 * reaches each service once and is retried until its handler succeeds. The
 * app's global pipes, guards, interceptors and filters apply to handlers.
 * Call before `app.startAllMicroservices()`; a no-op in local-only mode.
 */
export function connectEventBus(
  app: INestApplication,
  { durable = true, broadcast = false }: ConnectEventBusOptions = {},
): void {
  const transports = app.get(EventBusTransports);
  if (!transports.usesRedis) return;
  if (durable) {
    app.connectMicroservice(
      { strategy: transports.createDurableServer() },
      { inheritAppConfig: true },
    );
  }
  if (broadcast) {
    app.connectMicroservice(
      { strategy: transports.createBroadcastServer() },
      { inheritAppConfig: true },
    );
  }
}
