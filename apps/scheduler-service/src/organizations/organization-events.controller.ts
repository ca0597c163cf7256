import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { OrganizationUpdated } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import { PricingCache } from './pricing-cache.js';

/**
 * `organization.updated` arrives on every instance (broadcast), so each
 * drops the cached settings and the next invoice reads the new ones.
 */
@Controller()
export class OrganizationEventsController {
  constructor(private readonly cache: PricingCache) {}

  @EventPattern('organization.updated')
  async onOrganizationUpdated(
    @Payload() event: EventEnvelope<OrganizationUpdated>,
  ): Promise<void> {
    await this.cache.invalidate(event.data.organizationId);
  }
}
