import { Module } from '@nestjs/common';
import { DefaultOrganizationBootstrap } from './default-organization.bootstrap.js';
import { OrganizationEventsController } from './organization-events.controller.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { OrganizationsService } from './organizations.service.js';
import { PricingCache } from './pricing-cache.js';

/**
 * Organizations: their pricing settings, the read-through `PricingCache`
 * and its invalidation by `organization.updated`.
 */
@Module({
  controllers: [OrganizationsController, OrganizationEventsController],
  providers: [
    OrganizationsRepository,
    OrganizationsService,
    PricingCache,
    DefaultOrganizationBootstrap,
  ],
  exports: [OrganizationsRepository, PricingCache],
})
export class OrganizationsModule {}
