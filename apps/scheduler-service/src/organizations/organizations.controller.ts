import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import {
  auditLog,
  CurrentUser,
  Roles,
  type AuthenticatedUser,
} from '@app/common';
import { UpsertOrganizationDto } from './dto/upsert-organization.dto.js';
import type { OrganizationResponse } from './organization.response.js';
import { ParseOrganizationIdPipe } from './organization-id.pipe.js';
import { OrganizationsService } from './organizations.service.js';

/** `/organizations/:id`: pricing settings, admin only. */
@Controller('organizations')
@Roles('admin')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get(':id')
  findOne(
    @Param('id', ParseOrganizationIdPipe) id: string,
  ): Promise<OrganizationResponse> {
    return this.organizations.findOne(id);
  }

  /** Creates or updates; 200 either way with the organization as stored. */
  @Put(':id')
  async upsert(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', ParseOrganizationIdPipe) id: string,
    @Body() dto: UpsertOrganizationDto,
  ): Promise<OrganizationResponse> {
    const organization = await this.organizations.upsert(id, dto);
    auditLog(admin, 'organization.upsert', `organization:${id}`, {
      name: dto.name,
      currency: dto.currency,
      hourlyRate: dto.hourlyRate,
    });
    return organization;
  }
}
