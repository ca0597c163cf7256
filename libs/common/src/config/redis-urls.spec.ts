import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeRedisUrl,
  redisOptionsFromUrl,
  resolveCacheRedisUrl,
  resolveEventBusRedisUrl,
} from './redis-urls.js';

describe('Redis URL resolution', () => {
  it('prefers EVENT_BUS_REDIS_URL, then REDIS_URL, then host and port', () => {
    expect(
      resolveEventBusRedisUrl({
        EVENT_BUS_REDIS_URL: 'redis://bus:6384',
        REDIS_URL: 'redis://other:1',
      }),
    ).toBe('redis://bus:6384');
    expect(resolveEventBusRedisUrl({ REDIS_URL: 'redis://other:1' })).toBe(
      'redis://other:1',
    );
    expect(
      resolveEventBusRedisUrl({
        REDIS_HOST: 'cache',
        REDIS_PORT: 7000,
        REDIS_PASSWORD: 'p@ss',
      }),
    ).toBe('redis://:p%40ss@cache:7000');
    expect(resolveEventBusRedisUrl({})).toBe('redis://127.0.0.1:6379');
  });

  it('defaults the cache Redis to the bus Redis', () => {
    expect(resolveCacheRedisUrl({ EVENT_BUS_REDIS_URL: 'redis://bus:1' })).toBe(
      'redis://bus:1',
    );
    expect(
      resolveCacheRedisUrl({
        EVENT_BUS_REDIS_URL: 'redis://bus:1',
        CACHE_REDIS_URL: 'redis://cache:2',
      }),
    ).toBe('redis://cache:2');
  });

  it('turns TLS on for rediss:// and reads credentials and db', () => {
    expect(redisOptionsFromUrl('rediss://user:s%3Acret@host:6380/2')).toEqual({
      host: 'host',
      port: 6380,
      username: 'user',
      password: 's:cret',
      db: 2,
      tls: {},
    });
    expect(redisOptionsFromUrl('redis://localhost')).toEqual({
      host: 'localhost',
      port: 6379,
    });
  });

  it('trusts the given CA file for rediss:// only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-ca-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, 'PEM BYTES');
    try {
      expect(redisOptionsFromUrl('rediss://host', caFile).tls).toEqual({
        ca: Buffer.from('PEM BYTES'),
      });
      expect(redisOptionsFromUrl('redis://host', caFile).tls).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hides credentials when describing a URL', () => {
    expect(describeRedisUrl('redis://u:secret@host:1/0')).toBe(
      'redis://host:1/0',
    );
  });
});
