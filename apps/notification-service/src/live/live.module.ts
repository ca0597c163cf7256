import { Module, type INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { LiveEventsGateway } from './live-events.gateway.js';
import { LiveEventsReader } from './live-events.reader.js';

/** The WebSocket at `/events`: live events for browsers, resumable. */
@Module({ providers: [LiveEventsGateway, LiveEventsReader] })
export class LiveModule {}

/**
 * The WebSocket adapter the gateway needs (plain `ws`, on the HTTP port):
 * call before `app.init()` wherever the app starts. Nest's default adapter
 * would be socket.io, which this project does not use.
 */
export function useLiveEventsAdapter(app: INestApplication): void {
  app.useWebSocketAdapter(new WsAdapter(app));
}
