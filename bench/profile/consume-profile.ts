import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  connectEventBus,
  EventBus,
  EventBusModule,
  type EventEnvelope,
} from '@app/event-bus';
import { userVerifiedPayload } from './user-verified-payload.js';
import { startRedisServer } from '../../test/support/redis-server.js';
import { turnSignaturesOff } from '../src/signatures.js';

/**
 * The durable consumer alone: publishes `EVENTS` signed events of about 400
 * bytes to a private redis-server first, then starts a `ServerRedisStreams`
 * consumer and profiles only its catching up (the inspector's profiler, so
 * the publishing is left out), printing events/s and CPU time per event:
 *
 *   npx nest build bench -p bench/profile/tsconfig.json
 *   node dist/profile/bench/profile/consume-profile.js [/tmp/consume.cpuprofile]
 *   node dist/profile/bench/profile/top-self-time.js /tmp/consume.cpuprofile 30
 *
 * `SIGNATURES=off` runs both sides with signatures off, as the bench's
 * signatures-off rows do.
 */

const EVENTS = Number(process.env.EVENTS ?? 20_000);
const IN_FLIGHT = 1_000;
const [profileFile] = process.argv.slice(2);
const signatures = process.env.SIGNATURES !== 'off';

let handled = 0;
let allHandled: () => void = () => undefined;

@Controller()
class ProfiledConsumer {
  @EventPattern('user.verified')
  handle(@Payload() event: EventEnvelope) {
    if (event.id && ++handled === EVENTS) allHandled();
  }
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const apps: INestApplication[] = [];
  try {
    @Module({
      imports: [
        EventBusModule.forRoot({
          service: 'user-service',
          redisUrl: redis.url,
        }),
      ],
    })
    class PublisherModule {}
    const publisher = await NestFactory.create(PublisherModule, {
      logger: ['error', 'warn'],
    });
    apps.push(publisher);
    if (!signatures) turnSignaturesOff(publisher);
    await publisher.init();
    const bus = publisher.get(EventBus);
    const deadline = Date.now() + 10_000;
    while (
      (
        await bus.publish('user.verified', userVerifiedPayload(), {
          redisOnly: true,
        })
      ).redis !== 'published'
    ) {
      if (Date.now() > deadline) throw new Error('the bus never connected');
      await new Promise((done) => setTimeout(done, 50));
    }
    let next = 1;
    const worker = async () => {
      while (next++ < EVENTS) {
        await bus.publish('user.verified', userVerifiedPayload(), {
          redisOnly: true,
        });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    @Module({
      imports: [
        EventBusModule.forRoot({
          service: 'notification-service',
          redisUrl: redis.url,
        }),
      ],
      controllers: [ProfiledConsumer],
    })
    class ConsumerModule {}
    const consumer = await NestFactory.create(ConsumerModule, {
      logger: ['error', 'warn'],
    });
    apps.push(consumer);
    if (!signatures) turnSignaturesOff(consumer);
    connectEventBus(consumer);
    await consumer.init();

    const session = new Session();
    session.connect();
    if (profileFile) {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const done = new Promise<void>((resolve) => (allHandled = resolve));
    const start = performance.now();
    const cpu = process.cpuUsage();
    await consumer.startAllMicroservices();
    await done;
    const seconds = (performance.now() - start) / 1_000;
    const { user, system } = process.cpuUsage(cpu);
    if (profileFile) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(profile));
    }
    session.disconnect();
    console.log(
      JSON.stringify({
        events: EVENTS,
        perSecond: Math.round(EVENTS / seconds),
        cpuMicrosPerEvent: Math.round((user + system) / EVENTS),
      }),
    );
  } finally {
    for (const app of apps.reverse()) await app.close();
    await redis.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
