import { randomUUID } from 'node:crypto';
import { Controller, type INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AuthModule, configureHttpApp } from '@app/common';
import type { EventPayload } from '@app/contracts';
import {
  connectEventBus,
  EventBus,
  EventBusModule,
  EventReplayer,
  type DeadLetter,
  type EventEnvelope,
} from '@app/event-bus';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
} from '../support/index.js';

/** A handler that fails until it is "fixed". */
@Controller()
class FlakyConsumer {
  static broken = true;
  static handled: string[] = [];

  @EventPattern('user.deleted')
  onUserDeleted(@Payload() event: EventEnvelope<EventPayload<'user.deleted'>>) {
    if (FlakyConsumer.broken) throw new Error('the read model is corrupt');
    FlakyConsumer.handled.push(event.id);
  }
}

describe('dead letters: a handler that keeps failing, then replay', () => {
  let redis: RedisServer;
  let app: INestApplication;
  let admin: string;
  let customer: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    const module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ JWT_SECRET: `test-${randomUUID()}` })],
        }),
        AuthModule,
        EventBusModule.forRoot({
          service: 'dead-letter-test',
          redisUrl: redis.url,
          durable: { maxDeliveries: 3, retryHorizonSeconds: 0 },
        }),
      ],
      controllers: [FlakyConsumer],
    }).compile();
    app = module.createNestApplication({ logger: false });
    configureHttpApp(app);
    connectEventBus(app);
    await app.startAllMicroservices();
    await app.init();
    const jwt = app.get(JwtService);
    admin = jwt.sign({
      sub: randomUUID(),
      role: 'admin',
      email: 'a@example.com',
    });
    customer = jwt.sign({
      sub: randomUUID(),
      role: 'customer',
      email: 'c@example.com',
    });
  });

  afterAll(async () => {
    await app?.close();
    await redis?.kill();
  });

  const http = () => request(app.getHttpServer());
  const letters = async (): Promise<DeadLetter[]> =>
    (
      await http()
        .get('/api/events/dead-letters')
        .set('authorization', `Bearer ${admin}`)
        .expect(200)
    ).body.items;

  it('dead-letters after the configured deliveries, then delivers the replay once', async () => {
    const { event } = await app.get(EventBus).publish(
      'user.deleted',
      {
        userId: randomUUID(),
        email: 'gone@example.com',
        timestamp: new Date().toISOString(),
      },
      { redisOnly: true },
    );

    const [letter] = await waitFor(
      async () => {
        const items = await letters();
        return items.length === 1 && items;
      },
      { timeoutMs: 20_000, message: 'the event dead-lettered' },
    );
    expect(letter).toMatchObject({
      group: 'dead-letter-test',
      handler: 'user.deleted',
      error: 'the read model is corrupt',
      deliveries: 3,
      event: { id: event.id, type: 'user.deleted' },
    });
    expect(FlakyConsumer.handled).toEqual([]);

    FlakyConsumer.broken = false;
    await http()
      .post(`/api/events/dead-letters/${letter.id}/replay`)
      .set('authorization', `Bearer ${admin}`)
      .expect(200);

    await waitFor(() => FlakyConsumer.handled.length === 1, {
      message: 'the replayed event handled',
    });
    expect(FlakyConsumer.handled).toEqual([event.id]);
    expect(await letters()).toEqual([]);
  });

  it('replays a type from a point in time into a handler, leaving the group alone', async () => {
    const since = new Date();
    const bus = app.get(EventBus);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { event } = await bus.publish(
        'user.deleted',
        {
          userId: randomUUID(),
          email: `r${i}@example.com`,
          timestamp: new Date().toISOString(),
        },
        { redisOnly: true },
      );
      ids.push(event.id);
    }
    await waitFor(() => ids.every((id) => FlakyConsumer.handled.includes(id)), {
      message: 'the live group handled the three events',
    });
    const handledBefore = FlakyConsumer.handled.length;

    const seen: string[] = [];
    const result = await app
      .get(EventReplayer)
      .replay('user.deleted', { from: since }, (event) => seen.push(event.id));

    expect(seen).toEqual(ids);
    expect(result).toMatchObject({ replayed: 3, skipped: 0 });
    const again = await app
      .get(EventReplayer)
      .replay('user.deleted', { from: result.lastEntryId! }, (event) =>
        seen.push(event.id),
      );
    expect(again.replayed).toBe(0);
    expect(FlakyConsumer.handled.length).toBe(handledBefore);
  });

  it('keeps the routes for admins, with clear errors', async () => {
    await http().get('/api/events/dead-letters').expect(401);
    await http()
      .get('/api/events/dead-letters')
      .set('authorization', `Bearer ${customer}`)
      .expect(403);
    await http()
      .post('/api/events/dead-letters/not-an-id/replay')
      .set('authorization', `Bearer ${admin}`)
      .expect(400);
    await http()
      .delete('/api/events/dead-letters/1-0')
      .set('authorization', `Bearer ${admin}`)
      .expect(404);
    const all = await http()
      .post('/api/events/dead-letters/replay')
      .set('authorization', `Bearer ${admin}`)
      .send({})
      .expect(200);
    expect(all.body).toEqual({ replayed: 0, remaining: 0 });
  });
});
