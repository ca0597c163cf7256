import { randomUUID } from 'node:crypto';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventPattern,
  Payload,
  Transport,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { CloudEvent } from 'cloudevents';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import type { EventPayload, UserRegistered } from '@app/contracts';
import {
  connectEventBus,
  currentCorrelation,
  EventBus,
  EventBusModule,
  EventBusStatus,
  type EventEnvelope,
} from '@app/event-bus';
import {
  startRedisServer,
  waitFor,
  type RedisServer,
} from '../support/index.js';

/** What a team's own Nest app looks like: nothing from this project. */
@Controller()
class StockSubscriber {
  static received: unknown[] = [];

  @EventPattern('user.registered')
  onUserRegistered(@Payload() data: unknown) {
    StockSubscriber.received.push(data);
  }
}

@Module({ controllers: [StockSubscriber] })
class StockAppModule {}

/** A project app consuming through the bus's broadcast server. */
@Controller()
class BusSubscriber {
  static received: Array<{
    event: EventEnvelope<UserRegistered>;
    correlation: unknown;
  }> = [];

  @EventPattern('user.registered')
  onUserRegistered(@Payload() event: EventEnvelope<UserRegistered>) {
    BusSubscriber.received.push({ event, correlation: currentCorrelation() });
  }
}

const registered = (): EventPayload<'user.registered'> => ({
  userId: randomUUID(),
  email: `${randomUUID()}@example.com`,
  name: 'Ada',
  role: 'customer',
  verificationToken: 'secret-token',
  timestamp: new Date().toISOString(),
});

const UNTRUSTED = 'eventbus_events_untrusted_total';

