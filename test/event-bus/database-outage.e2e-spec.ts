import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import pg from 'pg';
import { redisOptionsFromUrl } from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  deadLetterKey,
  ENVELOPE_FIELD,
  EventBusStats,
  EventHandlerErrorFilter,
  ServerRedisStreams,
  streamKey,
  type EventEnvelope,
} from '@app/event-bus';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
  userVerifiedEvent,
} from '../support/index.js';
import {
  startPostgresServer,
  type PostgresServer,
} from '../support/postgres-server.js';

const OUTAGE_MS = 60_000;
const GROUP = 'outage-test';

/** The consumer's database, shared with its handler. */
let pool: pg.Pool;

/** A durable handler whose effect is a row in PostgreSQL, idempotent by event id. */
@Controller()
class WelcomeRecorder {
  @EventPattern('user.verified')
  async onVerified(
    @Payload() event: EventEnvelope<EventPayload<'user.verified'>>,
  ): Promise<void> {
    await pool.query(
      'insert into welcomed (event_id, user_id) values ($1, $2) on conflict do nothing',
      [event.id, event.data.userId],
    );
  }
}

@Module({ controllers: [WelcomeRecorder] })
class ConsumerModule {}

/**
 * The outage: the consumer's database goes away for a minute while
 * events keep arriving; with the default retry schedule (fast retries, then
 * redeliveries spread over an hour) every event is handled once it returns.
 */
describe('a database outage of 60 s while events arrive', () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let raw: Redis;
  let app: INestMicroservice;
  const stats = new EventBusStats();
  const keyPrefix = `outage-${randomUUID().slice(0, 8)}:`;
  const stream = streamKey(keyPrefix, 'user.verified');

  const append = (event: EventEnvelope) =>
    raw.xadd(stream, '*', ENVELOPE_FIELD, JSON.stringify(event));
  const handled = async (): Promise<string[]> =>
    (
      await pool.query<{ event_id: string }>('select event_id from welcomed')
    ).rows.map((row) => row.event_id);

  beforeAll(async () => {
    [redis, postgres] = await Promise.all([
      startRedisServer(),
      startPostgresServer(),
    ]);
    raw = new Redis(redis.url);
    pool = new pg.Pool({
      connectionString: postgres.url,
      connectionTimeoutMillis: 2_000,
    });
    // Idle connections die with the server: the next query reconnects.
    pool.on('error', () => undefined);
    await pool.query(
      'create table welcomed (event_id uuid primary key, user_id uuid not null)',
    );
    app = await NestFactory.createMicroservice(ConsumerModule, {
      // The defaults of a service, apart from its own key prefix.
      strategy: new ServerRedisStreams({
        redis: redisOptionsFromUrl(redis.url),
        group: GROUP,
        keyPrefix,
        stats,
      }),
      logger: false,
    });
    app.useGlobalFilters(new EventHandlerErrorFilter());
    await app.listen();
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await raw?.quit();
    await redis?.kill();
    await postgres?.kill();
  });

  it('handles every event after the database returns, none dead-lettered', async () => {
    const before = Array.from({ length: 5 }, () => userVerifiedEvent());
    for (const event of before) await append(event);
    await waitFor(async () => (await handled()).length === before.length, {
      message: 'the events before the outage handled',
    });

    await postgres.stop();
    const during: EventEnvelope[] = [];
    const outageEnds = Date.now() + OUTAGE_MS;
    // One event every 3 s for the whole outage: the scenario, not a wait.
    while (Date.now() < outageEnds) {
      const event = userVerifiedEvent();
      during.push(event);
      await append(event);
      await new Promise((done) =>
        setTimeout(done, Math.min(3_000, outageEnds - Date.now())),
      );
    }
    const failedDuringOutage = stats.snapshot().totals.failed;
    await postgres.start();
    const after = Array.from({ length: 5 }, () => userVerifiedEvent());
    for (const event of after) await append(event);

    const all = [...before, ...during, ...after].map((event) => event.id);
    await waitFor(
      async () => {
        const ids = new Set(await handled());
        return all.every((id) => ids.has(id));
      },
      // The longest delayed wait in the first minute and a half is 40 s.
      { timeoutMs: 120_000, message: 'every event handled after the outage' },
    );
    expect((await handled()).sort()).toEqual([...all].sort());
    expect(failedDuringOutage).toBeGreaterThan(0);
    expect(await raw.xlen(deadLetterKey(keyPrefix))).toBe(0);
    expect(stats.snapshot().totals.deadLettered).toBe(0);
    await waitFor(
      async () => ((await raw.xpending(stream, GROUP)) as [number])[0] === 0,
      { message: 'every entry acknowledged' },
    );
  }, 300_000);
});
