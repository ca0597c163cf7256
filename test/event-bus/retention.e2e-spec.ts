import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { EventBus, EventBusModule, streamKey } from '@app/event-bus';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
} from '../support/index.js';

const HOUR = 3_600_000;

/**
 * Trimming left the publish path (issue 8: no `XADD MINID ~` on append); the
 * periodic, consumer-aware retention task (issue 9, the retention helper's
 * work) replaces the old "trims on append" test. Redis trims whole nodes of
 * a stream only, so this server keeps one entry per node.
 */
describe('stream retention', () => {
  let redis: RedisServer;
  let raw: Redis;
  let app: INestApplication;
  const stream = streamKey('eventbus:', 'user.verified');

  beforeAll(async () => {
    redis = await startRedisServer({
      extraArgs: ['--stream-node-max-entries', '1'],
    });
    raw = new Redis(redis.url);
    const module = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot({
          service: 'retention-test',
          redisUrl: redis.url,
          // Below the history's TTL (an hour): the hour wins.
          streamRetentionSeconds: 60,
          historyTtlSeconds: 3_600,
        }),
      ],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await raw?.quit();
    await redis?.kill();
  });

  it.todo(
    'drops entries older than the retention, and keeps the rest (the periodic retention task replaces trimming on append)',
  );

  it('never trims a stream when an event is appended', async () => {
    const now = Date.now();
    const twoHoursOld = `${now - 2 * HOUR}-0`;
    const ninetyMinutesOld = `${now - 1.5 * HOUR}-0`;
    const halfAnHourOld = `${now - 0.5 * HOUR}-0`;
    for (const id of [twoHoursOld, ninetyMinutesOld, halfAnHourOld]) {
      await raw.xadd(stream, id, 'envelope', '{}');
    }

    const userId = randomUUID();
    const { event } = await app.get(EventBus).publish('user.verified', {
      userId,
      email: `${userId}@example.com`,
      name: 'Ada',
      timestamp: new Date().toISOString(),
    });

    // Sent at once, or from the buffer if the bus was still connecting.
    const entries = await waitFor(
      async () => {
        const all = await raw.xrange(stream, '-', '+');
        return all.at(-1)?.[1].includes(JSON.stringify(event)) && all;
      },
      { message: 'the event appended' },
    );
    expect(entries.map(([id]) => id).slice(0, -1)).toEqual([
      twoHoursOld,
      ninetyMinutesOld,
      halfAnHourOld,
    ]);
    expect(entries.at(-1)![1]).toContain(JSON.stringify(event));
  });
});
