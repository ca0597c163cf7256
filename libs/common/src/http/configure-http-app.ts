import {
  ValidationPipe,
  type INestApplication,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { refuseDeepJson } from './json-depth.js';

/** Largest JSON or form body a route accepts; larger ones get 413. */
export const HTTP_BODY_LIMIT = '100kb';

/** How every app validates bodies and queries (unknown fields refused, types converted). */
export const VALIDATION_PIPE_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
};

/**
 * Express `trust proxy` from `TRUST_PROXY`: a hop count, `true`/`false`, or
 * addresses/subnets (`loopback`, `10.0.0.0/8`, ...). Unset trusts no proxy,
 * so `X-Forwarded-For` cannot change who a client is.
 */
export function trustProxySetting(
  value: string | undefined,
): boolean | number | string[] {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}

/**
 * What every app's HTTP side shares: security headers (helmet, no
 * `X-Powered-By`), CORS for the configured origins only (`CORS_ORIGINS`),
 * explicit body limits, the proxies to trust (`TRUST_PROXY`), bad input as a
 * 400 naming the fields (unknown fields refused, types converted), and
 * shutdown hooks so connections, workers and intervals are released on
 * SIGTERM.
 */
export function configureHttpApp(app: INestApplication): INestApplication {
  const express = app as NestExpressApplication;
  const config = app.get(ConfigService);
  express.disable('x-powered-by');
  express.set(
    'trust proxy',
    trustProxySetting(config.get<string>('TRUST_PROXY')),
  );
  express.use(helmet());
  const origins = config.get<string[]>('CORS_ORIGINS');
  if (origins?.length) {
    express.enableCors({ origin: origins, maxAge: 600 });
  }
  // Registered before Nest's defaults, which then step aside.
  // Nest's type leaves `verify` out (it sets one for rawBody, unused here);
  // body-parser still gets it.
  const jsonOptions = { limit: HTTP_BODY_LIMIT, verify: refuseDeepJson };
  express.useBodyParser('json', jsonOptions);
  express.useBodyParser('urlencoded', {
    limit: HTTP_BODY_LIMIT,
    extended: true,
  });
  app.useGlobalPipes(new ValidationPipe(VALIDATION_PIPE_OPTIONS));
  app.enableShutdownHooks();
  return app;
}
