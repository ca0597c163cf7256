import { existsSync } from 'node:fs';
import { Logger, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  InvalidConfigurationError,
  validateEnvironment,
  type ServiceEnvironment,
} from '../config/environment.js';
import { configureHttpApp } from './configure-http-app.js';

export interface StartServiceOptions {
  /** For logs, e.g. `user-service`. */
  name: string;
  defaultPort: number;
  /** The class `ConfigModule.forRoot({ validate })` of the app uses. */
  environment: new () => ServiceEnvironment;
  /**
   * Imports the root module lazily: `ConfigModule.forRoot` validates while
   * the module file is evaluated, which must come after the check here.
   */
  loadModule: () => Promise<Type>;
  /** Attaches microservice servers (e.g. `connectEventBus`) before start. */
  connect?: (app: INestApplication) => void;
}

/**
 * Starts a hybrid app: checks the environment first (a bad value stops the
 * process with one line, exit code 1), then HTTP set-up, the microservice
 * servers, and `PORT` (or the default port).
 */
export async function startService(
  options: StartServiceOptions,
): Promise<INestApplication> {
  const logger = new Logger(options.name);
  // What ConfigModule will read too: `.env`, never over the real environment.
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    validateEnvironment(options.environment)(process.env);
  } catch (error) {
    if (!(error instanceof InvalidConfigurationError)) throw error;
    logger.error(error.message);
    process.exit(1);
  }
  const app = await NestFactory.create(await options.loadModule());
  configureHttpApp(app);
  options.connect?.(app);
  // Lifecycle hooks (migrations done, the bus's tables created) before the
  // microservice servers start handling events; listen() would run them last.
  await app.init();
  await app.startAllMicroservices();
  const port = process.env.PORT ?? options.defaultPort;
  await app.listen(port);
  logger.log(`Listening on port ${port}`);
  return app;
}
