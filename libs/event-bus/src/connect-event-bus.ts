import type { INestApplication } from '@nestjs/common';
import { EventBusTransports } from './transport/event-bus-transports.js';

/**
 * Attaches the bus's broadcast server (Nest's Redis transport) to a hybrid
 * app, so its `@EventPattern` handlers receive events. The app's global
 * pipes, guards and interceptors apply to the handlers too. Call before
 * `app.startAllMicroservices()`; a no-op in local-only mode.
 */
export function connectEventBus(app: INestApplication): void {
  const transports = app.get(EventBusTransports);
  if (!transports.usesRedis) return;
  app.connectMicroservice(
    { strategy: transports.createBroadcastServer() },
    { inheritAppConfig: true },
  );
}
