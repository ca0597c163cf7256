import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';

export interface RedisUrlSource {
  EVENT_BUS_REDIS_URL?: string;
  CACHE_REDIS_URL?: string;
  REDIS_URL?: string;
  REDIS_HOST?: string;
  REDIS_PORT?: number | string;
  REDIS_PASSWORD?: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The event-bus Redis (events and jobs): `EVENT_BUS_REDIS_URL`, else
 * `REDIS_URL`, else `REDIS_HOST`/`REDIS_PORT`/`REDIS_PASSWORD`, else the local
 * default.
 */
export function resolveEventBusRedisUrl(env: RedisUrlSource): string {
  if (env.EVENT_BUS_REDIS_URL) return env.EVENT_BUS_REDIS_URL;
  if (env.REDIS_URL) return env.REDIS_URL;
  if (env.REDIS_HOST || env.REDIS_PORT || env.REDIS_PASSWORD) {
    const url = new URL(DEFAULT_REDIS_URL);
    if (env.REDIS_HOST) url.hostname = env.REDIS_HOST;
    if (env.REDIS_PORT) url.port = String(env.REDIS_PORT);
    if (env.REDIS_PASSWORD)
      url.password = encodeURIComponent(env.REDIS_PASSWORD);
    return url.toString();
  }
  return DEFAULT_REDIS_URL;
}

/** The cache Redis (cache and rate limits); defaults to the event-bus Redis. */
export function resolveCacheRedisUrl(env: RedisUrlSource): string {
  return env.CACHE_REDIS_URL || resolveEventBusRedisUrl(env);
}

/**
 * ioredis options from a `redis://` or `rediss://` URL. Nest's Redis
 * transport spreads options into `new Redis({...})`, so it needs them as an
 * object rather than a URL; `rediss://` turns TLS on, verifying the server
 * against `tlsCaFile` (`REDIS_TLS_CA_FILE`, for a private CA) or else the
 * system's trusted CAs.
 */
export function redisOptionsFromUrl(
  redisUrl: string,
  tlsCaFile: string | undefined = process.env.REDIS_TLS_CA_FILE,
): RedisOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    ...(url.username && { username: decodeURIComponent(url.username) }),
    ...(url.password && { password: decodeURIComponent(url.password) }),
    ...(Number.isInteger(db) && db > 0 && { db }),
    ...(url.protocol === 'rediss:' && {
      tls: tlsCaFile ? { ca: readFileSync(tlsCaFile) } : {},
    }),
  };
}

/** `redis://host:port/db` without credentials, safe to log. */
export function describeRedisUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  url.username = '';
  url.password = '';
  return url.toString();
}
