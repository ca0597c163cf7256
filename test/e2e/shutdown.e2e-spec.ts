import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestDatabase,
  freePort,
  startApp,
  startRedisServer,
  TEST_DATABASE_ADMIN_URL,
  waitFor,
  type AppName,
  type AppProcess,
  type ExitInfo,
  type RedisServer,
  type TestDatabase,
} from '../support/index.js';

const APPS: AppName[] = [
  'user-service',
  'booking-service',
  'scheduler-service',
  'notification-service',
];
const GRACE_SECONDS = 3;
/** Process exit and the log flush on a loaded machine; far below "hangs". */
const MARGIN_MS = 7_000;

/**
 * A TCP relay in front of the suite's PostgreSQL: closing it makes the
 * database unreachable for the app (refused connections, dropped sessions)
 * without touching the shared server.
 */
async function startDatabaseRelay(): Promise<{
  port: number;
  close(): Promise<void>;
}> {
  const target = new URL(TEST_DATABASE_ADMIN_URL);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      from.pipe(to);
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) =>
    server.listen(port, '127.0.0.1', resolve),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Sends SIGTERM and resolves with how it ended, or `undefined` if still running. */
async function terminate(app: AppProcess): Promise<ExitInfo | undefined> {
  app.kill('SIGTERM');
  return Promise.race([
    app.exited,
    sleep(GRACE_SECONDS * 1_000 + MARGIN_MS).then(() => undefined),
  ]);
}

/**
 * Each service exits within SHUTDOWN_GRACE_SECONDS after SIGTERM, whatever
 * the state of its dependencies (real processes: the built apps; run
 * `npm run build` first). Before the bound, booking-service with its Redis
 * stopped kept running for more than 20 s.
 */
describe.each(APPS)('%s shuts down within the grace', (name) => {
  let redis: RedisServer;
  let database: TestDatabase | undefined;
  let app: AppProcess | undefined;

  const env = (extra: Record<string, string> = {}) => ({
    EVENT_BUS_REDIS_URL: redis.url,
    JWT_SECRET: 'shutdown-test-secret-0123',
    SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
    ...extra,
  });

  beforeEach(async () => {
    redis = await startRedisServer();
  });

  /** Its database, through `relay` when given (closed: unreachable). */
  async function start(relay?: { port: number }): Promise<AppProcess> {
    database = await createTestDatabase();
    const url = new URL(database.url);
    if (relay) url.port = String(relay.port);
    return startApp(name, {
      env: env({ DATABASE_URL: url.toString() }),
      timeoutMs: 120_000,
    });
  }

  /** Until GET /health answers 503; fails at once if the process ended. */
  const healthDown = (what: string) =>
    waitFor(
      async () => {
        if (await Promise.race([app!.exited, sleep(0)])) {
          throw new Error(`${name} exited by itself:\n${app!.logs()}`);
        }
        return (await fetch(`${app!.url}/health`)).status === 503;
      },
      { timeoutMs: 60_000, message: `${name} reporting ${what} down` },
    );

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await database?.drop();
    database = undefined;
    await redis?.kill();
  });

  it('with its Redis stopped', async () => {
    app = await start();
    await redis.stop();
    await healthDown('Redis');

    const ended = await terminate(app);

    expect(ended).toBeDefined();
    expect(ended!.signal).not.toBe('SIGKILL');
  });

  it('with its database unreachable', async () => {
    const relay = await startDatabaseRelay();
    try {
      app = await start(relay);
    } finally {
      await relay.close();
    }
    await healthDown('its database');

    const ended = await terminate(app);

    expect(ended).toBeDefined();
    expect(ended!.signal).not.toBe('SIGKILL');
  });
});
