import { Injectable, Logger } from '@nestjs/common';
import { InjectCacheRedis } from '@app/common';
import type { Redis } from 'ioredis';
import { ORGANIZATIONS_MESSAGES } from './organizations.messages.js';
import type { OrganizationSettings } from './organization-settings.js';
import { OrganizationsRepository } from './organizations.repository.js';

/** Cache entries live 5 minutes: the longest a missed invalidation lasts. */
export const PRICING_CACHE_TTL_SECONDS = 300;

export const pricingCacheKey = (organizationId: string): string =>
  `scheduler:org-settings:${organizationId}`;

/**
 * Read-through cache of organization settings in the cache Redis. A miss
 * reads the `organizations` table and stores the JSON for 5 minutes; while
 * the cache Redis is down (its commands fail at once) the table is read
 * directly, so invoices never wait for the cache. `organization.updated`
 * drops the key.
 */
@Injectable()
export class PricingCache {
  private readonly logger = new Logger(PricingCache.name);
  private lastError?: string;

  constructor(
    @InjectCacheRedis() private readonly redis: Redis,
    private readonly organizations: OrganizationsRepository,
  ) {}

  /** The organization's settings, or `undefined` when it does not exist. */
  async get(organizationId: string): Promise<OrganizationSettings | undefined> {
    const key = pricingCacheKey(organizationId);
    let cached: string | null = null;
    let cacheUp = true;
    try {
      cached = await this.redis.get(key);
    } catch (error) {
      cacheUp = false;
      this.warn(error);
    }
    if (cached !== null) {
      const settings = parse(cached);
      if (settings) return settings;
    }
    const row = await this.organizations.findById(organizationId);
    if (!row) return undefined;
    const settings: OrganizationSettings = {
      id: row.id,
      name: row.name,
      currency: row.currency,
      hourlyRate: row.hourlyRate,
    };
    if (cacheUp) {
      await this.redis
        .set(key, JSON.stringify(settings), 'EX', PRICING_CACHE_TTL_SECONDS)
        .catch((error: unknown) => this.warn(error));
    }
    return settings;
  }

  /** Drops the cached settings; a cache outage is logged, not thrown. */
  async invalidate(organizationId: string): Promise<void> {
    try {
      await this.redis.del(pricingCacheKey(organizationId));
    } catch (error) {
      this.warn(error);
    }
  }

  /** Redis outages repeat the same error on every call: say it once. */
  private warn(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message === this.lastError) return;
    this.lastError = message;
    this.logger.warn(ORGANIZATIONS_MESSAGES.cacheUnavailable(message));
  }
}

/** A cache entry that is not what this code wrote is treated as a miss. */
function parse(json: string): OrganizationSettings | undefined {
  try {
    const value = JSON.parse(json) as Partial<OrganizationSettings> | null;
    if (
      value &&
      typeof value.id === 'string' &&
      typeof value.name === 'string' &&
      typeof value.currency === 'string' &&
      Number.isSafeInteger(value.hourlyRate)
    ) {
      return value as OrganizationSettings;
    }
  } catch {
    // fall through
  }
  return undefined;
}
