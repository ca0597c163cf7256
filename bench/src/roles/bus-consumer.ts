import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  connectEventBus,
  EventBusModule,
  type EventEnvelope,
} from '@app/event-bus';
import { Tally, tallyHandlers } from '../load.js';
import { roleOptions, serve } from '../protocol.js';
import { turnSignaturesOff, type BusRoleOptions } from '../signatures.js';

/**
 * A service consuming `user.verified` durably, as notification-service
 * does: a plain `@EventPattern` handler on the bus's `ServerRedisStreams`
 * (attached by `connectEventBus`), one consumer group per service; it
 * verifies nothing with `signatures: false` (bench only, see signatures.ts).
 */
const {
  redisUrl,
  signatures = true,
  keyPrefix,
} = roleOptions<BusRoleOptions>();
const tally = new Tally();

@Controller()
class BusConsumer {
  @EventPattern('user.verified')
  handle(@Payload() event: EventEnvelope<{ name?: unknown }>) {
    tally.record(event.data?.name);
  }
}

@Module({
  imports: [
    EventBusModule.forRoot({
      service: 'notification-service',
      redisUrl,
      keyPrefix,
    }),
  ],
  controllers: [BusConsumer],
})
class ConsumerModule {}

const app = await NestFactory.create(ConsumerModule, {
  logger: ['error', 'warn'],
});
if (!signatures) turnSignaturesOff(app);
connectEventBus(app);
await app.init();
await app.startAllMicroservices();
serve(tallyHandlers(tally), () => app.close());