describe('broadcast delivery over Nest Redis transport', () => {
  let redis: RedisServer;
  let publisherApp: INestApplication;
  let consumerApp: INestApplication;
  let stockApp: Awaited<ReturnType<typeof NestFactory.createMicroservice>>;
  let bus: EventBus;

  beforeAll(async () => {
    redis = await startRedisServer();
    const { hostname, port } = new URL(redis.url);

    stockApp = await NestFactory.createMicroservice<MicroserviceOptions>(
      StockAppModule,
      {
        transport: Transport.REDIS,
        // Plain Nest gives up on a lost connection unless told to retry.
        options: {
          host: hostname,
          port: Number(port),
          retryAttempts: 100,
          retryDelay: 200,
        },
        logger: false,
      },
    );
    await stockApp.listen();

    const publisherModule = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot({
          service: 'user-service',
          redisUrl: redis.url,
        }),
      ],
    }).compile();
    publisherApp = publisherModule.createNestApplication({ logger: false });
    await publisherApp.init();
    bus = publisherApp.get(EventBus);

    const consumerModule = await Test.createTestingModule({
      imports: [
        EventBusModule.forRoot({
          service: 'notification-service',
          redisUrl: redis.url,
        }),
      ],
      controllers: [BusSubscriber],
    }).compile();
    consumerApp = consumerModule.createNestApplication({ logger: false });
    connectEventBus(consumerApp, { durable: false, broadcast: true });
    await consumerApp.startAllMicroservices();
    await consumerApp.init();

    // Both subscribers are listening once Redis counts them on the channel.
    const probe = new Redis(redis.url);
    await waitFor(
      async () => {
        const [, count] = (await probe.pubsub('NUMSUB', 'user.registered')) as [
          string,
          number,
        ];
        return count >= 2;
      },
      { message: 'two subscribers on user.registered' },
    );
    await probe.quit();
  });

  afterAll(async () => {
    await consumerApp?.close();
    await publisherApp?.close();
    await stockApp?.close();
    await redis?.kill();
  });

  it('reaches a stock Nest app unchanged, as a valid CloudEvent', async () => {
    const { event } = await bus.publish('user.registered', registered(), {
      correlationId: 'stock-check',
    });

    const received = await waitFor(
      () =>
        StockSubscriber.received.find(
          (data) => (data as EventEnvelope).id === event.id,
        ),
      { message: 'event at the stock subscriber' },
    );

    expect(received).toEqual(event);
    const cloudEvent = new CloudEvent({ ...(received as EventEnvelope) }, true);
    expect(cloudEvent.validate()).toBe(true);
    expect(cloudEvent.correlationid).toBe('stock-check');
    expect(cloudEvent.dataversion).toBe(1);
  });

  it('runs bus handlers in the event correlation, sensitive fields decrypted', async () => {
    const data = registered();
    const { event } = await bus.publish('user.registered', data, {
      correlationId: 'flow-1',
    });

    const delivery = await waitFor(
      () => BusSubscriber.received.find((entry) => entry.event.id === event.id),
      { message: 'event at the bus subscriber' },
    );

    // The wire form carries the token encrypted; the handler gets it clear.
    expect(event.data.verificationToken).not.toBe(data.verificationToken);
    expect(delivery.event).toEqual({ ...event, data });
    expect(delivery.correlation).toEqual({
      correlationId: 'flow-1',
      causationId: event.id,
    });
  });

  it('drops garbage and invalid messages, counts them and keeps consuming', async () => {
    const raw = new Redis(redis.url);
    const before = BusSubscriber.received.length;
    const status = consumerApp.get(EventBusStatus);

    await raw.publish('user.registered', 'this is not json');
    await raw.publish(
      'user.registered',
      JSON.stringify({ pattern: 'user.registered', data: 42 }),
    );
    await raw.publish(
      'user.registered',
      JSON.stringify({
        pattern: 'user.registered',
        data: {
          specversion: '1.0',
          id: 'x',
          type: 'user.registered',
          source: 's',
          time: new Date().toISOString(),
          correlationid: 'c',
          dataversion: 1,
          data: { userId: 'not-a-uuid' },
        },
      }),
    );
    await raw.quit();

    await waitFor(
      async () => (await status.report()).stats.totals.rejected >= 3,
      {
        message: 'three rejected messages',
      },
    );
    const { event } = await bus.publish('user.registered', registered());
    await waitFor(
      () => BusSubscriber.received.some((entry) => entry.event.id === event.id),
      {
        message: 'a valid event after the garbage',
      },
    );

    expect(BusSubscriber.received.length).toBe(before + 1);
    const report = await status.report();
    expect(report.status).toBe('up');
    expect(report.stats.byType['user.registered'].rejected).toBe(3);
  });

  it('drops a forged event (a genuine one with other data) before any handler, counted by reason', async () => {
    const untrusted = async () =>
      (await register.getSingleMetric(UNTRUSTED)?.get())?.values.find(
        (v) =>
          v.labels.type === 'user.registered' &&
          v.labels.reason === 'bad-signature',
      )?.value ?? 0;
    const { event: genuine } = await bus.publish(
      'user.registered',
      registered(),
    );
    await waitFor(
      () =>
        BusSubscriber.received.some((entry) => entry.event.id === genuine.id),
      { message: 'the genuine event at the bus subscriber' },
    );
    const before = await untrusted();
    const forged = {
      ...genuine,
      id: randomUUID(),
      data: { ...genuine.data, email: 'mallory@example.com' },
    };

    const raw = new Redis(redis.url);
    await raw.publish(
      'user.registered',
      JSON.stringify({ pattern: 'user.registered', data: forged }),
    );
    await raw.quit();

    await waitFor(async () => (await untrusted()) > before, {
      message: 'the forged event counted as bad-signature',
    });
    expect(
      BusSubscriber.received.some((entry) => entry.event.id === forged.id),
    ).toBe(false);
    // The stock app, which checks nothing, got it: only the bus verifies.
    expect(
      StockSubscriber.received.some(
        (data) => (data as EventEnvelope).id === forged.id,
      ),
    ).toBe(true);
  });

  it('refuses to publish an invalid payload and sends nothing', async () => {
    const before = StockSubscriber.received.length;

    await expect(
      bus.publish('user.registered', { ...registered(), email: 'nope' }),
    ).rejects.toThrow(/email must be an email/);
    // A valid event published after it is the next one the stock app sees.
    const { event } = await bus.publish('user.registered', registered());
    await waitFor(() => StockSubscriber.received.length > before, {
      message: 'the next event at the stock subscriber',
    });

    expect((StockSubscriber.received[before] as EventEnvelope).id).toBe(
      event.id,
    );
  });

  it('buffers events while Redis is down and sends them in order when it returns', async () => {
    await redis.stop();
    const published: string[] = [];
    for (let i = 0; i < 5; i++) {
      const receipt = await bus.publish('user.registered', registered());
      expect(receipt.redis).toBe('buffered');
      published.push(receipt.event.id);
    }
    const before = StockSubscriber.received.length;

    await redis.start();

    const ids = await waitFor(
      () => {
        const got = StockSubscriber.received
          .slice(before)
          .map((data) => (data as EventEnvelope).id);
        return got.length >= published.length && got;
      },
      {
        timeoutMs: 30_000,
        message: 'buffered events delivered after Redis returned',
      },
    );
    expect(ids).toEqual(published);
    // The durable side got each buffered event once, in order, too.
    const raw = new Redis(redis.url);
    const entries = await raw.xrange(
      'eventbus:stream:user.registered',
      '-',
      '+',
    );
    await raw.quit();
    const appended = entries
      .map(([, fields]) => (JSON.parse(fields[1]) as EventEnvelope).id)
      .filter((id) => published.includes(id));
    expect(appended).toEqual(published);
  });
});
