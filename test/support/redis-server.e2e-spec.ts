import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

/** A client that fails fast instead of retrying, so "down" is observable. */
function connect(url: string): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  return client;
}

async function withClient<T>(url: string, fn: (c: Redis) => Promise<T>) {
  const client = connect(url);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    if (client.status !== 'end') client.disconnect();
  }
}

describe('startRedisServer (test support)', () => {
  let redis: RedisServer;

  afterEach(async () => {
    await redis?.kill();
  });

  it('answers PING, goes down on stop() and comes back on start()', async () => {
    redis = await startRedisServer();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    await expect(withClient(redis.url, (c) => c.ping())).resolves.toBe('PONG');

    await redis.stop();
    await expect(withClient(redis.url, (c) => c.ping())).rejects.toThrow();

    await redis.start();
    await expect(withClient(redis.url, (c) => c.ping())).resolves.toBe('PONG');
  });

  it('keeps data across stop()/start() with appendOnly', async () => {
    redis = await startRedisServer({ appendOnly: true });
    await withClient(redis.url, (c) => c.set('survivor', 'yes'));

    await redis.stop();
    await redis.start();

    await expect(withClient(redis.url, (c) => c.get('survivor'))).resolves.toBe(
      'yes',
    );
  });

  it('loses data across stop()/start() without appendOnly', async () => {
    redis = await startRedisServer();
    await withClient(redis.url, (c) => c.set('ghost', 'yes'));

    await redis.stop();
    await redis.start();

    await expect(
      withClient(redis.url, (c) => c.get('ghost')),
    ).resolves.toBeNull();
  });

  it('kill() stops the server and removes its directory', async () => {
    redis = await startRedisServer({ appendOnly: true });
    const { dir, url } = redis;

    await redis.kill();

    expect(existsSync(dir)).toBe(false);
    await expect(withClient(url, (c) => c.ping())).rejects.toThrow();
  });
});

describe('waitFor (test support)', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), {
      intervalMs: 5,
    });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throw as "not yet" and names the condition on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('still booting');
        },
        { timeoutMs: 50, intervalMs: 10, message: 'the answer' },
      ),
    ).rejects.toThrow(/waiting for the answer \(last error: still booting\)/);
  });
});
