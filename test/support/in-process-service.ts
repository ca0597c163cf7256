import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { configureHttpApp } from '@app/common';
import { connectEventBus, streamKey } from '@app/event-bus';
import { TEST_PUBLIC_RATE_LIMIT } from './app-process.js';
import { waitFor } from './wait-for.js';

/** Variables a service reads; the test's own `env` replaces all of them. */
const SERVICE_ENV_KEYS = [
  'EVENT_BUS_REDIS_URL',
  'CACHE_REDIS_URL',
  'REDIS_URL',
  'REDIS_HOST',
  'REDIS_PORT',
  'REDIS_PASSWORD',
  'REDIS_TLS_CA_FILE',
  'JWT_SECRET',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'DATA_DIR',
  'DATABASE_URL',
  'SMTP_URL',
  'SERVICE_NAME',
  'DEFAULT_ORGANIZATION_ID',
  'DEFAULT_HOURLY_RATE',
  'RATE_LIMIT_PUBLIC_PER_MINUTE',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'JWT_PRIVATE_KEY_FILE',
  'JWT_PUBLIC_KEY_FILE',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
];

export interface InProcessServiceOptions {
  /**
   * The service's variables; `DATA_DIR` defaults to a fresh temporary
   * folder, `RATE_LIMIT_PUBLIC_PER_MINUTE` to a limit no test meets.
   */
  env: Record<string, string>;
  /**
   * Imports the root module: `ConfigModule.forRoot` validates the
   * environment when the module file is evaluated, so it must be imported
   * only once `env` is in place.
   */
  loadModule: () => Promise<Type>;
  /** Runs before the app starts, e.g. to subscribe to the bus. */
  beforeStart?: (app: INestApplication) => void;
  /**
   * Event types the service consumes durably: resolves only once its
   * consumer group exists on each of their streams.
   */
  consumes?: { group: string; types: string[] };
}

/** A service's root module running in the test process, as `main.ts` runs it. */
export interface InProcessService {
  readonly app: INestApplication;
  /** Closes the app, removes its data and restores the environment. */
  close(): Promise<void>;
}

/**
 * Starts a service in the test process (embedded database, the durable
 * event server), with exactly the given environment: nothing from the
 * developer's shell leaks in, and everything is restored by `close()`.
 */
export async function startServiceInProcess(
  options: InProcessServiceOptions,
): Promise<InProcessService> {
  const saved = new Map(SERVICE_ENV_KEYS.map((key) => [key, process.env[key]]));
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-service-'));
  for (const key of SERVICE_ENV_KEYS) delete process.env[key];
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    // Every test client is 127.0.0.1 (see startApp).
    RATE_LIMIT_PUBLIC_PER_MINUTE: TEST_PUBLIC_RATE_LIMIT,
    ...options.env,
  });

  let app: INestApplication | undefined;
  const close = async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [await options.loadModule()],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    configureHttpApp(app);
    connectEventBus(app);
    options.beforeStart?.(app);
    await app.init();
    await app.startAllMicroservices();
    if (options.consumes) {
      await consumerGroupsReady(
        options.env.EVENT_BUS_REDIS_URL,
        options.consumes,
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  const started = app;
  return { app: started, close };
}

async function consumerGroupsReady(
  redisUrl: string | undefined,
  { group, types }: { group: string; types: string[] },
): Promise<void> {
  if (!redisUrl) throw new Error('consumes needs env.EVENT_BUS_REDIS_URL');
  const probe = new Redis(redisUrl);
  try {
    await waitFor(
      async () => {
        for (const type of types) {
          const groups = (await probe
            .xinfo('GROUPS', streamKey('eventbus:', type))
            .catch(() => [])) as unknown[][];
          if (!groups.some((fields) => fields.includes(group))) return false;
        }
        return true;
      },
      { message: `${group} consumer groups on ${types.join(', ')}` },
    );
  } finally {
    await probe.quit();
  }
}
