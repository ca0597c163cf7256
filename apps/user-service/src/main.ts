import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configureHttpApp, InvalidConfigurationError } from '@app/common';
import { connectEventBus } from '@app/event-bus';

const DEFAULT_PORT = 3001;
const logger = new Logger('UserService');

/**
 * `ConfigModule.forRoot` validates the environment while the module is being
 * imported, so a bad variable surfaces as a rejection outside any try/catch.
 * It should stop the app with its one clear line, not a stack trace.
 */
function exitOnInvalidConfiguration(error: unknown): void {
  if (error instanceof InvalidConfigurationError) {
    logger.error(error.message);
    process.exit(1);
  }
}
process.on('unhandledRejection', (reason) => {
  exitOnInvalidConfiguration(reason);
  throw reason;
});

async function bootstrap() {
  // Imported only now, once the handler above is in place.
  const { UserServiceModule } = await import('./user-service.module.js');
  const app = await NestFactory.create(UserServiceModule, {
    abortOnError: false,
  });
  configureHttpApp(app);
  connectEventBus(app);
  await app.startAllMicroservices();
  const port = process.env.PORT ?? DEFAULT_PORT;
  await app.listen(port);
  logger.log(`Listening on port ${port}`);
}
await bootstrap().catch((error: unknown) => {
  exitOnInvalidConfiguration(error);
  throw error;
});
