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
   * Creates or updates the organization and emits `organization.updated` in
   * the same transaction (outbox), then drops this instance's cache entry.
   * The event's handler drops it on every instance once the relay delivers
   * it (and again here, after any read that raced with the write).
   */
  async upsert(
    id: string,
    dto: UpsertOrganizationDto,
  ): Promise<OrganizationResponse> {
    const row = await this.organizations.transaction(
      async (organizations, transaction) => {
        const saved = await organizations.upsert(id, dto, {
          name: id,
          hourlyRate: defaultHourlyRate(this.config),
        });
        await this.bus.publish(
          'organization.updated',
          {
            organizationId: saved.id,
            currency: saved.currency,
            hourlyRate: saved.hourlyRate,
            timestamp: new Date().toISOString(),
          },
          { transaction },
        );
        return saved;
      },
    );
    await this.cache.invalidate(id);
    this.logger.log(`Organization ${id} saved`);
    return toOrganizationResponse(row);
  }
}
