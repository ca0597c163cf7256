import { ValidationPipe, type INestApplication } from '@nestjs/common';

/**
 * What every app's HTTP side shares: bad input is a 400 naming the fields
 * (unknown fields refused, types converted), and shutdown hooks so
 * connections, workers and intervals are released on SIGTERM.
 */
export function configureHttpApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
    }),
  );
  app.enableShutdownHooks();
  return app;
}
