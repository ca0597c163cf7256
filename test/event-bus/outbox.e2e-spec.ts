import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { DATABASE, DatabaseModule, type Database } from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  EventBus,
  EventBusModule,
  EventHistory,
  OutboxStore,
  type EventEnvelope,
} from '@app/event-bus';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
} from '../support/index.js';

const verified = (): EventPayload<'user.verified'> => ({
  userId: randomUUID(),
  email: 'ada@example.com',
  name: 'Ada',
  timestamp: new Date().toISOString(),
});

/** The transactional outbox on an embedded PostgreSQL and a real Redis. */
describe('transactional outbox', () => {
  let redis: RedisServer;
  let raw: Redis;
  let app: INestApplication;
  let db: Database;
  let bus: EventBus;
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-outbox-'));
  const seen: EventEnvelope[] = [];

  const streamIds = async () =>
    (await raw.xrange('eventbus:stream:user.verified', '-', '+')).map(
      ([, fields]) => (JSON.parse(fields[1]) as EventEnvelope).id,
    );

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
          service: 'outbox-test',
          migrationsFolder: resolve('apps/user-service/drizzle'),
        }),
        EventBusModule.forRoot({
          service: 'outbox-test',
          redisUrl: redis.url,
          outboxPollMs: 100,
        }),
      ],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
    db = app.get<Database>(DATABASE);
    bus = app.get(EventBus);
    bus.subscribe('user.verified', (event) => {
      seen.push(event);
    });
  });

  afterAll(async () => {
    await app?.close();
    raw?.disconnect();
    await redis?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers an event written in a committed transaction, then forgets it', async () => {
    const receipt = await db.transaction((tx) =>
      bus.publish('user.verified', verified(), { transaction: tx }),
    );
    expect(receipt.redis).toBe('stored');

    await waitFor(async () => (await streamIds()).includes(receipt.event.id), {
      message: 'the event in its stream',
    });
    expect(seen.map((event) => event.id)).toContain(receipt.event.id);
    await waitFor(async () => (await app.get(OutboxStore).pending()) === 0, {
      message: 'the outbox emptied',
    });
  });

  it('sends nothing for a transaction that rolled back', async () => {
    let eventId = '';
    await expect(
      db.transaction(async (tx) => {
        const { event } = await bus.publish('user.verified', verified(), {
          transaction: tx,
        });
        eventId = event.id;
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');

    // A later event goes through, so the relay has run since.
    const later = await db.transaction((tx) =>
      bus.publish('user.verified', verified(), { transaction: tx }),
    );
    await waitFor(async () => (await streamIds()).includes(later.event.id));
    expect(await streamIds()).not.toContain(eventId);
    expect(seen.map((event) => event.id)).not.toContain(eventId);
    const localHistory = () =>
      app
        .get(EventHistory)
        .queryLocal({ eventType: 'user.verified', limit: 1_000 })
        .map((event) => event.id);
    await waitFor(() => localHistory().includes(later.event.id), {
      message: 'the later event in the local history',
    });
    expect(localHistory()).not.toContain(eventId);
  });

  it('keeps events while Redis is down, serves local subscribers, and sends them when it returns', async () => {
    await redis.stop();
    const receipts = [];
    for (let i = 0; i < 3; i++) {
      receipts.push(
        await db.transaction((tx) =>
          bus.publish('user.verified', verified(), { transaction: tx }),
        ),
      );
    }
    const ids = receipts.map((receipt) => receipt.event.id);

    await waitFor(
      () => ids.every((id) => seen.some((event) => event.id === id)),
      {
        message: 'local subscribers served without Redis',
      },
    );
    expect(await app.get(OutboxStore).pending()).toBe(3);

    await redis.start();
    await waitFor(
      async () => {
        const inStream = await streamIds();
        return ids.every((id) => inStream.includes(id));
      },
      {
        timeoutMs: 30_000,
        message: 'the kept events sent after Redis returned',
      },
    );
    const inStream = (await streamIds()).filter((id) => ids.includes(id));
    expect(inStream).toEqual(ids);
    expect(seen.filter((event) => ids.includes(event.id))).toHaveLength(3);
    await waitFor(async () => (await app.get(OutboxStore).pending()) === 0);
  });
});
