import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { UserRole } from '@app/contracts';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import {
  publishAs,
  startRedisServer,
  startServiceInProcess,
  waitFor,
  type InProcessService,
  type RedisServer,
} from '../../../test/support/index.js';
import { encodeCursor } from '../src/live/live-cursor.js';
import {
  CLOSE_FORBIDDEN_ORIGIN,
  CLOSE_TOO_MANY,
  CLOSE_UNAUTHORIZED,
  MAX_SOCKETS_PER_USER,
} from '../src/live/live-events.gateway.js';
import { useLiveEventsAdapter } from '../src/live/live.module.js';

const ALLOWED_ORIGIN = 'https://app.example.com';
const HISTORY_SIZE = 20_000;

interface Client {
  socket: WebSocket;
  messages: Array<{ type: string; event?: { id: string } }>;
  closed: Promise<{ code: number; reason: string }>;
}

/** The limits of the WebSocket `/events`: caps, expiry, origin, replay. */
describe('notification-service live events limits (e2e)', () => {
  let redis: RedisServer;
  let service: InProcessService;
  let app: INestApplication;
  /** Publishes as the types' own services: notification-service may not. */
  let publisher: Redis;
  let port: number;
  const sockets: WebSocket[] = [];

  const tokenFor = (
    role: UserRole,
    id = randomUUID(),
    expiresIn: number = 3_600,
  ) =>
    app
      .get(JwtService)
      .sign({ sub: id, role, email: `${id}@example.com` }, { expiresIn });

  function connect(query: Record<string, string>, origin?: string): Client {
    const url = new URL(`ws://127.0.0.1:${port}/events`);
    for (const [key, value] of Object.entries(query)) {
      url.searchParams.set(key, value);
    }
    const socket = new WebSocket(url, origin ? { origin } : {});
    sockets.push(socket);
    const messages: Client['messages'] = [];
    socket.on('message', (data) =>
      messages.push(JSON.parse((data as Buffer).toString('utf8'))),
    );
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.on('close', (code, reason) =>
        done({ code, reason: reason.toString() }),
      ),
    );
    return { socket, messages, closed };
  }

  const ready = async (client: Client) => {
    await waitFor(() => client.messages.some((m) => m.type === 'ready'), {
      timeoutMs: 30_000,
      message: 'the ready message',
    });
    return client;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    service = await startServiceInProcess({
      env: {
        EVENT_BUS_REDIS_URL: redis.url,
        JWT_SECRET: 'live-limits-e2e-secret',
        CORS_ORIGINS: ALLOWED_ORIGIN,
      },
      loadModule: async () =>
        (await import('../src/notification-service.module.js'))
          .NotificationServiceModule,
      beforeStart: useLiveEventsAdapter,
    });
    app = service.app;
    publisher = new Redis(redis.url);
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  }, 120_000);

  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    publisher?.disconnect();
    await service?.close();
    await redis?.kill();
  });

  it(`refuses the ${MAX_SOCKETS_PER_USER + 1}th socket of one user`, async () => {
    const token = tokenFor('customer');
    const admitted = await Promise.all(
      Array.from({ length: MAX_SOCKETS_PER_USER }, () =>
        ready(connect({ token })),
      ),
    );

    const refused = await connect({ token }).closed;
    const otherUser = await ready(connect({ token: tokenFor('customer') }));

    expect(refused.code).toBe(CLOSE_TOO_MANY);
    expect(otherUser.messages[0].type).toBe('ready');
    for (const client of admitted) client.socket.close();
    await Promise.all(admitted.map((client) => client.closed));
    // Closed sockets no longer count.
    await ready(connect({ token }));
  });

  it('closes a socket when its token expires', async () => {
    const client = await ready(
      connect({ token: tokenFor('customer', randomUUID(), 3) }),
    );

    const closed = await client.closed;

    expect(closed).toEqual({
      code: CLOSE_UNAUTHORIZED,
      reason: 'The access token expired',
    });
  });

  it('closes a socket when its user is deleted', async () => {
    const id = randomUUID();
    const client = await ready(connect({ token: tokenFor('customer', id) }));

    await publishAs(publisher, 'user.deleted', {
      userId: id,
      email: `${id}@example.com`,
      timestamp: new Date().toISOString(),
    });

    expect(await client.closed).toEqual({
      code: CLOSE_UNAUTHORIZED,
      reason: 'The user was deleted',
    });
  });

  it('refuses a browser page from an origin not allowed', async () => {
    const token = tokenFor('admin');

    const refused = await connect({ token }, 'https://evil.example.com').closed;
    const allowed = await ready(connect({ token }, ALLOWED_ORIGIN));

    expect(refused.code).toBe(CLOSE_FORBIDDEN_ORIGIN);
    expect(allowed.messages[0].type).toBe('ready');
  });

  it('replays a large history from 0-0 page by page, in order, each once', async () => {
    const notes = 'n'.repeat(1_000);
    for (let sent = 0; sent < HISTORY_SIZE; sent += 500) {
      await Promise.all(
        Array.from({ length: 500 }, () =>
          publishAs(publisher, 'booking.created', {
            bookingId: randomUUID(),
            customerId: randomUUID(),
            startsAt: '2030-01-01T09:00:00.000Z',
            endsAt: '2030-01-01T10:00:00.000Z',
            notes,
            status: 'requested',
            timestamp: new Date().toISOString(),
          }),
        ),
      );
    }
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 50);

    const client = connect({
      token: tokenFor('admin'),
      types: 'booking.created',
      since: encodeCursor({ 'booking.created': '0-0' }),
    });
    try {
      await waitFor(
        () =>
          client.messages.filter((m) => m.type === 'event').length >=
          HISTORY_SIZE,
        { timeoutMs: 300_000, intervalMs: 500, message: 'the whole replay' },
      );
    } finally {
      clearInterval(sampler);
    }

    const ids = client.messages.flatMap((m) =>
      m.type === 'event' ? [m.event!.id] : [],
    );
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    console.log(
      `Replay of ${ids.length} events (~1 KB each) from 0-0: RSS ${mib(rssBefore)} MiB before, peak ${mib(rssPeak)} MiB (+${mib(rssPeak - rssBefore)} MiB, the client's received copies included)`,
    );
    expect(client.messages[0].type).toBe('ready');
    expect(ids).toHaveLength(HISTORY_SIZE);
    expect(new Set(ids).size).toBe(HISTORY_SIZE);
  }, 600_000);
});
