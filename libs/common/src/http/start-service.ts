import { existsSync } from 'node:fs';
import { Logger, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  InvalidConfigurationError,
  validateEnvironment,
  type ServiceEnvironment,
} from '../config/environment.js';
import { stopReconnecting } from '../redis/backoff.js';
import { configureHttpApp } from './configure-http-app.js';

/** Seconds between SIGTERM and the forced exit, unless configured. */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 8;
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

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
  let environment: ServiceEnvironment;
  try {
    environment = validateEnvironment(options.environment)(process.env);
  } catch (error) {
    if (!(error instanceof InvalidConfigurationError)) throw error;
    logger.error(error.message);
    process.exit(1);
  }
  boundShutdown(
    logger,
    environment.SHUTDOWN_GRACE_SECONDS ?? DEFAULT_SHUTDOWN_GRACE_SECONDS,
  );
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

/**
 * On SIGTERM or SIGINT (Nest's shutdown hooks close the app meanwhile):
 * reconnect loops end at once, so nothing waits for a Redis that is away,
 * and after `graceSeconds` the process exits whatever is still running.
 * Handlers and jobs in flight have the grace to finish; what they do not
 * finish stays unacknowledged and is delivered again (BullMQ's stalled
 * jobs, the streams' pending entries, the outbox's rows).
 */
function boundShutdown(logger: Logger, graceSeconds: number): void {
  const onSignal = (signal: NodeJS.Signals) => {
    for (const other of SHUTDOWN_SIGNALS) process.off(other, onSignal);
    stopReconnecting();
    logger.log(`${signal}: shutting down within ${graceSeconds} s`);
    setTimeout(() => {
      logger.error(
        `Shutdown not finished after ${graceSeconds} s; exiting, unfinished work is left for redelivery`,
      );
      process.exit(1);
      // Unref'd: a shutdown that finishes sooner is not held up by it.
    }, graceSeconds * 1_000).unref();
  };
  for (const signal of SHUTDOWN_SIGNALS) process.once(signal, onSignal);
}
