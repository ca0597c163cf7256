import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EventPattern,
  Payload,
  Transport,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { Tally, tallyHandlers } from '../load.js';
import { roleOptions, serve } from '../protocol.js';

/** A team's own stock Nest app: `Transport.REDIS` and an `@EventPattern`. */
const { redisUrl, pattern } = roleOptions<{
  redisUrl: string;
  pattern: string;
}>();
const tally = new Tally();

@Controller()
class StockSubscriber {
  @EventPattern(pattern)
  handle(@Payload() envelope: { data?: { name?: unknown } }) {
    tally.record(envelope?.data?.name);
  }
}

@Module({ controllers: [StockSubscriber] })
class StockModule {}

const { hostname, port } = new URL(redisUrl);
const app = await NestFactory.createMicroservice<MicroserviceOptions>(
  StockModule,
  {
    transport: Transport.REDIS,
    options: { host: hostname, port: Number(port) },
    logger: ['error', 'warn'],
  },
);
await app.listen();
serve(tallyHandlers(tally), () => app.close());
