import { NestFactory } from '@nestjs/core';
import { configureHttpApp } from '@app/common';
import { connectEventBus } from '@app/event-bus';
import { SchedulerServiceModule } from './scheduler-service.module.js';

const DEFAULT_PORT = 3003;

async function bootstrap() {
  const app = await NestFactory.create(SchedulerServiceModule);
  configureHttpApp(app);
  connectEventBus(app);
  await app.startAllMicroservices();
  await app.listen(process.env.PORT ?? DEFAULT_PORT);
}
await bootstrap();
