import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import { DatabaseModule } from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  EventBus,
  EventBusModule,
  EventBusTransports,
  EventHistory,
  OutboxStore,
  REDACTED,
  streamKey,
  type EventEnvelope,
} from '@app/event-bus';
import { TRIM_EVERY } from '../../libs/event-bus/src/history/history-index.js';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
} from '../support/index.js';

const registered = (): EventPayload<'user.registered'> => ({
  userId: randomUUID(),
  email: `${randomUUID()}@example.com`,
  name: 'Ada',
  role: 'customer',
  verificationToken: 'secret-token',
  timestamp: new Date().toISOString(),
});

const STREAM = streamKey('eventbus:', 'user.registered');

/** The publisher's own connection (a private field: observed, not used). */
const publisherRedis = (app: INestApplication): Redis =>
  Reflect.get(app.get(EventBusTransports).publisher!, 'redis') as Redis;

const streamIds = async (raw: Redis): Promise<string[]> =>
  (await raw.xrange(STREAM, '-', '+')).map(
    ([, fields]) => (JSON.parse(fields[1]) as EventEnvelope).id,
  );

/** Events refused by the trust checks so far, in this process. */
const refusedCount = async (): Promise<number> => {
  const metric = register.getSingleMetric('eventbus_events_untrusted_total');
  const { values } = (await metric?.get()) ?? { values: [] };
  return values.reduce((sum, { value }) => sum + value, 0);
};

/** Resolves with `promise`, or rejects once `ms` have passed. */
const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error(`${what}: still waiting`)), ms).unref(),
    ),
  ]);

/**
 * Lets the clock pass a millisecond: the history orders by stream entry id,
 * which carries the append's millisecond, and entries of one millisecond in
 * two streams come in no set order.
 */
const nextMillisecond = () => new Promise((elapsed) => setTimeout(elapsed, 2));

