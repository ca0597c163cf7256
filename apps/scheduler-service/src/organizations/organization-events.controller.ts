import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { OrganizationUpdated } from '@app/contracts';
import type { EventEnvelope } from '@app/event-bus';
import { PricingCache } from './pricing-cache.js';

/**
 * `organization.updated` drops the cached settings, so the next invoice
 * reads the new ones. The cache lives in the shared cache Redis, so one
 * instance of the service handling the event (durable delivery) is enough.
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
