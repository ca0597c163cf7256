import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventBus } from '@app/event-bus';
import type { UpsertOrganizationDto } from './dto/upsert-organization.dto.js';
import {
  toOrganizationResponse,
  type OrganizationResponse,
} from './organization.response.js';
import { defaultHourlyRate } from './organization-settings.js';
import { ORGANIZATIONS_MESSAGES } from './organizations.messages.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { PricingCache } from './pricing-cache.js';

/** Organization settings: read, create or update, and cache invalidation. */
@Injectable()
export class OrganizationsService {
  private readonly logger = new Logger(OrganizationsService.name);

  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly cache: PricingCache,
    private readonly bus: EventBus,
    private readonly config: ConfigService,
  ) {}

  async findOne(id: string): Promise<OrganizationResponse> {
    const row = await this.organizations.findById(id);
    if (!row) throw new NotFoundException(ORGANIZATIONS_MESSAGES.notFound(id));
    return toOrganizationResponse(row);
  }

  /**
   * Creates or updates the organization, drops this instance's cache entry
   * and emits `organization.updated`, whose handler drops it on every
   * instance (and again here, after any read that raced with the write).
   */
  async upsert(
    id: string,
    dto: UpsertOrganizationDto,
  ): Promise<OrganizationResponse> {
    const row = await this.organizations.upsert(id, dto, {
      name: id,
      hourlyRate: defaultHourlyRate(this.config),
    });
    await this.cache.invalidate(id);
    this.logger.log(`Organization ${id} saved`);
    try {
      await this.bus.publish('organization.updated', {
        organizationId: row.id,
        currency: row.currency,
        hourlyRate: row.hourlyRate,
        timestamp: new Date().toISOString(),
      });
    } catch (error) {
      this.logger.error(
        `Could not publish organization.updated: ${(error as Error).message}`,
      );
    }
    return toOrganizationResponse(row);
  }
}
