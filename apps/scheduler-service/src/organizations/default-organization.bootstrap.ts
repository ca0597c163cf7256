import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  defaultHourlyRate,
  defaultOrganizationId,
} from './organization-settings.js';
import { OrganizationsRepository } from './organizations.repository.js';

/**
 * Creates the default organization (`DEFAULT_ORGANIZATION_ID`, rate
 * `DEFAULT_HOURLY_RATE`) at start-up unless it exists. Insert ... on conflict
 * do nothing: restarts and instances starting together are safe, and an
 * existing organization keeps its settings.
 */
@Injectable()
export class DefaultOrganizationBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(DefaultOrganizationBootstrap.name);

  constructor(
    private readonly config: ConfigService,
    private readonly organizations: OrganizationsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const id = defaultOrganizationId(this.config);
    const created = await this.organizations.insertIfMissing({
      id,
      name: id,
      hourlyRate: defaultHourlyRate(this.config),
    });
    if (created) this.logger.log(`Created the default organization ${id}`);
  }
}
