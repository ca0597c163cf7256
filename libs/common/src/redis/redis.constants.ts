/** Injection token of the cache Redis client (cache and rate limits). */
export const CACHE_REDIS = Symbol('common:cache-redis');
