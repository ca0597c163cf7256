import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Controller, type INestApplication, type Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import request from 'supertest';
import { AuthModule, configureHttpApp } from '@app/common';
import {
  appendDeadLetters,
  connectEventBus,
  createEventEnvelope,
  DEFAULT_DEAD_LETTER_BOUNDS,
  EventBus,
  EventBusModule,
  streamKey,
  type DeadLetter,
  type DurableConsumerOptions,
  type EventBusStatusReport,
  type EventEnvelope,
} from '@app/event-bus';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
} from '../support/index.js';

const KEY_PREFIX = 'eventbus:';
const JWT_SECRET = `test-${randomUUID()}`;

@Controller()
class AlwaysFailing {
  @EventPattern('user.deleted')
  onDeleted(@Payload() event: EventEnvelope) {
    throw new Error(`the read model is gone (${event.id})`);
  }
}

async function startService(
  redis: RedisServer,
  service: string,
  controllers: Type[],
  durable: DurableConsumerOptions = {},
): Promise<INestApplication> {
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({
        isGlobal: true,
        ignoreEnvFile: true,
        load: [() => ({ JWT_SECRET })],
      }),
      AuthModule,
      EventBusModule.forRoot({
        service,
        redisUrl: redis.url,
        retentionIntervalMs: 200,
        durable,
      }),
    ],
    controllers,
  }).compile();
  const app = module.createNestApplication({ logger: false });
  configureHttpApp(app);
  connectEventBus(app);
  await app.startAllMicroservices();
  await app.init();
  return app;
}

const adminToken = (app: INestApplication) =>
  app.get(JwtService).sign({
    sub: randomUUID(),
    role: 'admin',
    email: 'admin@example.com',
  });

async function discardedCounter(): Promise<number> {
  const metric = register.getSingleMetric(
    'eventbus_events_dead_letter_discarded_total',
  );
  const { values } = await metric!.get();
  return (
    values.find((entry) => entry.labels.type === 'user.deleted')?.value ?? 0
  );
}

describe('bounded dead letters', () => {
  let redis: RedisServer;
  let app: INestApplication;
  const group = 'bounded-test';

  beforeAll(async () => {
    redis = await startRedisServer();
    app = await startService(redis, group, [AlwaysFailing], {
      // Dead letters at the first failure: no fast or delayed retries.
      maxDeliveries: 1,
      retryHorizonSeconds: 0,
      deadLetterMaxPerGroup: 10,
      deadLetterMaxAgeSeconds: 3_600,
    });
  });

  afterEach(() => jest.useRealTimers());

  afterAll(async () => {
    await app?.close();
    await redis?.kill();
  });

  const http = () => request(app.getHttpServer());
  const health = async () =>
    (
      (await http().get('/api/events/health').expect(200))
        .body as EventBusStatusReport
    ).durable!;
  const publish = async (count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const userId = randomUUID();
      const { event } = await app.get(EventBus).publish(
        'user.deleted',
        {
          userId,
          email: `${userId}@example.com`,
          timestamp: new Date().toISOString(),
        },
        { redisOnly: true },
      );
      ids.push(event.id);
    }
    return ids;
  };
  const lettersKept = async () =>
    (await health()).deadLetterGroups[group] ?? {
      count: 0,
      discarded: 0,
      oldestAgeSeconds: null,
    };

  it('warns before the bounds, then discards the oldest letters past them and counts them', async () => {
    const counterBefore = await discardedCounter();
    const published = await publish(7);
    await waitFor(async () => (await lettersKept()).count === 7, {
      timeoutMs: 30_000,
      message: 'seven dead letters',
    });
    expect((await health()).warnings).toEqual([]);

    published.push(...(await publish(1)));
    await waitFor(async () => (await lettersKept()).count === 8, {
      timeoutMs: 30_000,
      message: 'eight dead letters',
    });
    const near = await health();
    expect(near.warnings).toEqual([
      expect.stringContaining(
        `${group} keeps 8 dead letters of at most 10`,
      ) as string,
    ]);
    expect(near.deadLetterGroups[group].discarded).toBe(0);

    published.push(...(await publish(4)));
    const past = await waitFor(
      async () => {
        const kept = await lettersKept();
        return kept.discarded === 2 && kept;
      },
      { timeoutMs: 30_000, message: 'two dead letters discarded' },
    );
    expect(past.count).toBe(10);
    const admin = adminToken(app);
    const letters = (
      await http()
        .get(`/api/events/dead-letters?group=${group}&limit=100`)
        .set('authorization', `Bearer ${admin}`)
        .expect(200)
    ).body.items as DeadLetter[];
    expect(letters).toHaveLength(10);
    const keptIds = letters.map((letter) => (letter.event as EventEnvelope).id);
    expect(published).toEqual(expect.arrayContaining(keptIds));
    expect(await discardedCounter()).toBe(counterBefore + 2);

    // Letters near their age bound are warned about, then discarded.
    jest.useFakeTimers({
      advanceTimers: true,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    jest.setSystemTime(Date.now() + 2_900_000);
    expect((await health()).warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`letters are discarded after 3600 s`) as string,
      ]),
    );
    jest.setSystemTime(Date.now() + 701_000);
    const expired = await waitFor(
      async () => {
        const kept = await lettersKept();
        return kept.count === 0 && kept;
      },
      { timeoutMs: 30_000, message: 'the dead letters expired by age' },
    );
    expect(expired.discarded).toBe(12);
    expect(await discardedCounter()).toBe(counterBefore + 12);
  });
});

