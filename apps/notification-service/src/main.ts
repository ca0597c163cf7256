import { NestFactory } from '@nestjs/core';
import { configureHttpApp } from '@app/common';
import { connectEventBus } from '@app/event-bus';
import { NotificationServiceModule } from './notification-service.module.js';

const DEFAULT_PORT = 3004;

async function bootstrap() {
  const app = await NestFactory.create(NotificationServiceModule);
  configureHttpApp(app);
  connectEventBus(app);
  await app.startAllMicroservices();
  await app.listen(process.env.PORT ?? DEFAULT_PORT);
}
await bootstrap();
