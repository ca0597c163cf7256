import { randomUUID } from 'node:crypto';
import { redisOptionsFromUrl } from '@app/common';
import { streamKey } from '@app/event-bus';
import { Redis } from 'ioredis';
import {
  makeTestCertificates,
  startApp,
  startRedisServer,
  waitFor,
  type AppProcess,
  type RedisServer,
  type TestCertificates,
} from '../support/index.js';

/**
 * Connects with the options the apps use; resolves on PING, or rejects with
 * the connection's error (ioredis's own rejection only says it closed).
 */
async function pingWith(url: string, caFile: string): Promise<string> {
  let connectionError: Error | undefined;
  const client = new Redis({
    ...redisOptionsFromUrl(url, caFile),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', (error: Error) => (connectionError ??= error));
  try {
    await client.connect();
    return await client.ping();
  } catch (error) {
    throw connectionError ?? error;
  } finally {
    client.disconnect();
  }
}

describe('a TLS-only Redis (rediss://)', () => {
  let certificates: TestCertificates;
  let redis: RedisServer;
  const apps: AppProcess[] = [];

  const startUserService = async (caFile: string) => {
    const app = await startApp('user-service', {
      env: {
        EVENT_BUS_REDIS_URL: redis.url,
        REDIS_TLS_CA_FILE: caFile,
        JWT_SECRET: 'redis-tls-e2e-secret-of-32-bytes!',
        ADMIN_EMAIL: 'root@example.com',
        ADMIN_PASSWORD: 'admin-password-1',
      },
    });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    certificates = makeTestCertificates();
    redis = await startRedisServer({ tls: certificates });
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await redis?.kill();
    certificates?.remove();
  });

  it('serves TLS only, verified against the configured CA', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    await expect(pingWith(redis.url, certificates.caFile)).resolves.toBe(
      'PONG',
    );
    await expect(pingWith(redis.url, certificates.otherCaFile)).rejects.toThrow(
      /certificate/i,
    );
  });

  it('an app with the right CA connects: healthy, and its events reach the stream', async () => {
    const app = await startUserService(certificates.caFile);
    await waitFor(
      async () => (await fetch(`${app.url}/health`)).status === 200,
      { message: 'user-service healthy over TLS' },
    );
    const email = `${randomUUID()}@example.com`;
    const response = await fetch(`${app.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email,
        password: 'correct horse battery',
        name: 'Tess',
        role: 'customer',
      }),
    });
    expect(response.status).toBe(201);

    const reader = new Redis(
      redisOptionsFromUrl(redis.url, certificates.caFile),
    );
    try {
      const entries = await waitFor(
        async () => {
          const found = await reader.xrange(
            streamKey('eventbus:', 'user.registered'),
            '-',
            '+',
          );
          return found.some(([, fields]) => fields.join(' ').includes(email))
            ? found
            : undefined;
        },
        { message: 'user.registered on the TLS stream' },
      );
      expect(entries.length).toBeGreaterThan(0);
    } finally {
      reader.disconnect();
    }
  });

  it('an app trusting another CA refuses the server: unhealthy, nothing sent', async () => {
    const app = await startUserService(certificates.otherCaFile);
    const health = await waitFor(
      async () => {
        const response = await fetch(`${app.url}/health`);
        return response.status === 503
          ? ((await response.json()) as { error?: Record<string, unknown> })
          : undefined;
      },
      { message: 'user-service unhealthy with the wrong CA' },
    );
    expect(Object.keys(health.error ?? {})).toContain('eventBus');
    expect(app.logs()).toMatch(/certificate/i);
  });
});