describe('replay-all in pages', () => {
  let redis: RedisServer;
  let raw: Redis;
  let app: INestApplication;
  const group = 'pager';
  const stream = streamKey(KEY_PREFIX, 'user.deleted');

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
    app = await startService(redis, 'replay-test', []);
  });

  afterAll(async () => {
    await app?.close();
    await raw?.quit();
    await redis?.kill();
  });

  /** Letters as the durable server writes them, through the same store. */
  async function addLetters(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let written = 0; written < count; written += 100) {
      const letters = Array.from(
        { length: Math.min(100, count - written) },
        (_, i) => {
          const userId = randomUUID();
          const envelope = createEventEnvelope({
            type: 'user.deleted',
            source: 'user-service',
            dataversion: 1,
            data: {
              userId,
              email: `${userId}@example.com`,
              timestamp: new Date().toISOString(),
            },
          });
          ids.push(envelope.id);
          return {
            envelope,
            stream,
            entryId: `${Date.now()}-${written + i}`,
            group,
            handler: 'user.deleted',
            error: 'the read model is gone',
            deliveries: 5,
          };
        },
      );
      await appendDeadLetters(
        raw,
        {
          keyPrefix: KEY_PREFIX,
          group,
          stream,
          bounds: DEFAULT_DEAD_LETTER_BOUNDS,
        },
        letters,
        { kind: 'none' },
      );
    }
    return ids;
  }

  it('replays 1,000 letters a page per request, never those added while it runs', async () => {
    const original = await addLetters(1_000);
    const admin = adminToken(app);
    const replay = (body: object) =>
      request(app.getHttpServer())
        .post('/api/events/dead-letters/replay')
        .set('authorization', `Bearer ${admin}`)
        .send(body);

    await replay({ group, limit: 1_001 }).expect(400);
    await replay({ group, cursor: 'not-a-cursor' }).expect(400);

    const pages: Array<{
      replayed: number;
      remaining: number;
      cursor?: string;
    }> = [];
    const addedMeanwhile: string[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await replay({
        group,
        ...(cursor && { cursor }),
      }).expect(200);
      pages.push(body as (typeof pages)[number]);
      cursor = (body as { cursor?: string }).cursor;
      // Letters failing again while the replay runs.
      if (cursor) addedMeanwhile.push(...(await addLetters(3)));
    } while (cursor && pages.length < 20);

    expect(pages.map(({ replayed }) => replayed)).toEqual(Array(10).fill(100));
    expect(pages.map(({ remaining }) => remaining)).toEqual([
      900, 800, 700, 600, 500, 400, 300, 200, 100, 0,
    ]);
    expect(pages.at(-1)!.cursor).toBeUndefined();

    const replayed = await raw.xrange(stream, '-', '+');
    const replayedIds = replayed.map(
      ([, fields]) =>
        (JSON.parse(fields[fields.indexOf('envelope') + 1]) as EventEnvelope)
          .id,
    );
    expect(replayedIds).toEqual(original);
    expect(
      replayed.every(
        ([, fields]) => fields[fields.indexOf('group') + 1] === group,
      ),
    ).toBe(true);
    const left = (
      await request(app.getHttpServer())
        .get(`/api/events/dead-letters?group=${group}&limit=1000`)
        .set('authorization', `Bearer ${admin}`)
        .expect(200)
    ).body.items as DeadLetter[];
    expect(
      left.map((letter) => (letter.event as EventEnvelope).id).sort(),
    ).toEqual([...addedMeanwhile].sort());
  });
});