describe('the publish path', () => {
  let redis: RedisServer;
  let raw: Redis;
  let app: INestApplication;
  let bus: EventBus;

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    const module = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot({
          service: 'user-service',
          redisUrl: redis.url,
          historyTtlSeconds: 600,
        }),
      ],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
    bus = app.get(EventBus);
    await waitFor(
      async () =>
        (await bus.publish('user.registered', registered())).redis ===
        'published',
      { message: 'the publisher connected' },
    );
  });

  afterAll(async () => {
    await app?.close();
    raw?.disconnect();
    await redis?.kill();
  });

  it('sends the events of one turn as one command: each one’s append, broadcast and history index run inside it', async () => {
    const publisher = publisherRedis(app);
    const port = String(publisher.stream.localPort);
    const monitor = await raw.monitor();
    const fromPublisher: string[] = [];
    const inScripts: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') inScripts.push(args[0].toLowerCase());
      else if (source.endsWith(`:${port}`)) {
        fromPublisher.push(args[0].toLowerCase());
      }
    });
    // MONITOR starts with the next command: a marker shows it is on.
    await waitFor(
      async () => {
        await raw.ping('marker');
        return inScripts.length + fromPublisher.length === 0;
      },
      { message: 'monitor ready' },
    );

    const receipts = await Promise.all(
      Array.from({ length: 20 }, () =>
        bus.publish('user.registered', registered()),
      ),
    );
    await waitFor(() => inScripts.filter((c) => c === 'xadd').length >= 20, {
      message: 'twenty appends seen',
    });
    monitor.disconnect();

    expect(receipts.every((receipt) => receipt.redis === 'published')).toBe(
      true,
    );
    expect(fromPublisher).toEqual(['evalsha']);
    expect(inScripts.filter((c) => c === 'xadd')).toHaveLength(20);
    expect(inScripts.filter((c) => c === 'publish')).toHaveLength(20);
    // One history index entry each: its flow's.
    expect(inScripts.filter((c) => c === 'zadd')).toHaveLength(20);
    expect(inScripts).not.toContain('set');
  });

  it('fails only the event Redis refuses among those sent together', async () => {
    const blocked = streamKey('eventbus:', 'user.deleted');
    await raw.set(blocked, 'not a stream');
    let deleted: Awaited<ReturnType<typeof bus.publish>>;
    let sent: Awaited<ReturnType<typeof bus.publish>>;
    try {
      [deleted, sent] = await Promise.all([
        bus.publish('user.deleted', {
          userId: randomUUID(),
          email: 'gone@example.com',
          timestamp: new Date().toISOString(),
        }),
        bus.publish('user.registered', registered()),
      ]);
    } finally {
      await raw.del(blocked);
    }

    expect(sent.redis).toBe('published');
    expect(await streamIds(raw)).toContain(sent.event.id);
    // No database here: kept in memory, sent once Redis takes it.
    expect(deleted.redis).toBe('buffered');
    await waitFor(async () => (await raw.xlen(blocked)) === 1, {
      message: 'the refused event sent again',
    });
  });

  it('lets concurrent publishes share writes to Redis', async () => {
    const socket = publisherRedis(app).stream;
    const write = socket.write;
    let writes = 0;
    socket.write = function (this: typeof socket, ...args: unknown[]) {
      writes++;
      return Reflect.apply(write, this, args) as boolean;
    };
    try {
      const receipts = await Promise.all(
        Array.from({ length: 200 }, () =>
          bus.publish('user.registered', registered()),
        ),
      );
      expect(receipts.every((receipt) => receipt.redis === 'published')).toBe(
        true,
      );
    } finally {
      socket.write = write;
    }

    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(20);
  });

  it('broadcasts Nest’s wire message with the envelope as published', async () => {
    const subscriber = new Redis(redis.url);
    const messages: string[] = [];
    subscriber.on('message', (_channel: string, message: string) =>
      messages.push(message),
    );
    await subscriber.subscribe('user.registered');

    const { event } = await bus.publish('user.registered', registered());
    const message = await waitFor(
      () => messages.find((text) => text.includes(event.id)),
      { message: 'the broadcast' },
    );
    subscriber.disconnect();

    expect(JSON.parse(message)).toEqual({
      pattern: 'user.registered',
      data: event,
    });
    const [, fields] = (await raw.xrange(STREAM, '-', '+'))
      .reverse()
      .find(([, entry]) => entry[1].includes(event.id))!;
    expect(fields).toEqual(['envelope', JSON.stringify(event)]);
  });

  it('keeps in the history an index of the streams, not copies, and redacts what it returns', async () => {
    const correlationId = `history-${randomUUID()}`;
    const first = await bus.publish('user.registered', registered(), {
      correlationId,
    });
    await nextMillisecond();
    const second = await bus.publish(
      'user.verified',
      {
        userId: randomUUID(),
        email: 'ada@example.com',
        name: 'Ada',
        timestamp: new Date().toISOString(),
      },
      { correlationId },
    );
    const history = app.get(EventHistory);

    const all = await history.queryRedis({ correlationId });
    const registrations = await history.queryRedis({
      correlationId,
      eventType: 'user.registered',
    });
    const latest = await history.queryRedis({ correlationId, limit: 1 });

    expect(all.map((event) => event.id)).toEqual([
      second.event.id,
      first.event.id,
    ]);
    expect(all[1]).toEqual({
      ...first.event,
      data: { ...first.event.data, verificationToken: REDACTED },
    });
    expect(registrations.map((event) => event.id)).toEqual([first.event.id]);
    expect(latest.map((event) => event.id)).toEqual([second.event.id]);
    expect(await raw.keys('eventbus:history:event:*')).toEqual([]);
    expect(await raw.keys('eventbus:history:type:*')).toEqual([]);
    expect(await raw.exists('eventbus:history:all')).toBe(0);
    const ttl = await raw.ttl(`eventbus:history:correlation:${correlationId}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('answers by type and across types from the streams, leaving out replays, forgeries and keys that are not streams', async () => {
    const first = await bus.publish('user.registered', registered());
    await nextMillisecond();
    const second = await bus.publish('user.verified', {
      userId: randomUUID(),
      email: 'ada@example.com',
      name: 'Ada',
      timestamp: new Date().toISOString(),
    });
    const [[, fields]] = await raw.xrevrange(STREAM, '+', '-', 'COUNT', 1);
    const text = fields[1];
    // Written to Redis directly: a tampered copy, a non-envelope, a replay.
    await raw.xadd(STREAM, '*', 'envelope', text.replace('"Ada"', '"Eve"'));
    await raw.xadd(STREAM, '*', 'envelope', '{"not":"an event"}');
    await raw.xadd(STREAM, '*', 'envelope', text, 'group', 'booking-service');
    await raw.set(streamKey('eventbus:', 'shift.cancelled'), 'not a stream');
    const history = app.get(EventHistory);
    const refusedBefore = await refusedCount();

    const registrations = await history.queryRedis({
      eventType: 'user.registered',
      limit: 2,
    });
    const latest = await history.queryRedis({ limit: 2 });

    expect(registrations[0]).toEqual({
      ...first.event,
      data: { ...first.event.data, verificationToken: REDACTED },
    });
    expect(registrations).toHaveLength(2);
    expect(registrations[1].time <= first.event.time).toBe(true);
    expect(latest.map((event) => event.id)).toEqual([
      second.event.id,
      first.event.id,
    ]);
    // Listing a forgery is not a refused delivery.
    expect(await refusedCount()).toBe(refusedBefore);
    await raw.del(streamKey('eventbus:', 'shift.cancelled'));
  });

  it('trims expired members of a flow’s index on one publish in TRIM_EVERY', async () => {
    const correlationId = `trim-${randomUUID()}`;
    const key = `eventbus:history:correlation:${correlationId}`;
    await raw.zadd(key, 1, 'long-expired');

    await Promise.all(
      Array.from({ length: TRIM_EVERY }, () =>
        bus.publish('user.registered', registered(), { correlationId }),
      ),
    );

    expect(await raw.zscore(key, 'long-expired')).toBeNull();
    expect(await raw.zcard(key)).toBe(TRIM_EVERY);
  });

  it('closes the publisher promptly while Redis is unreachable', async () => {
    await redis.stop();
    const publisher = app.get(EventBusTransports).publisher!;
    await waitFor(() => !publisher.isConnected, {
      message: 'the publisher saw Redis go',
    });

    await expect(
      within(publisher.close(), 5_000, 'close()'),
    ).resolves.toBeUndefined();
    expect(publisherRedis(app).status).not.toBe('ready');
  });
});

describe('publishes while Redis is unreachable, with a database', () => {
  let redis: RedisServer;
  let raw: Redis;
  let app: INestApplication;
  let bus: EventBus;
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-publish-path-'));

  beforeAll(async () => {
    redis = await startRedisServer({ appendOnly: true });
    raw = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => 100 });
    raw.on('error', () => undefined);
    const module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ DATA_DIR: dataDir })],
        }),
        DatabaseModule.forRoot({
          service: 'publish-path-test',
          migrationsFolder: resolve('apps/user-service/drizzle'),
        }),
        EventBusModule.forRoot({
          service: 'publish-path-test',
          redisUrl: redis.url,
          outboxPollMs: 100,
        }),
      ],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
    bus = app.get(EventBus);
    await waitFor(
      async () =>
        (await bus.publish('user.registered', registered())).redis ===
        'published',
      { message: 'the publisher connected' },
    );
  });

  afterAll(async () => {
    await app?.close();
    raw?.disconnect();
    await redis?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps them in the outbox, not in memory, and sends them in order when Redis returns', async () => {
    await redis.stop();
    const publisher = app.get(EventBusTransports).publisher!;
    await waitFor(() => !publisher.isConnected, {
      message: 'the publisher saw Redis go',
    });
    const published: string[] = [];
    for (let i = 0; i < 5; i++) {
      const receipt = await bus.publish('user.registered', registered());
      expect(receipt.redis).toBe('stored');
      published.push(receipt.event.id);
    }
    const outbox = app.get(OutboxStore);
    expect(await outbox.pending()).toBe(5);
    expect(publisher.bufferedCount).toBe(0);

    await redis.start();
    await raw.connect().catch(() => undefined);

    const inStream = await waitFor(
      async () => {
        const ids = (await streamIds(raw)).filter((id) =>
          published.includes(id),
        );
        return ids.length === published.length && ids;
      },
      { timeoutMs: 30_000, message: 'the kept events in their stream' },
    );
    expect(inStream).toEqual(published);
    await waitFor(async () => (await outbox.pending()) === 0, {
      message: 'the outbox emptied',
    });
    // Once the kept events are out, publishes go straight to Redis again.
    await waitFor(
      async () =>
        (await bus.publish('user.registered', registered())).redis ===
        'published',
      { timeoutMs: 15_000, message: 'publishing directly again' },
    );
  });
});
