import { NestFactory } from '@nestjs/core';
import { configureHttpApp } from '@app/common';
import { connectEventBus } from '@app/event-bus';
import { BookingServiceModule } from './booking-service.module.js';

const DEFAULT_PORT = 3002;

async function bootstrap() {
  const app = await NestFactory.create(BookingServiceModule);
  configureHttpApp(app);
  connectEventBus(app);
  await app.startAllMicroservices();
  await app.listen(process.env.PORT ?? DEFAULT_PORT);
}
await bootstrap();
