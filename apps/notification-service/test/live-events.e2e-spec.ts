import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { UserRole } from '@app/contracts';
import { streamKey } from '@app/event-bus';
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
import { useLiveEventsAdapter } from '../src/live/live.module.js';

interface LiveMessage {
  type: 'ready' | 'event' | 'gap';
  cursor: string;
  eventTypes?: string[];
  event?: { id: string; type: string; data: Record<string, unknown> };
}

/** A browser-like client of `/events`: what it got and how it ended. */
interface LiveClient {
  messages: LiveMessage[];
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
  events(): NonNullable<LiveMessage['event']>[];
}

describe('notification-service live events over WebSocket (e2e)', () => {
  let redis: RedisServer;
  let service: InProcessService;
  let app: INestApplication;
  let port: number;
  const clients: LiveClient[] = [];

  const tokenFor = (role: UserRole, id = randomUUID()) =>
    app.get(JwtService).sign({ sub: id, role, email: `${id}@example.com` });

  function connect(query: Record<string, string>): LiveClient {
    const url = new URL(`ws://127.0.0.1:${port}/events`);
    for (const [key, value] of Object.entries(query)) {
      url.searchParams.set(key, value);
    }
    const socket = new WebSocket(url);
    const messages: LiveMessage[] = [];
    socket.on('message', (data) => {
      messages.push(
        JSON.parse((data as Buffer).toString('utf8')) as LiveMessage,
      );
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.on('close', (code, reason) =>
        done({ code, reason: reason.toString() }),
      ),
    );
    const client: LiveClient = {
      messages,
      closed,
      async close() {
        socket.close();
        await closed;
      },
      events: () => messages.flatMap((m) => (m.event ? [m.event] : [])),
    };
    clients.push(client);
    return client;
  }

  /** Connects and waits for the `ready` message. */
  async function ready(query: Record<string, string>): Promise<LiveClient> {
    const client = connect(query);
    await waitFor(() => client.messages.some((m) => m.type === 'ready'), {
      message: 'the ready message',
    });
    return client;
  }

  const bookingCreated = (customerId = randomUUID()) =>
    publishAs(redis.url, 'booking.created', {
      bookingId: randomUUID(),
      customerId,
      startsAt: '2030-01-01T09:00:00.000Z',
      endsAt: '2030-01-01T10:00:00.000Z',
      status: 'requested',
      timestamp: new Date().toISOString(),
    });

  beforeAll(async () => {
    redis = await startRedisServer();
    service = await startServiceInProcess({
      env: {
        EVENT_BUS_REDIS_URL: redis.url,
        JWT_SECRET: 'live-events-e2e-secret',
      },
      loadModule: async () =>
        (await import('../src/notification-service.module.js'))
          .NotificationServiceModule,
      beforeStart: useLiveEventsAdapter,
    });
    app = service.app;
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await service?.close();
    await redis?.kill();
  });

  it('refuses a connection without a valid token (4401) or with unknown types (4400)', async () => {
    expect(await connect({}).closed).toMatchObject({
      code: 4401,
      reason: 'A bearer access token is required',
    });
    expect(await connect({ token: 'not-a-jwt' }).closed).toMatchObject({
      code: 4401,
    });
    expect(
      await connect({ token: tokenFor('admin'), types: 'user.nope' }).closed,
    ).toEqual({
      code: 4400,
      reason: 'Unknown event type(s) in types: user.nope',
    });
    expect(
      await connect({ token: tokenFor('admin'), since: 'garbage' }).closed,
    ).toMatchObject({ code: 4400 });
  });

  it('streams the chosen types to an admin, sensitive fields redacted', async () => {
    const client = await ready({
      token: tokenFor('admin'),
      types: 'user.registered',
    });

    await bookingCreated();
    const { event } = await publishAs(redis.url, 'user.registered', {
      userId: randomUUID(),
      email: 'ada@example.com',
      name: 'Ada',
      role: 'customer',
      verificationToken: 'one-time-secret',
      timestamp: new Date().toISOString(),
    });

    const received = await waitFor(() =>
      client.events().find((e) => e.id === event.id),
    );
    expect(received.data.verificationToken).not.toBe('one-time-secret');
    expect(client.events().map((e) => e.type)).toEqual(['user.registered']);
  });

  it('never shows a forged event: a genuine one with other data, written into the stream', async () => {
    const client = await ready({
      token: tokenFor('admin'),
      types: 'booking.created',
    });
    const { event: genuine } = await bookingCreated();
    await waitFor(() => client.events().some((e) => e.id === genuine.id));

    const forged = {
      ...genuine,
      id: randomUUID(),
      data: { ...genuine.data, customerId: randomUUID() },
    };
    const raw = new Redis(redis.url);
    await raw.xadd(
      streamKey('eventbus:', 'booking.created'),
      '*',
      'envelope',
      JSON.stringify(forged),
    );
    await raw.quit();
    // Events are shown in stream order: once the next genuine one is
    // there, the forgery has been passed over.
    const { event: next } = await bookingCreated();
    await waitFor(() => client.events().some((e) => e.id === next.id));

    expect(client.events().map((e) => e.id)).toEqual([genuine.id, next.id]);
  });

  it('shows a customer only the events about them', async () => {
    const customerId = randomUUID();
    const client = await ready({
      token: tokenFor('customer', customerId),
      types: 'booking.created',
    });

    await bookingCreated();
    const { event } = await bookingCreated(customerId);

    await waitFor(() => client.events().some((e) => e.id === event.id));
    expect(client.events().map((e) => e.data.customerId)).toEqual([customerId]);
  });

  it('resumes after a reconnect with the last cursor: no gap, no repeat', async () => {
    const token = tokenFor('admin');
    const first = await ready({ token, types: 'booking.created' });
    const { event: before } = await bookingCreated();
    await waitFor(() => first.events().some((e) => e.id === before.id));
    const cursor = first.messages.at(-1)!.cursor;
    await first.close();

    // Published while the browser was away.
    const missed = [];
    for (let i = 0; i < 3; i++) missed.push((await bookingCreated()).event);

    const second = connect({ token, types: 'booking.created', since: cursor });
    await waitFor(() => second.events().length === 3, {
      message: 'the three missed events',
    });
    const { event: after } = await bookingCreated();
    await waitFor(() => second.events().some((e) => e.id === after.id));

    expect(second.messages[0].type).toBe('ready');
    expect(second.events().map((e) => e.id)).toEqual([
      ...missed.map((e) => e.id),
      after.id,
    ]);
  });

  it('says so when events after the cursor were trimmed away, then sends what is left', async () => {
    const token = tokenFor('admin');
    const first = await ready({ token, types: 'booking.created' });
    const { event: seen } = await bookingCreated();
    await waitFor(() => first.events().some((e) => e.id === seen.id));
    const cursor = first.messages.at(-1)!.cursor;
    await first.close();
    await bookingCreated();
    const { event: kept } = await bookingCreated();
    // Retention at work: all but the newest entry trimmed.
    const raw = new Redis(redis.url);
    await raw.xtrim(streamKey('eventbus:', 'booking.created'), 'MAXLEN', 1);
    await raw.quit();

    const second = connect({ token, types: 'booking.created', since: cursor });

    await waitFor(() => second.events().some((e) => e.id === kept.id));
    expect(second.messages.map((m) => m.type)).toEqual([
      'ready',
      'gap',
      'event',
    ]);
    expect(second.messages[1].eventTypes).toEqual(['booking.created']);
  });
});
