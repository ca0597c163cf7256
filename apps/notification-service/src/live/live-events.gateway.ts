import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import { AccessTokenVerifier, type AuthenticatedUser } from '@app/common';
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
export const CLOSE_FORBIDDEN_ORIGIN = 4403;
export const CLOSE_TOO_MANY = 4429;
/** Sockets one user may hold open at once; the next one is refused. */
export const MAX_SOCKETS_PER_USER = 10;
/** Sockets of all users together on one instance. */
export const MAX_SOCKETS = 2_000;
/** Largest frame a client may send (it has nothing to send but pings). */
export const MAX_FRAME_BYTES = 4 * 1024;
/** How far back `since` may reach; older parts are announced as a `gap`. */
export const MAX_REPLAY_SECONDS = 3_600;
/** Node's timers overflow past this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

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
 * connection is closed with 4401 (token), 4400 (parameters), 4403 (a
 * browser page from an origin not in `CORS_ORIGINS`) or 4429 (more than
 * `MAX_SOCKETS_PER_USER` sockets of one user, or `MAX_SOCKETS` in all) and
 * a reason. A socket is closed with 4401 when its token expires or its user
 * is deleted. `since` reaches back at most `MAX_REPLAY_SECONDS`.
 */
@WebSocketGateway({ path: LIVE_EVENTS_PATH, maxPayload: MAX_FRAME_BYTES })
export class LiveEventsGateway
  implements OnGatewayConnection, OnGatewayDisconnect
{
  private readonly logger = new Logger(LiveEventsGateway.name);
  /** Per open socket, what releases it (subscription, timers, counts). */
  private readonly clients = new Map<WebSocket, () => void>();
  private readonly socketsPerUser = new Map<string, number>();
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(
    private readonly tokens: AccessTokenVerifier,
    private readonly reader: LiveEventsReader,
    config: ConfigService,
  ) {
    this.allowedOrigins = new Set(
      (config.get<string[]>('CORS_ORIGINS') ?? []).map(
        (origin) => new URL(origin).origin,
      ),
    );
  }

  async handleConnection(
    socket: WebSocket,
    request: IncomingMessage,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!this.originAllowed(request)) {
      socket.close(CLOSE_FORBIDDEN_ORIGIN, 'This origin may not connect');
      return;
    }
    let subscription: LiveSubscription;
    try {
      const claims = await this.tokens
        .verifyClaims(url.searchParams.get('token') ?? bearer(request))
        .catch((error: Error) => {
          socket.close(CLOSE_UNAUTHORIZED, error.message);
          throw error;
        });
      const user: AuthenticatedUser = {
        id: claims.sub,
        role: claims.role,
        email: claims.email,
      };
      if (socket.readyState !== socket.OPEN) return;
      // Counted before any other await, so a burst cannot pass the cap.
      const refusal = this.admit(socket, user, claims.exp!);
      if (refusal) {
        socket.close(CLOSE_TOO_MANY, refusal);
        return;
      }
      const types = parseTypes(url.searchParams.get('types'));
      const since = url.searchParams.get('since');
      await this.reader.ready;
      const cursor: LiveCursor = {
        ...this.reader.position(types),
        ...(since ? parseSince(since, types) : {}),
      };
      if (socket.readyState !== socket.OPEN) return;
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
    const user = subscription.user;
    // Subscribed before catching up: nothing falls between the two.
    const unsubscribe = this.reader.subscribe((entry) => {
      if (
        entry.type === 'user.deleted' &&
        (entry.event.data as { userId?: unknown }).userId === user.id
      ) {
        socket.close(CLOSE_UNAUTHORIZED, 'The user was deleted');
        return;
      }
      subscription.offer(entry);
    });
    const release = this.clients.get(socket);
    this.clients.set(socket, () => {
      unsubscribe();
      subscription.close();
      release?.();
    });
    try {
      await subscription.catchUp(
        this.reader,
        `${Date.now() - MAX_REPLAY_SECONDS * 1_000}-0`,
      );
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

  /**
   * Browsers send `Origin`; a page may connect from this service's own
   * origin or one of `CORS_ORIGINS`. Clients that are not browsers send
   * none and cannot be driven by a foreign page.
   */
  private originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false;
    }
    return (
      this.allowedOrigins.has(parsed.origin) ||
      parsed.host === request.headers.host
    );
  }

  /**
   * Counts the socket for its user and arms its expiry: a reason to refuse
   * it past the caps, nothing when it is admitted.
   */
  private admit(
    socket: WebSocket,
    user: AuthenticatedUser,
    expiresAt: number,
  ): string | undefined {
    const held = this.socketsPerUser.get(user.id) ?? 0;
    if (held >= MAX_SOCKETS_PER_USER) {
      return `At most ${MAX_SOCKETS_PER_USER} live connections per user`;
    }
    if (this.clients.size >= MAX_SOCKETS) {
      return 'Too many live connections; try again later';
    }
    this.socketsPerUser.set(user.id, held + 1);
    const expiry = setTimeout(
      () => socket.close(CLOSE_UNAUTHORIZED, 'The access token expired'),
      Math.min(MAX_TIMER_MS, Math.max(0, expiresAt * 1_000 - Date.now())),
    );
    this.clients.set(socket, () => {
      clearTimeout(expiry);
      const left = (this.socketsPerUser.get(user.id) ?? 1) - 1;
      if (left > 0) this.socketsPerUser.set(user.id, left);
      else this.socketsPerUser.delete(user.id);
    });
    return undefined;
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
