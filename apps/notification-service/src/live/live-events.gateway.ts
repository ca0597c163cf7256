import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import { AccessTokenVerifier } from '@app/common';
import { EVENT_TYPES, isEventType, type EventType } from '@app/contracts';
import type { WebSocket } from 'ws';
import {
  decodeCursor,
  InvalidCursorError,
  type LiveCursor,
} from './live-cursor.js';
import { LiveEventsReader } from './live-events.reader.js';
import { LiveSubscription } from './live-subscription.js';

export const LIVE_EVENTS_PATH = '/events';
/** Close codes: the HTTP status in the 4000 range (RFC 6455 private use). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_BAD_REQUEST = 4400;

class BadRequest extends Error {}

/**
 * `ws://<notification-service>/events?token=<JWT>&types=<t1,t2>&since=<cursor>`:
 * live events for browsers. The token is the access token of user-service
 * (browsers cannot set headers on a WebSocket; an `Authorization: Bearer`
 * header works too). `types` filters (default: every type). Each message is
 * JSON: first `{ type: 'ready', cursor }`, then
 * `{ type: 'event', cursor, event }` with the CloudEvents envelope, its
 * sensitive fields redacted. A client that reconnects with the last cursor
 * it got in `since` receives everything it missed, in order, then live
 * events, with no gap and no repeat; if the cursor is older than the
 * streams' retention, a `{ type: 'gap', eventTypes }` message says which
 * types lost events.
 * Admins see every event, others the events about them. A refused
 * connection is closed with 4401 (token) or 4400 (parameters) and a reason.
 */
@WebSocketGateway({ path: LIVE_EVENTS_PATH })
export class LiveEventsGateway
  implements OnGatewayConnection, OnGatewayDisconnect
{
  private readonly logger = new Logger(LiveEventsGateway.name);
  private readonly clients = new Map<WebSocket, () => void>();

  constructor(
    private readonly tokens: AccessTokenVerifier,
    private readonly reader: LiveEventsReader,
  ) {}

  async handleConnection(
    socket: WebSocket,
    request: IncomingMessage,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let subscription: LiveSubscription;
    try {
      const user = await this.tokens
        .verify(url.searchParams.get('token') ?? bearer(request))
        .catch((error: Error) => {
          socket.close(CLOSE_UNAUTHORIZED, error.message);
          throw error;
        });
      const types = parseTypes(url.searchParams.get('types'));
      const since = url.searchParams.get('since');
      await this.reader.ready;
      const cursor: LiveCursor = {
        ...this.reader.position(types),
        ...(since ? parseSince(since, types) : {}),
      };
      subscription = new LiveSubscription(socket, user, types, cursor);
      this.logger.log(
        `${user.role} ${user.id} watches ${types.length} event type(s)${since ? ', resuming' : ''}`,
      );
    } catch (error) {
      if (error instanceof BadRequest) {
        socket.close(CLOSE_BAD_REQUEST, error.message);
      }
      return;
    }
    // Subscribed before catching up: nothing falls between the two.
    const unsubscribe = this.reader.subscribe((entry) =>
      subscription.offer(entry),
    );
    this.clients.set(socket, () => {
      unsubscribe();
      subscription.close();
    });
    try {
      await subscription.catchUp(this.reader);
    } catch (error) {
      this.logger.warn(
        `Catching a client up failed: ${(error as Error).message}`,
      );
      socket.close(1011, 'Could not read the missed events; reconnect');
    }
  }

  handleDisconnect(socket: WebSocket): void {
    this.clients.get(socket)?.();
    this.clients.delete(socket);
  }
}

function bearer(request: IncomingMessage): string | undefined {
  const [scheme, token] = (request.headers.authorization ?? '').split(' ');
  return scheme?.toLowerCase() === 'bearer' ? token : undefined;
}

function parseTypes(value: string | null): EventType[] {
  if (!value) return [...EVENT_TYPES];
  const types = value.split(',').map((type) => type.trim());
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length > 0) {
    throw new BadRequest(
      `Unknown event type(s) in types: ${unknown.join(', ')}`,
    );
  }
  return types as EventType[];
}

function parseSince(value: string, types: EventType[]): LiveCursor {
  try {
    const cursor = decodeCursor(value);
    return Object.fromEntries(
      types.flatMap((type) => (cursor[type] ? [[type, cursor[type]]] : [])),
    );
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw new BadRequest(error.message);
    throw error;
  }
}
